//! Reading a delivery: which format it is in (from the `?format=` override, the event headers,
//! then the body's shape) and its body as JSON or plain text.

use http::HeaderMap;
use http::header::CONTENT_TYPE;
use percent_encoding::percent_decode;
use serde_json::Value;

use crate::{Format, WebhookError};

/// A delivery's body, decoded.
#[derive(Debug)]
pub(crate) enum Body {
    Json(Value),
    Text(String),
}

/// The value of header `name`, when it is present and printable.
pub(crate) fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The format named by the query's `format` parameter or by the event headers, before the
/// body is read.
pub(crate) fn format_from_request(
    headers: &HeaderMap,
    query_format: Option<&str>,
) -> Result<Option<Format>, WebhookError> {
    if let Some(name) = query_format {
        return name
            .parse()
            .map(Some)
            .map_err(|_| WebhookError::UnknownFormat(crate::text::truncate(name, 40)));
    }
    // Gitea and Forgejo also send `X-GitHub-Event`, so they are recognised first.
    if ["x-gitea-event", "x-forgejo-event", "x-gogs-event"]
        .iter()
        .any(|h| header(headers, h).is_some())
    {
        return Ok(Some(Format::Gitea));
    }
    if header(headers, "x-github-event").is_some() {
        return Ok(Some(Format::Github));
    }
    Ok(None)
}

/// The format a body of no announced format has, from its shape.
pub(crate) fn format_from_body(body: &Body) -> Result<Format, WebhookError> {
    let obj = match body {
        Body::Text(_) => return Ok(Format::Plain),
        Body::Json(Value::Object(obj)) => obj,
        Body::Json(_) => return Err(WebhookError::UnknownShape),
    };
    if obj.contains_key("version") && obj.get("alerts").is_some_and(Value::is_array) {
        Ok(Format::Alertmanager)
    } else if ["text", "attachments", "blocks"]
        .iter()
        .any(|k| obj.contains_key(*k))
    {
        Ok(Format::Slack)
    } else {
        Err(WebhookError::UnknownShape)
    }
}

/// The media type of the request, lower case, without parameters.
fn media_type(headers: &HeaderMap) -> Option<String> {
    header(headers, CONTENT_TYPE.as_str()).map(|ct| {
        ct.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    })
}

fn parse_json(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// The decoded `payload` field of a form body, if it has one.
fn form_payload(body: &[u8]) -> Option<Result<String, WebhookError>> {
    body.split(|&b| b == b'&').find_map(|pair| {
        let value = pair.strip_prefix(b"payload=")?;
        let plus_as_space: Vec<u8> = value
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        Some(
            percent_decode(&plus_as_space)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|_| WebhookError::InvalidUtf8),
        )
    })
}

/// Decodes the body by its content type: JSON, a form with a `payload` field holding JSON, or
/// plain text. A form or text body that is itself JSON is read as JSON, since `curl -d`
/// sends JSON as a form unless told otherwise.
pub(crate) fn read_body(headers: &HeaderMap, body: &[u8]) -> Result<Body, WebhookError> {
    let media = media_type(headers);
    if let Some(m) = &media {
        let known = m == "application/json"
            || m == "text/json"
            || m.ends_with("+json")
            || m == "application/x-www-form-urlencoded"
            || m == "text/plain";
        if !known {
            return Err(WebhookError::UnsupportedContentType(crate::text::truncate(
                m, 80,
            )));
        }
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(WebhookError::EmptyBody);
    }
    if let Some(payload) = form_payload(body)
        && media.as_deref() != Some("application/json")
    {
        let payload = payload?;
        return parse_json(&payload)
            .map(Body::Json)
            .map_err(WebhookError::PayloadNotJson);
    }
    let text = std::str::from_utf8(body).map_err(|_| WebhookError::InvalidUtf8)?;
    let looks_like_json = text.trim_start().starts_with(['{', '[']);
    match media.as_deref() {
        Some("application/x-www-form-urlencoded") if !looks_like_json => {
            Err(WebhookError::MissingPayloadField)
        }
        Some("text/plain") if !looks_like_json => Ok(Body::Text(text.to_owned())),
        Some("text/plain") => {
            Ok(parse_json(text).map_or_else(|_| Body::Text(text.to_owned()), Body::Json))
        }
        _ => parse_json(text)
            .map(Body::Json)
            .map_err(WebhookError::NotJson),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn typed(ct: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        h
    }

    #[test]
    fn json_form_and_text_bodies() {
        let json = read_body(
            &typed("application/json; charset=utf-8"),
            br#"{"text":"hi"}"#,
        );
        assert!(matches!(json, Ok(Body::Json(v)) if v["text"] == "hi"));
        let form = read_body(
            &typed("application/x-www-form-urlencoded"),
            b"payload=%7B%22text%22%3A%22a+b%26c%22%7D&x=1",
        );
        assert!(matches!(form, Ok(Body::Json(v)) if v["text"] == "a b&c"));
        let curl = read_body(
            &typed("application/x-www-form-urlencoded"),
            br#"{"text":"hi"}"#,
        );
        assert!(matches!(curl, Ok(Body::Json(_))));
        let text = read_body(&typed("text/plain"), b"deploy done");
        assert!(matches!(text, Ok(Body::Text(t)) if t == "deploy done"));
        let bare = read_body(&HeaderMap::new(), br#"{"text":"hi"}"#);
        assert!(matches!(bare, Ok(Body::Json(_))));
    }

    #[test]
    fn bad_bodies_name_the_problem() {
        let err = |h: &HeaderMap, b: &[u8]| read_body(h, b).unwrap_err();
        let json = typed("application/json");
        assert!(matches!(err(&json, b"{nope"), WebhookError::NotJson(_)));
        assert_eq!(err(&json, b"  "), WebhookError::EmptyBody);
        assert_eq!(
            err(&json, b"{\"text\":\"\xff\"}"),
            WebhookError::InvalidUtf8
        );
        let form = typed("application/x-www-form-urlencoded");
        assert_eq!(err(&form, b"text=hi"), WebhookError::MissingPayloadField);
        assert!(matches!(
            err(&form, b"payload=nope"),
            WebhookError::PayloadNotJson(_)
        ));
        assert_eq!(err(&form, b"payload=%FF"), WebhookError::InvalidUtf8);
        assert_eq!(
            err(&typed("multipart/form-data; boundary=x"), b"x"),
            WebhookError::UnsupportedContentType("multipart/form-data".into())
        );
        let msg = err(&typed("application/xml"), b"<a/>").to_string();
        assert!(msg.contains("application/xml"), "{msg}");
    }

    #[test]
    fn shapes() {
        let shape = |v: Value| format_from_body(&Body::Json(v));
        assert_eq!(
            shape(serde_json::json!({"version": "4", "alerts": []})),
            Ok(Format::Alertmanager)
        );
        assert_eq!(shape(serde_json::json!({"blocks": []})), Ok(Format::Slack));
        assert_eq!(
            shape(serde_json::json!({"zen": "x"})),
            Err(WebhookError::UnknownShape)
        );
        assert_eq!(
            shape(serde_json::json!([1])),
            Err(WebhookError::UnknownShape)
        );
        assert_eq!(format_from_body(&Body::Text("x".into())), Ok(Format::Plain));
    }
}
