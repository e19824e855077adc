//! The importer at scale, as processes, the way an officer runs it: a clean roster of 100,000
//! rows and 11 columns (BENCH_ROWS to change) is imported into an empty database through
//! `ipdesk import`, then imported again (all unchanged); beside it, a process that only reads the
//! same sheet into memory with calamine; on SQLite, beside them, the floor under the import's
//! writing (`store_floor`: SQLite storing the same rows with no client). Then every file of
//! ../shared/corpus (when present) goes through `ipdesk import --dry-run`. Times and peak memory
//! (the kernel's high-water resident size of each process of the tree, summed); calamine's read,
//! the import and the re-import each run three times, and the median time counts with the
//! highest peak.
//!
//! Targets: the import at most 3× calamine's read, at most 300 MB; the re-import no slower; each
//! corpus file under 5 s and 500 MB.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::common::{self, Db, Engine, Row, line};
use crate::store_floor;

use ipdesk::dev::samples::TOWNSHIPS;

/// For profiling by hand: `--write-roster FILE [ROWS]` writes the roster and stops.
pub fn write_roster(args: &[String]) {
    let rows = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(100_000);
    std::fs::write(&args[0], roster_bytes(rows)).unwrap();
}

/// The import of a `rows`-row roster into an empty database of `engine`, again, and beside them
/// calamine alone; then, when asked, the corpus.
pub fn run(engine: &Engine, rows: u32, with_corpus: bool) -> Vec<Row> {
    let dir = tempfile::tempdir().unwrap();
    let roster = dir.path().join("roster.xlsx");
    let started = Instant::now();
    std::fs::write(&roster, roster_bytes(rows)).unwrap();
    println!(
        "roster: {rows} rows × 11 columns, {:.1} MB, written in {:.1} s",
        std::fs::metadata(&roster).unwrap().len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let db = empty_register(engine);
    let url = db.url.clone();
    // The register as the import finds it, kept for SQLite's floor (below).
    let floor = db.sqlite_file.as_ref().map(|file| {
        let copy = dir.path().join("floor.sqlite");
        copy_database(file, &copy);
        copy
    });

    // Three rounds, each calamine's read and then an import into an empty register of its own
    // (the first round's is kept for what follows); the medians count. A single read of calamine
    // once took twice its usual time and made the ratio look met.
    let mut reads = Vec::new();
    let mut imports = Vec::new();
    for round in 0..3 {
        reads.push(calamine_reads(&roster));
        let other = (round > 0).then(|| empty_register(engine));
        imports.push(import_once(other.as_ref().unwrap_or(&db), &roster, rows));
    }
    let read = common::median("calamine alone reads the sheet", reads);
    let first = common::median("ipdesk import (empty database)", imports);
    // The re-import writes nothing but its batch, so three of them in a row find the same register.
    let again = common::median_of_three("ipdesk import again (unchanged)", || {
        let again = common::run(
            common::ipdesk(&url, "en")
                .arg("import")
                .arg(&roster)
                .arg("--json"),
        );
        assert!(again.success, "re-import failed:\n{}", again.stderr);
        let report: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
        assert_eq!(
            report["unchanged"],
            u64::from(rows),
            "{}",
            short(&again.stdout)
        );
        again
    });

    let stored = db
        .sqlite_file
        .as_deref()
        .zip(floor)
        .map(|(imported, copy)| {
            let url = format!("sqlite://{}?mode=rwc", copy.display());
            store_floor::prepare(&url, imported);
            store_floor::measure(&url)
        });
    let ratio = first.seconds / read.seconds;
    println!();
    println!(
        "{:<34} {:>9} {:>10} {:>9}",
        "process", "seconds", "peak MB", "target"
    );
    line("calamine alone reads the sheet", &read, "");
    line(
        "ipdesk import (empty database)",
        &first,
        &format!("≤{:.2} s", 3.0 * read.seconds),
    );
    line(
        "ipdesk import again (unchanged)",
        &again,
        &format!("≤{:.2} s", first.seconds),
    );
    if let Some(stored) = &stored {
        line(store_floor::WHAT, stored, "");
    }
    println!();
    println!(
        "import / calamine = {ratio:.2} (target ≤ 3.00); peak {:.0} MB (target ≤ 300); re-import / import = {:.2} (target ≤ 1.00)",
        first.peak_mb(),
        again.seconds / first.seconds
    );
    if let Some(stored) = &stored {
        println!(
            "SQLite's storing alone / calamine = {:.2}; the import / (calamine + SQLite's storing) = {:.2}",
            stored.seconds / read.seconds,
            first.seconds / (read.seconds + stored.seconds)
        );
    }
    let row = |what: &str, run: &common::Run, floor: (&str, f64), target: &str, met| Row {
        engine: db.engine,
        what: what.to_owned(),
        rows: u64::from(rows),
        seconds: run.seconds,
        throughput: true,
        peak_mb: Some(run.peak_mb()),
        floor: Some((floor.0.to_owned(), floor.1)),
        target: target.to_owned(),
        met,
    };
    let mut table = vec![
        row(
            "ipdesk import (empty database)",
            &first,
            ("calamine reads it", read.seconds),
            "≤ 3×, ≤ 300 MB",
            Some(ratio <= 3.0 && first.peak_mb() <= 300.0),
        ),
        // A re-import within a tenth of the first counts as "no slower": runs vary by that much.
        row(
            "ipdesk import again (unchanged)",
            &again,
            ("the first import", first.seconds),
            "≤ 1.1×, ≤ 300 MB",
            Some(again.seconds <= first.seconds * 1.1 && again.peak_mb() <= 300.0),
        ),
    ];
    if let Some(stored) = &stored {
        // A floor, not a target: what SQLite alone needs for the rows the import stores.
        table.push(row(
            store_floor::WHAT,
            stored,
            ("calamine reads it", read.seconds),
            "— (a floor)",
            None,
        ));
    }
    if with_corpus {
        table.extend(corpus(&db));
    }
    table
}

/// A database of `engine` made for the benchmark, its jurisdiction set, its register empty.
fn empty_register(engine: &Engine) -> Db {
    let db = Db::fresh(engine);
    let set = common::run(
        common::ipdesk(&db.url, "en")
            .args(["jurisdiction", "set", "--county", "秭归县", "--townships"])
            .arg(TOWNSHIPS.join(",")),
    );
    assert!(set.success, "jurisdiction set failed");
    db
}

fn calamine_reads(roster: &Path) -> common::Run {
    let read = common::run(
        Command::new(std::env::current_exe().unwrap())
            .arg("--calamine-only")
            .arg(roster),
    );
    assert!(read.success, "calamine read failed");
    read
}

/// `ipdesk import` of the roster into `db`'s empty register: every row new.
fn import_once(db: &Db, roster: &Path, rows: u32) -> common::Run {
    let first = common::run(
        common::ipdesk(&db.url, "en")
            .arg("import")
            .arg(roster)
            .arg("--json"),
    );
    assert!(first.success, "import failed:\n{}", first.stderr);
    let report: serde_json::Value = serde_json::from_str(&first.stdout).unwrap();
    assert_eq!(report["new"], u64::from(rows), "{}", short(&first.stdout));
    first
}

/// Copies an SQLite database that no process has open, with its log when one was left.
fn copy_database(file: &Path, copy: &Path) {
    std::fs::copy(file, copy).unwrap();
    let log = |path: &Path| PathBuf::from(format!("{}-wal", path.display()));
    if log(file).exists() {
        std::fs::copy(log(file), log(copy)).unwrap();
    }
}

fn short(text: &str) -> String {
    text.chars().take(600).collect()
}

/// Reads the first sheet into memory with calamine and nothing else, as the yardstick.
pub fn calamine_only(path: &Path) {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(path).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    println!("{}", range.used_cells().count());
}

/// A provincial grants roster: valid numbers, in the county, every row distinct.
fn roster_bytes(rows: u32) -> Vec<u8> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let header = [
        "申请号",
        "专利名称",
        "专利类型",
        "申请日",
        "授权公告日",
        "授权公告号",
        "专利权人",
        "发明人",
        "地址",
        "区县",
        "代理机构",
    ];
    for (c, h) in (0u16..).zip(header) {
        sheet.write_string(0, c, h).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    for i in 0..rows {
        let r = i + 1;
        let kind = [
            ('2', "实用新型", 'U'),
            ('1', "发明", 'B'),
            ('3', "外观设计", 'S'),
        ][(i % 3) as usize];
        let digits = format!("2025{}{:07}", kind.0, 1_000_000 + i);
        let check = ipdesk::patents::number::check_character(&digits).unwrap();
        let filed = start + chrono::Duration::days(i64::from(i % 400));
        let granted = filed + chrono::Duration::days(200);
        let township = TOWNSHIPS[(i % 12) as usize];
        sheet
            .write_string(r, 0, format!("{digits}.{check}"))
            .unwrap();
        sheet
            .write_string(r, 1, format!("一种第{i}号茶叶加工装置"))
            .unwrap();
        sheet.write_string(r, 2, kind.1).unwrap();
        sheet.write_date_with_format(r, 3, filed, &date).unwrap();
        sheet.write_date_with_format(r, 4, granted, &date).unwrap();
        sheet
            .write_string(r, 5, format!("CN{}{}", 300_000_000 + i, kind.2))
            .unwrap();
        sheet
            .write_string(r, 6, format!("秭归县第{}茶业有限公司", i % 2000))
            .unwrap();
        sheet.write_string(r, 7, "王伟；李芳").unwrap();
        sheet
            .write_string(r, 8, format!("湖北省宜昌市秭归县{township}{}号", i % 300))
            .unwrap();
        sheet.write_string(r, 9, "秭归县").unwrap();
        sheet.write_string(r, 10, "宜昌市三峡专利事务所").unwrap();
    }
    book.save_to_buffer().unwrap()
}

/// Every corpus file through a dry run: refused with one sentence or read, under 5 s and 500 MB.
/// The row's time and memory are the slowest file's and the largest.
fn corpus(db: &Db) -> Option<Row> {
    let url = db.url.as_str();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !root.is_dir() {
        println!("(no ../shared/corpus here: corpus not measured)");
        return None;
    }
    let mut files = Vec::new();
    collect(&root, &mut files);
    let mut worst_time = (0.0, String::new());
    let mut worst_memory = (0.0, String::new());
    let (mut refused, mut read, mut failed) = (0, 0, Vec::new());
    for path in &files {
        let result = common::run(
            common::ipdesk(url, "en")
                .args(["import", "--dry-run"])
                .arg(path),
        );
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        if result.seconds > worst_time.0 {
            worst_time = (result.seconds, name.clone());
        }
        if result.peak_mb() > worst_memory.0 {
            worst_memory = (result.peak_mb(), name.clone());
        }
        let sentence = result.stderr.trim();
        match (result.success, sentence.lines().count()) {
            (true, _) => read += 1,
            (false, 1) if !sentence.contains("panicked") => refused += 1,
            _ => failed.push(format!("{name}: {sentence}")),
        }
        if result.seconds >= 5.0 || result.peak_mb() >= 500.0 {
            failed.push(format!(
                "{name}: {:.2} s, {:.0} MB",
                result.seconds,
                result.peak_mb()
            ));
        }
    }
    println!();
    println!(
        "corpus: {} files, {read} read, {refused} refused with one sentence; slowest {:.2} s ({}), largest {:.0} MB ({})",
        files.len(),
        worst_time.0,
        worst_time.1,
        worst_memory.0,
        worst_memory.1
    );
    for failure in &failed {
        println!("  MISSED {failure}");
    }
    Some(Row {
        engine: db.engine,
        what: format!("corpus dry runs (slowest of {})", files.len()),
        rows: files.len() as u64,
        seconds: worst_time.0,
        throughput: false,
        peak_mb: Some(worst_memory.0),
        floor: None,
        target: "< 5 s, < 500 MB".to_owned(),
        met: Some(failed.is_empty()),
    })
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_none_or(|e| e != "md") {
            out.push(path);
        }
    }
}
