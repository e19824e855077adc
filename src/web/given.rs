//! Query and form values that may be left out but, once given, must be read.
//!
//! Rocket's `Option<T>` reads a value it cannot parse as no value at all, and its `bool` reads a
//! blank one as `true`: `dry_run=1` became a committed import, `filed_year=20x6` the whole
//! register, and a filter form's "All" (`tech_sme=`) only the enterprises that are. `Given<T>`
//! is none when the value is missing or blank and refuses anything else it cannot read; the
//! handler turns Rocket's errors into a sentence naming the field ([`refused`]).

use std::ops::Deref;

use rocket::form::{self, FromFormField, ValueField, error::ErrorKind};
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
}
