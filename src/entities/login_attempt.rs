use sea_orm::entity::prelude::*;

/// One sign-in attempt, kept to throttle password guessing across instances.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub username: String,
    pub address: String,
    pub succeeded: bool,
    pub attempted_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
