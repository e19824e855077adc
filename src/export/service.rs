//! Running an export: which rows (the list page's filters, a period), the columns, the titles and
//! the file name in the reader's language; then rows read from the database a chunk at a time and
//! handed to the writer on a thread of its own, so reading and writing overlap and memory stays
//! flat whatever the register's size.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, Utc};
use futures_util::StreamExt;
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, StreamTrait};
use tokio::sync::mpsc::{Receiver, Sender};

use super::cases::CaseExport;
use super::enterprises::EnterpriseExport;
use super::events::EventExport;
use super::inspections::InspectionExport;
use super::patents::PatentExport;
use super::visits::VisitExport;
use super::writer::{Chunk, Column, RegisterWriter, Titles, Total};
use super::{Period, Register, Request};
use crate::error::AppError;
use crate::i18n::{Lang, Msg, t};
use crate::settings::lists::{self, ListKind};
use crate::{clock, db, settings};

/// Rows are read from the database this many at a time.
const CHUNK: usize = 1_000;

/// Where the workbook goes.
#[derive(Clone, Debug)]
pub enum Target {
    /// Kept in memory (a download).
    Bytes,
    /// Written to a file (the CLI).
    File(PathBuf),
}

/// A written export.
#[derive(Clone, Debug)]
pub struct Export {
    pub register: Register,
    /// What to call the file: 专利台账_秭归县_2026-11-28.xlsx.
    pub file_name: String,
    pub rows: usize,
    /// The workbook, for [`Target::Bytes`].
    pub bytes: Option<Vec<u8>>,
}

/// The rows of one register.
enum Plan {
    Patents(Box<PatentExport>),
    Enterprises(EnterpriseExport),
    Events(EventExport),
    Visits(VisitExport),
    Inspections(InspectionExport),
    Cases(CaseExport),
}

impl Plan {
    fn columns(&self) -> Vec<Column> {
        match self {
            Plan::Patents(p) => p.columns(),
            Plan::Enterprises(e) => e.columns(),
            Plan::Events(e) => e.columns(),
            Plan::Visits(v) => v.columns(),
            Plan::Inspections(i) => i.columns(),
            Plan::Cases(c) => c.columns(),
        }
    }

    /// The totals row's figures: how many rows (the key column), and the events' sums.
    fn totals(&self) -> Vec<Total> {
        match self {
            Plan::Events(e) => e.totals(),
            Plan::Visits(v) => v.totals(),
            Plan::Inspections(i) => i.totals(),
            Plan::Cases(c) => c.totals(),
            _ => vec![Total::Count(1)],
        }
    }

    /// Sends the rows to the writer, a chunk at a time; returns how many. Every row is read in
    /// one snapshot of the database (`db::begin_read`), so a patent deleted or added by another
    /// user meanwhile is wholly in the file or wholly out of it, and the numbering has no gaps.
    async fn send(
        &self,
        db: &DatabaseConnection,
        sender: &Sender<Feed>,
    ) -> Result<usize, AppError> {
        let txn = db::begin_read(db).await?;
        let beside = match self {
            Plan::Patents(_) => db::begin_read_beside(db, &txn).await?,
            _ => None,
        };
        let sent = match self {
            Plan::Patents(p) => send_patents(&txn, beside.as_ref(), p, sender).await,
            Plan::Enterprises(e) => send_enterprises(&txn, e, sender).await,
            Plan::Events(e) => send_events(&txn, e, sender).await,
            Plan::Visits(v) => send_visits(&txn, v, sender).await,
            Plan::Inspections(i) => send_inspections(&txn, i, sender).await,
            Plan::Cases(c) => send_cases(&txn, c, sender).await,
        };
        // Nothing was written: ending the transactions either way releases the snapshot. An
        // error of the reading comes first; it may be why they cannot be ended.
        let sent = sent?;
        if let Some(beside) = beside {
            beside.rollback().await?;
        }
        txn.rollback().await?;
        Ok(sent)
    }
}

/// The period of the grants register: a year, from and to, or this year so far. Its errors are
/// whole sentences (the period comes in a link or on the command line, not a form to mark up).
pub fn period(query: &Period, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), AppError> {
    if let Some(year) = *query.year {
        let start = NaiveDate::from_ymd_opt(year, 1, 1);
        let end = NaiveDate::from_ymd_opt(year, 12, 31);
        return match (start, end) {
            (Some(start), Some(end)) => Ok((start, end)),
            _ => Err(AppError::BadRequest(
                Msg::new("export.period.bad_year").arg("year", year),
            )),
        };
    }
    let date = |raw: &Option<String>| crate::dates::parse_given(raw.as_deref());
    let from = date(&query.from)?;
    let to = date(&query.to)?;
    let from = from
        .or_else(|| NaiveDate::from_ymd_opt(today.year(), 1, 1))
        .unwrap_or(today);
    let to = to.unwrap_or(today);
    if to < from {
        return Err(AppError::BadRequest(
            Msg::new("export.period.bad_order")
                .arg("from", from)
                .arg("to", to),
        ));
    }
    Ok((from, to))
}

/// A workbook's title: "专利台账（秭归县）", or the name alone before the county is set.
pub fn title(name: &str, county: &str, lang: Lang) -> String {
    if county.is_empty() {
        name.to_owned()
    } else {
        Msg::new("export.title")
            .arg("register", name)
            .arg("county", county)
            .render(lang)
    }
}

/// A file name without characters file systems refuse.
fn file_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// Everything about an export but its rows.
struct Prepared {
    plan: Plan,
    titles: Titles,
    file_name: String,
}

async fn prepare(
    db: &impl ConnectionTrait,
    request: &Request,
    lang: Lang,
    now: chrono::DateTime<Utc>,
) -> Result<Prepared, AppError> {
    let settings = settings::service::load(db).await?;
    let today = now.with_timezone(&settings.timezone.0).date_naive();
    let register = request.register();
    let grants = match request {
        Request::Grants(_, period_asked) => Some(period(period_asked, today)?),
        _ => None,
    };
    let plan = plan(db, request, grants, lang).await?;
    let name = t(lang, &format!("export.register.{}", register.as_str()));
    let county = settings.jurisdiction.county.clone().unwrap_or_default();
    let filters = super::subtitle::described(request, grants, lang);
    let at = clock::display(now, settings.timezone);
    let subtitle = if filters.is_empty() {
        Msg::new("export.subtitle.all").arg("at", at).render(lang)
    } else {
        Msg::new("export.subtitle.filtered")
            .arg("filters", filters)
            .arg("at", at)
            .render(lang)
    };
    let stamp = match grants {
        Some((from, to)) => Msg::new("export.file.range")
            .arg("from", from)
            .arg("to", to)
            .render(lang),
        None => today.to_string(),
    };
    let file_name = file_name(&[&name, &county, &stamp]);
    let titles = Titles {
        title: title(&name, &county, lang),
        subtitle,
        sheet: name.clone(),
        totals: t(lang, "export.totals"),
        footer: t(lang, "export.footer"),
        company: county,
        subject: name,
    };
    Ok(Prepared {
        plan,
        titles,
        file_name,
    })
}

/// Which rows of which register, in the reader's language.
async fn plan(
    db: &impl ConnectionTrait,
    request: &Request,
    grants: Option<(NaiveDate, NaiveDate)>,
    lang: Lang,
) -> Result<Plan, AppError> {
    Ok(match request {
        Request::Events(filter) => Plan::Events(EventExport::new(filter.clone(), lang)),
        Request::Visits(filter) => Plan::Visits(VisitExport::new(filter.clone(), lang)),
        Request::Inspections(filter) => {
            Plan::Inspections(InspectionExport::new(filter.clone(), lang))
        }
        Request::Cases(filter) => Plan::Cases(CaseExport {
            filter: filter.clone(),
            lang,
        }),
        Request::Enterprises(filter) => Plan::Enterprises(EnterpriseExport {
            filter: filter.clone(),
            lang,
        }),
        Request::Patents(filter) | Request::Grants(filter, _) => {
            let townships = lists::names_by_id(db, ListKind::Townships).await?;
            Plan::Patents(Box::new(PatentExport::new(
                filter.clone(),
                grants,
                lang,
                townships,
            )))
        }
    })
}

/// "专利台账_秭归县_2026-11-28.xlsx": the parts that are set, joined, without characters file
/// systems refuse.
fn file_name(parts: &[&str]) -> String {
    let parts: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    file_safe(&parts.join("_")) + ".xlsx"
}

/// Before anything is read: the name must end in .xlsx and the place must take a file
/// ([`check_place`]).
fn check_target(target: &Target) -> Result<(), AppError> {
    let Target::File(path) = target else {
        return Ok(());
    };
    // An Excel workbook under another name (台账.csv) is refused by Excel when opened, or
    // opened by the wrong program: the name must say what the file is.
    let xlsx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if !xlsx {
        return Err(AppError::BadRequest(
            Msg::new("export.not_xlsx")
                .arg("path", path.display())
                .arg("suggested", path.with_extension("xlsx").display()),
        ));
    }
    check_place(path)
}

/// The file's folder must be there, and what the name already names may only be a plain file:
/// the file is renamed into place, which would put it in the stead of a device, a pipe or a link
/// (as root, `-o /dev/null` would replace the device).
fn check_place(path: &Path) -> Result<(), AppError> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(folder) = folder
        && !folder.is_dir()
    {
        return Err(AppError::BadRequest(
            Msg::new("export.no_folder").arg("path", folder.display()),
        ));
    }
    match std::fs::symlink_metadata(path) {
        Ok(found) if !found.file_type().is_file() => Err(AppError::BadRequest(
            Msg::new("export.not_a_file").arg("path", path.display()),
        )),
        _ => Ok(()),
    }
}

/// Saves beside the target and renames, so a failed export leaves no half-written file (and an
/// older export of the same name stays whole until the new one is complete).
fn save_file(workbook: &mut rust_xlsxwriter::Workbook, path: &Path) -> Result<(), AppError> {
    replace_whole(path, |partial| {
        workbook.save(partial).map_err(|error| match error {
            rust_xlsxwriter::XlsxError::IoError(error) => error,
            other => std::io::Error::other(other.to_string()),
        })
    })
}

/// Writes a workbook's bytes to a file the same way; the name must end in .xlsx.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    check_target(&Target::File(path.to_path_buf()))?;
    replace_whole(path, |partial| std::fs::write(partial, bytes))
}

/// Writes any file's bytes (a case's attachment) the same way, under whatever name it has.
pub fn write_as_is(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    check_place(path)?;
    replace_whole(path, |partial| std::fs::write(partial, bytes))
}

/// Has `write` make `path` beside it, then renames it into place; on failure removes the part
/// and says why in the reader's language (the system's own words go to the log).
fn replace_whole(
    path: &Path,
    write: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Result<(), AppError> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".part");
    let partial = PathBuf::from(partial);
    let written = write(&partial).and_then(|()| std::fs::rename(&partial, path));
    written.map_err(|error| {
        tracing::error!(%error, path = %path.display(), "export: cannot write the file");
        let _ = std::fs::remove_file(&partial);
        AppError::BadRequest(
            Msg::new("export.write_failed")
                .arg("path", path.display())
                .arg("reason", crate::db::FileTrouble::of_io(&error).reason()),
        )
    })
}

/// Exports a register, its rows chosen by the request's filters, in `lang`.
pub async fn export(
    db: &DatabaseConnection,
    request: &Request,
    lang: Lang,
    target: Target,
) -> Result<Export, AppError> {
    check_target(&target)?;
    let now = Utc::now();
    let prepared = prepare(db, request, lang, now).await?;
    let started = std::time::Instant::now();
    let writer = RegisterWriter::new(prepared.titles, prepared.plan.columns(), 2, now)?;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Feed>(4);
    // The writer turns rows into XML on a thread of its own while the database streams more.
    let totals = prepared.plan.totals();
    let writing = tokio::task::spawn_blocking(move || write_all(writer, receiver, target, &totals));
    let read = prepared.plan.send(db, &sender).await;
    if read.is_err() {
        // The rows are incomplete: the writer is told to stop without saving.
        let _ = sender.send(Feed::Abort).await;
    }
    drop(sender);
    tracing::debug!(ms = elapsed_ms(started), "export: rows read");
    let written = writing
        .await
        .map_err(|e| AppError::Internal(format!("the export's writer stopped: {e}")));
    let rows = read?;
    let bytes = written??;
    tracing::debug!(ms = elapsed_ms(started), "export: saved");
    Ok(Export {
        register: request.register(),
        file_name: prepared.file_name,
        rows,
        bytes,
    })
}

/// What the writer's thread is sent.
enum Feed {
    Rows(Chunk),
    /// The rows could not all be read: save nothing.
    Abort,
}

fn elapsed_ms(since: std::time::Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Patents are read by their ids, a chunk at a time (a large register's rows in one value a
/// chunk: see `PatentExport::rows`); their applicants all at once, while the ids are chosen
/// (`beside`, a second transaction in the same snapshot, where the database has one).
async fn send_patents(
    db: &DatabaseTransaction,
    beside: Option<&DatabaseTransaction>,
    plan: &PatentExport,
    sender: &Sender<Feed>,
) -> Result<usize, AppError> {
    let selection = plan.selection(db).await?;
    let (ids, applicants) = tokio::join!(
        plan.ids(db, selection.clone()),
        plan.applicants(beside.unwrap_or(db), selection)
    );
    let (ids, applicants) = (ids?, applicants?);
    let chunks: Vec<&[i64]> = ids.chunks(CHUNK).collect();
    let Some(first) = chunks.first() else {
        return Ok(0);
    };
    let mut text = plan.chunk_text(db, first).await?;
    for (index, ids) in chunks.iter().enumerate() {
        // The database reads the next chunk while this one becomes cells.
        let next = chunks.get(index + 1).map(|next| plan.chunk_text(db, next));
        let read = async {
            let mut chunk = Chunk::with_capacity(ids.len());
            for row in plan.rows(&text, ids, index * CHUNK + 1, applicants.as_ref()) {
                chunk.push(row);
            }
            chunk
        };
        let (chunk, next) = match next {
            Some(next) => {
                // The query first: its first poll hands it to the database's thread.
                let (next, chunk) = tokio::join!(next, read);
                (chunk, Some(next?))
            }
            None => (read.await, None),
        };
        // A writer that stopped has its error waiting for the caller.
        if sender.send(Feed::Rows(chunk)).await.is_err() {
            break;
        }
        match next {
            Some(next) => text = next,
            None => break,
        }
    }
    Ok(ids.len())
}

/// Enterprises are streamed from one query, a row at a time (registers of thousands).
async fn send_enterprises<D: ConnectionTrait + StreamTrait>(
    db: &D,
    plan: &EnterpriseExport,
    sender: &Sender<Feed>,
) -> Result<usize, AppError> {
    let statement = plan.statement(db).await?;
    let stream = StreamTrait::stream(db, &statement).await?;
    let mut stream = std::pin::pin!(stream);
    let mut chunk = Chunk::with_capacity(CHUNK);
    let mut rows = 0;
    while let Some(result) = stream.next().await {
        rows += 1;
        chunk.push(plan.row(&result?, rows)?);
        if chunk.len() == CHUNK {
            let full = std::mem::replace(&mut chunk, Chunk::with_capacity(CHUNK));
            if sender.send(Feed::Rows(full)).await.is_err() {
                return Ok(rows);
            }
        }
    }
    if !chunk.is_empty() {
        let _ = sender.send(Feed::Rows(chunk)).await;
    }
    Ok(rows)
}

/// Events are read at once (a county holds hundreds) and sent a chunk at a time.
async fn send_events(
    db: &impl ConnectionTrait,
    plan: &EventExport,
    sender: &Sender<Feed>,
) -> Result<usize, AppError> {
    let events = plan.events(db).await?;
    for (index, events) in events.chunks(CHUNK).enumerate() {
        let mut chunk = Chunk::with_capacity(events.len());
        for (offset, event) in events.iter().enumerate() {
            chunk.push(plan.row(event, index * CHUNK + offset + 1));
        }
        if sender.send(Feed::Rows(chunk)).await.is_err() {
            break;
        }
    }
    Ok(events.len())
}

/// Visits are read at once (a county makes hundreds a year) and sent a chunk at a time.
async fn send_visits(
    db: &impl ConnectionTrait,
    plan: &VisitExport,
    sender: &Sender<Feed>,
) -> Result<usize, AppError> {
    let visits = plan.visits(db).await?;
    for (index, visits) in visits.chunks(CHUNK).enumerate() {
        let mut chunk = Chunk::with_capacity(visits.len());
        for (offset, visit) in visits.iter().enumerate() {
            chunk.push(plan.row(visit, index * CHUNK + offset + 1));
        }
        if sender.send(Feed::Rows(chunk)).await.is_err() {
            break;
        }
    }
    Ok(visits.len())
}

/// Inspections are read at once (a county makes tens a year) and sent a chunk at a time.
async fn send_inspections(
    db: &impl ConnectionTrait,
    plan: &InspectionExport,
    sender: &Sender<Feed>,
) -> Result<usize, AppError> {
    let inspections = plan.inspections(db).await?;
    for (index, inspections) in inspections.chunks(CHUNK).enumerate() {
        let mut chunk = Chunk::with_capacity(inspections.len());
        for (offset, inspection) in inspections.iter().enumerate() {
            chunk.push(plan.row(inspection, index * CHUNK + offset + 1));
        }
        if sender.send(Feed::Rows(chunk)).await.is_err() {
            break;
        }
    }
    Ok(inspections.len())
}

/// Cases are worked out at once (a county opens tens a year) and sent a chunk at a time.
async fn send_cases(
    db: &impl ConnectionTrait,
    plan: &CaseExport,
    sender: &Sender<Feed>,
) -> Result<usize, AppError> {
    let cases = plan.cases(db).await?;
    for (index, cases) in cases.chunks(CHUNK).enumerate() {
        let mut chunk = Chunk::with_capacity(cases.len());
        for (offset, case) in cases.iter().enumerate() {
            chunk.push(plan.row(case, index * CHUNK + offset + 1));
        }
        if sender.send(Feed::Rows(chunk)).await.is_err() {
            break;
        }
    }
    Ok(cases.len())
}

/// The writer's side: every row it is sent, then the totals, then the workbook saved.
fn write_all(
    mut writer: RegisterWriter,
    mut receiver: Receiver<Feed>,
    target: Target,
    totals: &[Total],
) -> Result<Option<Vec<u8>>, AppError> {
    while let Some(feed) = receiver.blocking_recv() {
        let Feed::Rows(chunk) = feed else {
            return Err(AppError::Internal(
                "the export stopped before its last row".into(),
            ));
        };
        writer.chunk(chunk)?;
    }
    let mut workbook = writer.finish(totals)?;
    match target {
        Target::Bytes => workbook
            .save_to_buffer()
            .map(Some)
            .map_err(|e| AppError::Internal(format!("saving the workbook: {e}"))),
        Target::File(path) => save_file(&mut workbook, &path).map(|()| None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::writer::{Kind, Value};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn periods_from_a_year_a_range_or_this_year_so_far() {
        let today = day(2026, 11, 28);
        let query = |year: Option<i32>, from: Option<&str>, to: Option<&str>| Period {
            year: year.into(),
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
        };
        assert_eq!(
            period(&query(Some(2025), None, None), today).ok(),
            Some((day(2025, 1, 1), day(2025, 12, 31)))
        );
        assert_eq!(
            period(&query(None, Some("2026/1/1"), Some("2026年6月30日")), today).ok(),
            Some((day(2026, 1, 1), day(2026, 6, 30)))
        );
        assert_eq!(
            period(&query(None, None, None), today).ok(),
            Some((day(2026, 1, 1), today))
        );
        assert!(period(&query(None, Some("2026-07-01"), Some("2026-06-30")), today).is_err());
        assert!(period(&query(None, Some("2026-02-30"), None), today).is_err());
    }

    #[test]
    fn an_export_whose_rows_stop_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("专利台账.xlsx");
        let titles = Titles {
            title: "专利台账".into(),
            subtitle: String::new(),
            sheet: "专利台账".into(),
            totals: "合计".into(),
            footer: String::new(),
            company: String::new(),
            subject: String::new(),
        };
        let columns = vec![Column::new("序号", Kind::Integer)];
        let writer =
            RegisterWriter::new(titles, columns, 1, Utc::now()).unwrap_or_else(|e| panic!("{e:?}"));
        let (sender, receiver) = tokio::sync::mpsc::channel(4);
        let mut chunk = Chunk::with_capacity(1);
        chunk.push(vec![Value::Integer(1)]);
        let _ = sender.try_send(Feed::Rows(chunk));
        let _ = sender.try_send(Feed::Abort);
        drop(sender);
        let totals = [Total::Count(1)];
        assert!(write_all(writer, receiver, Target::File(path.clone()), &totals).is_err());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .map(|entries| entries.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn file_names_lose_what_file_systems_refuse() {
        assert_eq!(
            file_safe("专利台账_秭归县_2026-11-28"),
            "专利台账_秭归县_2026-11-28"
        );
        assert_eq!(file_safe("a/b\\c:d"), "a_b_c_d");
    }
}
