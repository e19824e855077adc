//! The patent register at scale: seeds 1,000,000 patents (BENCH_PATENTS to change) into a fresh
//! SQLite database — or PostgreSQL when IPDESK_BENCH_DATABASE_URL names a server — and times the
//! register's first page, a filtered page, a number search and a Chinese text search. Prints one
//! table; run with `cargo bench --bench patents`.

// A benchmark fails loudly: a panic is a failed run.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use ipdesk::dev::seed::{self, Plan};
use ipdesk::patents::query::{self, PatentFilter};
use sea_orm::{ConnectionTrait, Database};

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

async fn fresh_url(dir: &std::path::Path) -> (String, Option<(String, String)>) {
    match std::env::var("IPDESK_BENCH_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            let name = format!("ipdesk_bench_{}", std::process::id());
            let server = Database::connect(&admin)
                .await
                .expect("connect to PostgreSQL");
            server
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create database");
            let _ = server.close().await;
            let base = admin
                .rsplit_once('/')
                .map_or(admin.as_str(), |(base, _)| base)
                .to_owned();
            (format!("{base}/{name}"), Some((admin, name)))
        }
        _ => (
            format!("sqlite://{}?mode=rwc", dir.join("bench.sqlite").display()),
            None,
        ),
    }
}

#[tokio::main]
async fn main() {
    let patents: u64 = std::env::var("BENCH_PATENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let enterprises = (patents / 50).max(100);
    let dir = tempfile::tempdir().expect("temporary folder");
    let (url, postgres) = fresh_url(dir.path()).await;
    let engine = if postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    ipdesk::db::migrate(&url).await.expect("migrate");
    let db = ipdesk::db::connect(&url).await.expect("connect");

    let report = seed::seed(
        &db,
        Plan {
            patents,
            enterprises,
        },
    )
    .await
    .expect("seed");
    println!(
        "seeded {} patents, {} enterprises, {} applicants, {} events on {engine} in {:.1} s ({:.0} patents/s)",
        report.patents,
        report.enterprises,
        report.applicants,
        report.events,
        report.seconds,
        report.patents as f64 / report.seconds
    );
    // Let the planner see the data as it is.
    db.execute_unprepared("ANALYZE").await.expect("analyze");

    let sample = query::list(&db, &filter(|f| f.per_page = Some(1)))
        .await
        .expect("sample");
    let number = sample
        .items
        .first()
        .map(|p| format!("ZL {}", p.application_number))
        .unwrap_or_default();
    let results = vec![
        measure(&db, "first page of the register", 50.0, filter(|_| {})).await,
        measure(
            &db,
            "type + grant year + township",
            50.0,
            filter(|f| {
                f.patent_type = Some("utility_model".into());
                f.granted_year = Some(2020);
                f.township = Some("茅坪镇".into());
            }),
        )
        .await,
        measure(
            &db,
            "number search (ZL …, any spelling)",
            50.0,
            filter(|f| f.q = Some(number.clone())),
        )
        .await,
        measure(
            &db,
            "text search 茶叶 (two characters)",
            300.0,
            filter(|f| f.q = Some("茶叶".into())),
        )
        .await,
        measure(
            &db,
            "text search 脐橙保鲜 (rare)",
            300.0,
            filter(|f| f.q = Some("脐橙保鲜".into())),
        )
        .await,
    ];
    println!();
    println!(
        "{:<38} {:>10} {:>10} {:>10} {:>6} {:>8}  verdict",
        "query", "median ms", "worst ms", "target ms", "rows", "total"
    );
    let mut all_ok = true;
    for m in &results {
        let median = m.median.as_secs_f64() * 1000.0;
        let ok = median <= m.target_ms;
        all_ok &= ok;
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
    println!();
    println!(
        "{} patents on {engine}: {}",
        report.patents,
        if all_ok {
            "every query meets its target"
        } else {
            "some queries miss their target"
        }
    );
    let _ = db.close().await;
    if let Some((admin, name)) = postgres
        && let Ok(server) = Database::connect(&admin).await
    {
        let _ = server
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    }
}
