//! A record in full on the terminal: `show`, `add` and `edit` print the list's line, then one
//! labelled line a field, worded as the record's history on the web words them
//! (`audit::display`: lists joined, codes in words, yes or no); empty fields are left out.

use serde::Serialize;
use serde_json::Value;

use crate::audit::display;
use crate::i18n::{Lang, Msg, t};

/// Prints `line` (the record's line in its list), then the labelled lines of `fields`.
pub fn print(line: &str, record: &impl Serialize, labels: &str, fields: &[&str], lang: Lang) {
    say!("{line}");
    for field in lines(record, labels, fields, lang) {
        say!("{field}");
    }
}

/// The labelled lines of `fields` of `record`, in that order; the labels are under `labels`
/// (`"events.field."`).
pub fn lines(record: &impl Serialize, labels: &str, fields: &[&str], lang: Lang) -> Vec<String> {
    let Ok(Value::Object(values)) = serde_json::to_value(record) else {
        return Vec::new();
    };
    fields
        .iter()
        .filter_map(|field| {
            let value = values
                .get(*field)
                .filter(|value| !display::is_nothing(value))?;
            let key = format!("{labels}{field}");
            let line = Msg::new("cli.card.line")
                .arg("label", t(lang, &key))
                .arg("value", display::shown(value, lang, &key));
            Some(format!("        {}", line.render(lang)))
        })
        .collect()
}

/// A part of a record under its card, headed by its label ("        Time limits:"), its lines
/// indented below; nothing when it has none.
pub fn section(label: &Msg, lines: &[String], lang: Lang) {
    if lines.is_empty() {
        return;
    }
    say!(
        "        {}{}",
        label.render(lang),
        t(lang, "common.colon").trim_end()
    );
    for line in lines {
        say!("          {line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::CATALOG;

    /// Every field a card prints has its label in both languages (a missing one would print
    /// its key).
    #[test]
    fn every_field_on_a_card_has_a_label() {
        let cards: [(&str, &[&str]); 6] = [
            ("patents.field.", &super::super::patents::CARD),
            ("enterprises.field.", &super::super::enterprises::CARD),
            ("events.field.", &super::super::events::CARD),
            ("visits.field.", &super::super::visits::CARD),
            ("inspections.field.", &super::super::inspections::CARD),
            ("cases.field.", &super::super::cases::CARD),
        ];
        for lang in Lang::ALL {
            for (labels, fields) in cards {
                for field in fields {
                    let key = format!("{labels}{field}");
                    assert!(CATALOG.get(lang, &key).is_some(), "{key} ({lang:?})");
                }
            }
        }
    }

    #[test]
    fn a_card_words_its_fields_and_leaves_out_empty_ones() {
        let record = serde_json::json!({
            "kind": "world_ip_day",
            "co_organisers": ["县教育局", "县科技局"],
            "notes": null,
            "archived": false,
        });
        let fields = ["kind", "co_organisers", "notes", "archived"];
        assert_eq!(
            lines(&record, "events.field.", &fields, Lang::ZhCn),
            [
                "        活动类型：4.26世界知识产权日",
                "        协办单位：县教育局、县科技局"
            ]
        );
        assert_eq!(
            lines(&record, "events.field.", &fields, Lang::En)[0],
            "        Kind: 4.26 World IP Day"
        );
    }
}
