//! Running an import: read the workbook (in the child), find the table, map the columns, judge
//! every row in a dry run, then — unless it is only a dry run, or the all-or-nothing policy meets
//! an invalid row — write the result in one transaction and record the batch.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{LazyLock, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::layout::{self, TableAt};
use super::mapping::{self, Choices, MappedColumn, Mapping};
use super::patent_commit::{self, PatentCommit, Rows};
use super::plan::{Counts, Jurisdiction, PlannedRow, Problem, ProblemJson, ProblemKind, RowStatus};
use super::reader::{ChildReader, Scope, Stream};
use super::spec::{Register, RegisterSpec, spec};
use super::streamed::{self, DataRows, Opening};
use super::workbook::{Row, Sheet, Workbook};
use super::{enterprise_rows, ledger_rows, patent_rows};
use crate::audit::{self, Actor, Changes, Event};
use crate::db::stamp::Kept;
use crate::enterprises::query::{TownshipSuggestion, kept_suggestions};
use crate::entities::{import_batch, import_upload};
use crate::error::AppError;
use crate::i18n::{Lang, Msg};
use crate::settings::lists::{self, ListKind};
use crate::web::pagination::PageRequest;
use crate::{db, settings};

/// What happens to invalid rows at commit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Policy {
    /// Import the valid rows (the default everywhere).
    #[default]
    #[serde(rename = "valid-rows")]
    ValidRows,
    /// Import nothing if any row is invalid.
    #[serde(rename = "all-or-nothing")]
    AllOrNothing,
}

impl Policy {
    pub fn parse(raw: &str) -> Option<Policy> {
        match raw.trim() {
            "" | "valid-rows" | "valid_rows" => Some(Policy::ValidRows),
            "all-or-nothing" | "all_or_nothing" => Some(Policy::AllOrNothing),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Policy::ValidRows => "valid-rows",
            Policy::AllOrNothing => "all-or-nothing",
        }
    }
}

/// An import as asked for.
#[derive(Clone, Debug)]
pub struct Request {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub register: Register,
    pub sheet: Option<String>,
    /// 1-based, as Excel numbers rows.
    pub header_row: Option<u32>,
    pub choices: Choices,
    pub dry_run: bool,
    pub policy: Policy,
}

/// What an import concluded.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    pub batch_id: i64,
    pub register: Register,
    pub file: String,
    pub sheet: String,
    pub sheets: Vec<String>,
    /// 1-based.
    pub header_row: u32,
    pub two_row_header: bool,
    pub mapping: Mapping,
    pub counts: Counts,
    pub rows: Vec<PlannedRow>,
    pub dry_run: bool,
    pub committed: bool,
    /// The all-or-nothing policy refused the file.
    pub refused: bool,
    /// An earlier import of the same file into the same register, still committed.
    #[serde(default)]
    pub same_file: Option<super::same_file::SameFile>,
}

/// How many enterprises without a township their patents could give one, told on the result of
/// a committed import that concerns enterprises (`None` otherwise). Counted from the suggestions
/// `kept`: the import's page is looked at again and again (its rows a page at a time), and
/// counting them afresh would cost each look half a second at a provincial scale.
pub async fn townships_to_fill(
    db: &DatabaseConnection,
    kept: &Kept<Vec<TownshipSuggestion>>,
    register: Register,
    committed: bool,
) -> Result<Option<usize>, AppError> {
    if !committed || !register.concerns_enterprises() {
        return Ok(None);
    }
    Ok(Some(kept_suggestions(db, kept).await?.len()))
}

/// The JSON of the CLI and the API.
#[derive(Clone, Debug, Serialize)]
pub struct ReportJson {
    pub batch_id: i64,
    pub file: String,
    pub sheet: String,
    pub header_row: u32,
    pub mapping: BTreeMap<String, String>,
    #[serde(flatten)]
    pub counts: Counts,
    pub errors: Vec<ProblemJson>,
    pub warnings: Vec<ProblemJson>,
    /// The cells of updated rows that change a record, each with the value it replaces.
    pub changes: Vec<ProblemJson>,
    pub dry_run: bool,
    pub committed: bool,
    /// How many enterprises without a township their patents could now give one, on a committed
    /// import that concerns enterprises (absent otherwise), as the import's page tells it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub townships_to_fill: Option<usize>,
    /// An earlier import of the same file into the same register, still committed (absent when
    /// there is none), as the preview tells it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_file_as: Option<super::same_file::SameFile>,
}

impl Report {
    /// The report as JSON, with what [`townships_to_fill`] told of it.
    pub fn to_json(&self, lang: Lang, townships_to_fill: Option<usize>) -> ReportJson {
        let problems = |pick: fn(&PlannedRow) -> &Vec<Problem>| {
            self.rows
                .iter()
                .flat_map(pick)
                .map(|p| p.render(lang))
                .collect()
        };
        ReportJson {
            batch_id: self.batch_id,
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            header_row: self.header_row,
            mapping: self.mapping.as_object(),
            counts: self.counts,
            errors: problems(|r| &r.errors),
            warnings: problems(|r| &r.warnings),
            changes: problems(|r| &r.changes),
            dry_run: self.dry_run,
            committed: self.committed,
            townships_to_fill,
            same_file_as: self.same_file.clone(),
        }
    }
}

/// Where a running import stands, for progress bars.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Progress {
    pub phase: String,
    pub done: u64,
    pub total: u64,
    pub at: Option<DateTime<Utc>>,
}

/// Progress of imports running in this process. On SQLite (one instance) this is where progress
/// lives while the commit holds the write lock; on PostgreSQL it is also written to the batch row.
static RUNNING: LazyLock<Mutex<BTreeMap<i64, Progress>>> =
    LazyLock::new(|| Mutex::new(BTreeMap::new()));

/// Records progress of a batch.
pub fn report_progress(batch: i64, phase: &str, done: u64, total: u64) {
    if let Ok(mut running) = RUNNING.lock() {
        running.insert(
            batch,
            Progress {
                phase: phase.to_owned(),
                done,
                total,
                at: Some(Utc::now()),
            },
        );
    }
}

pub fn progress_in_process(batch: i64) -> Option<Progress> {
    RUNNING
        .lock()
        .ok()
        .and_then(|running| running.get(&batch).cloned())
}

pub fn forget_progress(batch: i64) {
    if let Ok(mut running) = RUNNING.lock() {
        running.remove(&batch);
    }
}

/// A callback told how far the commit is.
pub type OnProgress<'a> = &'a (dyn Fn(&str, u64, u64) + Send + Sync);

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The sheet, header row and mapping of a workbook for a request.
pub struct Table<'a> {
    pub workbook: &'a Workbook,
    pub at: TableAt,
    pub mapping: Mapping,
}

impl Table<'_> {
    pub fn sheet_name(&self) -> &str {
        self.workbook
            .sheets
            .get(self.at.sheet)
            .map_or("", |s| s.name.as_str())
    }

    /// The table's data rows, with the cells merged down filled in (see [`layout::FillDown`]).
    pub fn data_rows(&self) -> Vec<Cow<'_, Row>> {
        match self.workbook.sheets.get(self.at.sheet) {
            Some(sheet) => {
                layout::filled_data_rows(sheet, self.at, &self.mapping.mapped_columns()).collect()
            }
            None => Vec::new(),
        }
    }
}

/// Finds the table the request means: its sheet (named, or the best match), its header row (given,
/// or detected) and its mapping (aliases, remembered, chosen). No header, or no column for the
/// key, is an error (on the field the person can change).
pub async fn locate<'a>(
    db: &impl ConnectionTrait,
    workbook: &'a Workbook,
    request: &Request,
) -> Result<Table<'a>, AppError> {
    let (table, blocker) = find_table(db, workbook, request).await?;
    match blocker {
        Some((field, msg)) => Err(crate::error::field_error(field, msg)),
        None => Ok(table),
    }
}

/// No header of `register` in the first rows, with two of its column names as examples: its
/// key and the next field a roster must have.
fn no_header(register: Register) -> Msg {
    let spec = spec(register);
    let second = spec
        .fields
        .iter()
        .filter(|f| f.name != spec.key && f.name != "ignored")
        .find(|f| f.required || f.required_for_new)
        .or_else(|| {
            spec.fields
                .iter()
                .find(|f| f.name != spec.key && f.name != "ignored")
        });
    let label = |name: &str| format!("@{}.field.{name}", register.as_str());
    Msg::new("import.table.no_header")
        .arg(
            "register",
            format!("@import.register.{}", register.as_str()),
        )
        .arg("first", label(&spec.key))
        .arg(
            "second",
            second.map_or_else(String::new, |f| label(&f.name)),
        )
}

/// The table is another register's (its header and key column are there): which to choose.
fn other_register(workbook: &Workbook, sheet: Option<usize>, chosen: Register) -> Option<Msg> {
    let (register, at) = layout::fitting_register(workbook, sheet, chosen)?;
    Some(
        Msg::new("import.table.other_register")
            .arg("register", format!("@import.register.{}", chosen.as_str()))
            .arg("other", format!("@import.register.{}", register.as_str()))
            .arg("code", register.as_str())
            .arg("row", at.header_row + 1),
    )
}

/// Like [`locate`], but a table that cannot be imported yet (no header found, no column for the
/// key) comes back as the best guess with what blocks it, for the preview where it can be fixed.
async fn find_table<'a>(
    db: &impl ConnectionTrait,
    workbook: &'a Workbook,
    request: &Request,
) -> Result<(Table<'a>, Option<Blocker>), AppError> {
    let spec = spec(request.register);
    let sheet_index = chosen_sheet(workbook, request.sheet.as_deref())?;
    let (at, mut blocker) = match request.header_row {
        // Row 0 was read as "find it", so a header given wrongly was guessed instead.
        Some(0) => {
            let msg = Msg::new("import.table.header_row_zero");
            return Err(crate::error::field_error("header_row", msg));
        }
        Some(row) => at_given_row(workbook, spec, sheet_index, row)?,
        None => detected_or_first_row(workbook, request.register, sheet_index),
    };
    let sheet = workbook
        .sheets
        .get(at.sheet)
        .ok_or_else(|| AppError::Internal("sheet vanished".into()))?;
    let header = layout::header_columns(sheet, at.header_row, at.two_rows);
    let plain = Mapping::build(spec, &header, None, &Choices::new());
    let remembered = mapping::remembered(db, &plain.header_set_key(request.register)).await?;
    let mapping = Mapping::build(spec, &header, remembered.as_ref(), &request.choices);
    if blocker.is_none() && mapping.column_of(&spec.key).is_none() {
        let msg = other_register(workbook, sheet_index, request.register).unwrap_or_else(|| {
            let label = format!("@{}.field.{}", request.register.as_str(), spec.key);
            Msg::new("import.table.key_unmapped").arg("field", label)
        });
        blocker = Some(("mapping", msg));
    }
    let table = Table {
        workbook,
        at,
        mapping,
    };
    Ok((table, blocker))
}

/// What stops a table from being imported yet: the form field to fix (`header_row`, `mapping`)
/// and why.
type Blocker = (&'static str, Msg);

/// The sheet the officer named, if any; a name the workbook lacks is refused with its sheets.
fn chosen_sheet(workbook: &Workbook, name: Option<&str>) -> Result<Option<usize>, AppError> {
    let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    let names: Vec<&str> = workbook.sheets.iter().map(|s| s.name.as_str()).collect();
    match names.iter().position(|n| *n == name) {
        Some(index) => Ok(Some(index)),
        None => Err(crate::error::field_error(
            "sheet",
            Msg::new("import.table.no_such_sheet")
                .arg("name", name)
                .list_arg("sheets", names),
        )),
    }
}

/// The table under the header row the officer gave (1-based), in the chosen sheet or else the
/// one its header is found in; a row past the sheet's end blocks the import.
fn at_given_row(
    workbook: &Workbook,
    spec: &RegisterSpec,
    sheet_index: Option<usize>,
    row: u32,
) -> Result<(TableAt, Option<Blocker>), AppError> {
    let index = sheet_index
        .or_else(|| layout::detect(workbook, spec, None).map(|a| a.sheet))
        .unwrap_or(0);
    let sheet = workbook
        .sheets
        .get(index)
        .ok_or_else(|| AppError::Internal("sheet vanished".into()))?;
    let last = sheet.rows.last().map_or(0, |r| r.index + 1);
    let blocker = (row > last).then(|| {
        let msg = Msg::new("import.table.header_past_end")
            .arg("row", row)
            .arg("sheet", &sheet.name)
            .arg("last", last);
        ("header_row", msg)
    });
    Ok((
        layout::with_best_depth(sheet, spec, index, row - 1),
        blocker,
    ))
}

/// The table whose header is found; when none is, the first row of the sheet is shown as the
/// best guess, blocked with the register it may belong to or the columns looked for.
fn detected_or_first_row(
    workbook: &Workbook,
    register: Register,
    sheet_index: Option<usize>,
) -> (TableAt, Option<Blocker>) {
    if let Some(at) = layout::detect(workbook, spec(register), sheet_index) {
        return (at, None);
    }
    let msg =
        other_register(workbook, sheet_index, register).unwrap_or_else(|| no_header(register));
    let index = sheet_index.unwrap_or(0);
    let first = workbook
        .sheets
        .get(index)
        .and_then(|s| s.rows.first())
        .map_or(0, |r| r.index);
    let at = TableAt {
        sheet: index,
        header_row: first,
        two_rows: false,
    };
    (at, Some(("header_row", msg)))
}

/// The web's preview: the dry run of a request, kept with its upload for the steps that follow.
/// A table that cannot be imported yet is previewed all the same, with what blocks it, so that
/// the header row or the mapping can be fixed on the preview page.
pub async fn preview(
    db: &DatabaseConnection,
    reader: &ChildReader,
    actor: &Actor,
    mut request: Request,
) -> Result<Report, AppError> {
    request.dry_run = true;
    let workbook = reader.read(&request.bytes).await?;
    let (table, blocker) = find_table(db, &workbook, &request).await?;
    let Some((_, msg)) = blocker else {
        return run_workbook(db, actor, &request, &workbook, &|_, _, _| {}).await;
    };
    let mut report = empty_report(&request, &workbook, &table);
    report.batch_id = save_uncommitted(db, actor, &request, &report, "previewed").await?;
    let mut active: import_batch::ActiveModel = batch(db, report.batch_id).await?.into();
    active.message = Set(Some(serde_json::to_string(&msg).unwrap_or_default()));
    active.update(db).await?;
    Ok(report)
}

fn empty_report(request: &Request, workbook: &Workbook, table: &Table<'_>) -> Report {
    Report {
        batch_id: 0,
        register: request.register,
        file: request.file_name.clone(),
        sheet: table.sheet_name().to_owned(),
        sheets: workbook.sheets.iter().map(|s| s.name.clone()).collect(),
        header_row: table.at.header_row + 1,
        two_row_header: table.at.two_rows,
        mapping: table.mapping.clone(),
        counts: Counts::default(),
        rows: Vec::new(),
        dry_run: request.dry_run,
        committed: false,
        refused: false,
        same_file: None,
    }
}

async fn jurisdiction(db: &impl ConnectionTrait) -> Result<Jurisdiction, AppError> {
    let settings = settings::service::load(db).await?;
    let townships = lists::list(db, ListKind::Townships, true)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok(Jurisdiction::new(
        settings.jurisdiction.county.as_deref(),
        &settings.jurisdiction.aliases,
        townships,
    ))
}

async fn today(db: &impl ConnectionTrait) -> Result<NaiveDate, AppError> {
    settings::service::today(db).await
}

/// What a commit writes, as judged by the plan (a patents roster is judged again as it is
/// written, a chunk at a time, so it has none).
pub enum Writes {
    Enterprises(Vec<enterprise_rows::EnterpriseWrite>),
    Ledger(Vec<ledger_rows::LedgerWrite>),
}

/// Judges every row of the table against the database as it is now, writing nothing. The
/// registers other than patents also return their writes, for the commit that may follow; a
/// patents roster is planned again, chunk by chunk, as it is written.
pub async fn plan(
    db: &impl ConnectionTrait,
    table: &Table<'_>,
    register: Register,
) -> Result<(Vec<PlannedRow>, Option<Writes>), AppError> {
    let filled = table.data_rows();
    let rows: Vec<&Row> = filled.iter().map(AsRef::as_ref).collect();
    let jurisdiction = jurisdiction(db).await?;
    let today = today(db).await?;
    let is_1904 = table.workbook.is_1904;
    match register {
        Register::Patents => {
            let mut planner =
                patent_rows::Planner::new(&table.mapping, &jurisdiction, is_1904, today);
            let mut planned = Vec::with_capacity(rows.len());
            let holding = patent_rows::Holding::of(db).await?;
            for chunk in rows.chunks(patent_commit::CHUNK) {
                let stored = patent_rows::fetch_stored(db, chunk, &table.mapping, holding).await?;
                planned.extend(planner.plan(chunk, &stored).0);
            }
            Ok((planned, None))
        }
        Register::Enterprises => {
            let stored = enterprise_rows::fetch(db, &rows, &table.mapping).await?;
            let (planned, writes) =
                enterprise_rows::plan(&rows, &table.mapping, &jurisdiction, &stored, is_1904);
            Ok((planned, Some(Writes::Enterprises(writes))))
        }
        Register::Events | Register::Visits | Register::Inspections | Register::Cases => {
            let stored = ledger_rows::fetch(db, register, &rows, &table.mapping, is_1904).await?;
            let (planned, writes) = ledger_rows::plan(
                register,
                &rows,
                &table.mapping,
                &stored,
                &jurisdiction,
                (is_1904, today),
            );
            Ok((planned, Some(Writes::Ledger(writes))))
        }
    }
}

/// Runs an import end to end (the CLI and the API). The file is read in the child process by
/// `reader`; nothing is written when it cannot be read.
pub async fn run(
    db: &DatabaseConnection,
    reader: &ChildReader,
    actor: &Actor,
    request: Request,
    on_progress: OnProgress<'_>,
) -> Result<Report, AppError> {
    let mut report = run_reading(db, reader, actor, request, on_progress).await?;
    report.same_file = super::same_file::before_batch(db, report.batch_id).await?;
    Ok(report)
}

/// Reads and imports the upload: streamed when its table can be told apart early, else whole.
async fn run_reading(
    db: &DatabaseConnection,
    reader: &ChildReader,
    actor: &Actor,
    request: Request,
    on_progress: OnProgress<'_>,
) -> Result<Report, AppError> {
    if streams(&request)
        && let Some(report) = run_streamed(db, reader, actor, &request, on_progress).await?
    {
        return Ok(report);
    }
    if streams(&request) {
        tracing::debug!("import: rows out of order, read whole and tidied");
    }
    let started = std::time::Instant::now();
    let workbook = reader.read(&request.bytes).await?;
    tracing::debug!(
        ms = started.elapsed().as_millis(),
        rss_mb = crate::import::rss_mb(),
        "import: workbook read"
    );
    run_workbook(db, actor, &request, &workbook, on_progress).await
}

/// Runs an import while the child still reads its file (see [`streamed`]); `None` when its rows
/// came out of order and it must be read whole and tidied first (nothing was written).
async fn run_streamed(
    db: &DatabaseConnection,
    reader: &ChildReader,
    actor: &Actor,
    request: &Request,
    on_progress: OnProgress<'_>,
) -> Result<Option<Report>, AppError> {
    let started = std::time::Instant::now();
    let mut stream = reader.stream(&request.bytes, &Scope::default())?;
    let arriving = match streamed::open(&mut stream, request).await? {
        Opening::Whole(workbook) => {
            return run_workbook(db, actor, request, &workbook, on_progress)
                .await
                .map(Some);
        }
        Opening::Begun {
            head,
            sheet,
            rows_said,
        } => Arriving {
            head,
            sheet,
            rows_said,
        },
    };
    tracing::debug!(
        ms = started.elapsed().as_millis(),
        rss_mb = crate::import::rss_mb(),
        "import: table found, the rest still being read"
    );
    arriving
        .commit(db, actor, request, &mut stream, on_progress)
        .await
}

/// Whether a request is imported as its rows arrive: a patents roster committed with the
/// valid-rows policy, which judges each row as it writes it. (A dry run and the all-or-nothing
/// policy judge every row before anything is written; the other registers plan whole.)
fn streams(request: &Request) -> bool {
    request.register == Register::Patents && !request.dry_run && request.policy == Policy::ValidRows
}

/// A patents roster whose table was found in the first rows read (see [`streamed`]).
struct Arriving {
    head: Workbook,
    sheet: usize,
    rows_said: u32,
}

impl Arriving {
    /// Commits the roster as its rows arrive; `None` when they came out of order and the roster
    /// must be read whole (nothing was written).
    async fn commit(
        &self,
        db: &DatabaseConnection,
        actor: &Actor,
        request: &Request,
        stream: &mut Stream,
        on_progress: OnProgress<'_>,
    ) -> Result<Option<Report>, AppError> {
        on_progress("validating", 0, 0);
        let table = match locate(db, &self.head, request).await {
            Ok(table) if table.at.sheet == self.sheet => table,
            Ok(_) => return Ok(None),
            Err(error) => {
                // A file that cannot be read says so before what its table lacks, as when it
                // is read whole first.
                while !matches!(stream.next().await?, streamed::Frame::End) {}
                return Err(error);
            }
        };
        let Some(sheet) = self.head.sheets.get(self.sheet) else {
            return Ok(None);
        };
        let mut report = empty_report(request, &self.head, &table);
        let columns = table.mapping.mapped_columns();
        let mut rows = DataRows::new(stream, sheet, table.at, &columns);
        let total = self.rows_said.saturating_sub(table.at.first_data_row()) as usize;
        let commit = Commit {
            actor,
            request,
            table: &table,
            job: None,
            on_progress,
        };
        let started = std::time::Instant::now();
        match commit
            .run(db, &mut report, None, Some((&mut rows, total)))
            .await
        {
            Ok(batch) => {
                tracing::debug!(
                    ms = started.elapsed().as_millis(),
                    rss_mb = crate::import::rss_mb(),
                    "import: committed"
                );
                report.batch_id = batch;
                report.committed = true;
                Ok(Some(report))
            }
            Err(_) if rows.disordered => Ok(None),
            Err(error) => Err(error),
        }
    }
}

/// Runs an import of a workbook already read.
pub async fn run_workbook(
    db: &DatabaseConnection,
    actor: &Actor,
    request: &Request,
    workbook: &Workbook,
    on_progress: OnProgress<'_>,
) -> Result<Report, AppError> {
    run_into(db, actor, request, workbook, None, on_progress).await
}

/// Like [`run_workbook`]; `job` is the batch row of a preview being committed (the web flow),
/// which the commit fills in instead of making a new one.
pub async fn run_into(
    db: &DatabaseConnection,
    actor: &Actor,
    request: &Request,
    workbook: &Workbook,
    job: Option<i64>,
    on_progress: OnProgress<'_>,
) -> Result<Report, AppError> {
    on_progress("validating", 0, 0);
    let started = std::time::Instant::now();
    let table = locate(db, workbook, request).await?;
    let mut report = empty_report(request, workbook, &table);
    // A dry run, and the all-or-nothing policy, judge every row before anything is written. A
    // patents roster otherwise goes straight to the commit, which judges it as it writes.
    let mut planned_writes = None;
    if request.dry_run
        || request.policy == Policy::AllOrNothing
        || request.register != Register::Patents
    {
        let (rows, writes) = plan(db, &table, request.register).await?;
        tracing::debug!(
            ms = started.elapsed().as_millis(),
            rss_mb = crate::import::rss_mb(),
            "import: planned"
        );
        report.counts = Counts::of(&rows);
        report.rows = rows;
        planned_writes = writes;
        let refused = request.policy == Policy::AllOrNothing && report.counts.invalid > 0;
        if request.dry_run || refused {
            report.refused = refused && !request.dry_run;
            let state = if report.refused {
                "refused"
            } else {
                "previewed"
            };
            report.batch_id = match job {
                Some(id) => finish_job(db, id, &report, state).await?,
                None => save_uncommitted(db, actor, request, &report, state).await?,
            };
            return Ok(report);
        }
    }
    let started = std::time::Instant::now();
    let commit = Commit {
        actor,
        request,
        table: &table,
        job,
        on_progress,
    };
    report.batch_id = commit.run(db, &mut report, planned_writes, None).await?;
    tracing::debug!(
        ms = started.elapsed().as_millis(),
        rss_mb = crate::import::rss_mb(),
        "import: committed"
    );
    report.committed = true;
    Ok(report)
}

fn statuses(rows: &[PlannedRow]) -> String {
    rows.iter().map(|r| r.status.code()).collect()
}

/// The problems of a report, kept with its batch for the history and the error workbook.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StoredProblems {
    pub rows: Vec<u32>,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
    /// Batches stored before updates told their changes have none.
    #[serde(default)]
    pub changes: Vec<Problem>,
}

/// [`StoredProblems`] as it is written: the problems borrowed from the rows, not copied (a
/// roster with a warning on each of 100,000 rows held them all twice).
#[derive(Serialize)]
struct ProblemsToStore<'a> {
    rows: Vec<u32>,
    errors: Vec<&'a Problem>,
    warnings: Vec<&'a Problem>,
    changes: Vec<&'a Problem>,
}

/// Marks problems stored deflated, in base64. A roster with a warning on every row keeps a tenth
/// of the text in its batch row (1.5 MB instead of 15 MB for 100,000 warnings), and the driver and
/// SQLite, which each copy a bound text, copy that much less. Batches stored before the mark hold
/// plain JSON and read as they did.
const DEFLATED: &str = "deflate:";

impl StoredProblems {
    /// Every problem with its kind: errors, then warnings, then changes, each as stored.
    pub fn all(&self) -> impl Iterator<Item = (ProblemKind, &Problem)> {
        let errors = self.errors.iter().map(|p| (ProblemKind::Error, p));
        let warnings = self.warnings.iter().map(|p| (ProblemKind::Warning, p));
        let changes = self.changes.iter().map(|p| (ProblemKind::Change, p));
        errors.chain(warnings).chain(changes)
    }

    /// A batch's stored problems; none when the text cannot be read (logged).
    pub fn read(stored: &str) -> StoredProblems {
        let json = match stored.strip_prefix(DEFLATED) {
            Some(encoded) => inflate(encoded),
            None => Some(stored.as_bytes().to_vec()),
        };
        let problems = json.and_then(|json| serde_json::from_slice(&json).ok());
        if problems.is_none() && !stored.is_empty() {
            tracing::warn!("a batch's stored problems could not be read");
        }
        problems.unwrap_or_default()
    }
}

fn inflate(encoded: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    use std::io::Read;
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let mut json = Vec::new();
    flate2::read::DeflateDecoder::new(deflated.as_slice())
        .read_to_end(&mut json)
        .ok()?;
    Some(json)
}

fn stored_problems(rows: &[PlannedRow]) -> String {
    use base64::Engine;
    use std::io::Write;
    let problems = ProblemsToStore {
        rows: rows.iter().map(|r| r.row).collect(),
        errors: rows.iter().flat_map(|r| &r.errors).collect(),
        warnings: rows.iter().flat_map(|r| &r.warnings).collect(),
        changes: rows.iter().flat_map(|r| &r.changes).collect(),
    };
    // Serialised straight into the compressor: the JSON never exists whole.
    let deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut out = std::io::BufWriter::with_capacity(1 << 16, deflate);
    let deflated = serde_json::to_writer(&mut out, &problems)
        .ok()
        .and_then(|()| out.flush().ok())
        .and_then(|()| out.into_inner().ok())
        .and_then(|deflate| deflate.finish().ok());
    match deflated {
        Some(bytes) => {
            let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
            format!("{DEFLATED}{encoded}")
        }
        None => String::new(),
    }
}

async fn save_upload(db: &impl ConnectionTrait, request: &Request) -> Result<i64, AppError> {
    let row = import_upload::ActiveModel {
        file_name: Set(request.file_name.clone()),
        sha256: Set(sha256(&request.bytes)),
        bytes: Set(request.bytes.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

fn batch_model(
    actor: &Actor,
    request: &Request,
    report: &Report,
    upload_id: i64,
    state: &str,
) -> import_batch::ActiveModel {
    import_batch::ActiveModel {
        register: Set(request.register.as_str().to_owned()),
        file_name: Set(request.file_name.clone()),
        sha256: Set(sha256(&request.bytes)),
        upload_id: Set(Some(upload_id)),
        message: Set(None),
        created_at: Set(Utc::now()),
        committed_at: Set(None),
        undone_at: Set(None),
        ..outcome(actor, request, report, state)
    }
}

/// What a run of a batch concludes: its table, counts and judgements, who ran it and its state.
fn outcome(
    actor: &Actor,
    request: &Request,
    report: &Report,
    state: &str,
) -> import_batch::ActiveModel {
    import_batch::ActiveModel {
        sheet: Set(Some(report.sheet.clone())),
        header_row: Set(i32::try_from(report.header_row).ok()),
        mapping: Set(serde_json::to_string(&report.mapping).unwrap_or_default()),
        policy: Set(request.policy.as_str().to_owned()),
        state: Set(state.to_owned()),
        phase: Set("done".to_owned()),
        progress_done: Set(report.counts.rows_read as i64),
        progress_total: Set(report.counts.rows_read as i64),
        heartbeat_at: Set(Some(Utc::now())),
        counts: Set(serde_json::to_string(&report.counts).unwrap_or_default()),
        statuses: Set(statuses(&report.rows)),
        problems: Set(stored_problems(&report.rows)),
        user_id: Set(actor.user_id),
        actor: Set(actor.name.chars().take(100).collect()),
        ..Default::default()
    }
}

/// Fills in a previewed batch row with a later conclusion (refused, or previewed again).
async fn finish_job(
    db: &DatabaseConnection,
    id: i64,
    report: &Report,
    state: &str,
) -> Result<i64, AppError> {
    let active = import_batch::ActiveModel {
        state: Set(state.to_owned()),
        phase: Set("done".to_owned()),
        counts: Set(serde_json::to_string(&report.counts).unwrap_or_default()),
        statuses: Set(statuses(&report.rows)),
        problems: Set(stored_problems(&report.rows)),
        heartbeat_at: Set(Some(Utc::now())),
        ..Default::default()
    };
    if !update_batch(db, id, active).await? {
        return Err(AppError::NotFound(Msg::new("import.batch.not_found")));
    }
    Ok(id)
}

/// Sets the given columns of batch `id`, without reading the row before or after: its problems
/// may be megabytes of text. False when there is no such batch.
async fn update_batch(
    db: &impl ConnectionTrait,
    id: i64,
    active: import_batch::ActiveModel,
) -> Result<bool, AppError> {
    let updated = import_batch::Entity::update_many()
        .set(active)
        .filter(import_batch::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

async fn save_uncommitted(
    db: &DatabaseConnection,
    actor: &Actor,
    request: &Request,
    report: &Report,
    state: &str,
) -> Result<i64, AppError> {
    let txn = db::begin_write(db).await?;
    forget_stale_uploads(&txn).await?;
    let upload = save_upload(&txn, request).await?;
    let batch = batch_model(actor, request, report, upload, state)
        .insert(&txn)
        .await?;
    txn.commit().await?;
    Ok(batch.id)
}

/// Uploads of previews nobody committed are removed after a day.
async fn forget_stale_uploads(db: &impl ConnectionTrait) -> Result<(), AppError> {
    let day_ago = Utc::now() - chrono::Duration::days(1);
    let stale: Vec<import_batch::Model> = import_batch::Entity::find()
        .filter(import_batch::Column::State.eq("previewed"))
        .filter(import_batch::Column::CreatedAt.lt(day_ago))
        .all(db)
        .await?;
    for batch in stale {
        import_batch::Entity::delete_by_id(batch.id)
            .exec(db)
            .await?;
        if let Some(upload) = batch.upload_id {
            import_upload::Entity::delete_by_id(upload).exec(db).await?;
        }
    }
    Ok(())
}

/// The N of a test's hook in a file's name, `PREFIX-N-….xlsx`. Compiled only with the
/// `fault-injection` feature, which the tests turn on; a release build has no such hooks.
#[cfg(feature = "fault-injection")]
fn hook_row(file_name: &str, prefix: &str) -> Option<usize> {
    file_name
        .strip_prefix(prefix)
        .and_then(|rest| rest.split('-').next())
        .and_then(|n| n.parse().ok())
}

/// How many records a commit may write before a test's injected failure: a file named
/// `fail-after-N-….xlsx` fails once N are written (new records are written in chunks, so the
/// failure comes after the chunk that holds the Nth).
#[cfg(feature = "fault-injection")]
fn fault_limit(file_name: &str) -> usize {
    hook_row(file_name, "fail-after-").unwrap_or(usize::MAX)
}

#[cfg(not(feature = "fault-injection"))]
fn fault_limit(_file_name: &str) -> usize {
    usize::MAX
}

/// A test's chosen stop: a file named `pause-after-N-….xlsx` holds its commit, transaction open,
/// once the chunk holding row N is written, until the process is killed — the crash-safety test
/// kills the server there.
#[cfg(feature = "fault-injection")]
pub(super) async fn pause_if_asked(file_name: &str, done: usize) {
    if hook_row(file_name, "pause-after-").is_some_and(|at| done >= at) {
        tracing::warn!(file_name, done, "import paused for a crash test");
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    }
}

#[cfg(not(feature = "fault-injection"))]
pub(super) async fn pause_if_asked(_file_name: &str, _done: usize) {}

pub(super) fn check_fault(limit: usize, done: usize) -> Result<(), AppError> {
    if done >= limit {
        return Err(AppError::Internal(format!(
            "injected failure after {done} writes"
        )));
    }
    Ok(())
}

/// What a commit needs: who, what was asked, the table, and the job row of a web commit.
/// An import of at least this many rows refreshes the database's statistics after it commits.
const ANALYZE_AFTER_ROWS: u64 = 10_000;

struct Commit<'a> {
    actor: &'a Actor,
    request: &'a Request,
    table: &'a Table<'a>,
    job: Option<i64>,
    on_progress: OnProgress<'a>,
}

impl Commit<'_> {
    /// Writes the import in one transaction: the batch, the records, before-values for undo, one
    /// audit entry. Fills in the report's rows and counts when it judged them itself (patents).
    async fn run(
        &self,
        db: &DatabaseConnection,
        report: &mut Report,
        writes: Option<Writes>,
        arriving: Option<(&mut DataRows<'_>, usize)>,
    ) -> Result<i64, AppError> {
        let limit = fault_limit(&self.request.file_name);
        (self.on_progress)("committing", 0, 0);
        let txn = db::begin_write(db).await?;
        db::plan_statements(&txn, db::Planning::ForValues).await?;
        let batch = self.open_batch(&txn, report).await?;
        let on_progress = self.on_progress;
        let tick = |total: usize| {
            move |done: usize| {
                check_fault(limit, done)?;
                on_progress("committing", done as u64, total as u64);
                Ok(())
            }
        };
        match writes {
            Some(Writes::Enterprises(writes)) => {
                let tick = tick(writes.len());
                enterprise_rows::commit(&txn, self.actor, batch, writes, &tick).await?
            }
            Some(Writes::Ledger(writes)) => {
                let tick = tick(writes.len());
                ledger_rows::commit(&txn, self.actor, batch, writes, &tick).await?
            }
            None => {
                report.rows = self.write_patents(&txn, batch, limit, arriving).await?;
                report.counts = Counts::of(&report.rows);
            }
        }
        tracing::trace!(rss_mb = crate::import::rss_mb(), "import: records written");
        if report.mapping.has_choices() {
            mapping::remember(&txn, self.request.register, &report.mapping).await?;
        }
        let batch = self.close_batch(&txn, batch, report).await?;
        let changes = Changes::new()
            .field("file", None::<String>, &self.request.file_name)
            .field("counts", None::<Counts>, report.counts);
        audit::record(
            &txn,
            self.actor,
            Event::new("import", "import_batch", batch).with(changes),
        )
        .await?;
        tracing::trace!(rss_mb = crate::import::rss_mb(), "import: committing");
        txn.commit().await?;
        crate::reports::tallies::fold_now(db).await;
        let total = report.counts.rows_read;
        if total >= ANALYZE_AFTER_ROWS
            && let Err(error) = db::refresh_statistics(db).await
        {
            tracing::warn!(%error, "could not refresh the planner's statistics");
        }
        (self.on_progress)("done", total, total);
        Ok(batch)
    }

    /// The batch's id: a new row (the CLI and the API), or the web's job row. The job row is left
    /// untouched until [`Commit::close_batch`], so that while the records are written no lock is
    /// held on it and its progress can be stored from outside the transaction (PostgreSQL).
    async fn open_batch(
        &self,
        txn: &DatabaseTransaction,
        report: &Report,
    ) -> Result<i64, AppError> {
        Ok(match self.job {
            Some(id) => id,
            None => {
                let upload = save_upload(txn, self.request).await?;
                batch_model(self.actor, self.request, report, upload, "committed")
                    .insert(txn)
                    .await?
                    .id
            }
        })
    }

    /// Marks the batch committed with its final counts, the last write of the transaction.
    async fn close_batch(
        &self,
        txn: &DatabaseTransaction,
        id: i64,
        report: &Report,
    ) -> Result<i64, AppError> {
        // The file, its digest and its upload were stored when the row was made.
        let active = import_batch::ActiveModel {
            committed_at: Set(Some(Utc::now())),
            ..outcome(self.actor, self.request, report, "committed")
        };
        if !update_batch(txn, id, active).await? {
            return Err(AppError::Internal(format!("import: batch {id} is gone")));
        }
        Ok(id)
    }

    /// Judges and writes a patents roster a chunk at a time — the table's rows, or those still
    /// `arriving` (with how many the file says there are); returns every row's judgement.
    async fn write_patents(
        &self,
        txn: &DatabaseTransaction,
        batch: i64,
        limit: usize,
        arriving: Option<(&mut DataRows<'_>, usize)>,
    ) -> Result<Vec<PlannedRow>, AppError> {
        let (filled, read);
        let (rows, total) = match arriving {
            Some((rows, total)) => (Rows::Arriving(rows), total),
            None => {
                filled = self.table.data_rows();
                read = filled.iter().map(AsRef::as_ref).collect::<Vec<&Row>>();
                (Rows::Read(&read), read.len())
            }
        };
        let jurisdiction = jurisdiction(txn).await?;
        let today = today(txn).await?;
        let mut planner = patent_rows::Planner::new(
            &self.table.mapping,
            &jurisdiction,
            self.table.workbook.is_1904,
            today,
        );
        let on_progress = self.on_progress;
        let commit = PatentCommit {
            txn,
            batch,
            mapping: &self.table.mapping,
            // A file may say it has fewer rows than it has.
            on_progress: &|done| on_progress("committing", done as u64, total.max(done) as u64),
            fault_limit: limit,
            file_name: &self.request.file_name,
        };
        commit.run(rows, total, &mut planner).await
    }
}

/// The imports: every batch but a preview never committed.
fn imports() -> sea_orm::Select<import_batch::Entity> {
    import_batch::Entity::find().filter(import_batch::Column::State.ne("previewed"))
}

/// The imports, newest first.
fn newest_first() -> sea_orm::Select<import_batch::Entity> {
    imports()
        .order_by_desc(import_batch::Column::CreatedAt)
        .order_by_desc(import_batch::Column::Id)
}

/// A page of the import history, newest first, and how many imports it holds in all.
pub async fn history(
    db: &impl ConnectionTrait,
    request: PageRequest,
) -> Result<(Vec<import_batch::Model>, u64), AppError> {
    use sea_orm::{PaginatorTrait, QuerySelect};
    let total = imports().count(db).await?;
    let rows = newest_first()
        .offset(request.offset())
        .limit(request.per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// The real names of the users who ran these imports, by user id.
pub async fn user_names(
    db: &impl ConnectionTrait,
    batches: &[import_batch::Model],
) -> Result<HashMap<i64, String>, AppError> {
    crate::auth::users::names_by_id(db, batches.iter().filter_map(|b| b.user_id)).await
}

/// The latest `count` imports (the home page's), without counting the rest.
pub async fn latest(
    db: &impl ConnectionTrait,
    count: u64,
) -> Result<Vec<import_batch::Model>, AppError> {
    use sea_orm::QuerySelect;
    Ok(newest_first().limit(count).all(db).await?)
}

/// An import's number as a path gives it; anything else is no import at all.
pub fn batch_id(raw: &str) -> Result<i64, AppError> {
    crate::error::record_id(raw, "import.batch.not_found")
}

pub async fn batch(db: &impl ConnectionTrait, id: i64) -> Result<import_batch::Model, AppError> {
    import_batch::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(Msg::new("import.batch.not_found")))
}

/// Marks a status by its one-character code, for reports rebuilt from a stored batch.
pub fn status_of(code: char) -> RowStatus {
    RowStatus::from_code(code).unwrap_or(RowStatus::Invalid)
}

/// Each row of a stored batch's table (its 1-based number) with the status the import gave it.
pub fn stored_statuses<'p>(
    batch: &'p import_batch::Model,
    problems: &'p StoredProblems,
) -> impl Iterator<Item = (u32, RowStatus)> + 'p {
    problems
        .rows
        .iter()
        .copied()
        .zip(batch.statuses.chars().map(status_of))
}

/// The sheet of a stored batch's table in its workbook read again, with its index.
pub fn stored_sheet<'w>(
    batch: &import_batch::Model,
    workbook: &'w Workbook,
) -> Result<(usize, &'w Sheet), AppError> {
    let index = workbook
        .sheets
        .iter()
        .position(|s| Some(&s.name) == batch.sheet.as_ref())
        .unwrap_or(0);
    let sheet = workbook
        .sheets
        .get(index)
        .ok_or_else(|| AppError::Internal("sheet vanished".into()))?;
    Ok((index, sheet))
}

/// Where a stored batch's table is in its sheet (read again): the header row it was read with,
/// and whether that header takes two rows.
pub fn stored_table_at(batch: &import_batch::Model, sheet: &Sheet, sheet_index: usize) -> TableAt {
    let register = Register::parse(&batch.register).unwrap_or(Register::Patents);
    let header_row = u32::try_from(batch.header_row.unwrap_or(1).max(1) - 1).unwrap_or(0);
    layout::with_best_depth(sheet, spec(register), sheet_index, header_row)
}

/// Rows of a stored batch's table (by their 1-based numbers) as the import judged them, cells
/// merged down filled in, by their 0-based index.
pub fn judged_rows<'s>(
    batch: &import_batch::Model,
    sheet: &'s Sheet,
    sheet_index: usize,
    mapping: &[MappedColumn],
    rows: impl Iterator<Item = u32>,
) -> HashMap<u32, Cow<'s, Row>> {
    let wanted: HashSet<u32> = rows.map(|row| row.saturating_sub(1)).collect();
    let at = stored_table_at(batch, sheet, sheet_index);
    let columns = super::mapping::mapped_columns(mapping);
    layout::filled_data_rows(sheet, at, &columns)
        .filter(|row| wanted.contains(&row.index))
        .map(|row| (row.index, row))
        .collect()
}

/// The mapped columns of a stored batch.
pub fn stored_mapping(batch: &import_batch::Model) -> Vec<MappedColumn> {
    serde_json::from_str::<Mapping>(&batch.mapping)
        .map(|m| m.columns)
        .unwrap_or_default()
}

/// What a preview page reads of its stored upload (`rows`: the page's row numbers, 1-based): the
/// table's sheet only, down to the page's last row, with its merged cells (the cells merged down
/// are shown filled in, as they were judged). A page with no rows reads down to the header row: a
/// sheet's first rows may be empty, and a read of no cells is refused.
pub fn page_scope(batch: &import_batch::Model, rows: impl Iterator<Item = u32>) -> Scope {
    let page_end = rows.map(|row| row.saturating_sub(1)).max();
    let header = batch.header_row.and_then(|row| u32::try_from(row - 1).ok());
    Scope {
        sheet: batch.sheet.clone(),
        last_row: page_end.or(header),
        without_merges: false,
    }
}

/// The request a stored preview was made from, with its mapping as choices, ready to commit.
pub async fn stored_request(
    db: &impl ConnectionTrait,
    batch: &import_batch::Model,
    policy: Policy,
) -> Result<Request, AppError> {
    let upload_id = batch
        .upload_id
        .ok_or_else(|| AppError::Conflict(Msg::new("import.batch.upload_gone")))?;
    let upload = import_upload::Entity::find_by_id(upload_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::Conflict(Msg::new("import.batch.upload_gone")))?;
    let mapping: Mapping = serde_json::from_str(&batch.mapping).unwrap_or_default();
    let choices: Choices = mapping
        .columns
        .iter()
        .map(|c| (c.letter.clone(), c.field.clone().unwrap_or_default()))
        .collect();
    Ok(Request {
        file_name: batch.file_name.clone(),
        bytes: upload.bytes,
        register: Register::parse(&batch.register).unwrap_or(Register::Patents),
        sheet: batch.sheet.clone(),
        header_row: batch.header_row.and_then(|r| u32::try_from(r).ok()),
        choices,
        dry_run: false,
        policy,
    })
}

/// Marks a batch as running (the web flow's commit job starts), unless it is not a preview.
pub async fn start_job(db: &DatabaseConnection, id: i64, policy: Policy) -> Result<(), AppError> {
    let txn = db::begin_write(db).await?;
    let existing = batch(&txn, id).await?;
    if existing.state != "previewed" {
        return Err(AppError::Conflict(
            Msg::new("import.batch.not_previewed")
                .arg("state", format!("@import.state.{}", existing.state)),
        ));
    }
    let mut active: import_batch::ActiveModel = existing.into();
    active.state = Set("running".to_owned());
    active.phase = Set("committing".to_owned());
    active.policy = Set(policy.as_str().to_owned());
    active.heartbeat_at = Set(Some(Utc::now()));
    active.update(&txn).await?;
    txn.commit().await?;
    report_progress(id, "committing", 0, 0);
    Ok(())
}

/// Records that a job failed, with the sentence to show.
pub async fn fail_job(db: &DatabaseConnection, id: i64, message: &Msg) -> Result<(), AppError> {
    let existing = batch(db, id).await?;
    let mut active: import_batch::ActiveModel = existing.into();
    active.state = Set("failed".to_owned());
    active.phase = Set("done".to_owned());
    active.message = Set(Some(serde_json::to_string(message).unwrap_or_default()));
    active.update(db).await?;
    forget_progress(id);
    Ok(())
}

/// How long a running job may go without a heartbeat before it counts as failed (its instance
/// stopped).
pub const HEARTBEAT_LIMIT: chrono::Duration = chrono::Duration::minutes(2);

/// A batch's progress: from this process while it runs here, else from its row; a running job
/// whose heartbeat stopped is marked failed.
pub async fn progress(
    db: &DatabaseConnection,
    id: i64,
) -> Result<(import_batch::Model, Progress), AppError> {
    let row = batch(db, id).await?;
    if let Some(progress) = progress_in_process(id) {
        return Ok((row, progress));
    }
    let stale = row.state == "running"
        && row
            .heartbeat_at
            .is_none_or(|at| Utc::now() - at > HEARTBEAT_LIMIT);
    if stale {
        fail_job(db, id, &Msg::new("import.batch.stopped")).await?;
        let row = batch(db, id).await?;
        return Ok((
            row,
            Progress {
                phase: "done".into(),
                ..Progress::default()
            },
        ));
    }
    let progress = Progress {
        phase: row.phase.clone(),
        done: u64::try_from(row.progress_done).unwrap_or_default(),
        total: u64::try_from(row.progress_total).unwrap_or_default(),
        at: row.heartbeat_at,
    };
    Ok((row, progress))
}

/// How often a running job's progress (and so its heartbeat) is copied to its row.
const PUBLISH_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Copies this process's progress of a job to its row once a second until the job ends here, so
/// that every instance over the same PostgreSQL database shows it and sees the job alive. (On
/// SQLite there is one instance, which reads its own memory.)
pub async fn publish_progress(db: DatabaseConnection, id: i64) {
    while let Some(progress) = progress_in_process(id) {
        store_progress(&db, id, &progress.phase, progress.done, progress.total).await;
        tokio::time::sleep(PUBLISH_EVERY).await;
    }
}

/// Writes a running job's progress to its row; a row already committed or failed is left as it is.
pub async fn store_progress(db: &DatabaseConnection, id: i64, phase: &str, done: u64, total: u64) {
    use sea_orm::sea_query::Expr;
    let result = import_batch::Entity::update_many()
        .col_expr(import_batch::Column::Phase, Expr::value(phase))
        .col_expr(import_batch::Column::ProgressDone, Expr::value(done as i64))
        .col_expr(
            import_batch::Column::ProgressTotal,
            Expr::value(total as i64),
        )
        .col_expr(import_batch::Column::HeartbeatAt, Expr::value(Utc::now()))
        .filter(import_batch::Column::Id.eq(id))
        .filter(import_batch::Column::State.eq("running"))
        .exec(db)
        .await;
    if let Err(error) = result {
        tracing::warn!(%error, "could not store import progress");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warned_row(row: u32) -> PlannedRow {
        let problem = Problem {
            row,
            column: "H".into(),
            header: "地址".into(),
            field: "address".into(),
            value: format!("某省某市某镇 {row} 号"),
            msg: Msg::new("import.patents.unknown_township").arg("name", row),
        };
        PlannedRow {
            row,
            status: RowStatus::New,
            errors: if row.is_multiple_of(7) {
                vec![problem.clone()]
            } else {
                Vec::new()
            },
            warnings: vec![problem],
            changes: Vec::new(),
        }
    }

    #[test]
    fn stored_problems_read_back_as_they_were_and_far_smaller() {
        let rows: Vec<PlannedRow> = (5..10_005).map(warned_row).collect();
        let stored = stored_problems(&rows);
        let read = StoredProblems::read(&stored);
        assert_eq!(read.rows, rows.iter().map(|r| r.row).collect::<Vec<_>>());
        let errors: Vec<Problem> = rows.iter().flat_map(|r| r.errors.clone()).collect();
        let warnings: Vec<Problem> = rows.iter().flat_map(|r| r.warnings.clone()).collect();
        assert_eq!(read.errors, errors);
        assert_eq!(read.warnings, warnings);
        let plain = serde_json::to_string(&read).unwrap();
        assert!(
            stored.len() * 5 < plain.len(),
            "{} of {}",
            stored.len(),
            plain.len()
        );
    }

    #[test]
    fn problems_stored_before_as_plain_json_still_read() {
        let rows = [warned_row(4), warned_row(7)];
        let old = StoredProblems {
            rows: vec![4, 7],
            errors: rows[1].errors.clone(),
            warnings: rows.iter().flat_map(|r| r.warnings.clone()).collect(),
            changes: Vec::new(),
        };
        // Stored before updates told their changes: no `changes` at all.
        let mut json = serde_json::to_value(&old).unwrap();
        json.as_object_mut().unwrap().remove("changes");
        let read = StoredProblems::read(&json.to_string());
        assert_eq!(read.rows, old.rows);
        assert_eq!(read.errors, old.errors);
        assert_eq!(read.warnings, old.warnings);
        assert!(read.changes.is_empty());
        // Text that is neither reads as no problems, not as a failure of the page.
        for broken in ["", "deflate:!!", "deflate:AAAA", "{\"rows\": [1"] {
            assert!(StoredProblems::read(broken).rows.is_empty(), "{broken}");
        }
    }
}
