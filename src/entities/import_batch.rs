use sea_orm::entity::prelude::*;

/// One import: the job while it runs (phase, progress, heartbeat) and the history after.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_batches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub register: String,
    pub file_name: String,
    pub sha256: String,
    pub upload_id: Option<i64>,
    pub sheet: Option<String>,
    /// 1-based, as Excel numbers rows.
    pub header_row: Option<i32>,
    /// JSON: the column mapping used.
    pub mapping: String,
    pub policy: String,
    /// previewed, committed, refused, undone, failed.
    pub state: String,
    /// reading, validating, committing, done.
    pub phase: String,
    pub progress_done: i64,
    pub progress_total: i64,
    pub heartbeat_at: Option<DateTimeUtc>,
    /// JSON: the counts.
    pub counts: String,
    /// One character per data row: its status.
    pub statuses: String,
    /// JSON: errors and warnings.
    pub problems: String,
    pub message: Option<String>,
    pub user_id: Option<i64>,
    pub actor: String,
    pub created_at: DateTimeUtc,
    pub committed_at: Option<DateTimeUtc>,
    pub undone_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
