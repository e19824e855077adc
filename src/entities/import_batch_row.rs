use sea_orm::entity::prelude::*;

/// A record a batch updated: its values before, and its version right after, for undo.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_batch_rows")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub batch_id: i64,
    pub entity: String,
    pub entity_id: i64,
    pub excel_row: i32,
    pub before: String,
    pub after_version: i32,
}

impl ActiveModelBehavior for ActiveModel {}
