//! The patent register at scale: over a database seeded with a million patents, the register's
//! first page, a filtered page, a number search and a Chinese text search, each the median of
//! nine runs after a warm-up (and the worst printed beside it).

use std::time::{Duration, Instant};

use ipdesk::patents::query::{self, PatentFilter};
use sea_orm::ConnectionTrait;

use crate::common::{Db, Row};

const RUNS: usize = 9;

struct Measured {
    what: &'static str,
    target_ms: f64,
    median: Duration,
    worst: Duration,
    rows: u64,
    total: String,
}

fn filter(f: impl FnOnce(&mut PatentFilter)) -> PatentFilter {
    let mut filter = <PatentFilter as Default>::default();
    f(&mut filter);
    filter
}

async fn measure(
    db: &sea_orm::DatabaseConnection,
    what: &'static str,
    target_ms: f64,
    filter: PatentFilter,
) -> Measured {
    let mut times = Vec::new();
    let mut last = None;
    // One warm-up run, as the page would have been opened before.
    for _ in 0..=RUNS {
        let started = Instant::now();
        let page = query::list(db, &filter).await.expect("query");
        times.push(started.elapsed());
        last = Some(page);
    }
    times.remove(0);
    times.sort();
    let page = last.expect("ran");
    Measured {
        what,
        target_ms,
        median: times[times.len() / 2],
        worst: times[times.len() - 1],
        rows: page.items.len() as u64,
        total: format!("{}{}", page.total, if page.total_capped { "+" } else { "" }),
    }
}

/// The register's queries over `db`, seeded before.
pub fn run(db: &Db, patents: u64) -> Vec<Row> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let results = runtime.block_on(async {
        let conn = ipdesk::db::connect(&db.url).await.expect("connect");
        // Let the planner see the data as it is, and on PostgreSQL the visibility map be set,
        // as autovacuum would after a load, so that index-only scans stay in the index.
        let analyze = match conn.get_database_backend() {
            sea_orm::DbBackend::Postgres => "VACUUM ANALYZE",
            _ => "ANALYZE",
        };
        conn.execute_unprepared(analyze).await.expect("analyze");
        let results = queries(&conn).await;
        let _ = conn.close().await;
        results
    });
    print_results(&results);
    results
        .into_iter()
        .map(|m| Row {
            engine: db.engine,
            what: m.what.to_owned(),
            rows: patents,
            seconds: m.median.as_secs_f64(),
            throughput: false,
            peak_mb: None,
            floor: None,
            target: format!("≤ {} ms", m.target_ms),
            met: Some(m.median.as_secs_f64() * 1000.0 <= m.target_ms),
        })
        .collect()
}

async fn queries(db: &sea_orm::DatabaseConnection) -> Vec<Measured> {
    let sample = query::list(db, &filter(|f| f.per_page = Some(1).into()))
        .await
        .expect("sample");
    let number = sample
        .items
        .first()
        .map(|p| format!("ZL {}", p.application_number))
        .unwrap_or_default();
    let results = vec![
        measure(db, "first page of the register", 50.0, filter(|_| {})).await,
        measure(
            db,
            "type + grant year + township",
            50.0,
            filter(|f| {
                f.patent_type = Some("utility_model".into());
                f.granted_year = Some(2020).into();
                f.township = Some("茅坪镇".into());
            }),
        )
        .await,
        measure(
            db,
            "number search (ZL …, any spelling)",
            50.0,
            filter(|f| f.q = Some(number.clone())),
        )
        .await,
        measure(
            db,
            "text search 茶叶 (two characters)",
            300.0,
            filter(|f| f.q = Some("茶叶".into())),
        )
        .await,
        measure(
            db,
            "text search 脐橙保鲜 (rare)",
            300.0,
            filter(|f| f.q = Some("脐橙保鲜".into())),
        )
        .await,
    ];
    results
}

fn print_results(results: &[Measured]) {
    println!();
    println!(
        "{:<38} {:>10} {:>10} {:>10} {:>6} {:>8}  verdict",
        "query", "median ms", "worst ms", "target ms", "rows", "total"
    );
    for m in results {
        let median = m.median.as_secs_f64() * 1000.0;
        let ok = median <= m.target_ms;
        println!(
            "{:<38} {:>10.1} {:>10.1} {:>10.0} {:>6} {:>8}  {}",
            m.what,
            median,
            m.worst.as_secs_f64() * 1000.0,
            m.target_ms,
            m.rows,
            m.total,
            if ok { "meets target" } else { "MISSES TARGET" }
        );
    }
}
