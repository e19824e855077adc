//! JSON request bodies with precise errors: malformed JSON is a 400 naming the line and column,
//! a body of the wrong shape or with a field the request does not take is a 422, an oversized
//! body is a 413.
//!
//! A misspelt field must not be ignored: a `PUT` replaces the whole record, so `"adress"` for
//! `"address"` would erase the address without a word. Each body type says what else it may
//! hold ([`Accepts`]): the read-only fields of the record's answers, so that a client may send
//! back what it was given.

use rocket::data::{Data, FromData, Limits, Outcome};
use rocket::http::ContentType;
use rocket::request::Request;
use rocket::response::{self, Responder};
use serde::de::DeserializeOwned;

use crate::error::{AppError, FieldErrors};
use crate::i18n::Msg;

/// A JSON body of type `T` whose every field is one `T` reads or one it accepts besides.
pub struct Body<T> {
    value: T,
    /// What the body gives at its top of a record's answer, which its type may not read.
    sent: SentTop,
}

/// The fields at the top of a body that say which record it is and what it was read as.
#[derive(Debug, Default, serde::Deserialize)]
struct SentTop {
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    version: Option<serde_json::Value>,
    #[serde(default)]
    status: Option<serde_json::Value>,
    #[serde(default)]
    archived: Option<serde_json::Value>,
}

/// What a JSON body may hold.
pub trait Accepts: DeserializeOwned {
    /// The type whose fields are checked: the body's own, or the flattened one inside it (serde
    /// cannot tell an unknown field through `#[serde(flatten)]`).
    type Checked: Accepts;
    /// Fields read by neither type that the body may hold and that are ignored: the answer's
    /// read-only fields, dotted from the top with `*` for any index (`problems.*.case_number`).
    /// The checked type's own are accepted too.
    const ALSO: &'static [&'static str] = &[];
}

/// `Accepts` for a body type: `accepts!(Type, ["id", …])`, or with the flattened type checked
/// in its place, `accepts!(Type => Inner, ["version", …])`.
macro_rules! accepts {
    ($body:ty, [$($also:literal),* $(,)?]) => {
        impl $crate::web::json::Accepts for $body {
            type Checked = Self;
            const ALSO: &'static [&'static str] = &[$($also),*];
        }
    };
    ($body:ty => $checked:ty, [$($also:literal),* $(,)?]) => {
        impl $crate::web::json::Accepts for $body {
            type Checked = $checked;
            const ALSO: &'static [&'static str] = &[$($also),*];
        }
    };
}
pub(crate) use accepts;

/// The body of an API request, or the error that explains why it could not be read.
pub fn body<T>(received: Result<Body<T>, AppError>) -> Result<T, AppError> {
    received.map(|body| body.value)
}

/// The body of a write to the record at `id`. A body whose `id` names another record is
/// refused: a record read and sent back to the wrong address would otherwise be copied over this
/// one (its `version` alone often matches, both being 1).
pub fn body_for<T>(received: Result<Body<T>, AppError>, id: i64) -> Result<T, AppError> {
    let body = received?;
    check_id(&body.sent, id)?;
    Ok(body.value)
}

/// A body naming another record by its `id` is refused.
fn check_id(sent: &SentTop, id: i64) -> Result<(), AppError> {
    let same = |sent: &serde_json::Value| match sent {
        serde_json::Value::Null => true,
        serde_json::Value::Number(n) => n.as_i64() == Some(id),
        serde_json::Value::String(text) => text.trim() == id.to_string(),
        _ => false,
    };
    match &sent.id {
        Some(other) if !same(other) => Err(AppError::Validation(single_field(
            "id",
            Msg::new("errors.json.other_record")
                .arg("sent", other.to_string())
                .arg("id", id),
        ))),
        _ => Ok(()),
    }
}

/// A JSON answer whose messages carry their text in the reader's language
/// ([`crate::i18n::answer_json`]), where `Json` would give a message's key and arguments.
pub struct Answer<T>(pub T);

impl<'r, T: serde::Serialize> Responder<'r, 'static> for Answer<T> {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        let lang = crate::web::lang::request_lang(request);
        match crate::i18n::answer_json(&self.0, lang, false) {
            Ok(text) => (ContentType::JSON, text).respond_to(request),
            Err(error) => AppError::Internal(error.to_string()).respond_to(request),
        }
    }
}

/// The body of a change to record `id`, whose answer is now `current`. Besides the check of
/// [`body_for`], a `status` or `archived` that differs from the record's is refused: they are
/// read-only here (events and steps set a status, the archive action the other), and a body that
/// changes them would otherwise be answered 200 with nothing of it done. A body read before
/// another change (its `version` not the record's) is left to the version check, a conflict.
pub fn body_for_record<T>(
    received: Result<Body<T>, AppError>,
    id: i64,
    current: &impl serde::Serialize,
) -> Result<T, AppError> {
    let body = received?;
    check_id(&body.sent, id)?;
    let current = serde_json::to_value(current).map_err(|e| AppError::Internal(e.to_string()))?;
    if body.sent.version.as_ref() != current.get("version") {
        return Ok(body.value);
    }
    let mut errors = FieldErrors::new();
    for (field, sent) in [
        ("status", &body.sent.status),
        ("archived", &body.sent.archived),
    ] {
        if let (Some(sent), Some(now)) = (sent, current.get(field))
            && sent != now
        {
            let msg =
                Msg::new(format!("errors.json.elsewhere.{field}")).arg("now", now.to_string());
            errors.add(field, msg);
        }
    }
    errors.into_result()?;
    Ok(body.value)
}

#[rocket::async_trait]
impl<'r, T: Accepts> FromData<'r> for Body<T> {
    type Error = AppError;

    async fn from_data(request: &'r Request<'_>, data: Data<'r>) -> Outcome<'r, Self> {
        let limit = request.limits().get("json").unwrap_or(Limits::JSON);
        let read = match data.open(limit).into_string().await {
            Ok(text) if text.is_complete() => {
                let text = text.into_inner();
                read::<T>(&text).map(|value| Body {
                    value,
                    sent: serde_json::from_str::<SentTop>(&text).unwrap_or_default(),
                })
            }
            Ok(_) => Err(AppError::too_large()),
            Err(error) => {
                tracing::warn!(%error, "could not read a request body");
                Err(AppError::BadRequest(Msg::new("errors.json.unreadable")))
            }
        };
        match read {
            Ok(body) => Outcome::Success(body),
            Err(error) => Outcome::Error((error.status(), error)),
        }
    }
}

/// The body read as `T`, refused when it holds a field `T` neither reads nor accepts. A field
/// misspelt is named even when the body could not be read as `T` for want of its right spelling
/// ("missing field `name`" beside "nmae").
pub fn read<T: Accepts>(text: &str) -> Result<T, AppError> {
    an_object(text)?;
    let read = serde_json::from_str::<T>(text);
    let mut errors = FieldErrors::new();
    for field in unknown_fields::<T>(text) {
        let msg = Msg::new("errors.json.unknown_field").arg("field", &field);
        errors.add(&field, msg);
    }
    match read {
        Ok(value) if errors.is_empty() => Ok(value),
        Ok(_) => Err(AppError::Validation(errors)),
        Err(error) => match parse_error(&error) {
            AppError::Validation(shape) => {
                for (field, msg) in shape.iter() {
                    errors.add(field, msg.clone());
                }
                Err(AppError::Validation(errors))
            }
            malformed => Err(malformed),
        },
    }
}

/// Every body this API takes is an object. serde would read a record from an array too, its
/// fields by position (`["201710601862.3", "标题"]`), and an empty body was "not valid JSON (line
/// 1, column 0)": both are said plainly. JSON that does not parse keeps its position.
fn an_object(text: &str) -> Result<(), AppError> {
    match text.trim_start().chars().next() {
        None => Err(AppError::BadRequest(Msg::new("errors.json.empty"))),
        Some('{') => Ok(()),
        Some(_) => match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Ok(_) => Err(AppError::Validation(single_field(
                "body",
                Msg::new("errors.json.not_object"),
            ))),
            Err(error) => Err(parse_error(&error)),
        },
    }
}

/// The fields of the body, dotted from the top (`follow_ups.0.acton`), that were ignored.
fn unknown_fields<T: Accepts>(text: &str) -> Vec<String> {
    let mut ignored = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    // The body has been read as `T` already; reading it as the checked type only lists names.
    let _ = serde_ignored::deserialize::<_, _, T::Checked>(&mut deserializer, |path| {
        let pattern = dotted(&path, true);
        let also = |list: &[&str]| list.contains(&pattern.as_str());
        if !also(T::ALSO) && !also(<T::Checked as Accepts>::ALSO) {
            ignored.push(dotted(&path, false));
        }
    });
    ignored
}

/// A path as a client wrote it: keys and indexes joined by dots, without serde's marks for an
/// `Option` or a newtype; as a pattern, with `*` for every index.
fn dotted(path: &serde_ignored::Path<'_>, pattern: bool) -> String {
    use serde_ignored::Path;
    let (parent, own) = match path {
        Path::Root => return String::new(),
        Path::Seq { parent, .. } if pattern => (parent, "*".to_owned()),
        Path::Seq { parent, index } => (parent, index.to_string()),
        Path::Map { parent, key } => (parent, key.clone()),
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => {
            return dotted(parent, pattern);
        }
    };
    match dotted(parent, pattern) {
        above if above.is_empty() => own,
        above => format!("{above}.{own}"),
    }
}

fn parse_error(error: &serde_json::Error) -> AppError {
    use serde_json::error::Category;
    let msg = |key: &str| {
        Msg::new(key)
            .arg("line", error.line())
            .arg("column", error.column())
    };
    match error.classify() {
        Category::Data => AppError::Validation(single_field(
            "body",
            msg("errors.json.wrong_shape").arg("detail", data_detail(error)),
        )),
        Category::Eof | Category::Syntax | Category::Io => {
            AppError::BadRequest(msg("errors.json.malformed"))
        }
    }
}

fn single_field(field: &str, msg: Msg) -> FieldErrors {
    let mut errors = FieldErrors::new();
    errors.add(field, msg);
    errors
}

/// serde's own description ("missing field `county`"), without the position it appends.
fn data_detail(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(index) => text[..index].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Item {
        #[serde(default)]
        name: String,
        #[serde(default)]
        tags: Vec<Tag>,
        #[serde(default)]
        extra: Option<Tag>,
    }

    #[derive(Debug, Deserialize)]
    struct Tag {
        #[serde(default)]
        label: String,
    }

    #[derive(Debug, Deserialize)]
    struct Versioned {
        version: i32,
        #[serde(flatten)]
        item: Item,
    }

    accepts!(Item, ["id", "tags.*.id"]);
    accepts!(Versioned => Item, ["version"]);

    fn refused<T: Accepts>(text: &str) -> Vec<String> {
        match read::<T>(text) {
            Ok(_) => Vec::new(),
            Err(AppError::Validation(fields)) => fields.iter().map(|(f, _)| f.clone()).collect(),
            Err(other) => vec![format!("{other:?}")],
        }
    }

    #[test]
    fn a_body_that_is_not_an_object_is_said_to_be_one() {
        let told = |text: &str| match read::<Item>(text) {
            Ok(_) => "read".to_owned(),
            Err(AppError::Validation(fields)) => fields
                .iter()
                .map(|(field, msg)| format!("{field}: {}", msg.render(crate::i18n::Lang::En)))
                .collect(),
            Err(other) => other.message().render(crate::i18n::Lang::En),
        };
        let not_object = "body: The request body should be a JSON object ({…}), not an array, \
                          a string or a number. Nothing was written.";
        let cases = [
            (r#"{"name": "a"}"#, "read"),
            (" \n {}", "read"),
            (
                "",
                "The request body is empty; it should be a JSON object ({…}).",
            ),
            (
                "  \n",
                "The request body is empty; it should be a JSON object ({…}).",
            ),
            (r#"["a", []]"#, not_object),
            ("[]", not_object),
            (r#""a""#, not_object),
            ("12", not_object),
            ("null", not_object),
            (
                "[1,",
                "The request body is not valid JSON (line 1, column 3).",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(told(text), expected, "{text:?}");
        }
    }

    #[test]
    fn a_field_neither_read_nor_accepted_is_refused_by_its_dotted_name() {
        let cases: [(&str, &[&str]); 9] = [
            (r#"{"name": "a"}"#, &[]),
            (r#"{"name": "a", "id": 3}"#, &[]),
            (r#"{"tags": [{"label": "x", "id": 1}]}"#, &[]),
            (r#"{"nmae": "a"}"#, &["nmae"]),
            (
                r#"{"tags": [{"label": "x"}, {"lable": "y"}]}"#,
                &["tags.1.lable"],
            ),
            (r#"{"extra": {"lable": "y"}}"#, &["extra.lable"]),
            (r#"{"extra": {"id": 1}}"#, &["extra.id"]),
            (
                r#"{"name": "a", "nmae": 1, "x": {"deep": []}}"#,
                &["nmae", "x"],
            ),
            (r#"{"id": "not read, so any shape"}"#, &[]),
        ];
        for (body, expected) in cases {
            assert_eq!(refused::<Item>(body), expected, "{body}");
        }
    }

    #[test]
    fn what_is_read_is_the_body_itself() {
        let body =
            r#"{"version": 2, "name": "a", "tags": [{"label": "x"}], "extra": {"label": "y"}}"#;
        let Ok(read) = read::<Versioned>(body) else {
            panic!("{body} not read");
        };
        assert_eq!(read.version, 2);
        assert_eq!(read.item.name, "a");
        assert_eq!(read.item.tags[0].label, "x");
        assert_eq!(read.item.extra.map(|tag| tag.label).as_deref(), Some("y"));
    }

    #[test]
    fn a_flattened_body_checks_its_inner_fields() {
        assert_eq!(
            refused::<Versioned>(r#"{"version": 1, "name": "a"}"#),
            Vec::<String>::new()
        );
        assert_eq!(
            refused::<Versioned>(r#"{"version": 1, "nmae": "a"}"#),
            ["nmae"]
        );
        assert_eq!(
            refused::<Versioned>(r#"{"version": 1, "tags": [{"lable": ""}]}"#),
            ["tags.0.lable"]
        );
        // Without its version the body cannot be read; the slip is named beside serde's word.
        assert_eq!(
            refused::<Versioned>(r#"{"verison": 1}"#),
            ["verison", "body"]
        );
    }

    #[test]
    fn malformed_json_is_a_bad_request_whatever_its_fields() {
        assert!(matches!(
            read::<Item>(r#"{"nmae": "#),
            Err(AppError::BadRequest(_))
        ));
    }

    #[test]
    fn a_body_for_a_record_may_name_that_record_only() {
        // The body's `id` as sent, and whether it may be written to record 5.
        let cases = [
            (None, true),
            (Some(serde_json::Value::Null), true),
            (Some(serde_json::json!(5)), true),
            (Some(serde_json::json!(" 5")), true),
            (Some(serde_json::json!(6)), false),
            (Some(serde_json::json!("6")), false),
            (Some(serde_json::json!(5.5)), false),
            (Some(serde_json::json!(true)), false),
        ];
        for (sent_id, taken) in cases {
            let body = Body {
                value: (),
                sent: SentTop {
                    id: sent_id.clone(),
                    ..SentTop::default()
                },
            };
            let written = body_for(Ok(body), 5);
            assert_eq!(written.is_ok(), taken, "{sent_id:?}");
            if let Err(error) = written {
                assert!(error.fields().is_some_and(|f| f.get("id").is_some()));
            }
        }
    }

    #[test]
    fn what_is_set_elsewhere_is_refused_when_changed_at_the_version_read() {
        let current =
            serde_json::json!({"id": 5, "version": 3, "status": "granted", "archived": false});
        let sent = |version: i64, status: Option<&str>, archived: Option<bool>| SentTop {
            id: Some(serde_json::json!(5)),
            version: Some(serde_json::json!(version)),
            status: status.map(|s| serde_json::json!(s)),
            archived: archived.map(|a| serde_json::json!(a)),
        };
        // (what was sent, the fields refused; none: taken)
        let cases: [(SentTop, &[&str]); 6] = [
            (sent(3, None, None), &[]),
            (sent(3, Some("granted"), Some(false)), &[]),
            (sent(3, Some("lapsed"), Some(false)), &["status"]),
            (sent(3, Some("granted"), Some(true)), &["archived"]),
            (sent(3, Some("filed"), Some(true)), &["status", "archived"]),
            // Read before another change: the version check answers, with a conflict.
            (sent(2, Some("filed"), Some(true)), &[]),
        ];
        for (sent, refused) in cases {
            let what = format!("{sent:?}");
            let body = Body { value: (), sent };
            let fields: Vec<String> = match body_for_record(Ok(body), 5, &current) {
                Ok(()) => Vec::new(),
                Err(error) => error
                    .fields()
                    .map(|f| f.iter().map(|(name, _)| name.clone()).collect())
                    .unwrap_or_default(),
            };
            assert_eq!(fields, refused, "{what}");
        }
    }
}
