use sea_orm::entity::prelude::*;

/// An enterprise of the county, linked to the patents it applied for.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enterprises")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    /// The name with spellings unified (see `enterprises::domain::name_key`).
    #[sea_orm(unique)]
    pub name_key: String,
    /// Pinyin, so registers sort as officers expect.
    pub sort_key: String,
    #[sea_orm(unique)]
    pub credit_code: Option<String>,
    pub township_id: Option<i64>,
    pub address: Option<String>,
    pub industry: Option<String>,
    pub high_tech_certificate: Option<String>,
    pub high_tech_issued_on: Option<Date>,
    pub high_tech_expires_on: Option<Date>,
    pub tech_sme: bool,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub notes: Option<String>,
    /// The import batch that created it, for undo.
    pub import_batch_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
    #[sea_orm(has_many)]
    pub applicants: HasMany<super::patent_applicant::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
