//! The foundation: settings, townships, partner agencies and the holiday calendar.

use sea_orm_migration::prelude::*;

use crate::{Record, record_columns};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Partner agencies a county IP officer works with, seeded so the first inspection form is usable.
const SEEDED_AGENCIES: [&str; 6] = [
    "市场监督管理局(工商)",
    "质量技术监督局",
    "公安局",
    "教育局",
    "农业农村局",
    "卫生健康局",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .col(
                        ColumnDef::new(Settings::Key)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Settings::Value).text().not_null())
                    .col(
                        ColumnDef::new(Settings::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        create_named_list(
            manager,
            Townships::Table,
            Townships::Id,
            Townships::Name,
            Townships::Position,
        )
        .await?;
        create_named_list(
            manager,
            Agencies::Table,
            Agencies::Id,
            Agencies::Name,
            Agencies::Position,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Holidays::Table)
                    .col(
                        ColumnDef::new(Holidays::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Holidays::Day).date().not_null().unique_key())
                    .col(ColumnDef::new(Holidays::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(Holidays::Name).string_len(100).not_null())
                    .col(
                        ColumnDef::new(Holidays::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        seed_agencies(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Holidays::Table.into_iden(),
            Agencies::Table.into_iden(),
            Townships::Table.into_iden(),
            Settings::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Townships and agencies share a shape: an ordered list of unique names that can be archived.
async fn create_named_list<T: IntoIden + Copy + 'static>(
    manager: &SchemaManager<'_>,
    table: T,
    id: T,
    name: T,
    position: T,
) -> Result<(), DbErr> {
    let mut create = Table::create();
    create
        .table(table)
        .col(
            ColumnDef::new(id)
                .big_integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        )
        .col(ColumnDef::new(name).string_len(100).not_null().unique_key())
        .col(ColumnDef::new(position).integer().not_null());
    record_columns(&mut create);
    manager.create_table(create).await
}

async fn seed_agencies(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let now = sea_orm::prelude::ChronoUtc::now();
    for (position, name) in (0i32..).zip(SEEDED_AGENCIES) {
        let mut insert = Query::insert();
        insert
            .into_table(Agencies::Table)
            .columns([
                Agencies::Name.into_iden(),
                Agencies::Position.into_iden(),
                Record::Version.into_iden(),
                Record::CreatedAt.into_iden(),
                Record::UpdatedAt.into_iden(),
            ])
            .values([
                name.into(),
                position.into(),
                1.into(),
                now.into(),
                now.into(),
            ])
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        db.execute(&insert).await?;
    }
    Ok(())
}

#[derive(DeriveIden, Clone, Copy)]
enum Settings {
    Table,
    Key,
    Value,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Townships {
    Table,
    Id,
    Name,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
enum Agencies {
    Table,
    Id,
    Name,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
enum Holidays {
    Table,
    Id,
    Day,
    Kind,
    Name,
    CreatedAt,
}
