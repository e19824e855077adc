//! The patent register, and the grants of a period, as exports. Headers are the register's own
//! field labels, so an export imports back as it is; the linked enterprise is added for the
//! reader (the import ignores it).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use futures_util::StreamExt;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    Select, StreamTrait,
};

use super::writer::{Column, Kind, Value};
use crate::entities::{enterprise, patent, patent_applicant};
use crate::error::AppError;
use crate::i18n::{Lang, t};
use crate::patents::number::ApplicationNumber;
use crate::patents::query::{self, PatentFilter, Sort};
use crate::patents::{PatentStatus, PatentType};

/// A column of a patents export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Number,
    ApplicationNumber,
    Title,
    Type,
    Applicants,
    Inventors,
    FiledOn,
    GrantedOn,
    GrantPublicationNumber,
    Status,
    Township,
    Address,
    Agency,
    Ipc,
    Enterprise,
    Notes,
}

const REGISTER: [Field; 16] = [
    Field::Number,
    Field::ApplicationNumber,
    Field::Title,
    Field::Type,
    Field::Applicants,
    Field::Inventors,
    Field::FiledOn,
    Field::GrantedOn,
    Field::GrantPublicationNumber,
    Field::Status,
    Field::Township,
    Field::Address,
    Field::Agency,
    Field::Ipc,
    Field::Enterprise,
    Field::Notes,
];

const GRANTS: [Field; 12] = [
    Field::Number,
    Field::ApplicationNumber,
    Field::Title,
    Field::Type,
    Field::Applicants,
    Field::Inventors,
    Field::FiledOn,
    Field::GrantedOn,
    Field::GrantPublicationNumber,
    Field::Township,
    Field::Enterprise,
    Field::Agency,
];

/// Patent ids per part of the applicants' text (see [`PatentExport::applicants`]).
const APPLICANT_SLICE: i64 = 10_000;

impl Field {
    fn header(self, lang: Lang) -> String {
        let key = match self {
            Field::Number => "export.field.number",
            Field::ApplicationNumber => "patents.field.application_number",
            Field::Title => "patents.field.title",
            Field::Type => "patents.field.patent_type",
            Field::Applicants => "patents.field.applicants",
            Field::Inventors => "patents.field.inventors",
            Field::FiledOn => "patents.field.filed_on",
            Field::GrantedOn => "patents.field.granted_on",
            Field::GrantPublicationNumber => "patents.field.grant_publication_number",
            Field::Status => "patents.field.status",
            Field::Township => "patents.field.township",
            Field::Address => "patents.field.address",
            Field::Agency => "patents.field.agency",
            Field::Ipc => "patents.field.ipc_main",
            Field::Enterprise => "export.field.linked_enterprise",
            Field::Notes => "patents.field.notes",
        };
        t(lang, key)
    }

    fn kind(self) -> Kind {
        match self {
            Field::Number => Kind::Integer,
            Field::ApplicationNumber | Field::GrantPublicationNumber => Kind::Identifier,
            Field::FiledOn | Field::GrantedOn => Kind::Date,
            Field::Title | Field::Applicants | Field::Address | Field::Notes => Kind::Wrap,
            _ => Kind::Text,
        }
    }
}

/// A patents export: the list page's filters, and for the grants register its period.
pub struct PatentExport {
    filter: PatentFilter,
    /// The grants of this period (inclusive), in grant order; `None` for the register.
    grants: Option<(NaiveDate, NaiveDate)>,
    lang: Lang,
    /// Township names by id (archived ones too: old patents keep theirs).
    townships: HashMap<i64, String>,
    /// The types' and statuses' names by stored value, looked up once, not once a row.
    labels: HashMap<&'static str, String>,
    /// Between applicants and between inventors: "；" as rosters write it, "; " in English
    /// (a name may hold a comma); either imports back.
    separator: String,
}

impl PatentExport {
    pub fn new(
        filter: PatentFilter,
        grants: Option<(NaiveDate, NaiveDate)>,
        lang: Lang,
        townships: HashMap<i64, String>,
    ) -> PatentExport {
        let types = PatentType::ALL.map(|p| (p.as_str(), p.label_key()));
        let statuses = PatentStatus::ALL.map(|s| (s.as_str(), s.label_key()));
        let labels = types
            .into_iter()
            .chain(statuses)
            .map(|(stored, key)| (stored, t(lang, &key)))
            .collect();
        PatentExport {
            filter,
            grants,
            lang,
            townships,
            labels,
            separator: t(lang, "export.part_separator"),
        }
    }

    fn fields(&self) -> &'static [Field] {
        if self.grants.is_some() {
            &GRANTS
        } else {
            &REGISTER
        }
    }

    /// The patents the export holds, unordered; made once and handed to [`Self::ids`] and
    /// [`Self::applicants`] (filtering by township looks the township up).
    pub async fn selection(
        &self,
        db: &impl ConnectionTrait,
    ) -> Result<Select<patent::Entity>, AppError> {
        let mut selection = query::filtered(db, &self.filter).await?;
        if let Some((from, to)) = self.grants {
            selection = selection
                .filter(patent::Column::GrantedOn.gte(from))
                .filter(patent::Column::GrantedOn.lte(to));
        }
        Ok(selection)
    }

    fn sort(&self) -> Sort {
        if self.grants.is_some() {
            Sort::GrantedAsc
        } else {
            Sort::of(&self.filter)
        }
    }

    /// The ids of the patents to write, in the list's order — as one value, the ids joined by
    /// the database (an aggregate's own ORDER BY keeps their order), because the driver's cost
    /// is per value, not per byte.
    pub async fn ids(
        &self,
        db: &impl ConnectionTrait,
        selection: Select<patent::Entity>,
    ) -> Result<Vec<i64>, AppError> {
        use patent::Column as P;
        let backend = db.get_database_backend();
        let matching = selection
            .select_only()
            .columns([P::Id, P::FiledOn, P::GrantedOn, P::ApplicationNumber])
            .into_query();
        let joined = aggregate(
            backend,
            "CAST(\"m\".\"id\" AS TEXT)",
            "','",
            Some(&order_sql(self.sort())),
        );
        let query = Query::select()
            .expr(Expr::cust(joined))
            .from_subquery(matching, Alias::new("m"))
            .to_owned();
        let ids: Option<String> = match db.query_one(&query).await? {
            Some(row) => row.try_get_by_index(0)?,
            None => None,
        };
        Ok(ids
            .unwrap_or_default()
            .split(',')
            .filter_map(|id| id.parse().ok())
            .collect())
    }

    /// The applicants of every patent to write, each with its linked enterprise: read once for
    /// the whole export (beside its ids), where a lookup per patent in each chunk's query cost
    /// PostgreSQL half the chunk's time. The database joins them into one value per
    /// [`APPLICANT_SLICE`] patent ids, streamed, so that no one value holds a million patents'.
    /// `None` where each row's text holds its own (SQLite: see `applicants_apart`).
    pub async fn applicants<D: ConnectionTrait + StreamTrait>(
        &self,
        db: &D,
        selection: Select<patent::Entity>,
    ) -> Result<Option<Applicants>, AppError> {
        let backend = ConnectionTrait::get_database_backend(db);
        if !applicants_apart(backend) {
            return Ok(None);
        }
        let matching = selection
            .select_only()
            .column(patent::Column::Id)
            .into_query();
        let field = code(backend, FIELD);
        let record = format!(
            "CAST(\"a\".\"patent_id\" AS TEXT) || {field} || CAST(\"a\".\"position\" AS TEXT) \
             || {field} || \"a\".\"name\" || {field} || COALESCE(\"e\".\"name\", '')"
        );
        let a = Alias::new("a");
        let query = Query::select()
            .expr(Expr::cust(aggregate(
                backend,
                &record,
                &code(backend, RECORD),
                None,
            )))
            .from_as(patent_applicant::Entity, a.clone())
            .join_as(
                JoinType::LeftJoin,
                enterprise::Entity,
                Alias::new("e"),
                Expr::cust("\"e\".\"id\" = \"a\".\"enterprise_id\""),
            )
            .and_where(Expr::col((a, patent_applicant::Column::PatentId)).in_subquery(matching))
            .add_group_by([Expr::cust(format!(
                "\"a\".\"patent_id\" / {APPLICANT_SLICE}"
            ))])
            .to_owned();
        let stream = StreamTrait::stream(db, &query).await?;
        let mut stream = std::pin::pin!(stream);
        let mut applicants = Applicants::default();
        while let Some(row) = stream.next().await {
            let part: Option<String> = row?.try_get_by_index(0)?;
            applicants.add(&part.unwrap_or_default());
        }
        Ok(Some(applicants))
    }

    /// The text of some patents' rows, their own columns — the whole chunk joined by the
    /// database into one value; [`PatentExport::rows`] reads it.
    pub async fn chunk_text(
        &self,
        db: &impl ConnectionTrait,
        ids: &[i64],
    ) -> Result<String, AppError> {
        let backend = db.get_database_backend();
        let row = row_sql(backend);
        let query = patent::Entity::find()
            .select_only()
            .expr(Expr::cust(aggregate(
                backend,
                &row,
                &code(backend, ROW),
                None,
            )))
            .filter(patent::Column::Id.is_in(ids.iter().copied()))
            .into_query();
        let joined: Option<String> = match db.query_one(&query).await? {
            Some(row) => row.try_get_by_index(0)?,
            None => None,
        };
        Ok(joined.unwrap_or_default())
    }

    /// The rows of a chunk's text, in the order of `ids`, numbered from `first`.
    pub fn rows(
        &self,
        joined: &str,
        ids: &[i64],
        first: usize,
        applicants: Option<&Applicants>,
    ) -> Vec<Vec<Value>> {
        let by_id: HashMap<i64, &str> = joined
            .split(ROW)
            .filter_map(|row| row.split_once(UNIT))
            .filter_map(|(id, rest)| Some((id.parse().ok()?, rest)))
            .collect();
        ids.iter()
            .filter_map(|id| Some((*id, *by_id.get(id)?)))
            .enumerate()
            .map(|(index, (id, text))| {
                let source = Source::read(text, applicants.map(|a| a.of(id)));
                self.fields()
                    .iter()
                    .map(|field| self.value(*field, &source, first + index))
                    .collect()
            })
            .collect()
    }

    /// The columns: the register's own field labels, so the export imports back.
    pub fn columns(&self) -> Vec<Column> {
        self.fields()
            .iter()
            .map(|field| Column::new(field.header(self.lang), field.kind()))
            .collect()
    }

    /// A type's or status's name; empty for a value the register does not know.
    fn label(&self, stored: &str) -> Value {
        self.labels
            .get(stored)
            .map_or(Value::Empty, |label| Value::Text(label.clone()))
    }

    fn value(&self, field: Field, source: &Source, number: usize) -> Value {
        let text = |s: &str| Value::text(Some(s));
        match field {
            Field::Number => Value::number(number),
            Field::ApplicationNumber => {
                let stored = source.application_number;
                text(
                    &ApplicationNumber::from_stored(stored)
                        .map_or(stored.to_owned(), |n| n.to_string()),
                )
            }
            Field::Title => text(source.title),
            Field::Type => self.label(source.patent_type),
            Field::Status => self.label(source.status),
            Field::Applicants => {
                Value::joined(source.applicants().map(|(name, _)| name), &self.separator)
            }
            Field::Enterprise => {
                let mut seen = HashSet::new();
                // An enterprise two of whose spellings applied is named once.
                Value::joined(
                    source
                        .applicants()
                        .filter_map(|(_, e)| e)
                        .filter(|e| seen.insert(*e)),
                    &self.separator,
                )
            }
            Field::Inventors => {
                let names: Vec<String> = serde_json::from_str(source.inventors).unwrap_or_default();
                Value::joined(&names, &self.separator)
            }
            Field::FiledOn => day(source.filed_on).into(),
            Field::GrantedOn => day(source.granted_on).into(),
            Field::GrantPublicationNumber => text(source.grant_publication_number),
            Field::Township => source
                .township_id
                .parse::<i64>()
                .ok()
                .and_then(|id| self.townships.get(&id).cloned())
                .into(),
            Field::Address => text(source.address),
            Field::Agency => text(source.agency),
            Field::Ipc => text(source.ipc_main),
            Field::Notes => text(source.notes),
        }
    }
}

// A chunk's text: its rows joined by ROW; a row's parts by UNIT, the applicants among them (on
// SQLite) by RECORD, an applicant's name and its enterprise's by FIELD. A part of the applicants'
// text (on PostgreSQL): its records joined by RECORD; a record's parts (patent, position, name,
// enterprise) by FIELD. Control characters: stored text never holds them (input is cleaned of
// them on the way in).
const ROW: char = '\u{1c}';
const UNIT: char = '\u{1f}';
const RECORD: char = '\u{1e}';
const FIELD: char = '\u{1d}';

/// A character in SQL.
fn code(backend: DbBackend, c: char) -> String {
    let function = match backend {
        DbBackend::Postgres => "chr",
        _ => "char",
    };
    format!("{function}({})", u32::from(c))
}

/// The SQL that joins `value` over rows with `separator`, in `order` if given.
fn aggregate(backend: DbBackend, value: &str, separator: &str, order: Option<&str>) -> String {
    let function = match backend {
        DbBackend::Postgres => "string_agg",
        _ => "group_concat",
    };
    let order = order.map(|o| format!(" ORDER BY {o}")).unwrap_or_default();
    format!("{function}({value}, {separator}{order})")
}

/// The list's order (the register's own sort keys), over the columns of the ids' subquery.
fn order_sql(sort: Sort) -> String {
    sort.keys()
        .iter()
        .map(|(column, ascending)| {
            let direction = if *ascending { "ASC" } else { "DESC" };
            format!(
                "\"m\".\"{}\" {direction}",
                sea_orm::IdenStatic::as_str(column)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The columns of `patents` the row's text holds, in order.
const COLUMNS: [&str; 13] = [
    "application_number",
    "title",
    "patent_type",
    "inventors",
    "filed_on",
    "granted_on",
    "grant_publication_number",
    "status",
    "township_id",
    "address",
    "agency",
    "ipc_main",
    "notes",
];

/// The SQL of a row's text: the id, the columns and (SQLite) the applicants, with UNIT between
/// them. One `format()` (both databases have it, and both write NULL as nothing for `%s`) builds
/// the text at once, where `||` would copy it once a part.
fn row_sql(backend: DbBackend) -> String {
    let applicants = format!(
        "(SELECT {} FROM \"patent_applicants\" \"a\" \
         LEFT JOIN \"enterprises\" \"e\" ON \"e\".\"id\" = \"a\".\"enterprise_id\" \
         WHERE \"a\".\"patent_id\" = \"patents\".\"id\")",
        aggregate(
            backend,
            &format!(
                "\"a\".\"name\" || {} || COALESCE(\"e\".\"name\", '')",
                code(backend, FIELD)
            ),
            &code(backend, RECORD),
            Some("\"a\".\"position\""),
        )
    );
    let parts: Vec<String> = std::iter::once("\"patents\".\"id\"".to_owned())
        .chain(COLUMNS.iter().map(|name| format!("\"patents\".\"{name}\"")))
        .chain((!applicants_apart(backend)).then_some(applicants))
        .collect();
    let template = vec!["%s"; parts.len()].join("%s");
    let unit = code(backend, UNIT);
    let arguments = parts.join(&format!(", {unit}, "));
    format!("format('{template}', {arguments})")
}

/// Whether the applicants are read apart from the rows, for the whole export at once
/// ([`PatentExport::applicants`]): on PostgreSQL, where looking them up patent by patent in each
/// chunk's query cost the server as much as the rest of the row. SQLite looks them up in the
/// process, cheaply, and needs no memory for them.
fn applicants_apart(backend: DbBackend) -> bool {
    backend == DbBackend::Postgres
}

/// Each patent's applicants, in applicant order: each one's name and its linked enterprise's
/// (empty when none), FIELD between them, RECORD between applicants. Kept as one text and each
/// patent's span of it.
#[derive(Debug, Default)]
pub struct Applicants {
    text: String,
    spans: HashMap<i64, std::ops::Range<usize>>,
}

impl Applicants {
    /// Adds a part of the applicants' text: all the records of some patents, in no particular
    /// order.
    fn add(&mut self, joined: &str) {
        // (patent, position, the record's name and enterprise)
        let mut records: Vec<(i64, i32, &str)> = joined
            .split(RECORD)
            .filter_map(|record| {
                let (patent, rest) = record.split_once(FIELD)?;
                let (position, rest) = rest.split_once(FIELD)?;
                Some((patent.parse().ok()?, position.parse().ok()?, rest))
            })
            .collect();
        records.sort_unstable_by_key(|(patent, position, _)| (*patent, *position));
        let mut current = None;
        for (patent, _, name_and_enterprise) in records {
            let start = self.text.len();
            let more = current == Some(patent);
            if more {
                self.text.push(RECORD);
            }
            self.text.push_str(name_and_enterprise);
            let end = self.text.len();
            if more {
                if let Some(span) = self.spans.get_mut(&patent) {
                    span.end = end;
                }
            } else {
                self.spans.insert(patent, start..end);
                current = Some(patent);
            }
        }
    }

    fn of(&self, patent: i64) -> &str {
        self.spans
            .get(&patent)
            .and_then(|span| self.text.get(span.clone()))
            .unwrap_or_default()
    }
}

/// One row's text, in its parts (empty where the database had nothing).
struct Source<'a> {
    application_number: &'a str,
    title: &'a str,
    patent_type: &'a str,
    inventors: &'a str,
    filed_on: &'a str,
    granted_on: &'a str,
    grant_publication_number: &'a str,
    status: &'a str,
    township_id: &'a str,
    address: &'a str,
    agency: &'a str,
    ipc_main: &'a str,
    notes: &'a str,
    applicants: &'a str,
}

impl<'a> Source<'a> {
    /// Reads a row's text; its applicants are in it unless given.
    fn read(joined: &'a str, applicants: Option<&'a str>) -> Source<'a> {
        let mut parts = joined.split(UNIT);
        let mut next = || parts.next().unwrap_or_default();
        Source {
            application_number: next(),
            title: next(),
            patent_type: next(),
            inventors: next(),
            filed_on: next(),
            granted_on: next(),
            grant_publication_number: next(),
            status: next(),
            township_id: next(),
            address: next(),
            agency: next(),
            ipc_main: next(),
            notes: next(),
            applicants: applicants.unwrap_or_else(next),
        }
    }

    /// Each applicant's name, with its linked enterprise's.
    fn applicants(&self) -> impl Iterator<Item = (&'a str, Option<&'a str>)> {
        self.applicants
            .split(RECORD)
            .filter(|record| !record.is_empty())
            .map(|record| match record.split_once(FIELD) {
                Some((name, enterprise)) => (name, Some(enterprise).filter(|e| !e.is_empty())),
                None => (record, None),
            })
    }
}

/// A date as either database writes it as text: 2026-03-15 (perhaps with a time after).
fn day(text: &str) -> Option<NaiveDate> {
    let part = |range: std::ops::Range<usize>| text.get(range).and_then(|p| p.parse::<u32>().ok());
    let year = i32::try_from(part(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, part(5..7)?, part(8..10)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_text_reads_back_into_its_parts() {
        let u = UNIT.to_string();
        let parts = [
            "2026100000018",
            "标题",
            "invention",
            "[\"李四\"]",
            "2026-01-05",
            "",
            "",
            "filed",
            "3",
            "",
            "",
            "",
            "",
        ];
        let text = parts.join(&u);
        // Records in no order, as the database joins them, in two parts.
        let f = FIELD;
        let mut applicants = Applicants::default();
        applicants.add(
            &[
                format!("7{f}2{f}甲 公司{f}甲公司"),
                format!("8{f}0{f}乙公司{f}"),
                format!("7{f}0{f}甲公司{f}甲公司"),
                format!("7{f}1{f}张三{f}"),
            ]
            .join(&RECORD.to_string()),
        );
        applicants.add(&format!("10007{f}0{f}丙公司{f}丙公司"));
        let source = Source::read(&text, Some(applicants.of(7)));
        assert_eq!(source.title, "标题");
        assert_eq!(source.granted_on, "");
        assert_eq!(
            source.applicants().collect::<Vec<_>>(),
            [
                ("甲公司", Some("甲公司")),
                ("张三", None),
                ("甲 公司", Some("甲公司"))
            ]
        );
        assert_eq!(applicants.of(8), format!("乙公司{f}"));
        assert_eq!(applicants.of(9), "");
        // On SQLite a row's text holds its applicants.
        let with_applicants = format!("{text}{u}乙公司{f}{RECORD}丁公司{f}丁公司");
        assert_eq!(
            Source::read(&with_applicants, None)
                .applicants()
                .collect::<Vec<_>>(),
            [("乙公司", None), ("丁公司", Some("丁公司"))]
        );
        assert_eq!(applicants.of(10_007), format!("丙公司{f}丙公司"));
        assert_eq!(day(source.filed_on), NaiveDate::from_ymd_opt(2026, 1, 5));
        assert_eq!(day(""), None);
        assert_eq!(day("2026-02-30"), None);
        assert_eq!(
            day("2026-03-15 00:00:00"),
            NaiveDate::from_ymd_opt(2026, 3, 15)
        );
    }
}
