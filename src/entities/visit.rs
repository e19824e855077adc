use sea_orm::entity::prelude::*;

/// An outreach visit to an enterprise (走访企业).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "visits")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    pub visited_on: Date,
    /// Usernames, or names of people who are not users: a JSON list.
    pub officers: String,
    /// Accompanying agencies: a JSON list of names.
    pub agencies: String,
    /// `visits::domain::Topic`s as stored: a JSON list.
    pub topics: String,
    pub materials_count: Option<i64>,
    pub needs: Option<String>,
    pub notes: Option<String>,
    pub import_batch_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
