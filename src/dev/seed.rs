//! `ipdesk dev seed`: realistic enterprises and patents (and, in `registers`, the other
//! registers), fast (a million patents in well under
//! two minutes on SQLite), for benchmarks and trials. Rows go in as multi-row INSERTs in large
//! transactions, bypassing the per-record services (and their audit entries) on purpose: this is
//! test data, not records anyone made.

use std::time::Instant;

use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};

use super::samples::TOWNSHIPS;
use crate::audit::Actor;
use crate::db;
use crate::enterprises::domain::{name_key, pinyin_sort_key};
use crate::error::AppError;
use crate::patents::number::check_character;
use crate::settings::lists::{self, ListKind};

/// What to make.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub patents: u64,
    pub enterprises: u64,
}

/// What was made, and how long it took.
#[derive(Clone, Debug)]
pub struct Report {
    pub enterprises: u64,
    pub patents: u64,
    pub applicants: u64,
    pub events: u64,
    /// Visits, events, inspections and cases.
    pub registers: super::registers::Counts,
    pub seconds: f64,
}

/// A small, fast, deterministic random source (xorshift64*): the same plan gives the same data.
pub(super) struct Random(pub(super) u64);

impl Random {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub(super) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let index = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        items.get(index).copied().unwrap_or_default()
    }

    pub(super) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const PLACES: [&str; 8] = [
    "秭归县",
    "宜昌",
    "湖北",
    "三峡",
    "屈原",
    "九畹",
    "归州",
    "峡江",
];
const NAMES: [&str; 16] = [
    "橘颂", "天问", "长江", "丰源", "宏达", "金穗", "绿源", "恒通", "兴业", "华信", "青山", "云峰",
    "瑞丰", "鑫达", "汇丰", "鼎盛",
];
const TRADES: [&str; 10] = [
    "茶业", "柑橘", "电子", "机械", "农业", "食品", "生物", "建材", "旅游", "药业",
];
const FORMS: [&str; 4] = ["有限公司", "科技有限公司", "专业合作社", "股份有限公司"];
const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙",
];
const GIVEN: [&str; 12] = [
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰",
];
const USES: [&str; 14] = [
    "茶叶",
    "柑橘",
    "脐橙",
    "中药材",
    "食品",
    "饲料",
    "农机",
    "电机",
    "建材",
    "包装",
    "灌溉",
    "烘干",
    "保鲜",
    "分拣",
];
const THINGS: [&str; 10] = [
    "揉捻装置",
    "加工设备",
    "分拣机",
    "烘干机",
    "保鲜方法",
    "包装盒",
    "输送机构",
    "控制系统",
    "清洗装置",
    "种植架",
];
const AGENCIES: [&str; 4] = [
    "宜昌市三峡专利事务所",
    "武汉知律专利代理事务所",
    "湖北武汉永嘉专利代理有限公司",
    "宜昌市慧宜专利商标代理事务所",
];

fn enterprise_name(random: &mut Random, index: i64) -> String {
    format!(
        "{}{}{}{}{}",
        random.pick(&PLACES),
        random.pick(&NAMES),
        random.pick(&TRADES),
        index,
        random.pick(&FORMS)
    )
}

pub(super) fn person(random: &mut Random) -> String {
    format!(
        "{}{}{}",
        random.pick(&SURNAMES),
        random.pick(&GIVEN),
        random.pick(&GIVEN)
    )
}

pub(super) async fn next_id(db: &impl ConnectionTrait, table: &str) -> Result<i64, AppError> {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT COALESCE(MAX(id), 0) FROM {table}"),
        ))
        .await?;
    let max: i64 = match row {
        Some(row) => row.try_get_by_index(0)?,
        None => 0,
    };
    Ok(max + 1)
}

/// PostgreSQL's identity counters must move past the ids given explicitly.
async fn reset_sequences(db: &impl ConnectionTrait) -> Result<(), AppError> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for table in [
        "enterprises",
        "patents",
        "patent_applicants",
        "patent_events",
    ]
    .into_iter()
    .chain(super::registers::TABLES)
    {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
        );
        db.execute_unprepared(&sql).await?;
    }
    Ok(())
}

/// The townships patents are spread over: the jurisdiction's, or a sample set when it has none.
async fn township_ids(db: &DatabaseConnection) -> Result<Vec<i64>, AppError> {
    let mut ids: Vec<i64> = lists::list(db, ListKind::Townships, false)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    if ids.is_empty() {
        for name in TOWNSHIPS {
            ids.push(
                lists::add(db, &Actor::cli(), ListKind::Townships, name)
                    .await?
                    .id,
            );
        }
    }
    Ok(ids)
}

/// Fills the database according to `plan`.
pub async fn seed(db: &DatabaseConnection, plan: Plan) -> Result<Report, AppError> {
    let started = Instant::now();
    let townships = township_ids(db).await?;
    let mut random = Random(0x9E37_79B9_7F4A_7C15 ^ plan.patents ^ (plan.enterprises << 20));
    let enterprises = seed_enterprises(db, &mut random, plan.enterprises, &townships).await?;
    let indexes = drop_patent_indexes(db, plan.patents).await?;
    let seeded = seed_patents(db, &mut random, plan.patents, &enterprises, &townships).await;
    // Made again whether or not the seeding failed part-way.
    let txn = db::begin_write(db).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL maintenance_work_mem = '256MB'")
            .await?;
    }
    db::recreate_indexes(&txn, &indexes).await?;
    txn.commit().await?;
    let (patents, applicants, events) = seeded?;
    let prefix = crate::settings::service::load(db)
        .await?
        .jurisdiction
        .case_prefix;
    let registers = super::registers::seed(db, &mut random, &enterprises, &prefix).await?;
    let txn = db::begin_write(db).await?;
    reset_sequences(&txn).await?;
    txn.commit().await?;
    crate::reports::tallies::fold(db).await?;
    db::refresh_statistics(db).await?;
    Ok(Report {
        enterprises: enterprises.len() as u64,
        patents,
        applicants,
        events,
        registers,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The tables a patent's rows go into.
const PATENT_TABLES: [&str; 4] = [
    "patents",
    "patent_applicants",
    "patent_events",
    "patent_search",
];

/// Drops the patent tables' secondary indexes when the seed is at least as large as the register
/// (and large): they are made once at the end, several times faster than kept up row by row —
/// on PostgreSQL above all, whose text-search index is slow to update. Returns the statements
/// that make them again. Test data for an empty or test database: while the seed runs, the
/// register's searches are slow.
async fn drop_patent_indexes(
    db: &DatabaseConnection,
    patents: u64,
) -> Result<Vec<String>, AppError> {
    let stored = next_id(db, "patents").await? as u64 - 1;
    if patents < 10_000 || patents < stored {
        return Ok(Vec::new());
    }
    let txn = db::begin_write(db).await?;
    let mut creates = Vec::new();
    for table in PATENT_TABLES {
        creates.extend(db::drop_secondary_indexes(&txn, table).await?);
    }
    txn.commit().await?;
    Ok(creates)
}

/// The id, name and name key of each enterprise made.
pub(super) type Made = Vec<(i64, String, String)>;

async fn seed_enterprises(
    db: &DatabaseConnection,
    random: &mut Random,
    count: u64,
    townships: &[i64],
) -> Result<Made, AppError> {
    let now = Utc::now();
    let txn = db::begin_write(db).await?;
    let first = next_id(&txn, "enterprises").await?;
    let mut made = Vec::new();
    let mut rows = Vec::new();
    let mut names = Vec::new();
    for offset in 0..count {
        let id = first + offset as i64;
        let name = enterprise_name(random, id);
        let key = name_key(&name);
        let high_tech = random.chance(15);
        let issued = NaiveDate::from_ymd_opt(2022, 1, 1)
            .map(|d| d + Duration::days(random.below(1000) as i64));
        rows.push(vec![
            id.into(),
            name.clone().into(),
            key.clone().into(),
            pinyin_sort_key(&name).into(),
            Value::from(
                townships
                    .get(random.below(townships.len() as u64) as usize)
                    .copied(),
            ),
            Value::from(high_tech.then(|| format!("GR{id:010}"))),
            Value::from(if high_tech { issued } else { None }),
            Value::from(if high_tech {
                issued.map(|d| d + Duration::days(3 * 365))
            } else {
                None
            }),
            random.chance(25).into(),
            1.into(),
            now.into(),
            now.into(),
        ]);
        names.push(vec![
            key.clone().into(),
            id.into(),
            name.clone().into(),
            now.into(),
        ]);
        made.push((id, name, key));
    }
    let columns = [
        "id",
        "name",
        "name_key",
        "sort_key",
        "township_id",
        "high_tech_certificate",
        "high_tech_issued_on",
        "high_tech_expires_on",
        "tech_sme",
        "version",
        "created_at",
        "updated_at",
    ];
    db::insert_rows(&txn, "enterprises", &columns, rows).await?;
    db::insert_rows(
        &txn,
        "enterprise_names",
        &["name_key", "enterprise_id", "name", "created_at"],
        names,
    )
    .await?;
    txn.commit().await?;
    Ok(made)
}

const BATCH: u64 = 20_000;

async fn seed_patents(
    db: &DatabaseConnection,
    random: &mut Random,
    count: u64,
    enterprises: &Made,
    townships: &[i64],
) -> Result<(u64, u64, u64), AppError> {
    let mut totals = (0, 0, 0);
    let mut done = 0;
    while done < count {
        let size = BATCH.min(count - done);
        let txn = db::begin_write(db).await?;
        if txn.get_database_backend() == DbBackend::Sqlite {
            // Index pages of a million rows stay in memory while they are written.
            txn.execute_unprepared("PRAGMA cache_size = -1048576")
                .await?;
        }
        let first_patent = next_id(&txn, "patents").await?;
        let first_applicant = next_id(&txn, "patent_applicants").await?;
        let first_event = next_id(&txn, "patent_events").await?;
        let mut batch = Batch::default();
        for offset in 0..size {
            batch.add(random, first_patent + offset as i64, enterprises, townships);
        }
        let applicant_rows: Vec<Vec<Value>> = batch
            .applicants
            .into_iter()
            .enumerate()
            .map(|(i, mut row)| {
                row.insert(0, (first_applicant + i as i64).into());
                row
            })
            .collect();
        let event_rows: Vec<Vec<Value>> = batch
            .events
            .into_iter()
            .enumerate()
            .map(|(i, mut row)| {
                row.insert(0, (first_event + i as i64).into());
                row
            })
            .collect();
        totals.1 += applicant_rows.len() as u64;
        totals.2 += event_rows.len() as u64;
        let search: Vec<(i64, String)> = batch.search;
        db::insert_rows(&txn, "patents", &PATENT_COLUMNS, batch.patents).await?;
        insert_search(&txn, search).await?;
        db::insert_rows(
            &txn,
            "patent_applicants",
            &[&["id"][..], &crate::import::patent_rows::APPLICANT_COLUMNS].concat(),
            applicant_rows,
        )
        .await?;
        db::insert_rows(
            &txn,
            "patent_events",
            &[
                "id",
                "patent_id",
                "status",
                "happened_on",
                "publication_number",
                "created_at",
            ],
            event_rows,
        )
        .await?;
        txn.commit().await?;
        done += size;
        totals.0 += size;
    }
    Ok(totals)
}

const PATENT_COLUMNS: [&str; 18] = [
    "id",
    "application_number",
    "patent_type",
    "title",
    "inventors",
    "filed_on",
    "granted_on",
    "grant_publication_number",
    "agency",
    "township_id",
    "status",
    "source",
    "first_applicant_key",
    "first_applicant_enterprise_id",
    "search_text",
    "version",
    "created_at",
    "updated_at",
];

/// The search index's rows, in statements of a few thousand.
async fn insert_search(
    db: &impl ConnectionTrait,
    rows: Vec<(i64, String)>,
) -> Result<(), AppError> {
    let backend = db.get_database_backend();
    for chunk in rows.chunks(5_000) {
        let sql = crate::patents::search::bulk_values(backend, chunk.len());
        let values: Vec<Value> = chunk
            .iter()
            .flat_map(|(id, text)| {
                [
                    Value::from(*id),
                    Value::from(crate::patents::search::terms(text)),
                ]
            })
            .collect();
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    Ok(())
}

#[derive(Default)]
struct Batch {
    search: Vec<(i64, String)>,
    patents: Vec<Vec<Value>>,
    applicants: Vec<Vec<Value>>,
    events: Vec<Vec<Value>>,
}

impl Batch {
    fn add(&mut self, random: &mut Random, id: i64, enterprises: &Made, townships: &[i64]) {
        let now = Utc::now();
        let (type_digit, type_name, kind) = match random.below(10) {
            0 | 1 => ('1', "invention", 'B'),
            2 | 3 => ('3', "design", 'S'),
            _ => ('2', "utility_model", 'U'),
        };
        let today = Utc::now().date_naive();
        let year = 2014 + random.below(13) as i32;
        let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
        // Spread over the year, or up to today in the current one.
        let days = (today - start).num_days().clamp(1, 365) as u64;
        let filed_on = start + Duration::days(random.below(days) as i64);
        let digits = format!("{year}{type_digit}{:07}", 1_000_000 + id);
        let number = format!("{digits}{}", check_character(&digits).unwrap_or('0'));
        let delay = if type_digit == '1' {
            500 + random.below(700)
        } else {
            120 + random.below(240)
        } as i64;
        let grant_day = filed_on + Duration::days(delay);
        let granted_on = (random.chance(70) && grant_day <= today).then_some(grant_day);
        let title = format!("一种{}{}", random.pick(&USES), random.pick(&THINGS));
        let mut names = Vec::new();
        let linked = !enterprises.is_empty() && random.chance(75);
        if linked {
            let (enterprise_id, name, key) =
                &enterprises[random.below(enterprises.len() as u64) as usize];
            names.push((name.clone(), key.clone(), Some(*enterprise_id)));
        } else {
            let name = person(random);
            let key = name_key(&name);
            names.push((name, key, None));
        }
        if random.chance(20) {
            let name = person(random);
            let key = name_key(&name);
            if key != names[0].1 {
                names.push((name, key, None));
            }
        }
        let inventors = [person(random), person(random)];
        let search_text = format!(
            "{} {} {} {}",
            number.to_lowercase(),
            title,
            names
                .iter()
                .map(|n| n.0.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            inventors.join(" ")
        );
        let publication =
            granted_on.map(|_| format!("CN{}{:06}{kind}", 100 + (year - 2014), id % 1_000_000));
        let status = if granted_on.is_some() {
            "granted"
        } else {
            "filed"
        };
        self.patents.push(vec![
            id.into(),
            number.into(),
            type_name.into(),
            title.into(),
            serde_json::to_string(&inventors).unwrap_or_default().into(),
            Some(filed_on).into(),
            granted_on.into(),
            publication.clone().into(),
            Value::from(random.chance(80).then(|| random.pick(&AGENCIES).to_owned())),
            Value::from(
                townships
                    .get(random.below(townships.len() as u64) as usize)
                    .copied(),
            ),
            status.into(),
            "seed".into(),
            Some(names[0].1.clone()).into(),
            names[0].2.into(),
            search_text.clone().into(),
            1.into(),
            now.into(),
            now.into(),
        ]);
        self.search.push((id, search_text));
        for (position, (name, key, enterprise_id)) in (0i32..).zip(names) {
            self.applicants.push(vec![
                id.into(),
                position.into(),
                name.into(),
                key.into(),
                enterprise_id.into(),
                Some(filed_on).into(),
            ]);
        }
        if let Some(day) = granted_on {
            self.events.push(vec![
                id.into(),
                "granted".into(),
                day.into(),
                publication.into(),
                now.into(),
            ]);
        }
    }
}
