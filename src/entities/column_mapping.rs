use sea_orm::entity::prelude::*;

/// A header mapping someone chose, offered first the next time the same headers come in.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "column_mappings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub header_set_key: String,
    pub register: String,
    pub mapping: String,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
