//! Query and form values that may be left out but, once given, must be read.
//!
//! Rocket's `Option<T>` reads a value it cannot parse as no value at all, and its `bool` reads a
//! blank one as `true`: `dry_run=1` became a committed import, `filed_year=20x6` the whole
//! register, and a filter form's "All" (`tech_sme=`) only the enterprises that are. `Given<T>`
//! is none when the value is missing or blank and refuses anything else it cannot read; the
//! handler turns Rocket's errors into a sentence naming the field ([`refused`]).
//!
//! Whole forms and queries are read as strictly: [`Exact`] (the API's multipart forms) and
//! [`Known`] (the API's queries) refuse a name they do not take or one given twice, where Rocket
//! leaves it out; [`Both`] reads two forms from one query.

use std::collections::HashMap;
use std::ops::Deref;

use rocket::form::name::Name;
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
/// out, and so is a field given twice (`dry_run=false&dry_run=true` read its first value, and
/// committed). Rocket's own `Strict` refuses the first but drops the parser's errors, so that a
/// body over the limit read as no file at all; this passes them on. Fields that may be missing
/// inside it are `Lenient` (Rocket's strict `Given` would call a missing one an error). Its forms
/// take each field once, so none of their fields is a list.
pub struct Exact<T>(pub T);

/// The names a form was given so far, each with whether it was given again (a map: a query of
/// thousands of names is read in linear time); those given again, in the order they were; and
/// those of more than one key.
#[derive(Default)]
pub struct Names {
    given: HashMap<String, bool>,
    twice: Vec<String>,
    nested: Vec<String>,
}

impl Names {
    /// Whether `name` is to be read: a plain name given for the first time. A second time, or a
    /// name of several keys (`type.x`, `type[]`, read as `type` by the field it starts with: the
    /// forms and queries read this way take plain names only), is remembered as the error.
    fn first(&mut self, name: &Name) -> bool {
        if name.keys().count() > 1 {
            self.nested.push(name.as_str().to_owned());
            return false;
        }
        match self.given.get_mut(name.as_str()) {
            None => {
                self.given.insert(name.as_str().to_owned(), false);
                true
            }
            Some(again) => {
                if !*again {
                    *again = true;
                    self.twice.push(name.as_str().to_owned());
                }
                false
            }
        }
    }

    /// An error for each name of several keys, and for each given more than once.
    fn errors<'v>(self) -> Vec<form::Error<'v>> {
        let nested = self
            .nested
            .into_iter()
            .map(|name| form::Error::from(ErrorKind::Unexpected).with_name(name));
        let twice = self
            .twice
            .into_iter()
            .map(|name| form::Error::from(ErrorKind::Duplicate).with_name(name));
        nested.chain(twice).collect()
    }
}

/// What [`Exact`] reads: the form's own reading, and the names given so far.
pub struct ExactContext<'v, T: FromForm<'v>> {
    inner: T::Context,
    names: Names,
}

#[rocket::async_trait]
impl<'v, T: FromForm<'v>> FromForm<'v> for Exact<T> {
    type Context = ExactContext<'v, T>;

    fn init(_: Options) -> Self::Context {
        ExactContext {
            inner: T::init(Options::Strict),
            names: Names::default(),
        }
    }

    fn push_value(ctxt: &mut Self::Context, field: ValueField<'v>) {
        if ctxt.names.first(field.name.source()) {
            T::push_value(&mut ctxt.inner, field)
        }
    }

    async fn push_data(ctxt: &mut Self::Context, field: DataField<'v, '_>) {
        if ctxt.names.first(field.name.source()) {
            T::push_data(&mut ctxt.inner, field).await
        }
    }

    fn push_error(ctxt: &mut Self::Context, error: form::Error<'v>) {
        T::push_error(&mut ctxt.inner, error)
    }

    fn finalize(ctxt: Self::Context) -> form::Result<'v, Self> {
        let wrong = ctxt.names.errors();
        match T::finalize(ctxt.inner) {
            Ok(read) if wrong.is_empty() => Ok(Exact(read)),
            Ok(_) => Err(wrong.into()),
            Err(mut errors) => {
                errors.extend(wrong);
                Err(errors)
            }
        }
    }
}

/// A query of one year, as `/api/v1/targets` and `/api/v1/calendar` are asked; this year when
/// none is given.
#[derive(Debug, Default, rocket::FromForm)]
pub struct YearQuery {
    pub year: Given<i32>,
}

/// An API query read as leniently as a page's (a field left out is none), except that a parameter
/// the list does not take (`stauts=granted`) or one given twice is refused: left out, it answered
/// the whole register as if it were the list asked for. The query is read twice, once leniently
/// for its values and once strictly for the names `T` takes (the derive names no list of them);
/// the strict reading's other errors, a missing field above all, are not the query's.
pub struct Known<T>(pub T);

impl<T> Deref for Known<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// What [`Known`] reads: the lenient and the strict reading, and the names given so far.
pub struct KnownContext<'v, T: FromForm<'v>> {
    lenient: T::Context,
    strict: T::Context,
    names: Names,
}

#[rocket::async_trait]
impl<'v, T: FromForm<'v>> FromForm<'v> for Known<T> {
    type Context = KnownContext<'v, T>;

    fn init(_: Options) -> Self::Context {
        KnownContext {
            lenient: T::init(Options::Lenient),
            strict: T::init(Options::Strict),
            names: Names::default(),
        }
    }

    fn push_value(ctxt: &mut Self::Context, field: ValueField<'v>) {
        if ctxt.names.first(field.name.source()) {
            T::push_value(&mut ctxt.strict, field.clone());
            T::push_value(&mut ctxt.lenient, field)
        }
    }

    async fn push_data(ctxt: &mut Self::Context, field: DataField<'v, '_>) {
        // A query has no data fields; a form body read this way is read as its own type reads it.
        T::push_data(&mut ctxt.lenient, field).await
    }

    fn push_error(ctxt: &mut Self::Context, error: form::Error<'v>) {
        T::push_error(&mut ctxt.lenient, error)
    }

    fn finalize(ctxt: Self::Context) -> form::Result<'v, Self> {
        let mut wrong: Vec<form::Error<'v>> = match T::finalize(ctxt.strict) {
            Ok(_) => Vec::new(),
            Err(errors) => errors
                .into_iter()
                .filter(|error| matches!(error.kind, ErrorKind::Unexpected))
                .collect(),
        };
        wrong.extend(ctxt.names.errors());
        match T::finalize(ctxt.lenient) {
            Ok(read) if wrong.is_empty() => Ok(Known(read)),
            Ok(_) => Err(wrong.into()),
            Err(mut errors) => {
                errors.extend(wrong);
                Err(errors)
            }
        }
    }
}

/// A query its route reads itself from the address (an export reads the filters of the register
/// its path names). Naming it in the route (`?<query..>`) says the route takes a query, so that
/// [`super::stray_query`] lets it through; the route refuses what it does not take itself.
pub struct OwnQuery;

#[rocket::async_trait]
impl<'v> FromForm<'v> for OwnQuery {
    type Context = ();

    fn init(_: Options) -> Self::Context {}

    fn push_value(_: &mut Self::Context, _: ValueField<'v>) {}

    async fn push_data(_: &mut Self::Context, _: DataField<'v, '_>) {}

    fn finalize(_: Self::Context) -> form::Result<'v, Self> {
        Ok(OwnQuery)
    }
}

/// Two forms read from one query, each taking the fields it knows: the grants export reads the
/// patent list's filters and its period from the same query string. Read strictly, a field is
/// unexpected only when neither takes it.
pub struct Both<A, B>(pub A, pub B);

/// What [`Both`] reads: each form's own reading.
pub struct BothContext<'v, A: FromForm<'v>, B: FromForm<'v>> {
    first: A::Context,
    second: B::Context,
}

#[rocket::async_trait]
impl<'v, A: FromForm<'v>, B: FromForm<'v>> FromForm<'v> for Both<A, B> {
    type Context = BothContext<'v, A, B>;

    fn init(opts: Options) -> Self::Context {
        BothContext {
            first: A::init(opts),
            second: B::init(opts),
        }
    }

    fn push_value(ctxt: &mut Self::Context, field: ValueField<'v>) {
        A::push_value(&mut ctxt.first, field.clone());
        B::push_value(&mut ctxt.second, field)
    }

    async fn push_data(ctxt: &mut Self::Context, field: DataField<'v, '_>) {
        // A query has no data fields, and a data field's stream can be read only once.
        A::push_data(&mut ctxt.first, field).await
    }

    fn push_error(ctxt: &mut Self::Context, error: form::Error<'v>) {
        A::push_error(&mut ctxt.first, error)
    }

    fn finalize(ctxt: Self::Context) -> form::Result<'v, Self> {
        match (A::finalize(ctxt.first), B::finalize(ctxt.second)) {
            (Ok(first), Ok(second)) => Ok(Both(first, second)),
            (first, second) => {
                let first = first.err().unwrap_or_default();
                let second = second.err().unwrap_or_default();
                let unexpected = |error: &form::Error<'v>| {
                    matches!(error.kind, ErrorKind::Unexpected)
                        .then(|| error.name.as_ref().map(|name| name.to_string()))
                        .flatten()
                };
                let second_unexpected: Vec<String> = second.iter().filter_map(unexpected).collect();
                // A field one form does not take is no error when the other takes it; the second's
                // unexpected fields are the first's too, or taken by it.
                let mut errors: Vec<form::Error<'v>> = first
                    .into_iter()
                    .filter(|error| {
                        unexpected(error).is_none_or(|name| second_unexpected.contains(&name))
                    })
                    .collect();
                errors.extend(
                    second
                        .into_iter()
                        .filter(|error| !matches!(error.kind, ErrorKind::Unexpected)),
                );
                Err(errors.into())
            }
        }
    }
}

/// The sentence for each value a form or query could not read, under its field's name: 422,
/// the fields in the API's answer, the first sentence on a page.
pub fn refused(errors: form::Errors<'_>) -> AppError {
    refusal(errors, "errors.form")
}

/// [`refused`] for an API query: an unknown or repeated parameter is called one, and nothing
/// is said to be left unwritten (a query writes nothing).
pub fn refused_query(errors: form::Errors<'_>) -> AppError {
    refusal(errors, "errors.query")
}

/// The refusal, its unknown and repeated names worded from `wording`'s keys.
fn refusal(errors: form::Errors<'_>, wording: &str) -> AppError {
    // A body too large or not a form at all is about the request, not about one of its values.
    if errors.status() == Status::PayloadTooLarge {
        return AppError::too_large();
    }
    let mut fields = FieldErrors::new();
    for error in errors.iter() {
        let Some(field) = error.name.as_ref().map(|name| name.to_string()) else {
            continue;
        };
        let key = match &error.kind {
            ErrorKind::Int(_) => "errors.form.not_a_whole_number".to_owned(),
            ErrorKind::Bool(_) => "errors.form.not_yes_or_no".to_owned(),
            ErrorKind::Unexpected => format!("{wording}.unknown_field"),
            ErrorKind::Duplicate => format!("{wording}.given_twice"),
            _ => "errors.form.unreadable".to_owned(),
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
            Some("linked：“1”不是“是”或“否”，请写 true 或 false。")
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
        // A name of several keys is no field of the form's, though it starts with one.
        let Err(error) = read("dry_run.x=true") else {
            panic!("a nested name is refused");
        };
        let fields = error.fields().cloned().unwrap_or_default();
        assert!(fields.get("dry_run.x").is_some(), "{fields:?}");
        // A field given twice is refused, whichever value came first, and the form's other
        // errors are kept beside it.
        for twice in ["dry_run=false&dry_run=true", "sheet=a&sheet=a&dryrun=true"] {
            let Err(error) = read(twice) else {
                panic!("{twice} is refused");
            };
            let fields = error.fields().cloned().unwrap_or_default();
            let named: Vec<&String> = fields.iter().map(|(name, _)| name).collect();
            let expected = if twice.contains("dryrun") {
                vec!["dryrun", "sheet"]
            } else {
                vec!["dry_run"]
            };
            assert_eq!(named, expected, "{twice}");
        }
    }

    #[test]
    fn a_known_query_leaves_out_what_is_missing_and_refuses_what_it_does_not_take() {
        let read = |query: &str| Form::<Known<Filter>>::parse(query).map_err(refused_query);
        // The query, and the fields it is refused under (none: read).
        let cases: [(&str, &[&str]); 9] = [
            ("", &[]),
            ("year=2026", &[]),
            ("linked=&year=", &[]),
            ("yaer=2026", &["yaer"]),
            ("year=2026&year=2027", &["year"]),
            ("year=20x6&stauts=granted", &["stauts", "year"]),
            (
                "year=2026&linked=true&linked=true&page=2",
                &["linked", "page"],
            ),
            ("year.x=2026", &["year.x"]),
            ("linked[]=true", &["linked[]"]),
        ];
        for (query, refused_under) in cases {
            let named: Vec<String> = match read(query) {
                Ok(_) => Vec::new(),
                Err(error) => {
                    let fields = error.fields().cloned().unwrap_or_default();
                    let mut named: Vec<String> = fields.iter().map(|(n, _)| n.clone()).collect();
                    named.sort();
                    named
                }
            };
            assert_eq!(named, refused_under, "{query}");
        }
        let Ok(Known(filter)) = read("year=2026&linked=false") else {
            panic!("a query of its own parameters is read");
        };
        assert_eq!(
            filter,
            Filter {
                year: Given(Some(2026)),
                linked: Given(Some(false))
            }
        );
        let Err(error) = read("stauts=granted") else {
            panic!("refused");
        };
        let fields = error.fields().cloned().unwrap_or_default();
        let sentence = fields
            .get("stauts")
            .map(|m| m.render(crate::i18n::Lang::ZhCn));
        assert_eq!(
            sentence.as_deref(),
            Some(
                "不认识的参数 stauts：这个地址不接收它，请检查拼写（有它在就不作答，免得答出一份没按它来的结果）。"
            )
        );
    }

    #[derive(Debug, Default, PartialEq, rocket::FromForm)]
    struct Span {
        from: Option<String>,
        year: Given<i32>,
    }

    #[test]
    fn two_forms_read_from_one_query_refuse_only_what_neither_takes() {
        let read = |query: &str| {
            Form::<Known<Both<Filter, Span>>>::parse(query)
                .map(|Known(both)| (both.0, both.1))
                .map_err(refused_query)
        };
        let Ok((filter, span)) = read("linked=true&from=2026-01-01&year=2026") else {
            panic!("each form's fields are read");
        };
        assert_eq!(
            filter,
            Filter {
                year: Given(Some(2026)),
                linked: Given(Some(true))
            }
        );
        assert_eq!(
            span,
            Span {
                from: Some("2026-01-01".into()),
                year: Given(Some(2026))
            }
        );
        for (query, refused_under) in [("form=2026-01-01", "form"), ("year=20x6", "year")] {
            let Err(error) = read(query) else {
                panic!("{query} is refused");
            };
            let fields = error.fields().cloned().unwrap_or_default();
            let named: Vec<&String> = fields.iter().map(|(name, _)| name).collect();
            assert_eq!(named, [refused_under], "{query}");
        }
    }
}
