//! Every visible string comes from the locale files beside this module (`zh-CN.toml`, `en.toml`).
//! Rust code and templates name a key; the request's language picks the text.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// A language the UI speaks. Simplified Chinese is the default.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// The BCP 47 tag used in cookies, `lang` attributes and `--lang`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Accepts `zh-CN`, `zh`, `zh_CN.UTF-8`, `en`, `en-US` … in any case.
    pub fn parse(raw: &str) -> Option<Lang> {
        let lower = raw.trim().to_ascii_lowercase();
        let primary = lower
            .split(['-', '_', '.', ';', ','])
            .next()
            .unwrap_or_default();
        match primary {
            "zh" => Some(Lang::ZhCn),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// The flattened message tables of both languages, keyed `section.name`.
pub struct Catalog {
    tables: BTreeMap<Lang, BTreeMap<String, String>>,
    /// Where each key stands in the Chinese file. A register's `field` section lists its fields
    /// in the order its form shows them, so a record's history can read in that order too.
    order: HashMap<String, usize>,
}

impl Catalog {
    fn load() -> Catalog {
        let sources = [
            (Lang::ZhCn, include_str!("zh-CN.toml")),
            (Lang::En, include_str!("en.toml")),
        ];
        let mut order = HashMap::new();
        let tables = sources
            .into_iter()
            .map(|(lang, source)| {
                let keys = flatten_source(lang, source);
                if lang == Lang::default() {
                    order = keys
                        .iter()
                        .enumerate()
                        .map(|(i, (key, _))| (key.clone(), i))
                        .collect();
                }
                (lang, keys.into_iter().collect())
            })
            .collect();
        Catalog { tables, order }
    }

    /// Where `key` stands among the keys, in the order the Chinese file lists them.
    pub fn position(&self, key: &str) -> Option<usize> {
        self.order.get(key).copied()
    }

    /// The text for `key`, or `None` when the locale lacks it.
    pub fn get(&self, lang: Lang, key: &str) -> Option<&str> {
        self.tables.get(&lang)?.get(key).map(String::as_str)
    }

    /// Every key of one language, for the completeness test.
    pub fn keys(&self, lang: Lang) -> impl Iterator<Item = &str> {
        self.tables
            .get(&lang)
            .into_iter()
            .flat_map(|table| table.keys().map(String::as_str))
    }
}

/// The keys of one locale file and their texts, in the order the file lists them.
fn flatten_source(lang: Lang, source: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    match source.parse::<toml::Table>() {
        Ok(table) => flatten("", &table, &mut out),
        // A broken locale file is a build defect; the locale test fails on it. Serving keys
        // instead of text keeps the application usable meanwhile.
        Err(error) => tracing::error!(%lang, %error, "locale file does not parse"),
    }
    out
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut Vec<(String, String)>) {
    for (name, value) in table {
        let key = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match value {
            toml::Value::Table(inner) => flatten(&key, inner, out),
            toml::Value::String(text) => out.push((key, text.clone())),
            other => out.push((key, other.to_string())),
        }
    }
}

/// The catalog, parsed once from the embedded locale files.
pub static CATALOG: LazyLock<Catalog> = LazyLock::new(Catalog::load);

/// The text of `key` in `lang`; the key itself when missing (and a warning in the log), so a gap
/// shows up on screen instead of an empty space.
pub fn t(lang: Lang, key: &str) -> String {
    match CATALOG.get(lang, key) {
        Some(text) => text.to_owned(),
        None => {
            tracing::warn!(%lang, key, "missing translation");
            key.to_owned()
        }
    }
}

/// Replaces `{name}` placeholders with the given values, in one pass (a value that holds braces
/// stays as it is). `{name|one|other}` is English's plural: `one` when the value of `name` is 1,
/// else `other` ("{days} {days|day|days} left"); Chinese needs none. A placeholder without a
/// value is left as written.
pub fn interpolate(template: &str, args: &[(String, String)]) -> String {
    let mut text = String::with_capacity(template.len());
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        text.push_str(before);
        let Some((inside, after)) = after.split_once('}') else {
            rest = &rest[before.len()..];
            break;
        };
        match placeholder(inside, args) {
            Some(value) => text.push_str(value),
            None => {
                text.push('{');
                text.push_str(inside);
                text.push('}');
            }
        }
        rest = after;
    }
    text.push_str(rest);
    text
}

/// The text for what stands between the braces: a value, or one of a plural's two forms.
fn placeholder<'a>(inside: &'a str, args: &'a [(String, String)]) -> Option<&'a str> {
    let value = |name: &str| {
        args.iter()
            .find(|(arg, _)| arg == name)
            .map(|(_, value)| value.as_str())
    };
    match inside.split('|').collect::<Vec<_>>()[..] {
        [name] => value(name),
        [name, one, other] => Some(if value(name)?.trim() == "1" {
            one
        } else {
            other
        }),
        _ => None,
    }
}

/// A message to show a person: a locale key and its placeholder values, rendered in whichever
/// language the reader uses. Services return these so that one rule speaks every language.
///
/// Serialized, it is its key and arguments (as kept in the database and given to templates),
/// except inside an answer written by [`answer_json`]: there it is its key and its text in the
/// answer's language, for the API's client or the CLI's reader, who cannot render a key.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Msg {
    pub key: String,
    #[serde(default)]
    pub args: Vec<(String, String)>,
}

impl Msg {
    pub fn new(key: impl Into<String>) -> Msg {
        Msg {
            key: key.into(),
            args: Vec::new(),
        }
    }

    /// Adds a `{name}` placeholder value.
    pub fn arg(mut self, name: &str, value: impl ToString) -> Msg {
        self.args.push((name.to_owned(), value.to_string()));
        self
    }

    /// Adds a placeholder for a count, written as the language writes figures (see [`figure`]).
    pub fn count(self, name: &str, n: impl TryInto<i128>) -> Msg {
        // Every integer type a count is kept in fits in an i128.
        let n: i128 = n.try_into().unwrap_or_default();
        self.amount(name, &n.to_string())
    }

    /// Adds a placeholder for an amount written out ("24000.50"), written as the language
    /// writes figures (see [`figure`]).
    pub fn amount(self, name: &str, text: &str) -> Msg {
        self.arg(name, format!("{FIGURE_MARK}{text}"))
    }

    /// Adds a placeholder for a list of things that all hold, joined when rendered as the
    /// language writes such a list (“2026、2027” in Chinese, “2026 and 2027” in English).
    pub fn list_arg(self, name: &str, items: impl IntoIterator<Item = impl ToString>) -> Msg {
        self.arg(name, list_text(items))
    }

    /// Adds a placeholder for the choices one of which is meant (“a、b、c” in Chinese, “a, b or
    /// c” in English).
    pub fn choices_arg(self, name: &str, items: impl IntoIterator<Item = impl ToString>) -> Msg {
        self.arg(name, marked_list(CHOICES_MARK, items))
    }

    /// The message in `lang`, with arguments that are themselves keys (prefixed `@`) translated
    /// and lists joined.
    pub fn render(&self, lang: Lang) -> String {
        let args: Vec<(String, String)> = self
            .args
            .iter()
            .map(|(name, value)| (name.clone(), render_arg(value, lang)))
            .collect();
        interpolate(&t(lang, &self.key), &args)
    }
}

impl Serialize for Msg {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut msg = serializer.serialize_struct("Msg", 2)?;
        msg.serialize_field("key", &self.key)?;
        match ANSWER_LANG.with(std::cell::Cell::get) {
            Some(lang) => msg.serialize_field("message", &self.render(lang))?,
            None if self.args.is_empty() => msg.skip_field("args")?,
            None => msg.serialize_field("args", &self.args)?,
        }
        msg.end()
    }
}

thread_local! {
    /// The language of the answer [`answer_json`] is writing on this thread, if any.
    static ANSWER_LANG: std::cell::Cell<Option<Lang>> = const { std::cell::Cell::new(None) };
}

/// `value` as the JSON of an answer in `lang` (pretty-printed when asked): every message in it
/// carries its text, not its arguments, which hold the catalogue's own marks.
pub fn answer_json<T: Serialize>(
    value: &T,
    lang: Lang,
    pretty: bool,
) -> serde_json::Result<String> {
    /// Puts back the language of any answer being written around this one, even on an error.
    struct Restore(Option<Lang>);
    impl Drop for Restore {
        fn drop(&mut self) {
            ANSWER_LANG.with(|answer| answer.set(self.0));
        }
    }
    let _restore = Restore(ANSWER_LANG.with(|answer| answer.replace(Some(lang))));
    if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    }
}

/// Marks a list argument (all of its items, or one of them) and separates its items, and marks
/// a figure: control characters no text of a message holds.
const LIST_MARK: char = '\u{1e}';
const CHOICES_MARK: char = '\u{1c}';
const LIST_ITEM: char = '\u{1f}';
const FIGURE_MARK: char = '\u{1d}';

fn marked_list(mark: char, items: impl IntoIterator<Item = impl ToString>) -> String {
    let items: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    format!("{mark}{}", items.join(&LIST_ITEM.to_string()))
}

/// The items of a marked list as `lang` writes them: separated, and the last one set off by the
/// word the list needs (English “and” or “or”; Chinese uses its enumeration comma throughout).
fn join_list(items: &str, last: &str, lang: Lang) -> String {
    let items: Vec<String> = items.split(LIST_ITEM).map(|i| key_item(i, lang)).collect();
    match items.split_last() {
        Some((final_item, rest)) if !rest.is_empty() => format!(
            "{}{}{final_item}",
            rest.join(&t(lang, "common.list_separator")),
            t(lang, last)
        ),
        _ => items.concat(),
    }
}

/// A value that is a locale key (prefixed `@`) in `lang`, any other as it is: an argument or a
/// list's item.
fn key_item(item: &str, lang: Lang) -> String {
    match item.strip_prefix('@') {
        Some(key) if CATALOG.get(lang, key).is_some() => t(lang, key),
        _ => item.to_owned(),
    }
}

/// A list as a message's argument holds it (see [`Msg::list_arg`]), where the text is kept
/// before it is a message's: its items joined as the reader's language joins them, an item
/// that is a locale key (prefixed `@`) in that language.
pub fn list_text(items: impl IntoIterator<Item = impl ToString>) -> String {
    marked_list(LIST_MARK, items)
}

/// A whole number as `lang` writes it in running text and figures (see [`figure`]).
pub fn number(lang: Lang, n: impl Into<i128>) -> String {
    figure(lang, &n.into().to_string())
}

/// A number kept as a float (money is) as `lang` writes figures: 24000.0 reads as 24000.
pub fn amount(lang: Lang, n: f64) -> String {
    let text = if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        n.to_string()
    };
    figure(lang, &text)
}

/// A number written out ("1260", "24000.50") as `lang` writes figures: English groups the
/// thousands ("1,260", "24,000.50"); Chinese work reports write figures whole
/// ("发放宣传资料1260份", "罚款24000元"), so Chinese leaves them as they are, as does any text
/// that is not a plain number.
pub fn figure(lang: Lang, text: &str) -> String {
    let (sign, unsigned) = text
        .strip_prefix('-')
        .map_or(("", text), |rest| ("-", rest));
    let (whole, fraction) = unsigned
        .split_once('.')
        .map_or((unsigned, None), |(whole, fraction)| {
            (whole, Some(fraction))
        });
    let plain = |digits: &str| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    if lang != Lang::En || whole.len() <= 3 || !plain(whole) || !fraction.is_none_or(plain) {
        return text.to_owned();
    }
    let mut grouped = String::with_capacity(text.len() + whole.len() / 3);
    grouped.push_str(sign);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if let Some(fraction) = fraction {
        grouped.push('.');
        grouped.push_str(fraction);
    }
    grouped
}

fn render_arg(value: &str, lang: Lang) -> String {
    if value.starts_with('@') {
        return key_item(value, lang);
    }
    if let Some(text) = value.strip_prefix(FIGURE_MARK) {
        return figure(lang, text);
    }
    if let Some(items) = value.strip_prefix(LIST_MARK) {
        return join_list(items, "common.list_and", lang);
    }
    match value.strip_prefix(CHOICES_MARK) {
        Some(items) => join_list(items, "common.list_or", lang),
        None => value.to_owned(),
    }
}

impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names of a message's placeholders, once each, plural forms counted by their value's name.
    fn placeholder_names(text: &str) -> Vec<&str> {
        let mut names: Vec<&str> = text
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}'))
            .map(|(inside, _)| inside.split('|').next().unwrap_or(inside))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    #[test]
    fn both_locales_parse_and_have_the_same_keys() {
        let zh: Vec<&str> = CATALOG.keys(Lang::ZhCn).collect();
        let en: Vec<&str> = CATALOG.keys(Lang::En).collect();
        assert!(zh.len() > 50, "zh-CN locale looks empty: {}", zh.len());
        let missing_in_en: Vec<_> = zh.iter().filter(|k| !en.contains(k)).collect();
        let missing_in_zh: Vec<_> = en.iter().filter(|k| !zh.contains(k)).collect();
        assert!(missing_in_en.is_empty(), "missing in en: {missing_in_en:?}");
        assert!(
            missing_in_zh.is_empty(),
            "missing in zh-CN: {missing_in_zh:?}"
        );
    }

    #[test]
    fn figures_are_written_as_each_language_writes_them() {
        // (number, English, Chinese)
        let cases: [(i128, &str, &str); 8] = [
            (0, "0", "0"),
            (7, "7", "7"),
            (999, "999", "999"),
            (1000, "1,000", "1000"),
            (1260, "1,260", "1260"),
            (100_000, "100,000", "100000"),
            (1_234_567, "1,234,567", "1234567"),
            (-24_000, "-24,000", "-24000"),
        ];
        for (n, en, zh) in cases {
            assert_eq!(number(Lang::En, n), en);
            assert_eq!(number(Lang::ZhCn, n), zh);
        }
        // (written out, English)
        let amounts = [
            ("24000.50", "24,000.50"),
            ("350.5", "350.5"),
            ("1234567.05", "1,234,567.05"),
            ("2.4万", "2.4万"),
            ("12345a", "12345a"),
            ("1234.", "1234."),
            ("", ""),
        ];
        for (text, en) in amounts {
            assert_eq!(figure(Lang::En, text), en);
            assert_eq!(figure(Lang::ZhCn, text), text);
        }
        let counted = |n: i64| {
            Msg::new("reports.events.figures")
                .count("attendees", n)
                .count("materials", 1)
                .count("consultations", 0)
        };
        assert_eq!(
            counted(1260).render(Lang::En),
            "1,260 attendees · 1 material · 0 consultations"
        );
        assert!(counted(1).render(Lang::En).starts_with("1 attendee "));
        assert!(counted(1260).render(Lang::ZhCn).contains("1260"));
    }

    #[test]
    fn a_list_is_joined_the_way_each_language_writes_lists() {
        let years = |items: &[i32]| {
            let msg = Msg::new("cases.deadline.unknown_year").list_arg("years", items);
            (msg.render(Lang::ZhCn), msg.render(Lang::En))
        };
        let choices = |items: &[&str]| {
            let msg = Msg::new("audit.unknown_entity")
                .arg("value", "x")
                .choices_arg("choices", items);
            (msg.render(Lang::ZhCn), msg.render(Lang::En))
        };
        // A list kept as text first (an import's change), its items locale keys.
        let topics = |items: &[&str]| {
            let msg = Msg::new("import.row.replaces").arg("stored", list_text(items));
            (msg.render(Lang::ZhCn), msg.render(Lang::En))
        };
        let table: [((String, String), &str, &str); 8] = [
            (years(&[2027]), "2027年", "of 2027 are"),
            (years(&[2026, 2027]), "2026、2027年", "of 2026 and 2027 are"),
            (
                years(&[2026, 2027, 2028]),
                "2026、2027、2028年",
                "2026, 2027 and 2028 are",
            ),
            (choices(&["patent"]), "：patent。", "one of patent."),
            (
                choices(&["patent", "case"]),
                "patent、case",
                "one of patent or case.",
            ),
            (choices(&["a", "b", "c"]), "a、b、c", "one of a, b or c."),
            (
                topics(&["@visits.topic.patent_filing", "@visits.topic.ip_protection"]),
                "“专利申报、知识产权保护”",
                "“Patent filing and IP protection”",
            ),
            (
                topics(&["@no.such.key"]),
                "“@no.such.key”",
                "“@no.such.key”",
            ),
        ];
        for ((zh, en), in_zh, in_en) in table {
            assert!(zh.contains(in_zh), "{zh} lacks {in_zh}");
            assert!(en.contains(in_en), "{en} lacks {in_en}");
        }
    }

    #[test]
    fn placeholders_match_between_languages() {
        for key in CATALOG.keys(Lang::ZhCn) {
            let names = |lang| placeholder_names(CATALOG.get(lang, key).unwrap_or_default());
            assert_eq!(
                names(Lang::ZhCn),
                names(Lang::En),
                "placeholders differ for {key}"
            );
            // A plural written with one form, or three, would be shown as written.
            for lang in Lang::ALL {
                let text = CATALOG.get(lang, key).unwrap_or_default();
                for inside in text.split('{').skip(1).filter_map(|r| r.split_once('}')) {
                    let parts = inside.0.split('|').count();
                    assert!(
                        parts == 1 || parts == 3,
                        "{key} ({lang:?}): {{{}}}",
                        inside.0
                    );
                }
            }
        }
    }

    /// Keys written literally in templates and code: `t("…")`, `Msg::new("…")`, `t(lang, "…")`.
    fn literal_keys(text: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for opening in ["t(\"", "t('", "Msg::new(\"", "t(lang, \""] {
            for (index, _) in text.match_indices(opening) {
                // `t(` must be a call of its own, not the end of another name (`get(`).
                let before = text[..index].chars().last().unwrap_or(' ');
                if opening.starts_with('t') && (before.is_alphanumeric() || before == '_') {
                    continue;
                }
                let rest = &text[index + opening.len()..];
                let key: String = rest
                    .chars()
                    .take_while(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '.'
                    })
                    .collect();
                let closed = rest[key.len()..].starts_with(['"', '\'']);
                if closed && key.contains('.') && !key.ends_with('.') {
                    keys.push(key);
                }
            }
        }
        keys
    }

    fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files_under(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "j2") {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_key_named_in_templates_and_code_exists_in_both_languages() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        files_under(&root.join("src"), &mut files);
        files_under(&root.join("templates"), &mut files);
        let mut missing = Vec::new();
        let mut seen = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            for key in literal_keys(&text) {
                seen += 1;
                for lang in Lang::ALL {
                    if CATALOG.get(lang, &key).is_none() {
                        missing.push(format!("{lang} {key} ({})", file.display()));
                    }
                }
            }
        }
        assert!(seen > 100, "the scan found only {seen} keys");
        assert!(
            missing.is_empty(),
            "missing translations:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn a_message_is_kept_by_its_arguments_and_answered_with_its_text() {
        let msg = Msg::new("cases.deadline.unknown_year").list_arg("years", [2026, 2027]);
        let kept = serde_json::to_value(&msg).unwrap_or_default();
        assert_eq!(kept["key"], "cases.deadline.unknown_year");
        assert_eq!(serde_json::from_value::<Msg>(kept).ok(), Some(msg.clone()));
        let answered = |lang| answer_json(&[&msg], lang, false).unwrap_or_default();
        assert_eq!(
            answered(Lang::ZhCn),
            r#"[{"key":"cases.deadline.unknown_year","message":"期限跨入2026、2027年，其节假日尚未载入，到期日可能变化。"}]"#
        );
        assert!(
            answered(Lang::En)
                .contains(r#""message":"The holidays of 2026 and 2027 are not loaded yet"#)
        );
        // The answer's language is put back once it is written.
        assert!(serde_json::to_value(&msg).is_ok_and(|v| v.get("message").is_none()));
        let bare = serde_json::to_string(&Msg::new("pager.rows")).unwrap_or_default();
        assert_eq!(bare, r#"{"key":"pager.rows"}"#);
    }

    #[test]
    fn lang_parse_accepts_common_spellings() {
        let cases = [
            ("zh-CN", Some(Lang::ZhCn)),
            ("zh_CN.UTF-8", Some(Lang::ZhCn)),
            ("ZH", Some(Lang::ZhCn)),
            ("en", Some(Lang::En)),
            ("en-US,en;q=0.9", Some(Lang::En)),
            ("fr", None),
            ("", None),
        ];
        for (raw, expected) in cases {
            assert_eq!(Lang::parse(raw), expected, "{raw}");
        }
    }

    #[test]
    fn messages_render_with_arguments_and_translated_arguments() {
        let msg = Msg::new("errors.not_found.title");
        assert_ne!(msg.render(Lang::ZhCn), msg.render(Lang::En));
        assert_eq!(
            interpolate(
                "{a} and {b}",
                &[("a".into(), "1".into()), ("b".into(), "<2>".into())]
            ),
            "1 and <2>"
        );
    }

    #[test]
    fn placeholders_are_filled_in_one_pass_with_english_plurals() {
        let args = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect()
        };
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
        // (template, arguments, text)
        let cases: [Case; 8] = [
            (
                "{days} {days|day|days} left",
                &[("days", "1")],
                "1 day left",
            ),
            (
                "{days} {days|day|days} left",
                &[("days", "0")],
                "0 days left",
            ),
            (
                "{days} {days|day|days} left",
                &[("days", "21")],
                "21 days left",
            ),
            ("{n} {n|was|were}", &[("n", "2")], "2 were"),
            ("{a} and {b}", &[("a", "{b}"), ("b", "x")], "{b} and x"),
            ("{missing} stays", &[], "{missing} stays"),
            (
                "{x|only-one-form} stays",
                &[("x", "1")],
                "{x|only-one-form} stays",
            ),
            ("open { brace", &[("brace", "x")], "open { brace"),
        ];
        for (template, pairs, expected) in cases {
            assert_eq!(interpolate(template, &args(pairs)), expected, "{template}");
        }
        assert_eq!(placeholder_names("{n} {n|day|days}, {m}"), vec!["m", "n"]);
    }
}
