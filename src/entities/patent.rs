use sea_orm::entity::prelude::*;

use crate::patents::PatentType;
use crate::patents::lifecycle::PatentStatus;

/// One patent application, followed through grant and beyond.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Digits and check character, no dot.
    #[sea_orm(unique)]
    pub application_number: String,
    pub patent_type: PatentType,
    pub title: String,
    /// JSON array of names.
    pub inventors: String,
    pub filed_on: Option<Date>,
    pub granted_on: Option<Date>,
    pub grant_publication_number: Option<String>,
    /// The patent agency (专利代理机构) that filed it.
    pub agency: Option<String>,
    pub ipc_main: Option<String>,
    pub address: Option<String>,
    pub township_id: Option<i64>,
    /// The latest status event's status.
    pub status: PatentStatus,
    pub notes: Option<String>,
    /// `manual` or `import`.
    pub source: String,
    pub import_batch_id: Option<i64>,
    /// The first applicant's name key, for grouping when it links to no enterprise.
    pub first_applicant_key: Option<String>,
    /// The enterprise the first applicant is linked to (the report's enterprises with most
    /// grants group by it): always its applicant row's `enterprise_id`, kept by every write.
    pub first_applicant_enterprise_id: Option<i64>,
    /// Title, applicants, inventors and number, lower-cased, for the register's search.
    pub search_text: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
    #[sea_orm(has_many)]
    pub applicants: HasMany<super::patent_applicant::Entity>,
    #[sea_orm(has_many)]
    pub events: HasMany<super::patent_event::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
