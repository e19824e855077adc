//! What an export holds, in words for its subtitle: the period and the list page's filters that
//! chose its rows ("授权公告日：2026-01-01 至 2026-10-31；专利类型：发明"), so a leader holding the
//! printout knows what it leaves out.

use chrono::NaiveDate;

use super::Request;
use crate::cases::query::CaseFilter;
use crate::enterprises::query::EnterpriseFilter;
use crate::events::domain::EventKind;
use crate::events::query::EventFilter;
use crate::i18n::{Lang, Msg, t};
use crate::inspections::query::InspectionFilter;
use crate::patents::query::PatentFilter;
use crate::patents::{PatentStatus, PatentType};
use crate::visits::domain::Topic;
use crate::visits::query::VisitFilter;

/// The filters of `request` (and the grants' period) joined in one line; empty when none is set.
pub(super) fn described(
    request: &Request,
    grants: Option<(NaiveDate, NaiveDate)>,
    lang: Lang,
) -> String {
    let mut parts = Parts::new(lang);
    if let Some((from, to)) = grants {
        let range = Msg::new("export.subtitle.range")
            .arg("from", from)
            .arg("to", to);
        parts.add("patents.field.granted_on", range.render(lang));
    }
    match request {
        Request::Patents(filter) | Request::Grants(filter, _) => patents(&mut parts, filter),
        Request::Enterprises(filter) => enterprises(&mut parts, filter),
        Request::Events(filter) => events(&mut parts, filter),
        Request::Visits(filter) => visits(&mut parts, filter),
        Request::Inspections(filter) => inspections(&mut parts, filter),
        Request::Cases(filter) => cases(&mut parts, filter),
    }
    parts.parts.join(&t(lang, "common.list_separator"))
}

/// The subtitle's parts so far, each "label: value".
struct Parts {
    lang: Lang,
    parts: Vec<String>,
}

impl Parts {
    fn new(lang: Lang) -> Parts {
        Parts {
            lang,
            parts: Vec::new(),
        }
    }

    /// A filter by the locale key of its label.
    fn add(&mut self, label: &str, value: String) {
        self.parts.push(
            Msg::new("export.subtitle.filter")
                .arg("label", t(self.lang, label))
                .arg("value", value)
                .render(self.lang),
        );
    }

    /// A value that is a locale key of its own (a type, a status).
    fn add_named(&mut self, label: &str, value_key: &str) {
        let value = t(self.lang, value_key);
        self.add(label, value);
    }

    fn add_yes_no(&mut self, label: &str, yes: bool) {
        self.add_named(label, if yes { "common.yes" } else { "common.no" });
    }

    /// A list page's from/to filters; nothing when neither is set.
    fn add_range(&mut self, label: &str, from: Option<&str>, to: Option<&str>) {
        let msg = match (given(from), given(to)) {
            (Some(from), Some(to)) => Msg::new("export.subtitle.range")
                .arg("from", from)
                .arg("to", to),
            (Some(from), None) => Msg::new("export.subtitle.since").arg("from", from),
            (None, Some(to)) => Msg::new("export.subtitle.until").arg("to", to),
            (None, None) => return,
        };
        let range = msg.render(self.lang);
        self.add(label, range);
    }

    /// The filters most registers share, said last: township, search words, archived.
    fn add_common(&mut self, township: Option<&str>, q: Option<&str>, archived: Option<bool>) {
        match township.map(str::trim) {
            Some("-") => self.add_named("patents.field.township", "patents.filter.no_township"),
            Some(name) if !name.is_empty() => self.add("patents.field.township", name.to_owned()),
            _ => {}
        }
        if let Some(q) = given(q) {
            self.add("export.subtitle.search", q.to_owned());
        }
        if archived == Some(true) {
            self.parts.push(t(self.lang, "export.subtitle.archived"));
        }
    }
}

/// A filter's value when it holds more than blanks.
fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn patents(parts: &mut Parts, filter: &PatentFilter) {
    if let Some(kind) = filter.patent_type.as_deref().and_then(PatentType::parse) {
        parts.add_named("patents.field.patent_type", &kind.label_key());
    }
    if let Some(status) = filter.status.as_deref().and_then(PatentStatus::parse) {
        parts.add_named("patents.field.status", &status.label_key());
    }
    if let Some(year) = *filter.filed_year {
        parts.add("export.subtitle.filed_year", year.to_string());
    }
    if let Some(year) = *filter.granted_year {
        parts.add("export.subtitle.granted_year", year.to_string());
    }
    if let Some(linked) = *filter.linked {
        parts.add_yes_no("patents.filter.linked", linked);
    }
    parts.add_common(
        filter.township.as_deref(),
        filter.q.as_deref(),
        *filter.archived,
    );
}

fn enterprises(parts: &mut Parts, filter: &EnterpriseFilter) {
    if let Some(high_tech) = *filter.high_tech {
        parts.add_yes_no("enterprises.field.high_tech", high_tech);
    }
    if let Some(tech_sme) = *filter.tech_sme {
        parts.add_yes_no("enterprises.field.tech_sme", tech_sme);
    }
    parts.add_common(
        filter.township.as_deref(),
        filter.q.as_deref(),
        *filter.archived,
    );
}

fn events(parts: &mut Parts, filter: &EventFilter) {
    if let Some(kind) = filter.kind.as_deref().and_then(EventKind::parse) {
        parts.add_named("events.field.kind", &kind.label_key());
    }
    parts.add_range(
        "events.field.starts_on",
        filter.from.as_deref(),
        filter.to.as_deref(),
    );
    parts.add_common(None, filter.q.as_deref(), *filter.archived);
}

fn visits(parts: &mut Parts, filter: &VisitFilter) {
    if let Some(topic) = filter.topic.as_deref().and_then(Topic::parse) {
        parts.add_named("visits.field.topics", &topic.label_key());
    }
    if *filter.open == Some(true) {
        parts.add_yes_no("visits.filter.open", true);
    }
    parts.add_range(
        "visits.field.visited_on",
        filter.from.as_deref(),
        filter.to.as_deref(),
    );
    parts.add_common(
        filter.township.as_deref(),
        filter.q.as_deref(),
        *filter.archived,
    );
}

fn inspections(parts: &mut Parts, filter: &InspectionFilter) {
    parts.add_range(
        "inspections.field.starts_on",
        filter.from.as_deref(),
        filter.to.as_deref(),
    );
    parts.add_common(None, filter.q.as_deref(), *filter.archived);
}

fn cases(parts: &mut Parts, filter: &CaseFilter) {
    if let Some(kind) = given(filter.kind.as_deref()) {
        parts.add_named("cases.field.kind", &format!("cases.kind.{kind}"));
    }
    if let Some(status) = given(filter.status.as_deref()) {
        let key = match status {
            "active" => "cases.filter.active".to_owned(),
            other => format!("cases.status.{other}"),
        };
        parts.add_named("cases.field.status", &key);
    }
    if let Some(deadline) = given(filter.deadline.as_deref()) {
        parts.add_named(
            "cases.field.deadline_status",
            &format!("cases.deadline_state.{deadline}"),
        );
    }
    parts.add_range(
        "cases.field.received_on",
        filter.from.as_deref(),
        filter.to.as_deref(),
    );
    parts.add_common(None, filter.q.as_deref(), *filter.archived);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patents_filter(
        patent_type: &str,
        township: &str,
        q: &str,
        archived: Option<bool>,
    ) -> PatentFilter {
        let given = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        PatentFilter {
            patent_type: given(patent_type),
            township: given(township),
            q: given(q),
            archived: archived.into(),
            ..PatentFilter::default()
        }
    }

    fn cases_filter(kind: &str, status: &str, from: &str) -> CaseFilter {
        CaseFilter {
            kind: Some(kind.to_owned()),
            status: Some(status.to_owned()),
            from: Some(from.to_owned()),
            ..CaseFilter::default()
        }
    }

    #[test]
    fn the_subtitle_names_each_filter_set_and_nothing_else() {
        let grants = Some((
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
        ));
        let cases = [
            (
                Request::Patents(patents_filter("", "", "", None)),
                None,
                Lang::En,
                "",
            ),
            (
                Request::Patents(patents_filter("invention", "-", " tea ", Some(true))),
                None,
                Lang::En,
                "Type: Invention, Township: No township, Search: tea, archived only",
            ),
            (
                Request::Grants(
                    patents_filter("", "茅坪镇", "", Some(false)),
                    Default::default(),
                ),
                grants,
                Lang::ZhCn,
                "授权公告日：2026-01-01 至 2026-10-31、乡镇：茅坪镇",
            ),
            (
                Request::Cases(cases_filter(" ", "", "")),
                None,
                Lang::En,
                "",
            ),
            (
                Request::Cases(cases_filter("counterfeiting", "active", "2026-03-01")),
                None,
                Lang::En,
                "Kind: Patent counterfeiting, Status: In hand, Clue received on: from 2026-03-01",
            ),
        ];
        for (request, grants, lang, expected) in cases {
            assert_eq!(described(&request, grants, lang), expected, "{request:?}");
        }
    }
}
