//! What the benchmarks share: running a process to its end while sampling the memory of its
//! process tree, and printing a line of figures.

// Each benchmark is its own crate and uses part of this.
#![allow(dead_code)]

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Run {
    pub success: bool,
    pub seconds: f64,
    /// The sum over the process tree of each process's high-water resident size (the kernel's
    /// VmHWM, sampled until it exits): an upper bound of the tree's peak.
    pub peak_kb: u64,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn peak_mb(&self) -> f64 {
        self.peak_kb as f64 / 1024.0
    }
}

pub fn line(what: &str, run: &Run, target: &str) {
    println!(
        "{what:<34} {:>9.2} {:>10.0} {target:>9}",
        run.seconds,
        run.peak_mb()
    );
}

/// Runs a process three times: the median time, the highest peak.
pub fn median_of_three(what: &str, mut once: impl FnMut() -> Run) -> Run {
    median(what, vec![once(), once(), once()])
}

/// The median time of `runs` (each printed, after `what`), with the highest peak of them.
pub fn median(what: &str, mut runs: Vec<Run>) -> Run {
    let times: Vec<String> = runs.iter().map(|r| format!("{:.2} s", r.seconds)).collect();
    println!("  {what}: {}", times.join(", "));
    let peak = runs.iter().map(|r| r.peak_kb).max().unwrap_or(0);
    runs.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    let middle = runs.swap_remove(runs.len() / 2);
    Run {
        peak_kb: peak,
        ..middle
    }
}

/// Runs a command to its end, sampling the memory of its process tree every few milliseconds.
pub fn run(command: &mut Command) -> Run {
    let started = Instant::now();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).unwrap();
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut text).unwrap();
        text
    });
    let mut high_water: HashMap<u32, u64> = HashMap::new();
    let status = loop {
        sample_tree(pid, &mut high_water);
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    Run {
        success: status.success(),
        seconds: started.elapsed().as_secs_f64(),
        peak_kb: high_water.values().sum(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// Records the high-water resident size of a process and all its descendants, from /proc.
fn sample_tree(pid: u32, high_water: &mut HashMap<u32, u64>) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    let seen = high_water.entry(pid).or_default();
    *seen = (*seen).max(hwm);
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    for child in children.split_whitespace().filter_map(|c| c.parse().ok()) {
        sample_tree(child, high_water);
    }
}

/// Prints whether the targets were met, and fails the run when not.
pub fn verdict(ok: bool) {
    println!();
    println!(
        "{}",
        if ok {
            "all targets met"
        } else {
            "TARGETS MISSED"
        }
    );
    if !ok {
        std::process::exit(1);
    }
}

/// `ipdesk` over the database at `url`, speaking `lang`, quiet.
pub fn ipdesk(url: &str, lang: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ipdesk"));
    command
        .env("DATABASE_URL", url)
        .env("IPDESK_LANG", lang)
        .env("RUST_LOG", "error");
    command
}

/// A database engine the benchmarks run on.
#[derive(Clone, Debug)]
pub enum Engine {
    Sqlite,
    /// The server's administrative URL; each benchmark makes its own database there.
    Postgres(String),
}

impl Engine {
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres(_) => "PostgreSQL",
        }
    }
}

/// SQLite, and PostgreSQL when IPDESK_BENCH_DATABASE_URL names a server.
pub fn engines() -> Vec<Engine> {
    let mut engines = vec![Engine::Sqlite];
    if let Ok(url) = std::env::var("IPDESK_BENCH_DATABASE_URL")
        && !url.is_empty()
    {
        engines.push(Engine::Postgres(url));
    }
    engines
}

/// A fresh, empty database for one benchmark, removed afterwards.
pub struct Db {
    pub url: String,
    pub engine: &'static str,
    /// SQLite's database file.
    pub sqlite_file: Option<std::path::PathBuf>,
    postgres: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl Db {
    pub fn fresh(engine: &Engine) -> Db {
        use std::sync::atomic::{AtomicU32, Ordering};
        static MADE: AtomicU32 = AtomicU32::new(0);
        let dir = tempfile::tempdir().unwrap();
        let (url, postgres, sqlite_file) = match engine {
            Engine::Sqlite => {
                let file = dir.path().join("data/ipdesk.sqlite");
                (
                    format!("sqlite://{}?mode=rwc", file.display()),
                    None,
                    Some(file),
                )
            }
            Engine::Postgres(admin) => {
                let name = format!(
                    "ipdesk_bench_{}_{}",
                    std::process::id(),
                    MADE.fetch_add(1, Ordering::Relaxed)
                );
                postgres_admin(admin, &format!("CREATE DATABASE {name}"));
                // The server's URL with this database's name, its options (sslmode…) kept.
                let (path, options) = admin.split_once('?').unwrap_or((admin, ""));
                let base = path.rsplit_once('/').map_or(path, |(base, _)| base);
                let url = if options.is_empty() {
                    format!("{base}/{name}")
                } else {
                    format!("{base}/{name}?{options}")
                };
                (url, Some((admin.clone(), name)), None)
            }
        };
        // Made as an officer makes a desk, so that the benchmarks' first commands find it.
        let migrated = run(ipdesk(&url, "en").arg("migrate"));
        assert!(migrated.success, "migrate failed:\n{}", migrated.stderr);
        Db {
            url,
            engine: engine.name(),
            sqlite_file,
            postgres,
            _dir: dir,
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.postgres {
            postgres_admin(
                admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
}

fn postgres_admin(admin: &str, sql: &str) {
    use sea_orm::ConnectionTrait;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = sea_orm::Database::connect(ipdesk::db::pool_options(admin))
            .await
            .unwrap();
        server.execute_unprepared(sql).await.unwrap();
        let _ = server.close().await;
    });
}

/// One line of the final table.
pub struct Row {
    pub engine: &'static str,
    pub what: String,
    pub rows: u64,
    pub seconds: f64,
    /// Rows per second makes sense for work over rows (seed, import, export), not for a query.
    pub throughput: bool,
    pub peak_mb: Option<f64>,
    /// What the time is compared with, and its time.
    pub floor: Option<(String, f64)>,
    pub target: String,
    /// Whether the target was met; `None` for a floor, which has no target of its own.
    pub met: Option<bool>,
}

impl Row {
    fn verdict(&self) -> &'static str {
        match self.met {
            None => "—",
            Some(true) => "met",
            Some(false) => "MISSED",
        }
    }

    pub fn ratio(&self) -> Option<f64> {
        self.floor.as_ref().map(|(_, floor)| self.seconds / floor)
    }
}

/// "12.8 ms" or "4.39 s".
fn time(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{:.1} ms", seconds * 1000.0)
    } else {
        format!("{seconds:.2} s")
    }
}

/// `text` and spaces to fill `width` columns of a terminal (a Chinese character takes two).
fn padded(text: &str, width: usize) -> String {
    let used = unicode_width::UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

/// Prints the table every benchmark added a row to.
pub fn print_table(rows: &[Row]) {
    println!();
    println!(
        "{:<10} {:<36} {:>8} {:>10} {:>9} {:>7}  {:<36} {:>6}  {:<14} verdict",
        "engine", "what", "rows", "time", "rows/s", "peak MB", "floor", "ratio", "target"
    );
    for row in rows {
        let floor = row
            .floor
            .as_ref()
            .map_or("—".to_owned(), |(what, s)| format!("{what} {}", time(*s)));
        println!(
            "{:<10} {} {:>8} {:>10} {:>9} {:>7}  {:<36} {:>6}  {:<14} {}",
            row.engine,
            padded(&row.what, 36),
            row.rows,
            time(row.seconds),
            if row.throughput {
                format!("{:.0}", row.rows as f64 / row.seconds)
            } else {
                "—".to_owned()
            },
            row.peak_mb.map_or("—".to_owned(), |mb| format!("{mb:.0}")),
            floor,
            row.ratio().map_or("—".to_owned(), |r| format!("{r:.2}")),
            row.target,
            row.verdict()
        );
    }
}
