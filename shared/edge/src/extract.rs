//! axum's `Json`, `Path` and `Query`, rejecting bad input with an [`ErrorResponse`]
//! instead of axum's plain-text answers.

use crate::ErrorResponse;

/// `Json` whose rejections are typed errors (400, 413 or 422).
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ErrorResponse))]
pub struct JsonBody<T>(pub T);

/// `Path` whose rejections are typed errors (400).
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ErrorResponse))]
pub struct PathParam<T>(pub T);

/// `Query` whose rejections are typed errors (400).
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ErrorResponse))]
pub struct QueryParams<T>(pub T);
