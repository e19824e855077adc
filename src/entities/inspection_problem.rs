use sea_orm::entity::prelude::*;

/// A problem an inspection found: what, whose, which product, and the case it led to.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspection_problems")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub inspection_id: i64,
    pub position: i32,
    pub description: String,
    pub party: Option<String>,
    pub product: Option<String>,
    pub case_id: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
