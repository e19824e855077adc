//! The year-to-date report at a million patents: over a seeded database, the report for this
//! year so far is timed in process against the raw SQL it needs — every statement one report
//! runs, captured as it ran them, run again with their rows fetched and not read — median and
//! worst of nine runs after a warm-up.
//!
//! Target: the report under 50 ms, and within 2× of its raw SQL.

use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;

use crate::common::{Db, Row};

const RUNS: usize = 9;

/// The report over `db`, seeded before.
pub fn run(db: &Db, patents: u64) -> Vec<Row> {
    let url = db.url.clone();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (report, raw, each, as_of, grants) = runtime.block_on(async {
        ipdesk::db::migrate(&url).await.unwrap();
        let db = ipdesk::db::connect(&url).await.unwrap();
        let first = ipdesk::reports::ytd::report(&db, None, None).await.unwrap();
        let statements = captured(&url).await;
        let mut report = Vec::with_capacity(RUNS);
        let mut raw = Vec::with_capacity(RUNS);
        let mut each = vec![Vec::with_capacity(RUNS); statements.len()];
        for _ in 0..RUNS {
            let started = Instant::now();
            ipdesk::reports::ytd::report(&db, None, None).await.unwrap();
            report.push(started.elapsed());
            let started = Instant::now();
            for (statement, times) in statements.iter().zip(&mut each) {
                let alone = Instant::now();
                db.query_all_raw(statement.clone()).await.unwrap();
                times.push(alone.elapsed());
            }
            raw.push(started.elapsed());
        }
        (report, raw, each, first.as_of, first.grants.total)
    });
    let (report_median, report_worst) = median_and_worst(report);
    let (raw_median, raw_worst) = median_and_worst(raw);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("the year so far as of {as_of}: {grants} grants");
    println!();
    println!(
        "{:<28} {:>10} {:>10} {:>10}",
        "", "median ms", "worst ms", "target"
    );
    println!(
        "{:<28} {:>10.1} {:>10.1}",
        "raw SQL it needs",
        ms(raw_median),
        ms(raw_worst)
    );
    for (index, times) in each.into_iter().enumerate() {
        let (median, worst) = median_and_worst(times);
        println!(
            "{:<28} {:>10.1} {:>10.1}",
            format!("  statement {}", index + 1),
            ms(median),
            ms(worst)
        );
    }
    println!(
        "{:<28} {:>10.1} {:>10.1} {:>10}",
        "the report",
        ms(report_median),
        ms(report_worst),
        "50"
    );
    let ratio = ms(report_median) / ms(raw_median);
    println!();
    println!("report / raw SQL = {ratio:.2} (target ≤ 2.00)");
    vec![Row {
        engine: db.engine,
        what: "year-to-date report".to_owned(),
        rows: patents,
        seconds: report_median.as_secs_f64(),
        throughput: false,
        peak_mb: None,
        floor: Some(("its raw SQL".to_owned(), raw_median.as_secs_f64())),
        target: "≤ 50 ms, ≤ 2×".to_owned(),
        met: Some(ms(report_median) < 50.0 && ratio <= 2.0),
    }]
}

/// Every statement one report runs, as it ran them; the three slowest are printed, to show where
/// its time goes.
async fn captured(url: &str) -> Vec<sea_orm::Statement> {
    use std::sync::{Arc, Mutex};
    let seen = Arc::new(Mutex::new(Vec::<(Duration, sea_orm::Statement)>::new()));
    let mut db = ipdesk::db::connect(url).await.unwrap();
    let record = seen.clone();
    db.set_metric_callback(move |info| {
        record
            .lock()
            .unwrap()
            .push((info.elapsed, info.statement.clone()));
    });
    ipdesk::reports::ytd::report(&db, None, None).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    let mut slowest = seen.clone();
    slowest.sort_by_key(|(elapsed, _)| std::cmp::Reverse(*elapsed));
    println!("the report's slowest statements (of {}):", seen.len());
    for (elapsed, statement) in slowest.iter().take(3) {
        let sql: String = statement.sql.chars().take(160).collect();
        println!("  {:>7.1} ms  {sql}", elapsed.as_secs_f64() * 1000.0);
    }
    seen.into_iter().map(|(_, statement)| statement).collect()
}

fn median_and_worst(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() - 1])
}
