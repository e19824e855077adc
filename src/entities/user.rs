use sea_orm::entity::prelude::*;

use crate::auth::Role;

/// A person who signs in: an officer, a leader reading reports, or an administrator.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub username: String,
    pub real_name: String,
    pub role: Role,
    /// 执法证号, for officers who sign enforcement documents.
    pub certificate_number: Option<String>,
    pub password_hash: String,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
    #[sea_orm(has_many)]
    pub sessions: HasMany<super::session::Entity>,
    #[sea_orm(has_many)]
    pub api_tokens: HasMany<super::api_token::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
