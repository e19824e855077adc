use sea_orm::entity::prelude::*;

/// A joint market inspection (联合执法检查) against patent counterfeiting.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub lead_agency: Option<String>,
    /// The partner agencies, a JSON list of names.
    pub partner_agencies: String,
    pub area: Option<String>,
    pub places: Option<String>,
    pub staff_count: Option<i64>,
    pub premises_inspected: Option<i64>,
    pub goods_checked: Option<i64>,
    pub marked_goods_checked: Option<i64>,
    pub notes: Option<String>,
    pub import_batch_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
