use sea_orm::entity::prelude::*;

/// A publicity event (宣传活动): 3.15, 4.26 World IP Day, a lecture at a school …
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `events::domain::EventKind` as stored.
    pub kind: String,
    pub title: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub location: Option<String>,
    pub lead_unit: Option<String>,
    /// The co-organising agencies, a JSON list of names.
    pub co_organisers: String,
    pub audience: Option<String>,
    pub attendees: Option<i64>,
    pub materials_count: Option<i64>,
    pub consultations: Option<i64>,
    pub summary: Option<String>,
    pub notes: Option<String>,
    /// The import that made it, for undo.
    pub import_batch_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
