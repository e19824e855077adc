//! Query and form values that may be left out but, once given, must be read.
//!
//! Rocket's `Option<T>` reads a value it cannot parse as no value at all, and its `bool` reads a
//! blank one as `true`: `dry_run=1` became a committed import, `filed_year=20x6` the whole
//! register, and a filter form's "All" (`tech_sme=`) only the enterprises that are. `Given<T>`
//! is none when the value is missing or blank and refuses anything else it cannot read; the
//! handler turns Rocket's errors into a sentence naming the field ([`refused`]).

use std::ops::Deref;

use rocket::form::{
    self, DataField, FromForm, FromFormField, Options, ValueField, error::ErrorKind,
};
use rocket::http::Status;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldErrors, status_message};
use crate::i18n::Msg;

/// A value that may be missing (or blank) but is never misread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Given<T>(pub Option<T>);

impl<T> Default for Given<T> {
    fn default() -> Given<T> {
        Given(None)
    }
}

impl<T> Deref for Given<T> {
    type Target = Option<T>;

    fn deref(&self) -> &Option<T> {
        &self.0
    }
}

impl<T> From<Option<T>> for Given<T> {
    fn from(value: Option<T>) -> Given<T> {
        Given(value)
    }
}

#[rocket::async_trait]
impl<'v, T: FromFormField<'v> + Send> FromFormField<'v> for Given<T> {
    fn from_value(field: ValueField<'v>) -> form::Result<'v, Self> {
        if field.value.trim().is_empty() {
            return Ok(Given(None));
        }
        T::from_value(field).map(|value| Given(Some(value)))
    }

    fn default() -> Option<Self> {
        Some(Given(None))
    }
}

/// A form read strictly: a field it does not take (`dryrun` for `dry_run`) is refused, not left
/// out. Rocket's own `Strict` does that but drops the parser's errors, so that a body over the
/// limit read as no file at all; this passes them on. Fields that may be missing inside it are
/// `Lenient` (Rocket's strict `Given` would call a missing one an error).
pub struct Exact<T>(pub T);

#[rocket::async_trait]
impl<'v, T: FromForm<'v>> FromForm<'v> for Exact<T> {
    type Context = T::Context;

    fn init(_: Options) -> Self::Context {
        T::init(Options::Strict)
    }

    fn push_value(ctxt: &mut Self::Context, field: ValueField<'v>) {
        T::push_value(ctxt, field)
    }

    async fn push_data(ctxt: &mut Self::Context, field: DataField<'v, '_>) {
        T::push_data(ctxt, field).await
    }

    fn push_error(ctxt: &mut Self::Context, error: form::Error<'v>) {
        T::push_error(ctxt, error)
    }

    fn finalize(ctxt: Self::Context) -> form::Result<'v, Self> {
        T::finalize(ctxt).map(Exact)
    }
}

/// The sentence for each value a form or query could not read, under its field's name: 422,
/// the fields in the API's answer, the first sentence on a page.
pub fn refused(errors: form::Errors<'_>) -> AppError {
    // A body too large or not a form at all is about the request, not about one of its values.
    if errors.status() == Status::PayloadTooLarge {
        return AppError::PayloadTooLarge;
    }
    let mut fields = FieldErrors::new();
    for error in errors.iter() {
        let Some(field) = error.name.as_ref().map(|name| name.to_string()) else {
            continue;
        };
        let key = match &error.kind {
            ErrorKind::Int(_) => "errors.form.not_a_whole_number",
            ErrorKind::Bool(_) => "errors.form.not_yes_or_no",
            ErrorKind::Unexpected => "errors.form.unknown_field",
            _ => "errors.form.unreadable",
        };
        let value = error.value.as_deref().unwrap_or_default();
        let msg = Msg::new(key).arg("field", &field).arg("value", value);
        fields.add(&field, msg);
    }
    if fields.is_empty() {
        return AppError::BadRequest(status_message(Status::BadRequest));
    }
    AppError::Validation(fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rocket::form::Form;

    #[derive(Debug, Default, PartialEq, rocket::FromForm)]
    struct Filter {
        year: Given<i32>,
        linked: Given<bool>,
    }

    #[test]
    fn a_value_is_read_left_out_or_refused_never_misread() {
        let read = |query: &str| Form::<Filter>::parse_encoded(query.into()).map_err(refused);
        // The query, and what it reads as (none: refused).
        type Read = Option<(Option<i32>, Option<bool>)>;
        let cases: [(&str, Read); 9] = [
            ("", Some((None, None))),
            ("year=&linked=", Some((None, None))),
            ("year=%20&linked=%20", Some((None, None))),
            ("year=2026&linked=true", Some((Some(2026), Some(true)))),
            ("linked=false", Some((None, Some(false)))),
            ("linked=no", Some((None, Some(false)))),
            ("year=20x6", None),
            ("linked=1", None),
            ("year=2026&linked=maybe", None),
        ];
        for (query, expected) in cases {
            let got = read(query).ok().map(|f| (f.year.0, f.linked.0));
            assert_eq!(got, expected, "{query}");
        }
    }

    #[test]
    fn a_refusal_names_the_field_and_its_value() {
        let Err(error) = Form::<Filter>::parse("year=20x6&linked=1").map_err(refused) else {
            panic!("refused");
        };
        let fields = error.fields().cloned().unwrap_or_default();
        let year = fields.get("year").map(|m| m.render(crate::i18n::Lang::En));
        assert_eq!(
            year.as_deref(),
            Some("“20x6” given for year is not a whole number.")
        );
        let linked = fields
            .get("linked")
            .map(|m| m.render(crate::i18n::Lang::ZhCn));
        assert_eq!(
            linked.as_deref(),
            Some("linked 的值“1”不是“是”或“否”：请写 true 或 false。")
        );
    }

    #[derive(Debug, rocket::FromForm)]
    struct Upload {
        dry_run: rocket::form::Lenient<Given<bool>>,
        sheet: Option<String>,
    }

    #[test]
    fn an_exact_form_refuses_a_field_it_does_not_take_and_leaves_out_the_rest() {
        let read = |query: &str| Form::<Exact<Upload>>::parse(query).map_err(refused);
        let Ok(Exact(upload)) = read("") else {
            panic!("an empty form is read");
        };
        assert_eq!((**upload.dry_run, upload.sheet), (None, None));
        let Ok(Exact(upload)) = read("dry_run=true&sheet=a") else {
            panic!("a form of its own fields is read");
        };
        assert_eq!(
            (**upload.dry_run, upload.sheet.as_deref()),
            (Some(true), Some("a"))
        );
        let Err(error) = read("dryrun=true") else {
            panic!("a misspelt field is refused");
        };
        let fields = error.fields().cloned().unwrap_or_default();
        let sentence = fields
            .get("dryrun")
            .map(|m| m.render(crate::i18n::Lang::En));
        assert_eq!(
            sentence.as_deref(),
            Some(
                "dryrun is not a field this request takes; check its spelling. Nothing was written."
            )
        );
    }
}
