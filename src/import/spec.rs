//! What the importer knows about each register, read from the TOML specs in `import/`: its fields,
//! their types, which are required, the key, and the header aliases found in real rosters. The
//! register's own export headers (its locale labels, in both languages) are aliases too, so that
//! an exported register imports back.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::enterprises::domain::name_key;
use crate::i18n::{CATALOG, Lang};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Register {
    Patents,
    Enterprises,
    Events,
    Visits,
    Inspections,
    Cases,
}

impl Register {
    pub const ALL: [Register; 6] = [
        Register::Patents,
        Register::Enterprises,
        Register::Events,
        Register::Visits,
        Register::Inspections,
        Register::Cases,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Register::Patents => "patents",
            Register::Enterprises => "enterprises",
            Register::Events => "events",
            Register::Visits => "visits",
            Register::Inspections => "inspections",
            Register::Cases => "cases",
        }
    }

    /// Whether an import of this register can leave enterprises without a township that their
    /// patents could give one (a patent roster links patents, an enterprise list adds
    /// enterprises), so its result points to the suggestions.
    pub fn concerns_enterprises(self) -> bool {
        matches!(self, Register::Patents | Register::Enterprises)
    }

    /// What an upload is for when nobody says: the province's monthly patent roster.
    pub const DEFAULT: Register = Register::Patents;

    pub fn parse(raw: &str) -> Option<Register> {
        Register::ALL.into_iter().find(|r| r.as_str() == raw.trim())
    }

    /// The register a form or a link names in its field `register`: the default when it names
    /// none, refused on that field when it names one there is not.
    pub fn named(raw: Option<&str>) -> Result<Register, crate::error::AppError> {
        match raw.map(str::trim).filter(|r| !r.is_empty()) {
            None => Ok(Register::DEFAULT),
            Some(raw) => Register::parse(raw)
                .ok_or_else(|| crate::error::field_error("register", Register::unknown(raw))),
        }
    }

    /// "There is no register …; choose one of …", the choices read off [`Register::ALL`].
    pub fn unknown(raw: &str) -> crate::i18n::Msg {
        crate::i18n::Msg::new("import.cli.bad_register")
            .arg("register", raw.trim())
            .choices_arg("registers", Register::ALL.map(Register::as_str))
    }

    /// The locale section of the register's field labels.
    fn label_section(self) -> &'static str {
        match self {
            Register::Patents => "patents.field",
            Register::Enterprises => "enterprises.field",
            Register::Events => "events.field",
            Register::Visits => "visits.field",
            Register::Inspections => "inspections.field",
            Register::Cases => "cases.export",
        }
    }

    /// A field's name as the user reads it: the register's own label, else the importer's
    /// (for fields such as the county or the ignored serial number that no register page shows).
    pub fn field_label(self, lang: Lang, field: &str) -> String {
        CATALOG
            .get(lang, &format!("{}.{field}", self.label_section()))
            .or_else(|| CATALOG.get(lang, &format!("import.field.{field}")))
            .map_or_else(|| field.to_owned(), str::to_owned)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    ApplicationNumber,
    Text,
    Names,
    Date,
    PatentType,
    PublicationNumber,
    County,
    Township,
    LegalStatus,
    CreditCode,
    Bool,
    Note,
    Ignored,
}

#[derive(Clone, Debug, Deserialize)]
pub struct FieldSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
    /// Required when the row makes a new record (an update may leave it blank).
    #[serde(default)]
    pub required_for_new: bool,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct RegisterSpec {
    pub register: Register,
    pub key: String,
    pub fields: Vec<FieldSpec>,
    /// Normalised alias → field name, built at load.
    #[serde(skip)]
    pub alias_index: Vec<(String, String)>,
}

impl RegisterSpec {
    fn load(register: Register, source: &str) -> RegisterSpec {
        let mut spec: RegisterSpec = match toml::from_str(source) {
            Ok(spec) => spec,
            Err(error) => {
                // A broken spec is a build defect the spec tests catch; an empty one imports nothing.
                tracing::error!(%error, register = register.as_str(), "import spec does not parse");
                RegisterSpec {
                    register,
                    key: String::new(),
                    fields: Vec::new(),
                    alias_index: Vec::new(),
                }
            }
        };
        let mut index: Vec<(String, String)> = Vec::new();
        for field in &spec.fields {
            let mut names: Vec<String> = field.aliases.clone();
            for lang in Lang::ALL {
                if let Some(label) = CATALOG.get(
                    lang,
                    &format!("{}.{}", register.label_section(), field.name),
                ) {
                    names.push(label.to_owned());
                }
                // The error report's own outcome and message columns import back as nothing.
                if field.field_type == FieldType::Ignored {
                    for key in ["import.report.status", "import.report.message"] {
                        names.extend(CATALOG.get(lang, key).map(str::to_owned));
                    }
                }
            }
            for name in names {
                let key = normalize_header(&name);
                if !key.is_empty() && !index.iter().any(|(k, _)| *k == key) {
                    index.push((key, field.name.clone()));
                }
            }
        }
        spec.alias_index = index;
        spec
    }

    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The type of the field a column is mapped to, when it is mapped to one.
    pub fn field_type_of(
        &self,
        columns: &[super::mapping::MappedColumn],
        column: u32,
    ) -> Option<FieldType> {
        columns
            .iter()
            .find(|c| c.column == column)
            .and_then(|c| c.field.as_deref())
            .and_then(|f| self.field(f))
            .map(|f| f.field_type)
    }

    /// The field a header names, if any.
    pub fn field_for_header(&self, header: &str) -> Option<&FieldSpec> {
        let key = normalize_header(header);
        let name = self
            .alias_index
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, f)| f.as_str())?;
        self.field(name)
    }
}

/// A header as compared: NFKC, every space and line break removed, brackets made round.
pub fn normalize_header(raw: &str) -> String {
    name_key(raw)
}

static PATENTS: LazyLock<RegisterSpec> = LazyLock::new(|| {
    RegisterSpec::load(Register::Patents, include_str!("../../import/patents.toml"))
});
static ENTERPRISES: LazyLock<RegisterSpec> = LazyLock::new(|| {
    RegisterSpec::load(
        Register::Enterprises,
        include_str!("../../import/enterprises.toml"),
    )
});

static EVENTS: LazyLock<RegisterSpec> = LazyLock::new(|| {
    RegisterSpec::load(Register::Events, include_str!("../../import/events.toml"))
});
static VISITS: LazyLock<RegisterSpec> = LazyLock::new(|| {
    RegisterSpec::load(Register::Visits, include_str!("../../import/visits.toml"))
});

static INSPECTIONS: LazyLock<RegisterSpec> = LazyLock::new(|| {
    RegisterSpec::load(
        Register::Inspections,
        include_str!("../../import/inspections.toml"),
    )
});

static CASES: LazyLock<RegisterSpec> =
    LazyLock::new(|| RegisterSpec::load(Register::Cases, include_str!("../../import/cases.toml")));

pub fn spec(register: Register) -> &'static RegisterSpec {
    match register {
        Register::Patents => &PATENTS,
        Register::Enterprises => &ENTERPRISES,
        Register::Events => &EVENTS,
        Register::Visits => &VISITS,
        Register::Inspections => &INSPECTIONS,
        Register::Cases => &CASES,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_register_is_answered_with_every_register() {
        let text = Register::unknown("lunches").render(crate::i18n::Lang::ZhCn);
        assert_eq!(
            text,
            "没有“lunches”这个登记簿，可选：patents、enterprises、events、visits、inspections、cases。"
        );
    }

    /// The help is prose in the locale files, so a register added to the importer must be added
    /// there too; the cases register once was not, and `ipdesk import --help` hid it.
    #[test]
    fn the_import_commands_help_names_every_register() {
        use crate::i18n::Lang;
        for register in Register::ALL {
            let name = register.as_str();
            let menu_name = CATALOG
                .get(Lang::ZhCn, &format!("nav.{name}"))
                .unwrap_or(name);
            for (lang, key, told) in [
                (Lang::ZhCn, "cli.ipdesk.import.about", menu_name),
                (Lang::ZhCn, "cli.ipdesk.import.register", name),
                (Lang::En, "cli.ipdesk.import.about", name),
                (Lang::En, "cli.ipdesk.import.register", name),
            ] {
                let help = CATALOG.get(lang, key).unwrap_or_default();
                assert!(help.contains(told), "{key} ({lang:?}) lacks {told}: {help}");
            }
        }
    }

    #[test]
    fn specs_load_with_their_aliases() {
        let patents = spec(Register::Patents);
        assert_eq!(patents.key, "application_number");
        assert!(patents.fields.len() >= 15);
        let cases = [
            ("专利申请号", "application_number"),
            ("申请 (专利) 号", "application_number"),
            ("申请（专利）号", "application_number"),
            ("授权公告\n日期", "granted_on"),
            ("IPC主分类号", "ipc_main"),
            ("县（市、区）", "county"),
            ("序号", "ignored"),
            ("Application number", "application_number"),
            ("授权公告日", "granted_on"),
        ];
        for (header, field) in cases {
            assert_eq!(
                patents.field_for_header(header).map(|f| f.name.as_str()),
                Some(field),
                "{header}"
            );
        }
        assert!(patents.field_for_header("随便什么").is_none());
        let enterprises = spec(Register::Enterprises);
        assert_eq!(
            enterprises
                .field_for_header("统一社会信用代码")
                .map(|f| f.name.as_str()),
            Some("credit_code")
        );
        assert_eq!(
            enterprises
                .field_for_header("发证日期")
                .map(|f| f.name.as_str()),
            Some("high_tech_issued_on")
        );
        let cases = [
            (Register::Events, "活动名称", "title"),
            (Register::Events, "接受咨询（人次）", "consultations"),
            (Register::Events, "发放宣传资料", "materials_count"),
            (Register::Events, "Title", "title"),
            (Register::Visits, "走访日期", "visited_on"),
            (Register::Visits, "发放资料（份）", "materials_count"),
            (Register::Visits, "走访后申请专利（件）", "ignored"),
            (Register::Visits, "Date of visit", "visited_on"),
            (
                Register::Inspections,
                "检查经营场所（家次）",
                "premises_inspected",
            ),
            (
                Register::Inspections,
                "Patent-marked goods checked",
                "marked_goods_checked",
            ),
        ];
        for (register, header, field) in cases {
            assert_eq!(
                spec(register)
                    .field_for_header(header)
                    .map(|f| f.name.as_str()),
                Some(field),
                "{header}"
            );
        }
    }
}
