use sea_orm::entity::prelude::*;

/// One recorded action: who, when, what, and field-level old → new values (JSON).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub changes: String,
    pub address: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
