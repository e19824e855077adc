//! The command line's log. `ipdesk serve` logs to stderr as a service does. The other commands
//! answer a failure with one sentence in the reader's language; the log line behind it (the
//! system's own words, for whoever looks after the machine) is held back and printed under that
//! sentence as its detail, not before it, where it buried the sentence.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{EnvFilter, LevelFilter, filter_fn};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer};
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

/// Rocket's words about a request the client got wrong. Rocket logs a request no route matches
/// ("No matching routes for GET /favicon.ico.") as an error, and the code it generates for each
/// handler warns of every guard that refused one ("Request guard `Viewer` failed: ()." for an API
/// call without a token). Each is answered with its page or JSON error; a mistyped link or a
/// scanner's probe is not the server's fault, and a log full of such lines hides the server's own
/// errors. With the default filter they are left out; a RUST_LOG set by hand shows them.
struct ClientMistakes;

const UNMATCHED: &str = "No matching routes for ";

impl<S: Subscriber> Layer<S> for ClientMistakes {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        // Rocket logs through the `log` crate: its lines arrive under the target "log", with
        // their own target in a field. ipdesk's own lines are let through unread.
        let target = event.metadata().target();
        if target != "log" && !target.starts_with("rocket::") {
            return true;
        }
        let mut line = Line::default();
        event.record(&mut line);
        let target = line.log_target.as_deref().unwrap_or(target);
        let unmatched = target.starts_with("rocket::") && line.message.starts_with(UNMATCHED);
        // Rocket's generated code logs under its handler's module, with Rocket's "::_" mark.
        let refused = target.starts_with("ipdesk::") && target.ends_with("::_");
        !(unmatched || refused)
    }
}

/// An event's message, as it would be printed, and the target of a line of the `log` crate.
#[derive(Default)]
struct Line {
    message: String,
    log_target: Option<String>,
}

impl Visit for Line {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "log.target" => self.log_target = Some(value.to_owned()),
            _ => self.record_debug(field, &value),
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
}

/// Logs to stderr; with `held`, warnings and errors go to it instead (without time or level: they
/// are printed as the detail of the sentence that says what failed, after it).
pub fn init(held: Option<Held>) {
    let asked = EnvFilter::try_from_default_env().ok();
    let mistakes = asked.is_none().then_some(ClientMistakes);
    let filter = asked.unwrap_or_else(|| EnvFilter::new(DEFAULT_FILTER));
    let result = match held {
        None => tracing_subscriber::registry()
            .with(filter)
            .with(mistakes)
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
                .with(mistakes)
                .with(others)
                .with(problems)
                .try_init()
        }
    };
    // A second initialisation (tests that run several commands in one process) keeps the first.
    let _ = result;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a subscriber with the filter prints of each line logged, as Rocket logs, under
    /// `target`.
    fn printed(target: &str, lines: &[&str]) -> String {
        let held = Held::default();
        let subscriber = tracing_subscriber::registry().with(ClientMistakes).with(
            tracing_subscriber::fmt::layer()
                .with_writer(held.clone())
                .with_ansi(false)
                .without_time(),
        );
        tracing::subscriber::with_default(subscriber, || {
            for line in lines {
                tracing_log::format_trace(
                    &log::Record::builder()
                        .level(log::Level::Error)
                        .target(target)
                        .args(format_args!("{line}"))
                        .build(),
                )
                .unwrap();
            }
        });
        held.take()
    }

    #[test]
    fn only_rockets_words_about_client_mistakes_are_left_out() {
        let lines = [
            "No matching routes for GET /favicon.ico.",
            "Handler export panicked.",
            "Catcher failed. Attempting 500 error catcher.",
        ];
        let rockets = printed("rocket::server::_", &lines);
        assert!(!rockets.contains("favicon"), "{rockets}");
        assert!(rockets.contains("Handler export panicked."), "{rockets}");
        assert!(rockets.contains("Catcher failed."), "{rockets}");
        // The same words from ipdesk's own code are not Rocket's routing.
        let ours = printed("ipdesk::web", &lines);
        assert!(ours.contains("favicon"), "{ours}");
        // A guard's refusal, logged by the code Rocket generates inside a handler's module.
        let guard = ["Request guard `Viewer` failed: ()."];
        assert_eq!(printed("ipdesk::settings::api::_", &guard), "");
        assert!(printed("ipdesk::settings::api", &guard).contains("Viewer"));
    }
}
