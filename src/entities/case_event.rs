use sea_orm::entity::prelude::*;

/// A dated step of a case (线索登记, 立案, 调查 …), in the order recorded.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub case_id: i64,
    pub position: i32,
    pub step: String,
    pub happened_on: Date,
    pub note: Option<String>,
    /// The officers who acted, a JSON list of usernames.
    pub officers: String,
    pub approver: Option<String>,
    pub hearing_requested: Option<bool>,
    pub outcome: Option<String>,
    pub illegal_gains: Option<i64>,
    pub fine: Option<i64>,
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
