//! Writing a patents roster inside the import's transaction. The rows are judged and their
//! records built on one side and written on the other, with a queue of built parts between the
//! two, so that the database always has its next statement while the rows after it are judged;
//! the judging runs on a thread of its own. (Judging and writing in step, each waiting for the
//! other at every part of 500 patents and at every chunk, left both cores idle about a third of
//! the time.)

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, Set};
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::{Mutex, mpsc};

use super::mapping::Mapping;
use super::patent_rows::{self, NewRows, PatentSnapshot, PatentWrite, Planner};
use super::plan::PlannedRow;
use super::streamed::DataRows;
use super::workbook::Row;
use crate::db;
use crate::entities::import_batch_row;
use crate::error::AppError;
use crate::patents::ApplicationNumber;
use crate::patents::bulk::BulkLoad;
use crate::reports::tallies::Counted;

/// Rows are looked up and judged this many at a time, so that a large roster needs little memory
/// and the database sees large statements.
pub const CHUNK: usize = 5_000;
/// New patents are inserted, and updated ones written, this many at a time.
const PART: usize = 500;
/// How many built parts may wait for the writing.
const PARTS_AHEAD: usize = 8;

/// Where a roster's data rows come from, a chunk at a time.
pub enum Rows<'r, 's> {
    /// A workbook read whole: the rows not yet judged.
    Read(&'r [&'r Row]),
    /// Rows still arriving from the reading child.
    Arriving(&'r mut DataRows<'s>),
}

/// A chunk of rows, borrowed from a workbook read whole or arrived whole.
enum Chunk<'r> {
    Read(&'r [&'r Row]),
    Arrived(Vec<Row>),
}

impl Chunk<'_> {
    fn rows(&self) -> Vec<&Row> {
        match self {
            Chunk::Read(rows) => rows.to_vec(),
            Chunk::Arrived(rows) => rows.iter().collect(),
        }
    }
}

impl<'r> Rows<'r, '_> {
    async fn next(&mut self) -> Result<Option<Chunk<'r>>, AppError> {
        match self {
            Rows::Read(rows) => {
                if rows.is_empty() {
                    return Ok(None);
                }
                let (chunk, rest) = rows.split_at(rows.len().min(CHUNK));
                *rows = rest;
                Ok(Some(Chunk::Read(chunk)))
            }
            Rows::Arriving(arriving) => Ok(arriving.next().await?.map(Chunk::Arrived)),
        }
    }
}

/// What the judging side hands the writing side, in order.
enum Work {
    /// The roster starts with new patents: a bulk load if it has at least this many rows and
    /// is at least as large as the register.
    StartBulk(usize),
    /// The rows of new patents, built.
    New(NewRows),
    /// Updated patents, at most a part of them, so that the queue holds few.
    Updates(Vec<Update>),
    /// A chunk is judged and its writes sent: how many rows of the roster are done once they are
    /// written.
    ChunkEnd { rows_done: usize },
}

struct Update {
    row: u32,
    number: ApplicationNumber,
    before: PatentSnapshot,
    before_json: std::sync::Arc<str>,
    after: PatentSnapshot,
}

/// A roster's writing: where, and the commit's hooks.
pub struct PatentCommit<'a> {
    pub txn: &'a DatabaseTransaction,
    pub batch: i64,
    pub mapping: &'a Mapping,
    /// Rows of the roster written so far, as each chunk is written.
    pub on_progress: &'a (dyn Fn(usize) + Sync),
    /// The test hooks' row limit (a failure) and the file's name (a pause); see the service.
    pub fault_limit: usize,
    pub file_name: &'a str,
}

impl PatentCommit<'_> {
    /// Judges and writes `rows`, about `total` of them (for a bulk load's choice); returns every
    /// row's judgement. The indexes a bulk load dropped are made again before it returns.
    pub async fn run(
        &self,
        rows: Rows<'_, '_>,
        total: usize,
        planner: &mut Planner<'_>,
    ) -> Result<Vec<PlannedRow>, AppError> {
        let (sender, receiver) = mpsc::channel(PARTS_AHEAD);
        // Each side's statements go in groups that are not interleaved: the lookups' planning
        // mode (PostgreSQL) must not apply to the writes, nor the writes' to the lookups.
        let turn = Mutex::new(());
        let holding = patent_rows::Holding::of(self.txn).await?;
        // PostgreSQL: the judging sums the tallies as it builds the rows (it always does, for a
        // bulk load's sake), so the tally triggers need not group every statement's rows again.
        let counts_own_inserts = crate::reports::tallies::count_inserts_here(self.txn).await?;
        let judging = self.judge(rows, total, planner, holding, sender, &turn);
        let writing = self.write(receiver, &turn);
        let (judged, written) = side_by_side(judging, writing).await;
        // A failed write stops the judging (its queue is gone): the write's error is the cause.
        let bulk = written?;
        let (planned, counted) = judged??;
        tracing::trace!(rss_mb = crate::import::rss_mb(), "import: rows written");
        if let Some(load) = bulk {
            // The whole roster's counts at once: a few thousand rows, where a chunk at a time
            // wrote about as many for each chunk.
            load.counted(self.txn, counted).await?;
            load.finish().restore(self.txn).await?;
        } else if counts_own_inserts {
            counted.write(self.txn).await?;
        }
        Ok(planned)
    }

    /// Looks up, judges and builds the rows a chunk at a time, handing the writes on; returns
    /// every row's judgement and what the new patents add to the report's tallies.
    async fn judge(
        &self,
        mut rows: Rows<'_, '_>,
        total: usize,
        planner: &mut Planner<'_>,
        holding: patent_rows::Holding,
        sender: mpsc::Sender<Work>,
        turn: &Mutex<()>,
    ) -> Result<(Vec<PlannedRow>, Counted), AppError> {
        let mut planned = Vec::new();
        let mut counted = Counted::default();
        let mut ids = Ids::default();
        let mut writes_any = false;
        let mut next = self.next_with_stored(&mut rows, holding, turn).await?;
        while let Some((arrived, stored)) = next {
            let chunk = arrived.rows();
            let chunk = chunk.as_slice();
            // The next chunk arrives and what is stored for it is fetched while this one is
            // judged: otherwise each waits for the other, and a re-import, which writes
            // nothing, is the two one after the other.
            let ((judged, writes), following) = tokio::join!(
                judge_in_turns(planner, chunk, &stored),
                self.next_with_stored(&mut rows, holding, turn),
            );
            next = following?;
            planned.extend(judged);
            let (new, updates) = split(writes);
            // A roster that starts with new patents, and is at least as large as the register,
            // is loaded in bulk (decided at the first chunk that writes anything).
            if !writes_any
                && !new.is_empty()
                && new.len() * 10 >= (new.len() + updates.len()) * 9
                && sender
                    .send(Work::StartBulk(total.max(planned.len())))
                    .await
                    .is_err()
            {
                return Ok((planned, counted));
            }
            writes_any |= !new.is_empty() || !updates.is_empty();
            let reserved = {
                let _turn = turn.lock().await;
                ids.take(self.txn, new.len()).await?
            };
            let patents: Vec<_> = new.iter().zip(reserved).collect();
            for part in patents.chunks(PART) {
                let mut built = NewRows::default();
                in_turns(part, 25, |few| built.add_all(few, &mut counted)).await;
                if sender.send(Work::New(built)).await.is_err() {
                    return Ok((planned, counted));
                }
            }
            let mut updates = updates.into_iter();
            while !updates.as_slice().is_empty() {
                let part = updates.by_ref().take(PART).collect();
                if sender.send(Work::Updates(part)).await.is_err() {
                    return Ok((planned, counted));
                }
            }
            let end = Work::ChunkEnd {
                rows_done: planned.len(),
            };
            if sender.send(end).await.is_err() {
                return Ok((planned, counted));
            }
        }
        Ok((planned, counted))
    }

    /// The next chunk of rows and what the database holds for them. The planner judges a number
    /// met earlier in the file by what it kept, never by what the commit may have written since,
    /// so fetching a chunk before the one before it is written changes no judgement.
    async fn next_with_stored<'r>(
        &self,
        rows: &mut Rows<'r, '_>,
        holding: patent_rows::Holding,
        turn: &Mutex<()>,
    ) -> Result<Option<(Chunk<'r>, patent_rows::Stored)>, AppError> {
        let Some(arrived) = rows.next().await? else {
            return Ok(None);
        };
        let _turn = turn.lock().await;
        db::plan_statements(self.txn, db::Planning::ForValues).await?;
        let stored =
            patent_rows::fetch_stored(self.txn, &arrived.rows(), self.mapping, holding).await?;
        db::plan_statements(self.txn, db::Planning::Once).await?;
        Ok(Some((arrived, stored)))
    }

    /// Writes what the judging hands on, in order; returns the bulk load it started, if any.
    async fn write(
        &self,
        mut receiver: mpsc::Receiver<Work>,
        turn: &Mutex<()>,
    ) -> Result<Option<BulkLoad>, AppError> {
        let mut bulk = None;
        let mut search = Vec::new();
        let mut written = 0;
        // One time for every new patent of the batch: the time is written into the statements'
        // text (SQLite), so a time per part made every part's statements new ones to prepare.
        let now = chrono::Utc::now();
        while let Some(work) = receiver.recv().await {
            let _turn = turn.lock().await;
            match work {
                Work::StartBulk(rows) => {
                    bulk = patent_rows::start_bulk_load(self.txn, rows).await?;
                }
                Work::New(built) => {
                    let count = built.len();
                    search.extend(patent_rows::insert_new(self.txn, self.batch, now, built).await?);
                    written += count;
                    super::service::check_fault(self.fault_limit, written)?;
                }
                Work::Updates(updates) => {
                    written = self.write_updates(updates, written, now).await?;
                }
                Work::ChunkEnd { rows_done } => {
                    // The full-text index flushes its buffer at every statement that follows a
                    // write to it, so a chunk's terms go in at once.
                    crate::patents::search::insert_terms(self.txn, std::mem::take(&mut search))
                        .await?;
                    (self.on_progress)(rows_done);
                    super::service::pause_if_asked(self.file_name, rows_done).await;
                }
            }
        }
        Ok(bulk)
    }

    /// Writes updated patents, keeping each one's values before for the undo; returns the
    /// records written so far. `at` is the batch's one time, as for its new patents.
    async fn write_updates(
        &self,
        mut updates: Vec<Update>,
        written: usize,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<usize, AppError> {
        if updates.is_empty() {
            return Ok(written);
        }
        for update in &mut updates {
            update.after.id = update.before.id;
        }
        let writes: Vec<_> = updates
            .iter()
            .map(|update| patent_rows::SnapshotWrite {
                number: update.number.stored(),
                snapshot: &update.after,
                current: &update.before,
                version_after: update.before.version + 1,
            })
            .collect();
        patent_rows::write_snapshots(self.txn, &writes, at).await?;
        let before_rows: Vec<_> = updates
            .iter()
            .map(|update| import_batch_row::ActiveModel {
                batch_id: Set(self.batch),
                entity: Set("patent".to_owned()),
                entity_id: Set(update.before.id),
                excel_row: Set(i32::try_from(update.row).unwrap_or(i32::MAX)),
                before: Set(update.before_json.to_string()),
                after_version: Set(update.before.version + 1),
                ..Default::default()
            })
            .collect();
        for chunk in before_rows.chunks(1_000) {
            import_batch_row::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(self.txn)
                .await?;
        }
        let written = written + updates.len();
        super::service::check_fault(self.fault_limit, written)?;
        Ok(written)
    }
}

/// Runs the judging on a thread of its own beside the writing, so that the writing sends its next
/// statement the moment the last one is done rather than after the judging's current turn. On a
/// runtime of one thread, which cannot lend its thread to blocking work, the two take turns.
async fn side_by_side<J, W>(judging: J, writing: W) -> (Result<J::Output, AppError>, W::Output)
where
    J: Future + Send,
    J::Output: Send,
    W: Future,
{
    let handle = Handle::current();
    if handle.runtime_flavor() != RuntimeFlavor::MultiThread {
        let (judged, written) = tokio::join!(judging, writing);
        return (Ok(judged), written);
    }
    tokio::task::block_in_place(|| {
        std::thread::scope(|scope| {
            let judge = scope.spawn(|| handle.block_on(judging));
            let written = handle.block_on(writing);
            let judged = judge
                .join()
                .map_err(|_| AppError::Internal("import: the judging thread failed".into()));
            (judged, written)
        })
    })
}

/// The new patents and the updates of a chunk's writes.
fn split(writes: Vec<PatentWrite>) -> (Vec<(ApplicationNumber, PatentSnapshot)>, Vec<Update>) {
    let mut new = Vec::new();
    let mut updates = Vec::new();
    for write in writes {
        match write {
            PatentWrite::New { number, after, .. } => new.push((number, after)),
            PatentWrite::Update {
                row,
                number,
                before,
                before_json,
                after,
            } => updates.push(Update {
                row,
                number,
                before,
                before_json,
                after,
            }),
        }
    }
    (new, updates)
}

/// Ids for new patents. PostgreSQL's sequence hands them out. On SQLite the largest id is read
/// once and counted on from there: the parts built last may not be written yet when the next
/// chunk's ids are taken, and no one else inserts patents while the import's transaction holds
/// the write lock.
#[derive(Default)]
struct Ids {
    next: Option<i64>,
}

impl Ids {
    async fn take(
        &mut self,
        txn: &DatabaseTransaction,
        count: usize,
    ) -> Result<Vec<i64>, AppError> {
        if count == 0 {
            return Ok(Vec::new());
        }
        if txn.get_database_backend() == DbBackend::Postgres {
            return patent_rows::reserve_ids(txn, "patents", count).await;
        }
        let ids = match self.next {
            Some(next) => (next..next + count as i64).collect(),
            None => patent_rows::reserve_ids(txn, "patents", count).await?,
        };
        self.next = ids.last().map(|last| last + 1);
        Ok(ids)
    }
}

/// Judges a chunk a few dozen rows at a time, letting the write send its next statement in
/// between when the two share a thread (see [`side_by_side`]).
async fn judge_in_turns(
    planner: &mut Planner<'_>,
    chunk: &[&Row],
    stored: &patent_rows::Stored,
) -> (Vec<PlannedRow>, Vec<PatentWrite>) {
    let mut planned = Vec::with_capacity(chunk.len());
    let mut writes = Vec::new();
    in_turns(chunk, 50, |part| {
        let (judged, written) = planner.plan(part, stored);
        planned.extend(judged);
        writes.extend(written);
    })
    .await;
    (planned, writes)
}

/// Works through `items` `per_turn` at a time, yielding to the other futures of the task
/// between turns: on a shared thread, the database write beside it sends its next statement
/// promptly; on a thread of its own a yield costs next to nothing.
async fn in_turns<T>(items: &[T], per_turn: usize, mut work: impl FnMut(&[T])) {
    for part in items.chunks(per_turn.max(1)) {
        work(part);
        tokio::task::yield_now().await;
    }
}
