//! The registers beside the patents for `ipdesk dev seed`: visits with follow-ups, publicity
//! events with the enterprises they reached, joint inspections with the problems found, and the
//! enforcement cases that followed with their steps. Their sizes follow the enterprises, in the
//! proportions of a county's ten years of ledgers: a visit per enterprise, an inspection per ten,
//! an event and a case per twenty.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{DatabaseConnection, DatabaseTransaction, Value};

use super::samples::TOWNSHIPS;
use super::seed::{Made, Random, next_id, person};
use crate::cases::numbering::{DEFAULT_PATTERN, render};
use crate::db;
use crate::error::AppError;

/// The tables written here with ids, whose PostgreSQL counters must move past the ids given.
pub const TABLES: [&str; 7] = [
    "visits",
    "visit_follow_ups",
    "events",
    "inspections",
    "inspection_problems",
    "enforcement_cases",
    "case_events",
];

/// How many records of each register were made.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counts {
    pub visits: u64,
    pub events: u64,
    pub inspections: u64,
    pub cases: u64,
    pub case_steps: u64,
}

const TOPICS: [&str; 6] = [
    "patent_filing",
    "ip_protection",
    "reward_policy",
    "high_tech_certification",
    "project_application",
    "other",
];
const EVENT_KINDS: [(&str, &str); 6] = [
    ("consumer_rights_day", "3·15消费者权益日知识产权宣传"),
    ("world_ip_day", "4·26世界知识产权日进校园讲座"),
    ("ip_week", "知识产权宣传周活动"),
    ("st_week", "科技活动周专利咨询"),
    ("st_to_countryside", "科技下乡送专利知识"),
    ("lecture", "企业专利申请实务培训"),
];
const AGENCIES: [&str; 4] = ["县商务局", "县质监局", "县市场监督管理局", "县文化旅游局"];
const PROBLEMS: [&str; 4] = [
    "商品标注的专利号无法查实",
    "专利标识不规范，未标注专利类别",
    "专利已终止仍标注专利标识",
    "疑似假冒他人专利",
];
const PRODUCTS: [&str; 6] = [
    "茶叶包装盒",
    "脐橙保鲜袋",
    "电动喷雾器",
    "揉捻机",
    "灌溉水带",
    "保温杯",
];
/// The steps of a counterfeiting case from clue to closing, with the days after the clue each
/// usually comes.
const STEPS: [(&str, i64); 7] = [
    ("received", 0),
    ("accepted", 5),
    ("investigation", 12),
    ("notice_served", 40),
    ("decided", 55),
    ("served", 60),
    ("closed", 75),
];

fn json(items: &[String]) -> Value {
    serde_json::to_string(items).unwrap_or_default().into()
}

/// Fills the four registers in one transaction.
pub(super) async fn seed(
    db: &DatabaseConnection,
    random: &mut Random,
    enterprises: &Made,
    case_prefix: &str,
) -> Result<Counts, AppError> {
    if enterprises.is_empty() {
        return Ok(Counts::default());
    }
    let size = enterprises.len() as u64;
    let txn = db::begin_write(db).await?;
    let mut seeder = Seeder {
        txn: &txn,
        random,
        enterprises,
        now: Utc::now(),
    };
    let inspections = (size / 10).max(1);
    let problems = seeder.inspections(inspections).await?;
    let (cases, case_steps) = seeder
        .cases(&problems, (size / 20).max(1), case_prefix)
        .await?;
    let counts = Counts {
        visits: seeder.visits(size).await?,
        events: seeder.events((size / 20).max(1)).await?,
        inspections,
        cases,
        case_steps,
    };
    txn.commit().await?;
    Ok(counts)
}

/// A problem found on an inspection, for a case to follow: its id, its inspection's, the day,
/// the party and the product.
struct Problem {
    id: i64,
    inspection: i64,
    on: NaiveDate,
    party: (i64, String),
    product: String,
}

/// What every register's rows are made with.
struct Seeder<'a> {
    txn: &'a DatabaseTransaction,
    random: &'a mut Random,
    enterprises: &'a Made,
    now: DateTime<Utc>,
}

impl Seeder<'_> {
    /// Any enterprise: its id and name.
    fn enterprise(&mut self) -> (i64, String) {
        let (id, name, _) =
            &self.enterprises[self.random.below(self.enterprises.len() as u64) as usize];
        (*id, name.clone())
    }

    /// A day in the ten years up to today.
    fn day(&mut self) -> NaiveDate {
        self.now.date_naive() - Duration::days(self.random.below(3_650) as i64)
    }

    async fn visits(&mut self, count: u64) -> Result<u64, AppError> {
        let now = self.now;
        let first = next_id(self.txn, "visits").await?;
        let (mut visits, mut follow_ups) = (Vec::new(), Vec::new());
        for offset in 0..count {
            let id = first + offset as i64;
            let (enterprise, name) = self.enterprise();
            let visited_on = self.day();
            let officers: Vec<String> = (0..1 + self.random.below(2))
                .map(|_| person(self.random))
                .collect();
            let topics: Vec<String> = (0..1 + self.random.below(3))
                .map(|_| self.random.pick(&TOPICS).to_owned())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let needs = self
                .random
                .chance(30)
                .then(|| format!("{name}希望了解专利资助申报流程"));
            visits.push(vec![
                id.into(),
                enterprise.into(),
                visited_on.into(),
                json(&officers),
                json(&[self.random.pick(&AGENCIES).to_owned()]),
                json(&topics),
                Value::from(Some(self.random.below(20) as i64)),
                needs.into(),
                Value::from(None::<String>),
                1.into(),
                now.into(),
                now.into(),
            ]);
            if self.random.chance(30) {
                let due_on = visited_on + Duration::days(30);
                follow_ups.push(vec![
                    id.into(),
                    0.into(),
                    "协助企业办理专利申请".into(),
                    Some(person(self.random)).into(),
                    Some(due_on).into(),
                    (due_on < self.now.date_naive() && self.random.chance(80))
                        .then_some(due_on - Duration::days(5))
                        .into(),
                ]);
            }
        }
        let columns = [
            "id",
            "enterprise_id",
            "visited_on",
            "officers",
            "agencies",
            "topics",
            "materials_count",
            "needs",
            "notes",
            "version",
            "created_at",
            "updated_at",
        ];
        db::insert_rows(self.txn, "visits", &columns, visits).await?;
        let columns = [
            "visit_id", "position", "action", "owner", "due_on", "done_on",
        ];
        db::insert_rows(self.txn, "visit_follow_ups", &columns, follow_ups).await?;
        Ok(count)
    }

    async fn events(&mut self, count: u64) -> Result<u64, AppError> {
        let now = self.now;
        let first = next_id(self.txn, "events").await?;
        let (mut events, mut reached) = (Vec::new(), Vec::new());
        for offset in 0..count {
            let id = first + offset as i64;
            let (kind, title) = EVENT_KINDS[self.random.below(EVENT_KINDS.len() as u64) as usize];
            let starts_on = self.day();
            events.push(vec![
                id.into(),
                kind.into(),
                format!("{}年{title}", chrono::Datelike::year(&starts_on)).into(),
                starts_on.into(),
                (starts_on + Duration::days(self.random.below(3) as i64)).into(),
                Some(format!("{}文化广场", self.random.pick(&TOWNSHIPS))).into(),
                Some("县科学技术局".to_owned()).into(),
                json(&[self.random.pick(&AGENCIES).to_owned()]),
                Some(
                    if kind == "world_ip_day" {
                        "中小学生"
                    } else {
                        "企业和群众"
                    }
                    .to_owned(),
                )
                .into(),
                Value::from(Some(30 + self.random.below(470) as i64)),
                Value::from(Some(100 + self.random.below(900) as i64)),
                Value::from(Some(self.random.below(60) as i64)),
                Some("发放宣传资料，现场解答专利申请与保护问题。".to_owned()).into(),
                1.into(),
                now.into(),
                now.into(),
            ]);
            let mut linked = std::collections::BTreeSet::new();
            for _ in 0..self.random.below(4) {
                linked.insert(self.enterprise().0);
            }
            reached.extend(linked.into_iter().map(|e| vec![id.into(), e.into()]));
        }
        let columns = [
            "id",
            "kind",
            "title",
            "starts_on",
            "ends_on",
            "location",
            "lead_unit",
            "co_organisers",
            "audience",
            "attendees",
            "materials_count",
            "consultations",
            "summary",
            "version",
            "created_at",
            "updated_at",
        ];
        db::insert_rows(self.txn, "events", &columns, events).await?;
        db::insert_rows(
            self.txn,
            "event_enterprises",
            &["event_id", "enterprise_id"],
            reached,
        )
        .await?;
        Ok(count)
    }

    async fn inspections(&mut self, count: u64) -> Result<Vec<Problem>, AppError> {
        let now = self.now;
        let first = next_id(self.txn, "inspections").await?;
        let mut next_problem = next_id(self.txn, "inspection_problems").await?;
        let (mut inspections, mut rows, mut problems) = (Vec::new(), Vec::new(), Vec::new());
        for offset in 0..count {
            let id = first + offset as i64;
            let on = self.day();
            let goods = 50 + self.random.below(450) as i64;
            inspections.push(vec![
                id.into(),
                format!(
                    "{}年{}月专利执法联合检查",
                    chrono::Datelike::year(&on),
                    chrono::Datelike::month(&on)
                )
                .into(),
                on.into(),
                on.into(),
                Some("县市场监督管理局".to_owned()).into(),
                json(&["县商务局".to_owned(), "县质监局".to_owned()]),
                Some(self.random.pick(&TOWNSHIPS).to_owned()).into(),
                Some("商场、超市、农资店".to_owned()).into(),
                Value::from(Some(4 + self.random.below(5) as i64)),
                Value::from(Some(5 + self.random.below(35) as i64)),
                Value::from(Some(goods)),
                Value::from(Some(self.random.below(goods as u64) as i64)),
                1.into(),
                now.into(),
                now.into(),
            ]);
            let found = if self.random.chance(40) {
                1 + self.random.below(2)
            } else {
                0
            };
            for position in 0..found {
                let party = self.enterprise();
                let product = self.random.pick(&PRODUCTS).to_owned();
                rows.push(vec![
                    next_problem.into(),
                    id.into(),
                    (position as i32).into(),
                    self.random.pick(&PROBLEMS).into(),
                    Some(party.1.clone()).into(),
                    Some(product.clone()).into(),
                ]);
                problems.push(Problem {
                    id: next_problem,
                    inspection: id,
                    on,
                    party,
                    product,
                });
                next_problem += 1;
            }
        }
        let columns = [
            "id",
            "title",
            "starts_on",
            "ends_on",
            "lead_agency",
            "partner_agencies",
            "area",
            "places",
            "staff_count",
            "premises_inspected",
            "goods_checked",
            "marked_goods_checked",
            "version",
            "created_at",
            "updated_at",
        ];
        db::insert_rows(self.txn, "inspections", &columns, inspections).await?;
        let columns = [
            "id",
            "inspection_id",
            "position",
            "description",
            "party",
            "product",
        ];
        db::insert_rows(self.txn, "inspection_problems", &columns, rows).await?;
        Ok(problems)
    }

    /// Cases opened from inspection problems, numbered per year; older ones closed, recent ones
    /// still under way. Returns the cases and steps made.
    async fn cases(
        &mut self,
        problems: &[Problem],
        count: u64,
        prefix: &str,
    ) -> Result<(u64, u64), AppError> {
        let now = self.now;
        let today = now.date_naive();
        let first = next_id(self.txn, "enforcement_cases").await?;
        let mut by_year = std::collections::BTreeMap::<i32, u32>::new();
        let (mut cases, mut steps) = (Vec::new(), Vec::new());
        let mut linked = Vec::new();
        for (offset, problem) in problems.iter().take(count as usize).enumerate() {
            let id = first + offset as i64;
            let year = chrono::Datelike::year(&problem.on);
            let seq = by_year.entry(year).or_default();
            *seq += 1;
            let taken: Vec<(&str, NaiveDate)> = STEPS
                .iter()
                .map(|(step, after)| (*step, problem.on + Duration::days(*after)))
                .filter(|(_, on)| *on <= today)
                .collect();
            let fine = taken
                .iter()
                .any(|(step, _)| *step == "decided")
                .then(|| (5_000 + self.random.below(45_000) as i64) * 100);
            cases.push(vec![
                id.into(),
                render(DEFAULT_PATTERN, prefix, year, *seq).into(),
                "counterfeiting".into(),
                "inspection".into(),
                Some(problem.inspection).into(),
                Some(problem.party.1.clone()).into(),
                Some(problem.party.0).into(),
                Some(problem.product.clone()).into(),
                Some("ZL201910123456.7".to_owned()).into(),
                fine.into(),
                1.into(),
                now.into(),
                now.into(),
            ]);
            let officers = json(&[person(self.random), person(self.random)]);
            for (position, (step, on)) in (0i32..).zip(taken) {
                let decided = step == "decided";
                steps.push(vec![
                    id.into(),
                    position.into(),
                    step.into(),
                    on.into(),
                    officers.clone(),
                    decided.then(|| "penalty".to_owned()).into(),
                    if decided { fine } else { None }.into(),
                    "seed".into(),
                    now.into(),
                ]);
            }
            linked.push((problem.id, id));
        }
        let columns = [
            "id",
            "case_number",
            "kind",
            "source",
            "inspection_id",
            "respondent_name",
            "respondent_enterprise_id",
            "product",
            "claimed_patent_number",
            "fine",
            "version",
            "created_at",
            "updated_at",
        ];
        let made = (cases.len() as u64, steps.len() as u64);
        db::insert_rows(self.txn, "enforcement_cases", &columns, cases).await?;
        let columns = [
            "case_id",
            "position",
            "step",
            "happened_on",
            "officers",
            "outcome",
            "fine",
            "recorded_by",
            "recorded_at",
        ];
        db::insert_rows(self.txn, "case_events", &columns, steps).await?;
        link_problems(self.txn, &linked).await?;
        Ok(made)
    }
}

/// Marks each problem with the case opened from it.
async fn link_problems(txn: &DatabaseTransaction, linked: &[(i64, i64)]) -> Result<(), AppError> {
    use sea_orm::ConnectionTrait;
    for chunk in linked.chunks(500) {
        let cases: Vec<String> = chunk
            .iter()
            .map(|(problem, case)| format!("WHEN {problem} THEN {case}"))
            .collect();
        let ids: Vec<String> = chunk
            .iter()
            .map(|(problem, _)| problem.to_string())
            .collect();
        txn.execute_unprepared(&format!(
            "UPDATE inspection_problems SET case_id = CASE id {} END WHERE id IN ({})",
            cases.join(" "),
            ids.join(",")
        ))
        .await?;
    }
    Ok(())
}
