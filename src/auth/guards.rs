//! Request guards: `Viewer`, `Officer`, `Admin` name the least role a handler needs. A request
//! without a valid session or token gets 401 (the login page for browsers); a lesser role gets
//! 403; a browser's state-changing request without its CSRF token gets 403.

use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::request::{FromRequest, Outcome, Request};

use super::domain::Role;
use super::sessions::{self, SignedIn};
use super::{csrf, secrets, tokens};
use crate::AppState;
use crate::audit::Actor;
use crate::error::PendingErrorMessage;
use crate::i18n::Msg;

pub const SESSION_COOKIE: &str = "ipdesk_session";

/// The signed-in person and where the request came from.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: SignedIn,
    pub address: Option<String>,
}

impl CurrentUser {
    /// The person as the audit log names them.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user.user_id),
            name: self.user.username.clone(),
            address: self.address.clone(),
        }
    }
}

/// Who is behind a request, looked up once per request. `Err` when the database failed.
#[derive(Clone, Debug)]
struct Authentication(Result<Option<SignedIn>, ()>);

async fn authenticate(request: &Request<'_>) -> Authentication {
    let Some(state) = request.rocket().state::<AppState>() else {
        return Authentication(Err(()));
    };
    let result = if let Some(header) = request.headers().get_one("Authorization") {
        // A script that sends a token is judged by the token alone.
        match header.strip_prefix("Bearer ") {
            Some(token) => tokens::authenticate(&state.db, token.trim()).await,
            None => Ok(None),
        }
    } else {
        match request.cookies().get_private(SESSION_COOKIE) {
            Some(cookie) => sessions::lookup(&state.db, cookie.value()).await,
            None => Ok(None),
        }
    };
    Authentication(result.map_err(|error| tracing::error!(%error, "authentication failed")))
}

/// The signed-in person, or `None`; for pages that show differently to visitors (the layout).
pub async fn signed_in(request: &Request<'_>) -> Option<SignedIn> {
    let cached = request.local_cache_async(authenticate(request)).await;
    cached.0.clone().ok().flatten()
}

fn refuse<T>(request: &Request<'_>, status: Status, msg: Msg) -> Outcome<T, ()> {
    request.local_cache(|| PendingErrorMessage(Some(msg)));
    Outcome::Error((status, ()))
}

async fn require(request: &Request<'_>, role: Role) -> Outcome<CurrentUser, ()> {
    let cached = request.local_cache_async(authenticate(request)).await;
    let user = match &cached.0 {
        Err(()) => return Outcome::Error((Status::ServiceUnavailable, ())),
        Ok(None) => {
            return refuse(
                request,
                Status::Unauthorized,
                Msg::new("errors.unauthorized.message"),
            );
        }
        Ok(Some(user)) => user.clone(),
    };
    if let Some(expected) = &user.csrf_token
        && csrf::is_state_changing(request.method())
    {
        let presented = csrf::presented(request).unwrap_or_default();
        if !secrets::same(&presented, expected) {
            return refuse(request, Status::Forbidden, Msg::new("errors.csrf"));
        }
    }
    if !user.role.allows(role) {
        return refuse(
            request,
            Status::Forbidden,
            Msg::new("errors.forbidden.message"),
        );
    }
    Outcome::Success(CurrentUser {
        user,
        address: request.client_ip().map(|ip| ip.to_string()),
    })
}

macro_rules! role_guard {
    ($name:ident, $role:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, Debug)]
        pub struct $name(pub CurrentUser);

        impl std::ops::Deref for $name {
            type Target = CurrentUser;
            fn deref(&self) -> &CurrentUser {
                &self.0
            }
        }

        #[rocket::async_trait]
        impl<'r> FromRequest<'r> for $name {
            type Error = ();

            async fn from_request(request: &'r Request<'_>) -> Outcome<$name, ()> {
                require(request, $role).await.map($name)
            }
        }
    };
}

role_guard!(Viewer, Role::Viewer, "Anyone signed in: reads and exports.");
role_guard!(
    Officer,
    Role::Officer,
    "An officer or admin: records and changes."
);
role_guard!(
    Admin,
    Role::Admin,
    "An administrator: users, tokens and settings."
);

/// Puts a new session's id in the private cookie.
pub fn set_session_cookie(cookies: &CookieJar<'_>, raw_id: String, secure: bool) {
    let cookie = Cookie::build((SESSION_COOKIE, raw_id))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure);
    cookies.add_private(cookie);
}

pub fn remove_session_cookie(cookies: &CookieJar<'_>) {
    cookies.remove_private(Cookie::build(SESSION_COOKIE).path("/"));
}

/// The raw session id from the cookie, for signing out.
pub fn session_id(cookies: &CookieJar<'_>) -> Option<String> {
    cookies
        .get_private(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
}
