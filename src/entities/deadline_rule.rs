use sea_orm::entity::prelude::*;

/// A time limit's length as an admin set it, in place of the statutory default.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deadline_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub amount: i32,
    /// `calendar::domain::Unit` as stored.
    pub unit: String,
    pub extension_amount: Option<i32>,
    pub extension_unit: Option<String>,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
