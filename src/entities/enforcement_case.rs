use sea_orm::entity::prelude::*;

/// An enforcement case (执法案件); its status and deadlines follow from its steps.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enforcement_cases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub case_number: String,
    pub kind: String,
    pub source: String,
    pub inspection_id: Option<i64>,
    pub complainant_name: Option<String>,
    pub complainant_credit_code: Option<String>,
    pub complainant_address: Option<String>,
    pub complainant_enterprise_id: Option<i64>,
    pub respondent_name: Option<String>,
    pub respondent_credit_code: Option<String>,
    pub respondent_address: Option<String>,
    pub respondent_enterprise_id: Option<i64>,
    pub product: Option<String>,
    pub claimed_patent_number: Option<String>,
    pub facts: Option<String>,
    /// In fen (分).
    pub illegal_gains: Option<i64>,
    /// In fen (分).
    pub fine: Option<i64>,
    pub import_batch_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
