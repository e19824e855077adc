//! The command line's help in the user's language: every command's description and every
//! argument's help come from the locale files (`cli.<command path>.about`, `….<argument>`).

use clap::{Arg, ArgAction, Command, CommandFactory};

use crate::i18n::{Lang, t};

use super::{Cli, GLOBAL_OPTIONS_ORDER};

/// The clap command with descriptions, headings and the help flag in `lang`.
pub fn localized_command(lang: Lang) -> Command {
    let usage = t(lang, "cli.usage");
    let template =
        format!("{{about-with-newline}}\n{usage} {{usage}}\n\n{{all-args}}{{after-help}}");
    localize(Cli::command(), "cli.ipdesk", lang, &template)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .global(true)
                .display_order(GLOBAL_OPTIONS_ORDER + 2)
                .help(t(lang, "cli.help_flag"))
                .help_heading(t(lang, "cli.options")),
        )
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .display_order(GLOBAL_OPTIONS_ORDER + 3)
                .help(t(lang, "cli.version_flag"))
                .help_heading(t(lang, "cli.options")),
        )
}

fn localize(command: Command, path: &str, lang: Lang, template: &str) -> Command {
    let options = t(lang, "cli.options");
    let arguments = t(lang, "cli.arguments");
    let mut command = command
        .about(t(lang, &format!("{path}.about")))
        .help_template(template.to_owned())
        .subcommand_help_heading(t(lang, "cli.commands"))
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true);
    let ids: Vec<String> = command
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        let key = format!("{path}.{id}");
        let (opts, args) = (options.clone(), arguments.clone());
        command = command.mut_arg(id, |arg| {
            let heading = if arg.is_positional() { args } else { opts };
            arg.help(t(lang, &key)).help_heading(heading)
        });
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    for name in names {
        let sub_path = format!("{path}.{}", name.replace('-', "_"));
        command = command.mut_subcommand(name, |sub| localize(sub, &sub_path, lang, template));
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::CATALOG;

    /// Every locale key the command line needs, for the completeness test.
    fn required_keys() -> Vec<String> {
        fn walk(command: &Command, path: &str, out: &mut Vec<String>) {
            out.push(format!("{path}.about"));
            for arg in command.get_arguments() {
                out.push(format!("{path}.{}", arg.get_id()));
            }
            for sub in command.get_subcommands() {
                walk(
                    sub,
                    &format!("{path}.{}", sub.get_name().replace('-', "_")),
                    out,
                );
            }
        }
        let mut keys = Vec::new();
        walk(&Cli::command(), "cli.ipdesk", &mut keys);
        keys
    }

    /// Keys missing from a language, for the completeness test.
    fn missing_keys(lang: Lang) -> Vec<String> {
        required_keys()
            .into_iter()
            .filter(|key| CATALOG.get(lang, key).is_none())
            .collect()
    }

    #[test]
    fn every_command_and_argument_has_help_in_both_languages() {
        for lang in Lang::ALL {
            assert_eq!(missing_keys(lang), Vec::<String>::new(), "{lang}");
        }
    }

    #[test]
    fn the_localized_command_is_consistent() {
        for lang in Lang::ALL {
            localized_command(lang).debug_assert();
        }
    }

    #[test]
    fn a_command_s_help_lists_its_own_options_before_those_every_command_takes() {
        let mut command = localized_command(Lang::En);
        // Building hands the global options down to every subcommand, as a run does.
        command.build();
        let Some(list) = command
            .find_subcommand("patents")
            .and_then(|patents| patents.find_subcommand("list"))
        else {
            panic!("no `patents list` command");
        };
        let help = list.clone().render_help().to_string();
        let at = |flag: &str| {
            help.find(&format!("  {flag} "))
                .unwrap_or_else(|| panic!("{flag} missing from:\n{help}"))
        };
        let (own_first, own_last) = (at("--type"), at("--json"));
        assert!(own_first < own_last, "{help}");
        for global in ["--database-url", "--lang", "-h, --help"] {
            assert!(
                at(global) > own_last,
                "{global} among the own options:\n{help}"
            );
        }
    }

    #[test]
    fn help_lists_every_command_in_chinese() {
        let help = localized_command(Lang::ZhCn).render_long_help().to_string();
        for command in [
            "serve",
            "migrate",
            "jurisdiction",
            "settings",
            "township",
            "agency",
            "backup",
        ] {
            assert!(
                help.contains(command),
                "{command} missing from help:\n{help}"
            );
        }
        assert!(help.contains(&t(Lang::ZhCn, "cli.ipdesk.serve.about")));
    }
}
