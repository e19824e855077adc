//! The template engine: minijinja with strict undefined (a typo fails instead of printing
//! nothing) and HTML autoescaping, plus the `t()` function that looks up locale text.

use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error, ErrorKind, State, UndefinedBehavior};
use rocket::fairing::Fairing;
use rocket_dyn_templates::Template;

use crate::i18n::{CATALOG, Lang, interpolate};

/// The fairing that loads the templates and configures the engine.
pub fn fairing() -> impl Fairing {
    Template::custom(|engines| configure(&mut engines.minijinja))
}

/// Idempotent: Rocket calls it again whenever templates reload in debug builds.
pub fn configure(env: &mut Environment<'static>) {
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_function("t", translate);
}

/// `{{ t("nav.home") }}` or `{{ t("pager.rows", first=1, last=50, total=120) }}`, in the language
/// of the page being rendered. A missing key is an error, so tests catch it.
fn translate(state: &State, key: &str, kwargs: Kwargs) -> Result<String, Error> {
    let lang = state
        .lookup("lang")
        .and_then(|value| value.as_str().and_then(Lang::parse))
        .unwrap_or_default();
    let Some(text) = CATALOG.get(lang, key) else {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            format!("missing translation {key} for {lang}"),
        ));
    };
    let mut args = Vec::new();
    for name in kwargs.args() {
        let value: Value = kwargs.get(name)?;
        args.push((name.to_owned(), value.to_string()));
    }
    Ok(interpolate(text, &args))
}
