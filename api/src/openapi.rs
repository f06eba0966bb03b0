//! The api's OpenAPI document, served at `GET /api/openapi.json`.
//!
//! Nothing here lists routes: [`crate::routes`] registers every handler with
//! `utoipa_axum::routes!`, which takes the handler's `#[utoipa::path]` along with it, so a
//! route and its documentation cannot part. This module adds what no single route says:
//! the title and version, the bearer security scheme, the tags, and the `/api` prefix.

use std::sync::Arc;

use ajet_core::{ErrorBody, ErrorCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The security scheme of every authenticated operation: `Authorization: Bearer <token>`,
/// with a person's session token or a bot's API token.
pub const BEARER: &str = "bearer";

/// Where the api is mounted, and where the paths of the document start.
pub const PREFIX: &str = "/api";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ajet-chat API",
        description = "The REST API of ajet-chat: communities, channels, DMs, messages, threads, \
            reactions, notifications, read state, presence, search, and identity (sessions, \
            bots and their tokens, webhooks, invites).\n\n\
            Every operation but this document and webhook deliveries takes \
            `Authorization: Bearer <token>` (a session or a bot's API token; a token acts only \
            within its scopes, 403 otherwise). Every \
            error is answered as `{\"error\": code, \"message\": sentence}` (`ErrorBody`), \
            with `code` one of `ErrorCode` and the status following from it. Outsiders get 404, \
            never 403, for private channels and DMs. Every write is also published as an event \
            on the real-time stream.",
        version = env!("CARGO_PKG_VERSION"),
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    modifiers(&BearerScheme),
    components(schemas(ErrorBody, ErrorCode)),
    tags(
        (name = "me", description = "The caller and the people they share channels with."),
        (name = "communities", description = "Communities and their members."),
        (name = "channels", description = "Channels: create, browse, join and leave, members, read state."),
        (name = "messages", description = "Messages, threads and reactions."),
        (name = "dms", description = "Direct messages and group DMs."),
        (name = "notifications", description = "Mentions, DMs, thread replies, invites and system notices."),
        (name = "presence", description = "Heartbeats in, online and offline out."),
        (name = "commands", description = "Slash commands: run one typed in a channel, list those the caller may run."),
        (name = "moderation", description = "Bans, kicks, mutes and purges: the owner's and admins' tools."),
        (name = "files", description = "Uploads, downloads, thumbnails and avatars."),
        (name = "search", description = "Full-text search over the messages the caller may read."),
        (name = "identity", description = "Sessions, bots and their tokens, webhooks, invites, the account."),
        (name = "meta", description = "This document."),
    ),
)]
struct ApiDoc;

/// Adds the [`BEARER`] scheme, which operations name in their `security(...)`.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A person's session token or a bot's API token, as \
                         `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The whole document from the operations of the routes under [`PREFIX`] (as
/// `OpenApiRouter::split_for_parts` gives them).
pub fn document(routes: Document) -> Document {
    let mut document = ApiDoc::openapi().nest(PREFIX, routes);
    for item in document.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            tidy_summary(operation);
        }
    }
    document
}

/// The document as the running api serves it.
pub fn current() -> Document {
    document(crate::routes::api().into_openapi())
}

/// `#[utoipa::path]` makes the first paragraph of a handler's `///` its operation's summary,
/// but those paragraphs are written for readers of the code: several lines long, some
/// starting with the route (`` `GET /api/…`: ``). The summary becomes the paragraph's first
/// sentence without the route, and the whole paragraph goes ahead of the description.
fn tidy_summary(operation: &mut utoipa::openapi::path::Operation) {
    let Some(paragraph) = operation.summary.take() else {
        return;
    };
    let paragraph = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = match paragraph.split_once("`: ") {
        Some((route, rest)) if route.starts_with('`') => rest,
        _ => paragraph.as_str(),
    };
    let mut chars = text.chars();
    let text: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    let summary = text.find(". ").map_or(text.as_str(), |end| &text[..=end]);
    if summary.len() < text.len() {
        operation.description = Some(match operation.description.take() {
            Some(rest) if !rest.is_empty() => format!("{text}\n\n{rest}"),
            _ => text.clone(),
        });
    }
    operation.summary = Some(summary.to_owned());
}

/// This document: every route of the api, its parameters, bodies and answers.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    security(()),
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of this api.", body = Object, content_type = "application/json"),
    ),
)]
pub async fn openapi_json(Extension(document): Extension<Arc<Document>>) -> Response {
    Json(document.as_ref()).into_response()
}

#[cfg(test)]
mod tests {
    use utoipa::openapi::path::{Operation, OperationBuilder};

    fn tidied(summary: &str) -> Operation {
        let mut operation = OperationBuilder::new().summary(Some(summary)).build();
        super::tidy_summary(&mut operation);
        operation
    }

    #[test]
    fn summaries_are_the_first_sentence_without_the_route() {
        let one = tidied("`GET /api/notifications/count`: how many are\nunread.");
        assert_eq!(one.summary.as_deref(), Some("How many are unread."));
        assert_eq!(one.description, None);
        let two = tidied("Posts a message. A repeated key returns\nthe first.");
        assert_eq!(two.summary.as_deref(), Some("Posts a message."));
        assert_eq!(
            two.description.as_deref(),
            Some("Posts a message. A repeated key returns the first.")
        );
    }
}
