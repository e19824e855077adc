//! The reader's language: a cookie set by the switch in the header; zh-CN when unset. Scripts
//! calling the JSON API may send `Accept-Language` instead.

use rocket::http::{Cookie, CookieJar, SameSite};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::Redirect;
use rocket::{get, time::Duration};

use crate::error::is_api_request;
use crate::i18n::Lang;

pub const LANG_COOKIE: &str = "lang";

/// The language a request should be answered in.
pub fn request_lang(request: &Request<'_>) -> Lang {
    if let Some(lang) = request
        .cookies()
        .get(LANG_COOKIE)
        .and_then(|cookie| Lang::parse(cookie.value()))
    {
        return lang;
    }
    if is_api_request(request)
        && let Some(lang) = request
            .headers()
            .get_one("Accept-Language")
            .and_then(Lang::parse)
    {
        return lang;
    }
    Lang::default()
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Lang {
    type Error = std::convert::Infallible;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Lang, Self::Error> {
        Outcome::Success(request_lang(request))
    }
}

/// Only local paths are followed after switching, so the switch cannot send anyone elsewhere.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Switches the language and returns to the page the reader was on.
#[get("/lang/<code>?<next>")]
pub fn switch(code: &str, next: Option<String>, cookies: &CookieJar<'_>) -> Redirect {
    if let Some(lang) = Lang::parse(code) {
        let cookie = Cookie::build((LANG_COOKIE, lang.code()))
            .path("/")
            .same_site(SameSite::Lax)
            .http_only(true)
            .max_age(Duration::days(365));
        cookies.add(cookie);
    }
    Redirect::to(safe_next(next.as_deref()))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        let cases = [
            (Some("/settings"), "/settings"),
            (Some("/settings?x=1"), "/settings?x=1"),
            (Some("//evil.example"), "/"),
            (Some("https://evil.example"), "/"),
            (Some("/\\evil.example"), "/"),
            (Some("/a\r\nSet-Cookie: x"), "/"),
            (None, "/"),
        ];
        for (next, expected) in cases {
            assert_eq!(safe_next(next), expected, "{next:?}");
        }
    }
}
