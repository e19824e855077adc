//! How a recorded value reads: on a record's history, on the audit page, in `ipdesk audit` and
//! on the terminal's record cards (`cli::card`). The log keeps each record's JSON as it was, which
//! is what tracing a change needs; a person reads names, dates, yes or no and the words for
//! codes, not `["向明", "郑华"]`, `False` or `consumer_rights_day`.

use serde_json::{Map, Value};

use crate::i18n::{CATALOG, Lang, Msg, t};

/// What an empty value reads as.
const NOTHING: &str = "—";

/// Fields whose recorded text is a code, with where the code's words are: the field's label key
/// (as the history names it) → the locale key prefix of its codes.
const CODES: [(&str, &str); 8] = [
    ("patents.field.patent_type", "patent_type."),
    ("patents.field.status", "patent_status."),
    ("events.field.kind", "events.kind."),
    ("visits.field.topics", "visits.topic."),
    ("cases.field.kind", "cases.kind."),
    ("cases.field.source", "cases.source."),
    ("cases.field.status", "cases.status."),
    ("audit.field.role", "roles."),
];

/// Fields recorded as an object of numbers whose names are only in its keys, with the sentence
/// that words them (`None` when the value is not that object, which then reads as any other).
type Sentence = fn(&Value, Lang) -> Option<String>;
const SENTENCES: [(&str, Sentence); 1] = [("audit.field.counts", import_counts)];

/// An import's counts as the import's own summary says them.
fn import_counts(value: &Value, lang: Lang) -> Option<String> {
    let counts: crate::import::plan::Counts = serde_json::from_value(value.clone()).ok()?;
    Some(counts.line(lang))
}

/// Fields the histories and the log leave out, by label key: another field says the same in words
/// (a visit's officers as usernames beside their names), or the record's page shows it whole
/// (a case's steps, the time limits worked out from them, the check of the claimed number).
const HIDDEN: [&str; 7] = [
    "visits.field.officers",
    "cases.field.steps",
    "cases.field.deadlines",
    "cases.field.next_deadline",
    "cases.field.deadline_status",
    "cases.field.claimed_patent_check",
    "cases.field.attachments",
];

/// One changed field of a log entry as a person reads it; `old` is `None` for a value a new
/// record or attachment was given.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Row {
    pub label: String,
    pub old: Option<String>,
    pub new: String,
}

/// Where an entry's changes are read, which decides their labels.
#[derive(Clone, Copy, Debug)]
pub enum Scope<'a> {
    /// A record's history on its page, labels under the register's prefix (`"cases.field."`).
    History(&'a str),
    /// The audit log, on its page and on the terminal, for entries of this entity (`"case"`);
    /// its JSON keeps every field.
    Log(&'a str),
}

/// The changes of a log entry (`{"field": {"old": …, "new": …}}`) as the rows a person reads:
/// values in words, in the order of the record's form (the order of its labels in the locale
/// file; the log keeps fields by name); bookkeeping, links and what a record's page shows whole
/// left out (see [`is_shown`]); a new record, attachment or import only with what it was given.
pub fn rows(action: &str, changes: &Value, scope: Scope<'_>, lang: Lang) -> Vec<Row> {
    let Some(fields) = changes.as_object() else {
        return Vec::new();
    };
    let given_only = matches!(action, "create" | "attach" | "import" | "setup");
    let mut rows: Vec<(Option<usize>, Row)> = fields
        .iter()
        .filter_map(|(field, pair)| {
            let key = match scope {
                Scope::History(prefix) => format!("{prefix}{field}"),
                Scope::Log(entity) => label_key(entity, field),
            };
            let new = &pair["new"];
            if !is_shown(&key) || (given_only && is_nothing(new)) {
                return None;
            }
            let label = CATALOG
                .get(lang, &key)
                .or_else(|| CATALOG.get(lang, &format!("audit.field.{field}")));
            let row = Row {
                label: label.map_or_else(|| field.clone(), str::to_owned),
                old: (!given_only).then(|| shown(&pair["old"], lang, &key)),
                new: shown(new, lang, &key),
            };
            Some((CATALOG.position(&key), row))
        })
        .collect();
    // A field without a label of its own keeps its place by name, after the form's fields.
    rows.sort_by_key(|(position, _)| position.unwrap_or(usize::MAX));
    rows.into_iter().map(|(_, row)| row).collect()
}

/// The value recorded for the field labelled `label_key` ("events.field.kind") as a person reads
/// it in `lang`: codes in words, lists joined as the language joins them, nothing as "—".
pub fn shown(value: &Value, lang: Lang, label_key: &str) -> String {
    let worded = SENTENCES
        .iter()
        .find(|(label, _)| *label == label_key)
        .and_then(|(_, sentence)| sentence(value, lang));
    if let Some(sentence) = worded {
        return sentence;
    }
    let codes = CODES
        .iter()
        .find(|(label, _)| *label == label_key)
        .map(|(_, prefix)| *prefix);
    let text = words(value, lang, codes);
    if text.is_empty() {
        NOTHING.to_owned()
    } else {
        text
    }
}

/// Whether a history or the log lists the field labelled `label_key`: not the record's own
/// bookkeeping, not a link whose name the record also carries (`enterprise_id` beside
/// `enterprise_name`), not a field in [`HIDDEN`].
fn is_shown(label_key: &str) -> bool {
    let field = label_key.rsplit('.').next().unwrap_or(label_key);
    !is_internal(field) && !HIDDEN.contains(&label_key)
}

/// The entities whose records are a register's, labelled under `{entity}s.field.`.
const REGISTERS: [&str; 6] = [
    "patent",
    "enterprise",
    "event",
    "visit",
    "inspection",
    "case",
];

/// The label key of a field in the audit log's list, where entries of every kind stand
/// together: the register's own when the record is one of a register's (`visit` →
/// `visits.field.topics`), so its codes read in words and its hidden fields stay hidden; else
/// the log's general one.
fn label_key(entity: &str, field: &str) -> String {
    if REGISTERS.contains(&entity) {
        format!("{entity}s.field.{field}")
    } else {
        format!("audit.field.{field}")
    }
}

/// A record's own bookkeeping (its number, version and times: the entry says when) and links
/// to other records (whose names the record carries beside them).
fn is_internal(field: &str) -> bool {
    matches!(field, "id" | "version")
        || field.ends_with("_id")
        || field.ends_with("_ids")
        || field.ends_with("_at")
}

/// Whether a value says nothing: a new record's empty fields are left out of its history.
pub fn is_nothing(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => true,
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.values().all(is_nothing),
        Value::Number(_) | Value::Bool(true) => false,
    }
}

fn words(value: &Value, lang: Lang, codes: Option<&str>) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(yes) => t(lang, if *yes { "common.yes" } else { "common.no" }),
        Value::Number(number) => match number.as_f64() {
            Some(n) => crate::i18n::amount(lang, n),
            None => number.to_string(),
        },
        Value::String(text) => code_words(text, lang, codes),
        Value::Array(items) => joined(items.iter(), lang, codes, "common.list_separator"),
        Value::Object(map) => object_words(map, lang, codes),
    }
}

fn code_words(text: &str, lang: Lang, codes: Option<&str>) -> String {
    codes
        .and_then(|prefix| CATALOG.get(lang, &format!("{prefix}{text}")))
        .map_or_else(|| text.to_owned(), str::to_owned)
}

fn joined<'a>(
    items: impl Iterator<Item = &'a Value>,
    lang: Lang,
    codes: Option<&str>,
    separator: &str,
) -> String {
    let parts: Vec<String> = items
        .map(|item| words(item, lang, codes))
        .filter(|part| !part.is_empty())
        .collect();
    parts.join(&t(lang, separator))
}

/// A message a service left (`{"key": …, "args": …}`) in its words; any other object by its
/// name, action or description, the rest of its values after it in brackets (a follow-up:
/// "联系代理机构上门指导（向明，2026-04-10）"). Links to other records are left out.
fn object_words(map: &Map<String, Value>, lang: Lang, codes: Option<&str>) -> String {
    let as_message = serde_json::from_value::<Msg>(Value::Object(map.clone()));
    if let Ok(msg) = as_message.as_ref()
        && CATALOG.get(lang, &msg.key).is_some()
    {
        return msg.render(lang);
    }
    let is_lead = |name: &str| matches!(name, "name" | "action" | "description" | "title");
    let lead = joined(
        map.iter().filter(|(k, _)| is_lead(k)).map(|(_, v)| v),
        lang,
        codes,
        "common.list_separator",
    );
    let rest = joined(
        map.iter()
            .filter(|(k, _)| !is_lead(k) && !is_internal(k))
            .map(|(_, v)| v),
        lang,
        codes,
        "common.list_separator",
    );
    match (lead.is_empty(), rest.is_empty()) {
        (_, true) => lead,
        (true, false) => rest,
        (false, false) => Msg::new("audit.with_details")
            .arg("lead", lead)
            .arg("details", rest)
            .render(lang),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn recorded_values_read_as_words() {
        // (value, the field's label key, Chinese, English)
        let cases: [(Value, &str, &str, &str); 12] = [
            (json!(null), "events.field.notes", "—", "—"),
            (json!(false), "events.field.archived", "否", "No"),
            (json!(true), "events.field.archived", "是", "Yes"),
            (json!(24000.0), "cases.field.fine", "24000", "24,000"),
            (json!(12.5), "cases.field.fine", "12.5", "12.5"),
            (
                json!(["向明", "郑华"]),
                "visits.field.officer_names",
                "向明、郑华",
                "向明, 郑华",
            ),
            (json!([]), "events.field.co_organisers", "—", "—"),
            (
                json!("consumer_rights_day"),
                "events.field.kind",
                "3.15国际消费者权益日",
                "3.15 Consumer Rights Day",
            ),
            (json!("其他"), "events.field.kind", "其他", "其他"),
            (
                json!(["reward_policy"]),
                "visits.field.topics",
                "奖励/资助政策",
                "Reward and subsidy policy",
            ),
            (
                json!({"name": "某超市", "address": null, "credit_code": null, "enterprise_id": 3}),
                "cases.field.respondent",
                "某超市",
                "某超市",
            ),
            (
                json!([{"action": "上门指导", "owner": "向明", "due_on": "2026-04-10", "done_on": null}]),
                "visits.field.follow_ups",
                "上门指导（2026-04-10、向明）",
                "上门指导 (2026-04-10, 向明)",
            ),
        ];
        for (value, label, chinese, english) in cases {
            assert_eq!(shown(&value, Lang::ZhCn, label), chinese, "{value}");
            assert_eq!(shown(&value, Lang::En, label), english, "{value}");
        }
    }

    /// A renamed field or section would leave its codes or its hiding silently undone.
    #[test]
    fn every_field_named_has_a_label_and_every_code_list_has_words() {
        for lang in Lang::ALL {
            for (label, _) in CODES {
                assert!(CATALOG.get(lang, label).is_some(), "{label} ({lang:?})");
            }
            for entity in REGISTERS {
                let prefix = format!("{entity}s.field.");
                assert!(
                    CATALOG.keys(lang).any(|key| key.starts_with(&prefix)),
                    "{entity}"
                );
            }
            for (_, prefix) in CODES {
                let section = prefix.trim_end_matches('.');
                assert!(
                    CATALOG.keys(lang).any(|key| key.starts_with(prefix)),
                    "{section} ({lang:?})"
                );
            }
        }
    }

    #[test]
    fn the_audit_log_labels_a_register_s_fields_as_the_register_does() {
        assert_eq!(label_key("visit", "topics"), "visits.field.topics");
        assert_eq!(label_key("case", "kind"), "cases.field.kind");
        assert_eq!(label_key("user", "role"), "audit.field.role");
    }

    #[test]
    fn a_message_left_in_a_record_reads_in_its_language() {
        let note = json!({"key": "common.yes"});
        assert_eq!(shown(&note, Lang::ZhCn, "cases.field.facts"), "是");
        // An object that only looks like a message keeps its values.
        let other = json!({"key": "no.such.key"});
        assert_eq!(shown(&other, Lang::En, "cases.field.facts"), "no.such.key");
    }

    #[test]
    fn an_entry_reads_as_rows_in_words() {
        let created = json!({
            "id": {"old": null, "new": 5},
            "version": {"old": null, "new": 1},
            "kind": {"old": null, "new": "world_ip_day"},
            "notes": {"old": null, "new": null},
            "enterprise_ids": {"old": null, "new": [8, 6]},
        });
        let row = |label: &str, old: Option<&str>, new: &str| Row {
            label: label.into(),
            old: old.map(str::to_owned),
            new: new.into(),
        };
        assert_eq!(
            rows(
                "create",
                &created,
                Scope::History("events.field."),
                Lang::ZhCn
            ),
            [row("活动类型", None, "4.26世界知识产权日")]
        );
        assert_eq!(
            rows("create", &created, Scope::Log("event"), Lang::En),
            [row("Kind", None, "4.26 World IP Day")]
        );
        // What a case's page shows whole is left out of the log as well.
        let case = json!({
            "claimed_patent_check": {"old": null, "new": {"number": "202410100237.0"}},
            "kind": {"old": null, "new": "counterfeiting"},
        });
        assert_eq!(
            rows("create", &case, Scope::Log("case"), Lang::ZhCn),
            [row("案件类型", None, "假冒专利")]
        );
        // Fields read in the order of the record's form, not of their names.
        let edited = json!({
            "title": {"old": "旧名称", "new": "新名称"},
            "status": {"old": "pending", "new": "granted"},
            "applicants": {"old": ["甲"], "new": ["甲", "乙"]},
            "application_number": {"old": "202410100237.0", "new": "202410100238.5"},
        });
        let labels: Vec<String> = rows(
            "update",
            &edited,
            Scope::History("patents.field."),
            Lang::En,
        )
        .into_iter()
        .map(|row| row.label)
        .collect();
        assert_eq!(
            labels,
            [
                "Application number",
                "Title",
                "Applicants (patentees)",
                "Legal status"
            ]
        );
        let changed = json!({"role": {"old": "viewer", "new": "officer"}});
        assert_eq!(
            rows("update", &changed, Scope::Log("user"), Lang::ZhCn),
            [row("角色", Some("只读"), "专干")]
        );
        let imported = json!({"counts": {"old": null, "new": {
            "rows_read": 4, "new": 4, "updated": 0, "unchanged": 0,
            "duplicates_in_file": 0, "out_of_jurisdiction": 0, "invalid": 0,
        }}});
        assert_eq!(
            rows("import", &imported, Scope::Log("import_batch"), Lang::En)[0].new,
            "4 rows: 4 new, 0 updated, 0 unchanged, 0 duplicates in the file, 0 out of the jurisdiction, 0 invalid."
        );
    }

    #[test]
    fn bookkeeping_and_empty_values_are_told_apart() {
        for hidden in [
            "events.field.id",
            "events.field.version",
            "visits.field.enterprise_id",
            "events.field.enterprise_ids",
            "visits.field.officers",
            "cases.field.deadlines",
        ] {
            assert!(!is_shown(hidden), "{hidden}");
        }
        for shown in [
            "visits.field.enterprise_name",
            "visits.field.officer_names",
            "cases.field.status",
            "patents.field.identity",
        ] {
            assert!(is_shown(shown), "{shown}");
        }
        for value in [
            json!(null),
            json!(false),
            json!(""),
            json!([]),
            json!({"a": null}),
        ] {
            assert!(is_nothing(&value), "{value}");
        }
        for value in [json!(0), json!(true), json!("x"), json!(["x"])] {
            assert!(!is_nothing(&value), "{value}");
        }
    }
}
