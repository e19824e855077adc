//! Reading enterprises: the register (in pinyin order), an enterprise's patents by type, status
//! and year, and the applicant names that link to no enterprise yet.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use chrono::Datelike;
use futures_util::StreamExt;
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, StreamTrait,
};
use serde::{Deserialize, Serialize};

use super::domain::name_key;
use super::service::EnterpriseView;
use crate::db::stamp::Kept;
use crate::entities::{enterprise, patent, patent_applicant};
use crate::error::{AppError, field_error};
use crate::i18n::Msg;
use crate::patents::{PatentStatus, PatentType};
use crate::settings::lists::{self, ListKind, TownshipFilter};
use crate::web::given::Given;
use crate::web::pagination::PageRequest;

#[derive(Clone, Debug, Default, Deserialize, Serialize, rocket::FromForm)]
pub struct EnterpriseFilter {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub township: Option<String>,
    #[serde(default)]
    pub high_tech: Given<bool>,
    #[serde(default)]
    pub tech_sme: Given<bool>,
    #[serde(default)]
    pub archived: Given<bool>,
    #[serde(default)]
    pub page: Given<u64>,
    #[serde(default)]
    pub per_page: Given<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct EnterprisePage {
    pub items: Vec<EnterpriseView>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// The enterprise a list is filtered by (`field`: `enterprise`, or a case's `enterprise_id`). An
/// id that is no enterprise's (archived ones are) is the filter's error, where it answered an
/// empty list as if the enterprise had no records.
pub async fn filter_id(
    db: &impl ConnectionTrait,
    field: &str,
    id: Option<i64>,
) -> Result<Option<i64>, AppError> {
    let Some(id) = id else { return Ok(None) };
    let found: Option<i64> = enterprise::Entity::find_by_id(id)
        .select_only()
        .column(enterprise::Column::Id)
        .into_tuple()
        .one(db)
        .await?;
    match found {
        Some(_) => Ok(Some(id)),
        None => Err(field_error(
            field,
            Msg::new("enterprises.filter.unknown_id").arg("id", id),
        )),
    }
}

/// The enterprises the filters select, before ordering and paging. An unknown township name
/// is refused.
pub async fn filtered(
    db: &impl ConnectionTrait,
    filter: &EnterpriseFilter,
) -> Result<sea_orm::Select<enterprise::Entity>, AppError> {
    let mut query = enterprise::Entity::find();
    query = if *filter.archived == Some(true) {
        query.filter(enterprise::Column::ArchivedAt.is_not_null())
    } else {
        query.filter(enterprise::Column::ArchivedAt.is_null())
    };
    if let Some(q) = filter
        .q
        .as_deref()
        .map(crate::text::clean)
        .filter(|q| !q.is_empty())
    {
        let key = name_key(&q);
        query = query.filter(
            sea_orm::Condition::any()
                .add(enterprise::Column::NameKey.contains(&key))
                .add(enterprise::Column::CreditCode.eq(q.to_uppercase())),
        );
    }
    match lists::township_filter(db, filter.township.as_deref()).await? {
        TownshipFilter::Any => {}
        TownshipFilter::Without => query = query.filter(enterprise::Column::TownshipId.is_null()),
        TownshipFilter::Is(id) => query = query.filter(enterprise::Column::TownshipId.eq(id)),
    }
    if let Some(high_tech) = *filter.high_tech {
        query = if high_tech {
            query.filter(enterprise::Column::HighTechCertificate.is_not_null())
        } else {
            query.filter(enterprise::Column::HighTechCertificate.is_null())
        };
    }
    if let Some(tech_sme) = *filter.tech_sme {
        query = query.filter(enterprise::Column::TechSme.eq(tech_sme));
    }
    Ok(query)
}

/// One page of the register, in pinyin order.
pub async fn list(
    db: &sea_orm::DatabaseConnection,
    filter: &EnterpriseFilter,
) -> Result<EnterprisePage, AppError> {
    crate::db::read_at_once(db, async |txn| list_in(txn, filter).await).await
}

async fn list_in(
    db: &impl ConnectionTrait,
    filter: &EnterpriseFilter,
) -> Result<EnterprisePage, AppError> {
    let request = PageRequest::new(*filter.page, *filter.per_page);
    let query = filtered(db, filter).await?;
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_asc(enterprise::Column::SortKey)
        .order_by_asc(enterprise::Column::Id)
        .offset(request.offset())
        .limit(request.per_page)
        .all(db)
        .await?;
    let townships = lists::names_by_id(db, ListKind::Townships).await?;
    let items = rows
        .iter()
        .map(|row| {
            EnterpriseView::new(
                row,
                row.township_id.and_then(|id| townships.get(&id).cloned()),
            )
        })
        .collect();
    Ok(EnterprisePage {
        items,
        total,
        page: request.page,
        per_page: request.per_page,
    })
}

/// How many active enterprises have no township: the dashboard asks for them, since they drop
/// out of every list by township (the register's, the visits').
pub async fn without_township(db: &impl ConnectionTrait) -> Result<u64, AppError> {
    let filter = EnterpriseFilter {
        township: Some("-".into()),
        ..EnterpriseFilter::default()
    };
    Ok(filtered(db, &filter).await?.count(db).await?)
}

/// An enterprise's patents in figures: by type and status, and grants per year.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PatentFigures {
    /// type → status → count.
    pub by_type_and_status: BTreeMap<String, BTreeMap<String, u64>>,
    pub by_type: BTreeMap<String, u64>,
    /// type → patents whose status is granted (in force).
    pub granted_by_type: BTreeMap<String, u64>,
    /// type → applications not yet decided.
    pub pending_by_type: BTreeMap<String, u64>,
    /// year → type → grants (years as text: template context keys must be strings).
    pub grants_by_year: BTreeMap<String, BTreeMap<String, u64>>,
    pub total: u64,
}

/// The figures of the enterprise's (active) patents.
pub async fn figures(
    db: &impl ConnectionTrait,
    enterprise_id: i64,
) -> Result<PatentFigures, AppError> {
    let ids = Query::select()
        .column(patent_applicant::Column::PatentId)
        .from(patent_applicant::Entity)
        .and_where(Expr::col(patent_applicant::Column::EnterpriseId).eq(enterprise_id))
        .to_owned();
    let rows: Vec<(PatentType, PatentStatus, Option<chrono::NaiveDate>)> = patent::Entity::find()
        .select_only()
        .column(patent::Column::PatentType)
        .column(patent::Column::Status)
        .column(patent::Column::GrantedOn)
        .filter(patent::Column::Id.in_subquery(ids))
        .filter(patent::Column::ArchivedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    let mut figures = PatentFigures::default();
    for (patent_type, status, granted_on) in rows {
        let type_name = patent_type.as_str().to_owned();
        *figures
            .by_type_and_status
            .entry(type_name.clone())
            .or_default()
            .entry(status.as_str().to_owned())
            .or_default() += 1;
        *figures.by_type.entry(type_name.clone()).or_default() += 1;
        let granted = figures
            .granted_by_type
            .entry(type_name.clone())
            .or_default();
        *granted += u64::from(status == PatentStatus::Granted);
        let pending = figures
            .pending_by_type
            .entry(type_name.clone())
            .or_default();
        *pending += u64::from(status.is_pending());
        if let Some(day) = granted_on {
            *figures
                .grants_by_year
                .entry(day.year().to_string())
                .or_default()
                .entry(type_name)
                .or_default() += 1;
        }
        figures.total += 1;
    }
    Ok(figures)
}

/// An applicant name that links to no enterprise, with how many patents carry it.
#[derive(Clone, Debug, Serialize, FromQueryResult)]
pub struct UnlinkedName {
    pub name_key: String,
    pub name: String,
    pub patents: i64,
}

/// Words that mark an organisation rather than a person (个人申请 never link to an enterprise).
const ORGANISATION_WORDS: [&str; 14] = [
    "公司",
    "厂",
    "合作社",
    "中心",
    "研究所",
    "研究院",
    "大学",
    "学院",
    "学校",
    "医院",
    "协会",
    "集团",
    "场",
    "站",
];

pub fn looks_like_organisation(name: &str) -> bool {
    ORGANISATION_WORDS.iter().any(|word| name.contains(word)) || name.chars().count() > 6
}

/// Applicant names that link to no enterprise, most patents first; people's names are left out
/// unless `include_people`.
pub async fn unlinked(
    db: &impl ConnectionTrait,
    include_people: bool,
    page: PageRequest,
) -> Result<(Vec<UnlinkedName>, u64), AppError> {
    let mut filter =
        sea_orm::Condition::all().add(Expr::col(patent_applicant::Column::EnterpriseId).is_null());
    if !include_people {
        let mut organisation = sea_orm::Condition::any().add(Expr::cust("length(\"name\") > 6"));
        for word in ORGANISATION_WORDS {
            organisation = organisation
                .add(Expr::col(patent_applicant::Column::Name).like(format!("%{word}%")));
        }
        filter = filter.add(organisation);
    }
    let grouped = Query::select()
        .column(patent_applicant::Column::NameKey)
        .expr_as(
            Expr::col(patent_applicant::Column::Name).min(),
            Alias::new("name"),
        )
        .expr_as(
            Expr::col(patent_applicant::Column::PatentId).count(),
            Alias::new("patents"),
        )
        .from(patent_applicant::Entity)
        .cond_where(filter.clone())
        .group_by_col(patent_applicant::Column::NameKey)
        .order_by_expr(
            Expr::col(patent_applicant::Column::PatentId).count(),
            Order::Desc,
        )
        .order_by(patent_applicant::Column::NameKey, Order::Asc)
        .limit(page.per_page)
        .offset(page.offset())
        .to_owned();
    let rows = db.query_all(&grouped).await?;
    let names = rows
        .iter()
        .map(|row| UnlinkedName::from_query_result(row, ""))
        .collect::<Result<Vec<_>, _>>()?;
    let distinct = Query::select()
        .expr(Expr::col(patent_applicant::Column::NameKey).count_distinct())
        .from(patent_applicant::Entity)
        .cond_where(filter)
        .to_owned();
    let total: i64 = match db.query_one(&distinct).await? {
        Some(row) => row.try_get_by_index(0)?,
        None => 0,
    };
    Ok((names, u64::try_from(total).unwrap_or_default()))
}

/// Every active enterprise's id and name, in pinyin order, for choosing one in a form.
pub async fn choices(db: &impl ConnectionTrait) -> Result<Vec<(i64, String)>, AppError> {
    Ok(enterprise::Entity::find()
        .select_only()
        .column(enterprise::Column::Id)
        .column(enterprise::Column::Name)
        .filter(enterprise::Column::ArchivedAt.is_null())
        .order_by_asc(enterprise::Column::SortKey)
        .into_tuple()
        .all(db)
        .await?)
}

/// How many visits, publicity events and enforcement cases concern an enterprise, counted as its
/// page lists them (archived records left out).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Dealings {
    pub visits: u64,
    pub events: u64,
    pub cases: u64,
}

pub async fn dealings(db: &impl ConnectionTrait, id: i64) -> Result<Dealings, AppError> {
    // The registers' own filters, counted: the same records their lists show, without building
    // a page of them.
    let visits = crate::visits::query::VisitFilter {
        enterprise: Some(id).into(),
        ..Default::default()
    };
    let events = crate::events::query::EventFilter {
        enterprise: Some(id).into(),
        ..Default::default()
    };
    let cases = crate::cases::query::CaseFilter {
        enterprise_id: Some(id).into(),
        ..Default::default()
    };
    Ok(Dealings {
        visits: crate::visits::query::filtered(db, &visits)
            .await?
            .count(db)
            .await?,
        events: crate::events::query::filtered(db, &events)
            .await?
            .count(db)
            .await?,
        cases: crate::cases::query::all(db, &cases).await?.len() as u64,
    })
}

/// A township for an enterprise registered without one (the high-tech list names none): the one
/// the addresses of most of the patents it first-applied for are in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TownshipSuggestion {
    pub enterprise_id: i64,
    pub enterprise: String,
    pub township_id: i64,
    pub township: String,
    /// Its patents in that township, of `of` whose township is known.
    pub patents: i64,
    pub of: i64,
}

/// The townships the patents suggest for the active enterprises without one (or for those of
/// `only` among them), in pinyin order of the enterprises. An enterprise whose patents are split
/// evenly between townships gets none: the officer decides that one on the enterprise.
pub async fn township_suggestions<D: ConnectionTrait + StreamTrait>(
    db: &D,
    only: Option<&[i64]>,
) -> Result<Vec<TownshipSuggestion>, AppError> {
    let (e, p) = (enterprise::Entity, patent::Entity);
    let mut counted = Query::select()
        .column((e, enterprise::Column::Id))
        .column((e, enterprise::Column::Name))
        .column((p, patent::Column::TownshipId))
        // Counting rows, not ids: PostgreSQL then reads the index alone.
        .expr(Expr::col(Asterisk).count())
        .column((e, enterprise::Column::SortKey))
        .from(e)
        // The address on a patent is its first applicant's; the patent keeps that applicant's
        // enterprise, so the index `patents_holder_townships` answers without the patents' rows.
        .inner_join(
            p,
            Expr::col((p, patent::Column::FirstApplicantEnterpriseId))
                .equals((e, enterprise::Column::Id)),
        )
        .and_where(Expr::col((e, enterprise::Column::TownshipId)).is_null())
        .and_where(Expr::col((e, enterprise::Column::ArchivedAt)).is_null())
        .and_where(Expr::col((p, patent::Column::ArchivedAt)).is_null())
        .and_where(Expr::col((p, patent::Column::TownshipId)).is_not_null())
        .group_by_col((e, enterprise::Column::Id))
        .group_by_col((e, enterprise::Column::Name))
        .group_by_col((e, enterprise::Column::SortKey))
        .group_by_col((p, patent::Column::TownshipId))
        // In no order: each enterprise's rows are tallied wherever they come (an order cost
        // SQLite a sort of every grouped row); the suggestions are put in pinyin order after.
        .to_owned();
    if let Some(ids) = only {
        let ids = ids.iter().copied();
        counted.and_where(Expr::col((e, enterprise::Column::Id)).is_in(ids));
    }
    let mut suggestions = most_patents_streamed(db, &counted).await?;
    if suggestions.is_empty() {
        return Ok(Vec::new());
    }
    suggestions.sort_by(|(a, x), (b, y)| (a, x.enterprise_id).cmp(&(b, y.enterprise_id)));
    let names = lists::names_by_id(db, ListKind::Townships).await?;
    Ok(suggestions
        .into_iter()
        .filter_map(|(_, mut suggestion)| {
            suggestion.township = names.get(&suggestion.township_id)?.clone();
            Some(suggestion)
        })
        .collect())
}

/// Which township suggestions: those of the enterprises `only`, of the suggested township named
/// `township`, both (those of `only` suggested that township), or all when neither is given.
#[derive(Clone, Copy, Debug, Default)]
pub struct SuggestionChoice<'a> {
    pub only: Option<&'a [i64]>,
    pub township: Option<&'a str>,
}

/// The suggestions `choice` names. A township name not in the list is an error rather than no
/// suggestions, so a mistyped name is told.
pub async fn chosen_suggestions<D: ConnectionTrait + StreamTrait>(
    db: &D,
    choice: SuggestionChoice<'_>,
) -> Result<Vec<TownshipSuggestion>, AppError> {
    let township = match wanted_township(choice.township) {
        Some(name) => Some(lists::find(db, ListKind::Townships, &name).await?.name),
        None => None,
    };
    let suggestions = township_suggestions(db, choice.only).await?;
    Ok(of_township(suggestions, township.as_deref()))
}

/// Those of `suggestions` that suggest the township named `township` (all when `None`).
fn of_township(
    suggestions: Vec<TownshipSuggestion>,
    township: Option<&str>,
) -> Vec<TownshipSuggestion> {
    suggestions
        .into_iter()
        .filter(|s| s.suggests(township))
        .collect()
}

impl TownshipSuggestion {
    /// Whether it suggests the township named `township` (any when `None`).
    fn suggests(&self, township: Option<&str>) -> bool {
        township.is_none_or(|name| self.township == name)
    }
}

/// One page of the township suggestions, of one suggested township or of all, with every
/// township suggested and for how many enterprises (the page's filter).
#[derive(Clone, Debug, Serialize)]
pub struct SuggestionPage {
    pub items: Vec<TownshipSuggestion>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub townships: Vec<SuggestedTownship>,
}

/// A township suggested, and for how many enterprises.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SuggestedTownship {
    pub township: String,
    pub enterprises: u64,
}

/// The page `request` of the suggestions of the township named `township` (all when `None` or
/// blank; an unknown name matches nothing, as on the register). A province's rosters leave
/// thousands of enterprises to suggest for, too many for one page or one look.
///
/// Every suggestion is computed to count them by township, so they are kept (in `kept`) while
/// nothing is committed: turning a page or choosing a township then costs no second computation.
pub async fn township_suggestion_page(
    db: &DatabaseConnection,
    kept: &Kept<Vec<TownshipSuggestion>>,
    township: Option<&str>,
    request: PageRequest,
) -> Result<SuggestionPage, AppError> {
    let all = kept_suggestions(db, kept).await?;
    let townships = by_township(&all);
    let wanted = wanted_township(township);
    let chosen: Vec<&TownshipSuggestion> = all
        .iter()
        .filter(|s| s.suggests(wanted.as_deref()))
        .collect();
    let total = chosen.len() as u64;
    let skip = usize::try_from(request.offset()).unwrap_or(usize::MAX);
    let take = usize::try_from(request.per_page).unwrap_or(usize::MAX);
    Ok(SuggestionPage {
        items: chosen.into_iter().skip(skip).take(take).cloned().collect(),
        total,
        page: request.page,
        per_page: request.per_page,
        townships,
    })
}

/// Every township suggestion, kept in `kept` while nothing is committed.
pub async fn kept_suggestions(
    db: &DatabaseConnection,
    kept: &Kept<Vec<TownshipSuggestion>>,
) -> Result<std::sync::Arc<Vec<TownshipSuggestion>>, AppError> {
    kept.get(db, || township_suggestions(db, None)).await
}

/// The township name a filter asks for, cleaned; `None` for every township.
pub fn wanted_township(raw: Option<&str>) -> Option<String> {
    raw.map(crate::text::clean).filter(|name| !name.is_empty())
}

/// The townships of `suggestions` with how many enterprises each is suggested for, most first
/// (then by name, so the order holds from one look to the next).
fn by_township(suggestions: &[TownshipSuggestion]) -> Vec<SuggestedTownship> {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for suggestion in suggestions {
        *counts.entry(suggestion.township.as_str()).or_default() += 1;
    }
    let mut townships: Vec<SuggestedTownship> = counts
        .into_iter()
        .map(|(township, enterprises)| SuggestedTownship {
            township: township.to_owned(),
            enterprises,
        })
        .collect();
    townships.sort_by_key(|t| std::cmp::Reverse(t.enterprises));
    townships
}

/// The suggestions of `counted`'s rows, each with its enterprise's sort key, streamed and tallied
/// an enterprise at a time: where thousands of enterprises have no township their rows run to
/// hundreds of thousands, which read at once took 200 MB. The stream ends with this function, so
/// the connection (or the transaction) it holds is free for the caller's next statement.
async fn most_patents_streamed<D: ConnectionTrait + StreamTrait>(
    db: &D,
    counted: &sea_orm::sea_query::SelectStatement,
) -> Result<Vec<(String, TownshipSuggestion)>, AppError> {
    let stream = StreamTrait::stream(db, counted).await?;
    let mut stream = std::pin::pin!(stream);
    let mut tallies: HashMap<i64, Tally> = HashMap::new();
    while let Some(row) = stream.next().await {
        let row = row?;
        let tally = match tallies.entry(row.try_get_by_index(0)?) {
            Entry::Occupied(held) => held.into_mut(),
            Entry::Vacant(new) => new.insert(Tally::of(
                row.try_get_by_index(1)?,
                row.try_get_by_index(4)?,
            )),
        };
        tally.add(row.try_get_by_index(2)?, row.try_get_by_index(3)?);
    }
    Ok(tallies
        .into_iter()
        .filter_map(|(id, tally)| tally.suggestion(id))
        .collect())
}

/// One enterprise's patents by township, tallied as its rows come, in any order: the township
/// with most patents so far, whether another has as many, and the patents of all of them.
struct Tally {
    enterprise: String,
    sort_key: String,
    township_id: i64,
    patents: i64,
    tied: bool,
    of: i64,
}

impl Tally {
    fn of(enterprise: String, sort_key: String) -> Tally {
        Tally {
            enterprise,
            sort_key,
            township_id: 0,
            patents: 0,
            tied: false,
            of: 0,
        }
    }

    /// Its `patents` in the township `township_id`.
    fn add(&mut self, township_id: i64, patents: i64) {
        self.of += patents;
        if patents > self.patents {
            (self.township_id, self.patents, self.tied) = (township_id, patents, false);
        } else if patents == self.patents {
            self.tied = true;
        }
    }

    /// The township suggested for the enterprise `enterprise_id`, with its sort key, when one has
    /// more of its patents than every other.
    fn suggestion(self, enterprise_id: i64) -> Option<(String, TownshipSuggestion)> {
        if self.tied || self.patents == 0 {
            return None;
        }
        let suggestion = TownshipSuggestion {
            enterprise_id,
            enterprise: self.enterprise,
            township_id: self.township_id,
            township: String::new(),
            patents: self.patents,
            of: self.of,
        };
        Some((self.sort_key, suggestion))
    }
}

/// What an enterprise's page lists beside its record: the first page of its patents, visits and
/// publicity events with their totals, the cases it is a party to, and its patents in figures.
#[derive(Clone, Debug, Serialize)]
pub struct Overview {
    pub figures: PatentFigures,
    pub patents: Vec<crate::patents::service::PatentView>,
    pub patents_total: u64,
    pub events: Vec<crate::events::service::EventView>,
    pub events_total: u64,
    pub visits: Vec<crate::visits::query::VisitItem>,
    pub visits_total: u64,
    pub cases: Vec<crate::cases::service::CaseView>,
    /// The township its patents suggest, when it has none.
    pub township_suggestion: Option<TownshipSuggestion>,
}

/// How many of each list the enterprise's page shows before pointing to the register.
const OVERVIEW_FIRST: u64 = 20;

pub async fn overview(db: &sea_orm::DatabaseConnection, id: i64) -> Result<Overview, AppError> {
    let patents = crate::patents::query::PatentFilter {
        enterprise: Some(id).into(),
        per_page: Some(OVERVIEW_FIRST).into(),
        ..Default::default()
    };
    let patents = crate::patents::query::list(db, &patents).await?;
    let events = crate::events::query::EventFilter {
        enterprise: Some(id).into(),
        per_page: Some(OVERVIEW_FIRST).into(),
        ..Default::default()
    };
    let events = crate::events::query::list(db, &events).await?;
    let visits = crate::visits::query::VisitFilter {
        enterprise: Some(id).into(),
        per_page: Some(OVERVIEW_FIRST).into(),
        ..Default::default()
    };
    let visits = crate::visits::query::list(db, &visits).await?;
    let cases = crate::cases::query::CaseFilter {
        enterprise_id: Some(id).into(),
        ..Default::default()
    };
    Ok(Overview {
        figures: figures(db, id).await?,
        patents: patents.items,
        patents_total: patents.total,
        events: events.items,
        events_total: events.total,
        visits: visits.items,
        visits_total: visits.total,
        cases: crate::cases::query::all(db, &cases).await?,
        township_suggestion: township_suggestions(db, Some(&[id])).await?.pop(),
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{Tally, TownshipSuggestion, by_township, looks_like_organisation, wanted_township};

    /// The tally of one enterprise's `(township, patents)` rows, as (township, patents, of).
    fn suggested(rows: &[(i64, i64)]) -> Option<(i64, i64, i64)> {
        let mut tally = Tally::of("甲".to_owned(), "jia".to_owned());
        for &(township_id, patents) in rows {
            tally.add(township_id, patents);
        }
        let (_, s) = tally.suggestion(7)?;
        assert_eq!((s.enterprise_id, s.enterprise.as_str()), (7, "甲"));
        Some((s.township_id, s.patents, s.of))
    }

    #[test]
    fn the_township_with_most_patents_is_suggested_and_a_tie_suggests_none() {
        // (townships' counts of one enterprise, in the order the rows come) → (township, patents, of)
        let cases = [
            (vec![(10, 3), (11, 1)], Some((10, 3, 4))),
            (vec![(11, 1), (10, 3)], Some((10, 3, 4))),
            (vec![(10, 1), (11, 2), (12, 1)], Some((11, 2, 4))),
            (vec![(10, 2), (11, 2)], None),
            (vec![(10, 1), (11, 3), (12, 3)], None),
            (vec![(11, 3), (12, 3), (10, 4)], Some((10, 4, 10))),
            (vec![(12, 1)], Some((12, 1, 1))),
            (vec![], None),
        ];
        for (rows, expected) in cases {
            assert_eq!(suggested(&rows), expected, "{rows:?}");
        }
    }

    proptest! {
        /// Tallied in any order, the suggestion is the township whose count is the one largest.
        #[test]
        fn the_tally_is_the_one_largest_count_in_any_order(
            counts in proptest::collection::vec(1i64..5, 0..6),
            turn in 0usize..6,
        ) {
            let mut rows: Vec<(i64, i64)> = (10..).zip(counts.iter().copied()).collect();
            let turn = turn.min(rows.len());
            rows.rotate_left(turn);
            let most = counts.iter().copied().max();
            let leaders: Vec<_> = rows.iter().filter(|r| Some(r.1) == most).collect();
            let expected = match leaders.as_slice() {
                [(township, patents)] => Some((*township, *patents, counts.iter().sum())),
                _ => None,
            };
            prop_assert_eq!(suggested(&rows), expected);
        }
    }

    #[test]
    fn townships_are_tallied_most_suggested_first_then_by_name() {
        let suggestion = |township: &str| TownshipSuggestion {
            enterprise_id: 1,
            enterprise: "甲".to_owned(),
            township_id: 1,
            township: township.to_owned(),
            patents: 1,
            of: 1,
        };
        let tally = |names: &[&str]| {
            let suggestions: Vec<_> = names.iter().map(|n| suggestion(n)).collect();
            let tallied = by_township(&suggestions);
            tallied
                .iter()
                .map(|t| format!("{} {}", t.township, t.enterprises))
                .collect::<Vec<_>>()
                .join(", ")
        };
        // (townships suggested, in the enterprises' order) → the tally
        let cases = [
            (vec![], ""),
            (vec!["茅坪镇"], "茅坪镇 1"),
            (
                vec!["郭家坝镇", "茅坪镇", "郭家坝镇"],
                "郭家坝镇 2, 茅坪镇 1",
            ),
            (vec!["B", "A", "C", "C"], "C 2, A 1, B 1"),
        ];
        for (names, expected) in cases {
            assert_eq!(tally(&names), expected, "{names:?}");
        }
    }

    #[test]
    fn a_blank_township_filter_asks_for_every_township() {
        let cases = [
            (None, None),
            (Some(""), None),
            (Some("  "), None),
            (Some(" 茅坪镇 "), Some("茅坪镇")),
        ];
        for (raw, expected) in cases {
            assert_eq!(wanted_township(raw).as_deref(), expected, "{raw:?}");
        }
    }

    #[test]
    fn people_and_organisations() {
        for name in ["张三", "欧阳娜娜", "李四"] {
            assert!(!looks_like_organisation(name), "{name}");
        }
        for name in [
            "秭归县屈原茶业有限公司",
            "秭归县橘颂柑橘专业合作社",
            "三峡大学",
            "宜昌市农业科学研究院",
            "茅坪茶厂",
        ] {
            assert!(looks_like_organisation(name), "{name}");
        }
    }
}
