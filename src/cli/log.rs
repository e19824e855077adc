//! The command line's log. `ipdesk serve` logs to stderr as a service does. The other commands
//! answer a failure with one sentence in the reader's language; the log line behind it (the
//! system's own words, for whoever looks after the machine) is held back and printed under that
//! sentence as its detail, not before it, where it buried the sentence.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use tracing::Level;
use tracing_subscriber::filter::{EnvFilter, LevelFilter, filter_fn};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;

use crate::i18n::{Lang, Msg};

/// The default filter when RUST_LOG is not set.
const DEFAULT_FILTER: &str = "warn,rocket=error,ipdesk=info";

/// Warning and error lines held back until the command's answer is printed.
#[derive(Clone, Default)]
pub struct Held(Arc<Mutex<Vec<u8>>>);

impl Held {
    /// The held lines, emptied.
    fn take(&self) -> String {
        let mut bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&std::mem::take(&mut *bytes)).into_owned()
    }

    /// Prints the held lines to stderr, each as a detail of what was printed before them.
    pub fn print(&self, lang: Lang) {
        let text = self.take();
        let mut err = std::io::stderr().lock();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let detail = Msg::new("cli.detail")
                .arg("detail", line.trim())
                .render(lang);
            let _ = writeln!(err, "  {detail}");
        }
    }
}

impl Write for Held {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Held {
    type Writer = Held;

    fn make_writer(&'a self) -> Held {
        self.clone()
    }
}

/// Logs to stderr; with `held`, warnings and errors go to it instead (without time or level: they
/// are printed as the detail of the sentence that says what failed, after it).
pub fn init(held: Option<Held>) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let result = match held {
        None => tracing_subscriber::registry()
            .with(filter)
            .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
            .try_init(),
        Some(held) => {
            let others = tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(filter_fn(|meta| *meta.level() > Level::WARN));
            let problems = tracing_subscriber::fmt::layer()
                .with_writer(held)
                .with_ansi(false)
                .without_time()
                .with_level(false)
                .with_target(false)
                .with_filter(LevelFilter::WARN);
            tracing_subscriber::registry()
                .with(filter)
                .with(others)
                .with(problems)
                .try_init()
        }
    };
    // A second initialisation (tests that run several commands in one process) keeps the first.
    let _ = result;
}
