//! `cargo bench`: every benchmark of ipdesk, on SQLite and — when IPDESK_BENCH_DATABASE_URL names
//! a PostgreSQL server (`postgres://postgres@127.0.0.1:5432/test`) — again on PostgreSQL, each
//! printing its details as it goes and all together one table at the end: what, rows, time, rows
//! per second, peak memory, the floor it is compared with and the ratio, the target and whether
//! it was met. The run fails when a target is missed.
//!
//! `cargo bench -- import` runs only the benchmarks whose names hold a word given: `seed`,
//! `queries`, `report`, `import`, `export`, `corpus`; `cargo bench -- postgresql` (or `sqlite`)
//! runs them on that engine only. BENCH_PATENTS (1,000,000) sizes the seeded
//! register; BENCH_ROWS (100,000) the imported roster and the exported register.

// A benchmark fails loudly: a panic is a failed run.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;
mod export;
mod import;
mod patents;
mod report;
mod store_floor;

use std::path::Path;

use common::{Db, Engine, Row};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // The yardsticks and tools run as children of this same binary.
    if let Some(at) = args.iter().position(|a| a == "--calamine-only") {
        return import::calamine_only(Path::new(&args[at + 1]));
    }
    if let Some(at) = args.iter().position(|a| a == "--xlsxwriter-only") {
        return export::xlsxwriter_only(Path::new(&args[at + 1]), Path::new(&args[at + 2]));
    }
    // For profiling by hand: the floor's scratch tables, from a database an import wrote.
    if let Some(at) = args.iter().position(|a| a == "--prepare-floor") {
        return store_floor::prepare(&args[at + 1], Path::new(&args[at + 2]));
    }
    if let Some(at) = args.iter().position(|a| a == "--store-floor") {
        return store_floor::store(&args[at + 1]);
    }
    if let Some(at) = args.iter().position(|a| a == "--write-roster") {
        return import::write_roster(&args[at + 1..]);
    }
    if args.iter().any(|a| a == "--list") {
        return;
    }
    // Words that name an engine (`sqlite`, `postgresql`) choose the engines; the others choose
    // the benchmarks.
    let (engines_chosen, chosen): (Vec<&str>, Vec<&str>) = args
        .iter()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(String::as_str)
        .partition(|word| {
            common::engines()
                .iter()
                .any(|e| e.name().eq_ignore_ascii_case(word))
        });
    let wants = |name: &str| chosen.is_empty() || chosen.iter().any(|c| name.contains(c));
    let patents = number("BENCH_PATENTS", 1_000_000);
    let rows = number("BENCH_ROWS", 100_000);
    let mut table = Vec::new();
    let engines = common::engines().into_iter().filter(|engine| {
        engines_chosen.is_empty()
            || engines_chosen
                .iter()
                .any(|w| engine.name().eq_ignore_ascii_case(w))
    });
    for engine in engines {
        println!("\n=== {}", engine.name());
        if wants("seed") || wants("queries") || wants("report") {
            let db = Db::fresh(&engine);
            table.push(seed(&db, patents));
            if wants("queries") {
                table.extend(patents::run(&db, patents));
            }
            if wants("report") {
                table.extend(report::run(&db, patents));
            }
        }
        let corpus = wants("corpus") && matches!(engine, Engine::Sqlite);
        if wants("import") || corpus {
            table.extend(import::run(&engine, rows as u32, corpus));
        }
        if wants("export") {
            table.extend(export::run(&Db::fresh(&engine), rows));
        }
    }
    common::print_table(&table);
    common::verdict(table.iter().all(|row| row.met != Some(false)));
}

fn number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `ipdesk dev seed` of every register, as a process: a million patents in under two minutes.
fn seed(db: &Db, patents: u64) -> Row {
    let enterprises = (patents / 50).max(100).to_string();
    let seeded = common::run(common::ipdesk(&db.url, "en").args([
        "dev",
        "seed",
        "--patents",
        &patents.to_string(),
        "--enterprises",
        &enterprises,
    ]));
    assert!(seeded.success, "seed failed:\n{}", seeded.stderr);
    print!("{}", seeded.stdout);
    Row {
        engine: db.engine,
        what: "ipdesk dev seed (every register)".to_owned(),
        rows: patents,
        seconds: seeded.seconds,
        throughput: true,
        peak_mb: Some(seeded.peak_mb()),
        floor: None,
        target: "≤ 120 s".to_owned(),
        met: Some(seeded.seconds <= 120.0),
    }
}
