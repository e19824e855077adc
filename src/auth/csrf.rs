//! CSRF protection. Every state-changing request made with a session cookie must carry the
//! session's token: in the `X-CSRF-Token` header (scripts) or as the first field of the form
//! (pages; the `csrf_field()` template function writes it). This fairing finds the form field by
//! peeking at the start of the body, so the role guards can check it before any handler runs and
//! no route can forget it. Bearer-token requests need none: browsers never send those by themselves.

use rocket::data::Data;
use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{ContentType, Method};
use rocket::request::Request;

pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "X-CSRF-Token";
/// Rocket lets a fairing peek at this much of a body; the token field comes first, well inside.
const PEEK_BYTES: usize = 512;

/// The token the request body carried, if any.
#[derive(Clone, Debug, Default)]
pub struct PresentedInBody(pub Option<String>);

pub fn is_state_changing(method: Method) -> bool {
    matches!(
        method,
        Method::Post | Method::Put | Method::Patch | Method::Delete
    )
}

pub struct BodyToken;

#[rocket::async_trait]
impl Fairing for BodyToken {
    fn info(&self) -> Info {
        Info {
            name: "CSRF token in form bodies",
            kind: Kind::Request,
        }
    }

    async fn on_request(&self, request: &mut Request<'_>, data: &mut Data<'_>) {
        if !is_state_changing(request.method()) {
            return;
        }
        let content_type = request.content_type().cloned();
        let start = data.peek(PEEK_BYTES).await;
        let token = content_type.and_then(|ct| token_in_body(&ct, start));
        request.local_cache(|| PresentedInBody(token));
    }
}

/// The token at the start of a urlencoded or multipart body.
fn token_in_body(content_type: &ContentType, start: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(start);
    let value = if content_type.is_form() {
        text.split('&')
            .next()?
            .strip_prefix(FIELD)?
            .strip_prefix('=')?
            .to_owned()
    } else if content_type.is_form_data() {
        let marker = format!("name=\"{FIELD}\"");
        let after = &text[text.find(&marker)? + marker.len()..];
        let body = &after[after.find("\r\n\r\n")? + 4..];
        body.split("\r\n").next()?.to_owned()
    } else {
        return None;
    };
    // Tokens are hex; anything else is not a token.
    (!value.is_empty() && value.chars().all(|c| c.is_ascii_hexdigit())).then_some(value)
}

/// The token a request presented, header first.
pub fn presented(request: &Request<'_>) -> Option<String> {
    request
        .headers()
        .get_one(HEADER)
        .map(str::to_owned)
        .or_else(|| request.local_cache(PresentedInBody::default).0.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_found_at_the_start_of_forms() {
        let form = ContentType::Form;
        assert_eq!(
            token_in_body(&form, b"csrf_token=ab12&name=x"),
            Some("ab12".into())
        );
        assert_eq!(
            token_in_body(&form, b"csrf_token=ab12"),
            Some("ab12".into())
        );
        assert_eq!(
            token_in_body(&form, b"name=x&csrf_token=ab12"),
            None,
            "must come first"
        );
        assert_eq!(token_in_body(&form, b"csrf_token=<script>"), None);
        assert_eq!(token_in_body(&form, b"csrf_token=&x=1"), None);
        let multipart = ContentType::FormData;
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nbeef01\r\n--XyZ\r\n";
        assert_eq!(token_in_body(&multipart, body), Some("beef01".into()));
        assert_eq!(
            token_in_body(&ContentType::JSON, b"{\"csrf_token\":\"ab\"}"),
            None
        );
    }
}
