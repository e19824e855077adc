//! What every page shows around its content: the county's name, the navigation, the language
//! switch and the flash message left by the previous request.

use rocket::http::Status;
use rocket::request::{FlashMessage, FromRequest, Outcome, Request};
use rocket::response::{Flash, Redirect};
use rocket_dyn_templates::Template;
use serde::Serialize;

use crate::AppState;
use crate::auth::Role;
use crate::auth::sessions::SignedIn;
use crate::i18n::{Lang, Msg};
use crate::settings::{Settings, service};

use super::lang::request_lang;

/// One entry of the main navigation, shown to those whose role may open it.
#[derive(Clone, Copy, Debug)]
pub struct NavItem {
    pub href: &'static str,
    /// Locale key of the label.
    pub label: &'static str,
    pub role: Role,
}

const fn nav(href: &'static str, label: &'static str, role: Role) -> NavItem {
    NavItem { href, label, role }
}

pub const NAVIGATION: [NavItem; 13] = [
    nav("/", "nav.home", Role::Viewer),
    nav("/patents", "nav.patents", Role::Viewer),
    nav("/enterprises", "nav.enterprises", Role::Viewer),
    nav("/visits", "nav.visits", Role::Viewer),
    nav("/events", "nav.events", Role::Viewer),
    nav("/inspections", "nav.inspections", Role::Viewer),
    nav("/cases", "nav.cases", Role::Viewer),
    nav("/imports", "nav.imports", Role::Viewer),
    nav("/reports", "nav.reports", Role::Viewer),
    nav("/admin/users", "nav.users", Role::Admin),
    nav("/admin/tokens", "nav.tokens", Role::Admin),
    nav("/admin/audit", "nav.audit", Role::Admin),
    nav("/settings", "nav.settings", Role::Admin),
];

/// A flash message to show once, already in the reader's language.
#[derive(Clone, Debug, Serialize)]
pub struct FlashView {
    /// `success` or `error`, used as a CSS class.
    pub kind: String,
    pub text: String,
}

/// The per-request facts every page needs; a request guard, so handlers just ask for it.
pub struct PageContext {
    pub lang: Lang,
    pub settings: Settings,
    pub flash: Option<FlashView>,
    /// The signed-in person, if any.
    pub user: Option<SignedIn>,
    /// Path and query of this request, for the language switch to come back to.
    pub here: String,
    pub path: String,
}

#[derive(Serialize)]
struct UserView<'a> {
    username: &'a str,
    real_name: &'a str,
    role: &'static str,
}

#[derive(Serialize)]
struct LayoutView<'a> {
    county: Option<&'a str>,
    user: Option<UserView<'a>>,
    /// The token `csrf_field()` writes into forms.
    csrf: &'a str,
    /// For the `datetime` filter.
    timezone: &'static str,
    nav: Vec<NavView>,
    flash: Option<&'a FlashView>,
    here: &'a str,
    other_lang: &'static str,
}

#[derive(Serialize)]
struct NavView {
    href: &'static str,
    label: &'static str,
    active: bool,
}

#[derive(Serialize)]
struct PageView<'a, T: Serialize> {
    lang: &'static str,
    layout: LayoutView<'a>,
    #[serde(flatten)]
    page: T,
}

impl PageContext {
    /// Renders `template` with the page's own values and the layout around them.
    pub fn render<T: Serialize>(&self, template: &'static str, page: T) -> Template {
        Template::render(template, self.view(page))
    }

    fn view<T: Serialize>(&self, page: T) -> PageView<'_, T> {
        let other_lang = match self.lang {
            Lang::ZhCn => Lang::En,
            Lang::En => Lang::ZhCn,
        };
        PageView {
            lang: self.lang.code(),
            layout: LayoutView {
                county: self.settings.jurisdiction.county.as_deref(),
                user: self.user.as_ref().map(|u| UserView {
                    username: &u.username,
                    real_name: &u.real_name,
                    role: u.role.as_str(),
                }),
                csrf: self
                    .user
                    .as_ref()
                    .and_then(|u| u.csrf_token.as_deref())
                    .unwrap_or_default(),
                timezone: self.settings.timezone.name(),
                nav: NAVIGATION
                    .iter()
                    .filter(|item| self.user.as_ref().is_some_and(|u| u.role.allows(item.role)))
                    .map(|item| NavView {
                        href: item.href,
                        label: item.label,
                        active: is_active(item.href, &self.path),
                    })
                    .collect(),
                flash: self.flash.as_ref(),
                here: &self.here,
                other_lang: other_lang.code(),
            },
            page,
        }
    }
}

fn is_active(href: &str, path: &str) -> bool {
    if href == "/" {
        path == "/"
    } else {
        path == href || path.starts_with(&format!("{href}/"))
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for PageContext {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<PageContext, ()> {
        let Some(state) = request.rocket().state::<AppState>() else {
            return Outcome::Error((Status::InternalServerError, ()));
        };
        let settings = match service::load(&state.db).await {
            Ok(settings) => settings,
            Err(error) => {
                tracing::error!(%error, "cannot load settings for the layout");
                return Outcome::Error((Status::ServiceUnavailable, ()));
            }
        };
        let lang = request_lang(request);
        let flash = match request.guard::<Option<FlashMessage<'_>>>().await {
            Outcome::Success(Some(flash)) => flash_view(&flash, lang),
            _ => None,
        };
        let uri = request.uri();
        let here = match uri.query() {
            Some(query) => format!("{}?{}", uri.path(), query),
            None => uri.path().to_string(),
        };
        let user = crate::auth::guards::signed_in(request).await;
        Outcome::Success(PageContext {
            lang,
            settings,
            flash,
            user,
            here,
            path: uri.path().to_string(),
        })
    }
}

fn flash_view(flash: &FlashMessage<'_>, lang: Lang) -> Option<FlashView> {
    // The cookie carries a message key; anything else (a tampered cookie) is not shown.
    let msg: Msg = serde_json::from_str(flash.message()).ok()?;
    crate::i18n::CATALOG.get(lang, &msg.key)?;
    let kind = if flash.kind() == "error" {
        "error"
    } else {
        "success"
    };
    Some(FlashView {
        kind: kind.to_owned(),
        text: msg.render(lang),
    })
}

/// Redirects to `to` with a success message for the next page.
pub fn success(to: impl Into<String>, msg: Msg) -> Flash<Redirect> {
    let payload = serde_json::to_string(&msg).unwrap_or_default();
    Flash::success(Redirect::to(to.into()), payload)
}

/// Redirects to `to` with an error message for the next page.
pub fn failure(to: impl Into<String>, msg: Msg) -> Flash<Redirect> {
    let payload = serde_json::to_string(&msg).unwrap_or_default();
    Flash::error(Redirect::to(to.into()), payload)
}

#[cfg(test)]
mod tests {
    use super::is_active;

    #[test]
    fn navigation_marks_the_current_section() {
        assert!(is_active("/", "/"));
        assert!(!is_active("/", "/settings"));
        assert!(is_active("/settings", "/settings"));
        assert!(is_active("/settings", "/settings/townships"));
        assert!(!is_active("/settings", "/settingsx"));
    }
}
