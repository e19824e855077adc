//! The export at scale, as processes: a database seeded with 100,000 patents (BENCH_ROWS to
//! change) is exported through `ipdesk export patents -o FILE`; beside it, a process that writes
//! the very same cells (read back from that export) with rust_xlsxwriter alone, in the same
//! constant-memory mode, bordered and with the same date format. Prints times and peak memory (the kernel's
//! high-water resident size of each process).
//!
//! Target: the export at most 1.5× the plain writer's time, at most 300 MB. The export is timed
//! from outside as a whole (start, database, queries, writing, saving); the plain writer from
//! inside, from its first cell to the saved file, so loading its cells is not counted.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::common::{self, Db, Row, Run, line};
use calamine::{Data, DataType, Reader};
use serde_json::{Value, json};

/// The export of `rows` patents seeded into `db` (empty), against the plain writer.
pub fn run(db: &Db, rows: u64) -> Vec<Row> {
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    let started = Instant::now();
    let seeded = common::run(common::ipdesk(&url, "zh-CN").args([
        "dev",
        "seed",
        "--patents",
        &rows.to_string(),
        "--enterprises",
        "2000",
    ]));
    assert!(seeded.success, "seed failed:\n{}", seeded.stderr);
    println!(
        "database: {rows} patents seeded in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Each process runs three times; the median time counts (a shared machine's noise is of
    // the size of the margins measured here), and the highest peak.
    let exported_path = dir.path().join("patents.xlsx");
    let export = common::median_of_three("ipdesk export patents", || {
        let export = common::run(
            common::ipdesk(&url, "zh-CN")
                .args(["export", "patents", "--json", "-o"])
                .arg(&exported_path),
        );
        assert!(export.success, "export failed:\n{}", export.stderr);
        let told: Value = serde_json::from_str(&export.stdout).unwrap();
        assert_eq!(told["rows"], rows, "{}", export.stdout);
        export
    });

    let cells = dir.path().join("cells.jsonl");
    let count = cells_of(&exported_path, &cells);
    let plain_path = dir.path().join("plain.xlsx");
    let plain = common::median_of_three("rust_xlsxwriter alone", || {
        let plain = common::run(
            Command::new(std::env::current_exe().unwrap())
                .arg("--xlsxwriter-only")
                .arg(&cells)
                .arg(&plain_path),
        );
        assert!(plain.success, "plain writer failed:\n{}", plain.stderr);
        let writing: f64 = plain.stdout.trim().parse().unwrap();
        Run {
            seconds: writing,
            ..plain
        }
    });
    println!(
        "workbook: {count} cells, {:.1} MB (plain writer {:.1} MB)",
        size_mb(&exported_path),
        size_mb(&plain_path)
    );

    let ratio = export.seconds / plain.seconds;
    println!();
    println!(
        "{:<34} {:>9} {:>10} {:>9}",
        "process", "seconds", "peak MB", "target"
    );
    line("rust_xlsxwriter alone, same cells", &plain, "");
    line(
        "ipdesk export patents",
        &export,
        &format!("≤{:.2} s", 1.5 * plain.seconds),
    );
    println!();
    println!(
        "export / rust_xlsxwriter = {ratio:.2} (target ≤ 1.50); peak {:.0} MB (target ≤ 300)",
        export.peak_mb()
    );
    vec![Row {
        engine: db.engine,
        what: "ipdesk export patents".to_owned(),
        rows,
        seconds: export.seconds,
        throughput: true,
        peak_mb: Some(export.peak_mb()),
        floor: Some(("rust_xlsxwriter writes it".to_owned(), plain.seconds)),
        target: "≤ 1.5×, ≤ 300 MB".to_owned(),
        met: Some(ratio <= 1.5 && export.peak_mb() <= 300.0),
    }]
}

fn size_mb(path: &Path) -> f64 {
    std::fs::metadata(path).unwrap().len() as f64 / 1e6
}

/// Writes the export's cells as JSON lines, a row a line (`null`, text, a number, or
/// `{"d": "yyyy-mm-dd"}`); returns how many cells hold a value.
fn cells_of(workbook: &Path, out: &Path) -> usize {
    let mut book = calamine::open_workbook_auto(workbook).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let mut file = BufWriter::new(std::fs::File::create(out).unwrap());
    let mut count = 0;
    for row in range.rows() {
        let cells: Vec<Value> = row
            .iter()
            .map(|cell| match cell {
                Data::Empty => Value::Null,
                Data::String(s) => json!(s),
                Data::Float(n) => json!(n),
                Data::Int(n) => json!(n),
                Data::DateTime(_) | Data::DateTimeIso(_) => {
                    json!({ "d": cell.as_date().unwrap().to_string() })
                }
                other => json!(other.to_string()),
            })
            .collect();
        count += cells.iter().filter(|c| !c.is_null()).count();
        serde_json::to_writer(&mut file, &cells).unwrap();
        file.write_all(b"\n").unwrap();
    }
    file.flush().unwrap();
    count
}

/// Loads the cells, then writes them with rust_xlsxwriter alone — in constant-memory mode, each
/// data cell bordered and dates formatted as the export does — and
/// prints the seconds that took.
pub fn xlsxwriter_only(cells: &Path, out: &Path) {
    use rust_xlsxwriter::{Format, FormatBorder, Workbook};
    let rows: Vec<Vec<Value>> = BufReader::new(std::fs::File::open(cells).unwrap())
        .lines()
        .map(|line| serde_json::from_str(&line.unwrap()).unwrap())
        .collect();
    let started = Instant::now();
    let mut book = Workbook::new();
    let text = Format::new().set_border(FormatBorder::Thin);
    let number = text.clone().set_num_format("0");
    let date = text.clone().set_num_format("yyyy-mm-dd");
    let sheet = book.add_worksheet_with_constant_memory().unwrap();
    let width = rows.get(2).map_or(0, Vec::len);
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32;
        // The title rows are plain; the header, data and totals rows bordered, blanks too.
        let bordered = r >= 2;
        for c in 0..width.max(row.len()) {
            let cell = row.get(c).unwrap_or(&Value::Null);
            let c = c as u16;
            match cell {
                Value::String(s) if bordered => sheet.write_string_with_format(r, c, s, &text),
                Value::String(s) => sheet.write_string(r, c, s),
                Value::Number(n) => {
                    sheet.write_number_with_format(r, c, n.as_f64().unwrap(), &number)
                }
                Value::Object(day) => {
                    let day =
                        chrono::NaiveDate::parse_from_str(day["d"].as_str().unwrap(), "%Y-%m-%d")
                            .unwrap();
                    sheet.write_date_with_format(r, c, day, &date)
                }
                _ if bordered => sheet.write_blank(r, c, &text),
                _ => continue,
            }
            .unwrap();
        }
    }
    book.save(out).unwrap();
    println!("{}", started.elapsed().as_secs_f64());
}
