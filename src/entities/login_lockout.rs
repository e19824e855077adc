use sea_orm::entity::prelude::*;

/// An address refused sign-in until `until`, after repeated failures for `username`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_lockouts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub address: String,
    pub username: String,
    pub until: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
