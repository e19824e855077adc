use sea_orm::entity::prelude::*;

/// A file kept with a case or one of its steps: an evidence photo, a scanned record, a decision.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_attachments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub case_event_id: Option<i64>,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub bytes: Vec<u8>,
    pub uploaded_by: String,
    pub uploaded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
