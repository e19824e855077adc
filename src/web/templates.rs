//! The template engine: minijinja with strict undefined (a typo fails instead of printing
//! nothing) and HTML autoescaping, plus the `t()` function that looks up locale text.

use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error, ErrorKind, State, UndefinedBehavior};
use rocket::fairing::Fairing;
use rocket_dyn_templates::Template;

use crate::audit::display::{self, Scope};
use crate::i18n::{CATALOG, Lang, interpolate};

/// The fairing that loads the templates and configures the engine.
pub fn fairing() -> impl Fairing {
    Template::custom(|engines| configure(&mut engines.minijinja))
}

/// Idempotent: Rocket calls it again whenever templates reload in debug builds.
pub fn configure(env: &mut Environment<'static>) {
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_function("t", translate);
    env.add_function("csrf_field", csrf_field);
    env.add_filter("datetime", datetime);
    env.add_filter("msg", message);
    env.add_filter("figure", figure);
    env.add_filter("actor", actor);
    env.add_function("days_left", |state: &State, days: i64| {
        crate::cases::deadlines::days_left_words(days, page_lang(state))
    });
    env.add_function(
        "history_rows",
        |state: &State, entry: Value, prefix: &str| {
            change_rows(state, &entry, Scope::History(prefix))
        },
    );
    env.add_function("log_rows", |state: &State, entry: Value| {
        let entity = entry.get_attr("entity")?;
        change_rows(
            state,
            &entry,
            Scope::Log(entity.as_str().unwrap_or_default()),
        )
    });
}

/// `{% for row in history_rows(entry, "cases.field.") %}`, `log_rows(entry)`: an audit entry's
/// changes as a person reads them (`audit::display::rows`), in the page's language.
fn change_rows(state: &State, entry: &Value, scope: Scope<'_>) -> Result<Value, Error> {
    let entry = serde_json::to_value(entry)
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
    let action = entry["action"].as_str().unwrap_or_default();
    let rows = display::rows(action, &entry["changes"], scope, page_lang(state));
    Ok(Value::from_serialize(&rows))
}

/// `{{ check.problems[0] | msg }}`: a message a service left in a view (its key and arguments),
/// in the language of the page.
fn message(state: &State, value: Value) -> Result<String, Error> {
    let lang = page_lang(state);
    let msg: crate::i18n::Msg = serde_json::to_value(&value)
        .and_then(serde_json::from_value)
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
    Ok(msg.render(lang))
}

/// `{{ r.grants.total | figure }}`, `t("pager.rows", total=p.total | figure)`: a number (or an
/// amount written out, "24000.50") as the page's language writes figures ("1,260" in English);
/// any other value as it is.
fn figure(state: &State, value: Value) -> String {
    let lang = page_lang(state);
    match f64::try_from(value.clone()) {
        Ok(n) => crate::i18n::amount(lang, n),
        Err(_) => crate::i18n::figure(lang, &value.to_string()),
    }
}

/// `{{ entry.actor | actor }}`: who did it, as the page's language says it.
fn actor(state: &State, name: String) -> String {
    crate::audit::actor_words(&name, page_lang(state))
}

/// The language of the page being rendered.
fn page_lang(state: &State) -> Lang {
    state
        .lookup("lang")
        .and_then(|value| value.as_str().and_then(Lang::parse))
        .unwrap_or_default()
}

/// `{{ entry.at | datetime }}`: a stored UTC instant in the configured time zone, `2026-11-28 10:50`.
fn datetime(state: &State, value: String) -> String {
    let timezone = state
        .lookup("layout")
        .and_then(|layout| layout.get_attr("timezone").ok())
        .and_then(|tz| {
            tz.as_str()
                .and_then(|name| crate::settings::Timezone::parse(name).ok())
        })
        .unwrap_or_default();
    match chrono::DateTime::parse_from_rfc3339(&value) {
        Ok(instant) => crate::clock::display(instant.with_timezone(&chrono::Utc), timezone),
        Err(_) => value,
    }
}

/// The hidden CSRF field; it must be the first field of every form that posts.
fn csrf_field(state: &State) -> Value {
    let token = state
        .lookup("layout")
        .and_then(|layout| layout.get_attr("csrf").ok())
        .map(|token| token.to_string())
        .unwrap_or_default();
    let escaped = token.replace(|c: char| !c.is_ascii_hexdigit(), "");
    Value::from_safe_string(format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{escaped}\">",
        crate::auth::csrf::FIELD
    ))
}

/// `{{ t("nav.home") }}` or `{{ t("pager.rows", first=1, last=50, total=120) }}`, in the language
/// of the page being rendered. A missing key is an error, so tests catch it.
fn translate(state: &State, key: &str, kwargs: Kwargs) -> Result<String, Error> {
    let lang = page_lang(state);
    let fallback: Option<Value> = kwargs.get("default")?;
    let Some(text) = CATALOG.get(lang, key) else {
        // Keys made from data (an audit entity, say) may name a default instead of failing.
        if let Some(fallback) = fallback {
            return Ok(fallback.to_string());
        }
        return Err(Error::new(
            ErrorKind::UndefinedError,
            format!("missing translation {key} for {lang}"),
        ));
    };
    let mut args = Vec::new();
    for name in kwargs.args().filter(|name| *name != "default") {
        let value: Value = kwargs.get(name)?;
        args.push((name.to_owned(), value.to_string()));
    }
    Ok(interpolate(text, &args))
}
