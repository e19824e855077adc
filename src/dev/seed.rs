//! `ipdesk dev seed`: realistic enterprises and patents (and, in `registers`, the other
//! registers), fast (a million patents in well under
//! two minutes on SQLite), for benchmarks and trials. Rows go in by the batch — multi-row INSERTs
//! on SQLite, COPY on PostgreSQL — bypassing the per-record services (and their audit entries) on
//! purpose: this is test data, not records anyone made.

use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};

use super::samples::TOWNSHIPS;
use crate::audit::Actor;
use crate::db;
use crate::enterprises::domain::{name_key, pinyin_sort_key};
use crate::error::AppError;
use crate::patents::bulk::BulkLoad;
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
    let load = start_bulk_load(db, plan.patents).await?;
    let writer = BatchWriter {
        load: &load,
        lagging: None,
    };
    let seeded = seed_patents(
        db,
        &mut random,
        plan.patents,
        (&enterprises, &townships),
        writer,
    )
    .await;
    // Made again whether or not the seeding failed part-way.
    finish_bulk_load(db, load.finish()).await?;
    let (patents, applicants, events) = seeded?;
    let prefix = crate::settings::service::load(db)
        .await?
        .jurisdiction
        .case_prefix;
    let registers = super::registers::seed(db, &mut random, &enterprises, &prefix).await?;
    let txn = db::begin_write(db).await?;
    reset_sequences(&txn).await?;
    txn.commit().await?;
    // The tallies were folded with the indexes made again: the registers seeded since do not
    // touch them.
    db::settle_after_seed(db).await?;
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

/// Drops the patent tables' secondary indexes, (PostgreSQL) foreign keys and (SQLite) the
/// triggers that count inserted patents when the seed is at least as large as the register (and
/// large): they are made once at the end, several times faster than kept up row by row — on
/// PostgreSQL above all, whose text-search index is slow to update. Test data for an empty or test
/// database: while the seed runs, the register's searches are slow, and on SQLite a patent saved
/// meanwhile by anyone else goes uncounted in the report's tallies.
async fn start_bulk_load(db: &DatabaseConnection, patents: u64) -> Result<BulkLoad, AppError> {
    let stored = next_id(db, "patents").await? as u64 - 1;
    if patents < 10_000 || patents < stored {
        return Ok(BulkLoad::default());
    }
    let txn = db::begin_write(db).await?;
    let load = BulkLoad::start(&txn, &PATENT_TABLES, true).await?;
    txn.commit().await?;
    Ok(load)
}

/// Makes the dropped indexes and keys again, and has the report's tallies take up the patents'
/// changes (see `reports::tallies`). On PostgreSQL the search index, the slowest to build, the
/// other indexes and the folding of the tallies (tables of their own) each go over a connection of
/// their own at once; the keys come last, once no index is being built on the tables they lock.
async fn finish_bulk_load(
    db: &DatabaseConnection,
    mut dropped: db::Dropped,
) -> Result<(), AppError> {
    if db.get_database_backend() != DbBackend::Postgres {
        return remake(db, dropped).await;
    }
    let search = dropped.take_table("patent_search");
    let keys = dropped.take_foreign_keys();
    let (search, others, folded) = tokio::join!(
        remake(db, search),
        remake(db, dropped),
        crate::reports::tallies::fold(db)
    );
    search.and(others).and(folded)?;
    remake(db, keys).await
}

/// Makes again what a bulk load dropped, in one transaction.
async fn remake(db: &DatabaseConnection, dropped: db::Dropped) -> Result<(), AppError> {
    let txn = db::begin_write(db).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL maintenance_work_mem = '256MB'")
            .await?;
    }
    dropped.restore(&txn).await?;
    txn.commit().await?;
    Ok(())
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

/// Patents per batch: what one SQLite transaction writes. On PostgreSQL the report's tallies get
/// one change row per day and value a statement touched, so a batch twice as large leaves fewer
/// of them to fold (a million patents: 14 s of folding at 20,000 a batch).
fn batch_size(backend: DbBackend) -> u64 {
    match backend {
        DbBackend::Postgres => 40_000,
        _ => 20_000,
    }
}

/// The ids the next patent, applicant and status event take.
#[derive(Clone, Copy)]
struct NextIds {
    patent: i64,
    applicant: i64,
    event: i64,
}

/// Makes the patents in batches on a thread of its own while the batch before is written, so
/// that making rows (the client's work) and storing them (the database's) overlap. The random
/// source moves to the thread and comes back when it is done: the same plan gives the same data.
async fn seed_patents(
    db: &DatabaseConnection,
    random: &mut Random,
    count: u64,
    (enterprises, townships): (&Made, &[i64]),
    mut writer: BatchWriter<'_>,
) -> Result<(u64, u64, u64), AppError> {
    let first = NextIds {
        patent: next_id(db, "patents").await?,
        applicant: next_id(db, "patent_applicants").await?,
        event: next_id(db, "patent_events").await?,
    };
    let size = batch_size(db.get_database_backend());
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Batch>(1);
    let maker = {
        let random = Random(random.0);
        let enterprises = enterprises.clone();
        let townships = townships.to_vec();
        std::thread::spawn(move || {
            make_batches(
                random,
                (count, size),
                first,
                &enterprises,
                &townships,
                &sender,
            )
        })
    };
    let mut totals = (0, 0, 0);
    let mut written = Ok(());
    while let Some(batch) = receiver.recv().await {
        let counts = (
            batch.patents.len() as u64,
            batch.dependents.applicants.len() as u64,
            batch.events.len() as u64,
        );
        if let Err(error) = writer.write(db, batch).await {
            written = Err(error);
            break;
        }
        totals = (
            totals.0 + counts.0,
            totals.1 + counts.1,
            totals.2 + counts.2,
        );
    }
    if written.is_ok() {
        written = writer.finish(db).await;
    }
    // A writer that stopped early closes the channel, which stops the maker.
    drop(receiver);
    let after = maker
        .join()
        .map_err(|_| AppError::Internal("the seed's row maker stopped".into()))?;
    random.0 = after.0;
    written.map(|()| totals)
}

/// The maker's side of [`seed_patents`]: batches of `size` patents with their applicants and
/// events, numbered from `next`, until `count` are made or the writer stops listening.
fn make_batches(
    mut random: Random,
    (count, size): (u64, u64),
    mut next: NextIds,
    enterprises: &Made,
    townships: &[i64],
    sender: &tokio::sync::mpsc::Sender<Batch>,
) -> Random {
    let mut done = 0;
    while done < count {
        let patents = size.min(count - done);
        let mut batch = Batch::default();
        let now = Utc::now();
        for offset in 0..patents {
            batch.add(
                &mut random,
                next.patent + offset as i64,
                (enterprises, townships),
                now,
            );
        }
        next.patent += patents as i64;
        number_rows(&mut batch.dependents.applicants, &mut next.applicant);
        number_rows(&mut batch.events, &mut next.event);
        if sender.blocking_send(batch).is_err() {
            break;
        }
        done += patents;
    }
    random
}

/// Gives each row its id, the first column, counting on from `next`.
fn number_rows(rows: &mut [Vec<Value>], next: &mut i64) {
    for row in rows {
        row.insert(0, (*next).into());
        *next += 1;
    }
}

const EVENT_COLUMNS: [&str; 6] = [
    "id",
    "patent_id",
    "status",
    "happened_on",
    "publication_number",
    "created_at",
];

/// Writes the batches: on SQLite each in a transaction of its own, with multi-row INSERTs; on
/// PostgreSQL with COPY, a batch's patents and events over one connection while the applicants
/// and search terms of the batch before (whose patents are committed) go over another, so that
/// two server processes work at once, about equally long.
struct BatchWriter<'a> {
    /// The bulk load the batches are part of, which counts each one in the report's tallies when
    /// it dropped their triggers.
    load: &'a BulkLoad,
    /// PostgreSQL: the rows of the last batch whose patents are written, and they not yet.
    lagging: Option<Dependents>,
}

impl BatchWriter<'_> {
    async fn write(&mut self, db: &DatabaseConnection, batch: Batch) -> Result<(), AppError> {
        if db.get_database_backend() != DbBackend::Postgres {
            return insert_batch(db, batch, self.load).await;
        }
        let (patents, dependents) = tokio::join!(
            copy_patents(db, &batch.patents, &batch.events),
            self.finish(db)
        );
        self.lagging = Some(batch.dependents);
        patents.and(dependents)
    }

    /// Writes what is still lagging.
    async fn finish(&mut self, db: &DatabaseConnection) -> Result<(), AppError> {
        match self.lagging.take() {
            Some(dependents) => copy_dependents(db, dependents).await,
            None => Ok(()),
        }
    }
}

fn applicant_columns() -> Vec<&'static str> {
    [&["id"][..], &crate::import::patent_rows::APPLICANT_COLUMNS].concat()
}

/// One batch in a transaction of its own (SQLite), its patents counted by the bulk `load`.
async fn insert_batch(
    db: &DatabaseConnection,
    batch: Batch,
    load: &BulkLoad,
) -> Result<(), AppError> {
    let txn = db::begin_write(db).await?;
    // Index pages of a million rows stay in memory while they are written.
    txn.execute_unprepared("PRAGMA cache_size = -1048576")
        .await?;
    let ids = batch.ids();
    let Dependents { search, applicants } = batch.dependents;
    db::insert_rows(&txn, "patents", &PATENT_COLUMNS, batch.patents).await?;
    if let Some(ids) = ids {
        load.inserted(&txn, ids).await?;
    }
    crate::patents::search::insert_terms(&txn, search).await?;
    db::insert_rows(&txn, "patent_applicants", &applicant_columns(), applicants).await?;
    db::insert_rows(&txn, "patent_events", &EVENT_COLUMNS, batch.events).await?;
    txn.commit().await?;
    Ok(())
}

/// A batch's patents and their events, in one transaction.
async fn copy_patents(
    db: &DatabaseConnection,
    patents: &[Vec<Value>],
    events: &[Vec<Value>],
) -> Result<(), AppError> {
    use sea_orm::sqlx::Connection;
    let mut conn = db::copy::connection(db).await?;
    let mut txn = conn.begin().await.map_err(db::copy::internal)?;
    db::copy::copy_rows(&mut txn, "patents", &PATENT_COLUMNS, patents).await?;
    db::copy::copy_rows(&mut txn, "patent_events", &EVENT_COLUMNS, events).await?;
    txn.commit().await.map_err(db::copy::internal)
}

/// The applicants and search terms of patents already committed.
async fn copy_dependents(db: &DatabaseConnection, rows: Dependents) -> Result<(), AppError> {
    use sea_orm::sqlx::Connection;
    let mut conn = db::copy::connection(db).await?;
    let mut txn = conn.begin().await.map_err(db::copy::internal)?;
    db::copy::copy_rows(
        &mut txn,
        "patent_applicants",
        &applicant_columns(),
        &rows.applicants,
    )
    .await?;
    crate::patents::search::copy_terms(&mut txn, rows.search).await?;
    txn.commit().await.map_err(db::copy::internal)
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

#[derive(Default)]
struct Batch {
    patents: Vec<Vec<Value>>,
    events: Vec<Vec<Value>>,
    dependents: Dependents,
}

/// The rows of a batch written (on PostgreSQL) once its patents are committed.
#[derive(Default)]
struct Dependents {
    /// Each patent's search terms.
    search: Vec<(i64, String)>,
    applicants: Vec<Vec<Value>>,
}

impl Batch {
    /// The ids of the batch's patents, one after another (each has one row of search terms).
    fn ids(&self) -> Option<std::ops::RangeInclusive<i64>> {
        let search = &self.dependents.search;
        Some(search.first()?.0..=search.last()?.0)
    }

    /// Adds patent `id`, made at `now` (one time for a whole batch).
    fn add(&mut self, random: &mut Random, id: i64, made: (&Made, &[i64]), now: DateTime<Utc>) {
        let (enterprises, townships) = made;
        let (type_digit, type_name, kind) = match random.below(10) {
            0 | 1 => ('1', "invention", 'B'),
            2 | 3 => ('3', "design", 'S'),
            _ => ('2', "utility_model", 'U'),
        };
        let today = now.date_naive();
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
        let search_text = crate::patents::domain::search_text_of(
            &number,
            &title,
            names.iter().map(|n| n.0.as_str()),
            inventors.iter().map(String::as_str),
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
        self.dependents
            .search
            .push((id, crate::patents::search::terms(&search_text)));
        for (position, (name, key, enterprise_id)) in (0i32..).zip(names) {
            self.dependents.applicants.push(vec![
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
