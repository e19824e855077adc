use sea_orm::entity::prelude::*;

/// An annual plan target (年度计划任务): a year's figure for one metric, for the whole county
/// (no township) or one township.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "targets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub year: i32,
    pub metric: String,
    pub township_id: Option<i64>,
    pub value: i64,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
