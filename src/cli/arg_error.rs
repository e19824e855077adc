//! Mistakes on the command line said in the user's language. clap words its errors in English
//! only, so a Chinese officer's first mistyped flag met "error: unexpected argument"; here the
//! mistake is one sentence from the locale files, followed by the command's usage and where its
//! help is. Help and version requests, and kinds not named here, keep clap's own text.

use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::i18n::{Lang, Msg, t};

/// What to print on stderr for a command line clap refused; `None` when clap's own output is
/// the answer (help, the version, a kind not named here).
pub fn render(error: &clap::Error, lang: Lang, args: &[String]) -> Option<String> {
    let (path, command) = command_path(args, lang);
    let sentence = sentence(error, &command, &path)?;
    let mut text = format!(
        "{}{}\n\n",
        t(lang, "cli.error_prefix"),
        sentence.render(lang)
    );
    if usage(error).is_some() {
        text.push_str(&format!(
            "{} {}\n\n",
            t(lang, "cli.usage"),
            usage_of(command, &path)
        ));
    }
    let more = Msg::new("cli.args.more").arg("command", path);
    text.push_str(&more.render(lang));
    text.push('\n');
    Some(text)
}

/// The (sub)command the arguments name, and its path: "ipdesk token revoke" for
/// `ipdesk token revoke abc`.
fn command_path(args: &[String], lang: Lang) -> (String, clap::Command) {
    let mut command = super::help::localized_command(lang);
    let mut path = vec![String::from("ipdesk")];
    let mut args = args.iter().skip(1);
    while let Some(arg) = args.next() {
        if let Some(sub) = command.find_subcommand(arg) {
            path.push(arg.clone());
            command = sub.clone();
        } else if arg.starts_with('-') {
            if takes_value(&command, arg) {
                args.next();
            }
        } else {
            break;
        }
    }
    (path.join(" "), command)
}

/// The command's usage as its help shows it. clap's error names the arguments it was given
/// instead, the environment's among them: with DATABASE_URL set, every mistake's usage line read
/// as if `--database-url <URL>` had been typed.
fn usage_of(command: clap::Command, path: &str) -> String {
    let usage = command.bin_name(path.to_owned()).render_usage().to_string();
    let usage = usage.trim();
    // clap titles the usage in English; the title is put back in the user's language.
    usage
        .split_once(':')
        .map_or(usage, |(_, rest)| rest)
        .trim()
        .to_owned()
}

/// Whether `--flag` (or `-f`) is followed by its value as the next argument.
fn takes_value(command: &clap::Command, flag: &str) -> bool {
    if flag.contains('=') {
        return false;
    }
    command.get_arguments().any(|arg| {
        let named = match flag.strip_prefix("--") {
            Some(long) => arg.get_long() == Some(long),
            None => flag.strip_prefix('-').and_then(|s| s.chars().next()) == arg.get_short(),
        };
        named && arg.get_action().takes_values()
    })
}

/// The mistake in one sentence, when it is one of the kinds a person makes by hand; `command` is
/// the (sub)command the arguments reached, `path` how it was called.
fn sentence(error: &clap::Error, command: &clap::Command, path: &str) -> Option<Msg> {
    let arg = || text(error, ContextKind::InvalidArg);
    let value = || text(error, ContextKind::InvalidValue);
    let msg = match error.kind() {
        ErrorKind::UnknownArgument => unknown_argument(
            &arg()?,
            text(error, ContextKind::SuggestedArg),
            command,
            path,
        ),
        ErrorKind::InvalidValue if value().is_some_and(|v| v.is_empty()) => {
            Msg::new("cli.args.no_value").arg("arg", arg()?)
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => Msg::new("cli.args.invalid")
            .arg("arg", arg()?)
            .arg("value", value()?),
        ErrorKind::MissingRequiredArgument => {
            Msg::new("cli.args.missing").list_arg("args", list(error, ContextKind::InvalidArg)?)
        }
        ErrorKind::ArgumentConflict => Msg::new("cli.args.conflict")
            .arg("arg", arg()?)
            .choices_arg("other", list(error, ContextKind::PriorArg)?),
        ErrorKind::InvalidSubcommand => unknown_command(
            &text(error, ContextKind::InvalidSubcommand)?,
            text(error, ContextKind::SuggestedSubcommand),
            command,
        ),
        ErrorKind::MissingSubcommand => Msg::new("cli.args.missing_command")
            .choices_arg("commands", list(error, ContextKind::ValidSubcommand)?),
        _ => return None,
    };
    Some(msg)
}

/// A negative number where a flag was expected is a value ("--value -5"): every count and
/// amount on this command line is zero or more. A word without a dash is one too many ("ytd 2026"
/// where the year is --year), not a misspelt flag. A flag of one of the command's own commands
/// was given before naming it (`ipdesk report --year 2026`): the sentence names the commands.
fn unknown_argument(
    arg: &str,
    suggested: Option<String>,
    command: &clap::Command,
    path: &str,
) -> Msg {
    if !arg.starts_with('-') {
        return Msg::new("cli.args.unexpected").arg("arg", arg);
    }
    if arg.parse::<f64>().is_ok() {
        return Msg::new("cli.args.negative").arg("value", arg);
    }
    let owners = commands_taking(command, arg);
    match suggested {
        Some(flag) => Msg::new("cli.args.unknown_did_you_mean")
            .arg("arg", arg)
            .arg("suggested", flag),
        None if !owners.is_empty() => Msg::new("cli.args.belongs_to_command")
            .arg("arg", arg)
            .choices_arg(
                "commands",
                owners.iter().map(|name| format!("{path} {name}")),
            ),
        None => Msg::new("cli.args.unknown").arg("arg", arg),
    }
}

/// The names of `command`'s own commands that take `--flag` (clap names it without its value).
fn commands_taking(command: &clap::Command, arg: &str) -> Vec<String> {
    let Some(long) = arg.strip_prefix("--") else {
        return Vec::new();
    };
    command
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set())
        .filter(|sub| sub.get_arguments().any(|a| a.get_long() == Some(long)))
        .map(|sub| sub.get_name().to_owned())
        .collect()
}

/// A command name that is none of `command`'s: the one it was likely meant to be, or else the
/// ones there are, so the user need not run `--help` to find them.
fn unknown_command(name: &str, suggested: Option<String>, command: &clap::Command) -> Msg {
    match suggested {
        Some(suggested) => Msg::new("cli.args.unknown_command_did_you_mean")
            .arg("command", name)
            .arg("suggested", suggested),
        None => Msg::new("cli.args.unknown_command")
            .arg("command", name)
            .choices_arg(
                "commands",
                command
                    .get_subcommands()
                    .filter(|sub| !sub.is_hide_set())
                    .map(|sub| sub.get_name().to_owned()),
            ),
    }
}

fn usage(error: &clap::Error) -> Option<String> {
    let ContextValue::StyledStr(usage) = error.get(ContextKind::Usage)? else {
        return None;
    };
    let usage = usage.to_string();
    let usage = usage.trim();
    // clap titles the usage in English; the title is put back in the user's language.
    let usage = usage.split_once(':').map_or(usage, |(_, rest)| rest).trim();
    (!usage.is_empty()).then(|| usage.to_owned())
}

fn text(error: &clap::Error, kind: ContextKind) -> Option<String> {
    match error.get(kind)? {
        ContextValue::String(text) => Some(text.clone()),
        ContextValue::Strings(texts) => texts.first().cloned(),
        ContextValue::StyledStr(text) => Some(text.to_string()),
        _ => None,
    }
}

fn list(error: &clap::Error, kind: ContextKind) -> Option<Vec<String>> {
    match error.get(kind)? {
        ContextValue::Strings(texts) => Some(texts.clone()),
        ContextValue::String(text) => Some(vec![text.clone()]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(args: &[&str], lang: Lang) -> String {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        match super::super::help::localized_command(lang).try_get_matches_from(&args) {
            Ok(_) => String::from("accepted"),
            Err(error) => render(&error, lang, &args).unwrap_or_else(|| error.render().to_string()),
        }
    }

    #[test]
    fn mistakes_are_said_in_the_user_s_language() {
        // (arguments, what the Chinese text says)
        let cases: [(&[&str], &str); 14] = [
            (
                &[
                    "ipdesk", "target", "set", "--year", "2026", "--metric", "grants", "--value",
                    "-5",
                ],
                "错误：不能填负数“-5”。",
            ),
            (
                &["ipdesk", "token", "revoke", "abc"],
                "错误：<ID> 的值“abc”不对。",
            ),
            (
                &["ipdesk", "audit", "--limt", "5"],
                "错误：不认识参数“--limt”，是不是“--limit”？",
            ),
            (
                &["ipdesk", "target", "set"],
                "错误：缺少 --year <YEAR>、--metric <METRIC>",
            ),
            (
                &[
                    "ipdesk",
                    "export",
                    "grants",
                    "-o",
                    "g.xlsx",
                    "--year",
                    "2026",
                    "--from",
                    "2026-01-01",
                ],
                "错误：--year <YEAR> 不能与 --from <FROM> 同时使用。",
            ),
            (
                &["ipdesk", "audit", "--limit"],
                "错误：--limit <LIMIT> 后面缺少值。",
            ),
            (
                &["ipdesk", "lunch"],
                "错误：没有“lunch”这个命令，可选：serve、migrate、",
            ),
            (
                &["ipdesk", "visits", "follow-ups"],
                "错误：没有“follow-ups”这个命令，可选：list、show、due、add、edit、archive、restore。",
            ),
            (
                &["ipdesk", "patents", "lsit"],
                "错误：没有“lsit”这个命令，是不是“list”？",
            ),
            (
                &["ipdesk", "report", "ytd", "2026"],
                "错误：多余的参数“2026”。",
            ),
            (
                &["ipdesk", "patents", "show", "1", "extra"],
                "错误：多余的参数“extra”。",
            ),
            (
                &["ipdesk", "report", "--year", "2026"],
                "错误：这里不认识参数“--year”，它是 ipdesk report ytd、ipdesk report summary 的参数：请先写出命令名。",
            ),
            (
                &["ipdesk", "report", "--as-of=2026-06-30"],
                "错误：这里不认识参数“--as-of”，它是 ipdesk report ytd 的参数：请先写出命令名。",
            ),
            // With no flag at all clap shows the help instead; DATABASE_URL in the
            // environment counts as a flag given.
            (
                &["ipdesk", "report", "--lang", "zh-CN"],
                "错误：缺少子命令，可选：ytd、summary。",
            ),
        ];
        for (args, expected) in cases {
            let text = refused(args, Lang::ZhCn);
            assert!(text.starts_with(expected), "{args:?}:\n{text}");
            assert!(text.contains("--help 查看说明。"), "{args:?}:\n{text}");
        }
        let text = refused(&["ipdesk", "target", "set"], Lang::ZhCn);
        assert!(text.contains("\n用法： ipdesk target set "), "{text}");
        assert!(
            text.contains("运行 ipdesk target set --help 查看说明。"),
            "{text}"
        );
        let text = refused(
            &["ipdesk", "--lang", "zh", "token", "revoke", "abc"],
            Lang::ZhCn,
        );
        assert!(
            text.contains("运行 ipdesk token revoke --help 查看说明。"),
            "{text}"
        );
        let english = refused(&["ipdesk", "report", "--as-of", "2026-06-30"], Lang::En);
        assert!(
            english.starts_with(
                "Error: --as-of is not an option here; it is an option of ipdesk report ytd: \
                 name the command first."
            ),
            "{english}"
        );
        let english = refused(&["ipdesk", "token", "revoke", "abc"], Lang::En);
        assert!(
            english.starts_with("Error: The value \"abc\" of <ID> is not valid."),
            "{english}"
        );
    }

    #[test]
    fn the_command_is_read_off_the_arguments() {
        let cases: [(&[&str], &str); 4] = [
            (&["ipdesk", "target", "set", "--year"], "ipdesk target set"),
            (&["ipdesk", "lunch"], "ipdesk"),
            (&["ipdesk", "import", "undo", "x"], "ipdesk import undo"),
            (
                &["ipdesk", "import", "a.xlsx", "--sheet", "undo"],
                "ipdesk import",
            ),
        ];
        for (args, command) in cases {
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            assert_eq!(command_path(&args, Lang::En).0, command, "{args:?}");
        }
    }
}
