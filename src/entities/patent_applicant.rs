use sea_orm::entity::prelude::*;

/// An applicant (申请人/专利权人) of a patent, in order; linked to an enterprise when one matches.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patent_applicants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub patent_id: i64,
    pub position: i32,
    pub name: String,
    pub name_key: String,
    pub enterprise_id: Option<i64>,
    /// The patent's filing day while the patent counts (NULL once it is archived), kept beside
    /// the applicant by the writers and by triggers, so an enterprise's filings in a period are
    /// one index range.
    pub filed_on: Option<Date>,
    #[sea_orm(belongs_to, from = "patent_id", to = "id")]
    pub patent: BelongsTo<super::patent::Entity>,
    #[sea_orm(belongs_to, from = "enterprise_id", to = "id")]
    pub enterprise: BelongsTo<Option<super::enterprise::Entity>>,
}

impl ActiveModelBehavior for ActiveModel {}
