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
