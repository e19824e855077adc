//! Sign-in and traceability: users, sessions, API tokens, sign-in attempts and lockouts, and the
//! audit log.

use sea_orm_migration::prelude::*;

use crate::{at, at_null, id, record_columns, text};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_users(manager).await?;
        create_sessions(manager).await?;
        create_api_tokens(manager).await?;
        create_login_attempts(manager).await?;
        create_audit_log(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            LoginLockouts::Table.into_iden(),
            LoginAttempts::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

fn user_fk(
    table: impl IntoIden,
    column: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Users::Table, Users::Id)
        .on_delete(on_delete)
        .to_owned()
}

async fn create_users(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let mut table = Table::create();
    table
        .table(Users::Table)
        .col(id(Users::Id))
        .col(text(Users::Username, 64).unique_key())
        .col(text(Users::RealName, 64))
        .col(text(Users::Role, 16))
        .col(
            ColumnDef::new(Users::CertificateNumber)
                .string_len(64)
                .null(),
        )
        .col(
            ColumnDef::new(Users::PasswordHash)
                .string_len(255)
                .not_null(),
        )
        .col(
            ColumnDef::new(Users::Active)
                .boolean()
                .not_null()
                .default(true),
        );
    record_columns(&mut table);
    manager.create_table(table).await
}

async fn create_sessions(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Sessions::Table)
                .col(text(Sessions::IdHash, 64).primary_key())
                .col(ColumnDef::new(Sessions::UserId).big_integer().not_null())
                .col(text(Sessions::CsrfToken, 64))
                .col(at(Sessions::CreatedAt))
                .col(at(Sessions::LastSeenAt))
                .col(ColumnDef::new(Sessions::Address).string_len(64).null())
                .foreign_key(&mut user_fk(
                    Sessions::Table,
                    Sessions::UserId,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("sessions_user")
                .table(Sessions::Table)
                .col(Sessions::UserId)
                .to_owned(),
        )
        .await
}

async fn create_api_tokens(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(ApiTokens::Table)
                .col(id(ApiTokens::Id))
                .col(ColumnDef::new(ApiTokens::UserId).big_integer().not_null())
                .col(text(ApiTokens::Label, 100))
                .col(text(ApiTokens::Prefix, 16))
                .col(text(ApiTokens::TokenHash, 64).unique_key())
                .col(at(ApiTokens::CreatedAt))
                .col(at_null(ApiTokens::LastUsedAt))
                .col(at_null(ApiTokens::RevokedAt))
                .foreign_key(&mut user_fk(
                    ApiTokens::Table,
                    ApiTokens::UserId,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await
}

async fn create_login_attempts(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(LoginAttempts::Table)
                .col(id(LoginAttempts::Id))
                .col(text(LoginAttempts::Username, 64))
                .col(text(LoginAttempts::Address, 64))
                .col(
                    ColumnDef::new(LoginAttempts::Succeeded)
                        .boolean()
                        .not_null(),
                )
                .col(at(LoginAttempts::AttemptedAt))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("login_attempts_who")
                .table(LoginAttempts::Table)
                .col(LoginAttempts::Username)
                .col(LoginAttempts::Address)
                .col(LoginAttempts::AttemptedAt)
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(LoginLockouts::Table)
                .col(id(LoginLockouts::Id))
                .col(text(LoginLockouts::Address, 64))
                .col(text(LoginLockouts::Username, 64))
                .col(at(LoginLockouts::Until))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("login_lockouts_address")
                .table(LoginLockouts::Table)
                .col(LoginLockouts::Address)
                .col(LoginLockouts::Until)
                .to_owned(),
        )
        .await
}

async fn create_audit_log(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(id(AuditLog::Id))
                .col(at(AuditLog::At))
                .col(ColumnDef::new(AuditLog::UserId).big_integer().null())
                .col(text(AuditLog::Actor, 100))
                .col(text(AuditLog::Action, 64))
                .col(text(AuditLog::Entity, 64))
                .col(ColumnDef::new(AuditLog::EntityId).string_len(100).null())
                .col(ColumnDef::new(AuditLog::Changes).text().not_null())
                .col(ColumnDef::new(AuditLog::Address).string_len(64).null())
                .foreign_key(&mut user_fk(
                    AuditLog::Table,
                    AuditLog::UserId,
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
    for (name, columns) in [
        ("audit_log_at", vec![AuditLog::At]),
        ("audit_log_user", vec![AuditLog::UserId, AuditLog::At]),
        (
            "audit_log_entity",
            vec![AuditLog::Entity, AuditLog::EntityId, AuditLog::At],
        ),
    ] {
        let mut index = Index::create();
        index.name(name).table(AuditLog::Table);
        for column in columns {
            index.col(column);
        }
        manager.create_index(index).await?;
    }
    Ok(())
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
    Username,
    RealName,
    Role,
    CertificateNumber,
    PasswordHash,
    Active,
}

#[derive(DeriveIden, Clone, Copy)]
enum Sessions {
    Table,
    IdHash,
    UserId,
    CsrfToken,
    CreatedAt,
    LastSeenAt,
    Address,
}

#[derive(DeriveIden, Clone, Copy)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Label,
    Prefix,
    TokenHash,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum LoginAttempts {
    Table,
    Id,
    Username,
    Address,
    Succeeded,
    AttemptedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum LoginLockouts {
    Table,
    Id,
    Address,
    Username,
    Until,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditLog {
    Table,
    Id,
    At,
    UserId,
    Actor,
    Action,
    Entity,
    EntityId,
    Changes,
    Address,
}
