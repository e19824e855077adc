use sea_orm::entity::prelude::*;

/// A follow-up action promised on a visit: what, who, by when, and when it was done.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "visit_follow_ups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub visit_id: i64,
    pub position: i32,
    pub action: String,
    pub owner: Option<String>,
    pub due_on: Option<Date>,
    pub done_on: Option<Date>,
}

impl ActiveModelBehavior for ActiveModel {}
