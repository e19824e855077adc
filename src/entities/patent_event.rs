use sea_orm::entity::prelude::*;

use crate::patents::lifecycle::PatentStatus;

/// A dated step in a patent's life: published, granted, lapsed …
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patent_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub patent_id: i64,
    pub status: PatentStatus,
    pub happened_on: Date,
    pub note: Option<String>,
    pub publication_number: Option<String>,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "patent_id", to = "id")]
    pub patent: BelongsTo<super::patent::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
