//! Publicity events (3.15, 4.26 World IP Day lectures, IP week …) and the enterprises that took
//! part in them.

use sea_orm_migration::prelude::*;

use crate::{id, record_columns, text, text_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    Kind,
    Title,
    StartsOn,
    EndsOn,
    Location,
    LeadUnit,
    CoOrganisers,
    Audience,
    Attendees,
    MaterialsCount,
    Consultations,
    Summary,
    Notes,
}

#[derive(DeriveIden)]
enum EventEnterprises {
    Table,
    EventId,
    EnterpriseId,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut events = Table::create();
        events
            .table(Events::Table)
            .col(id(Events::Id))
            .col(text(Events::Kind, 32))
            .col(text(Events::Title, 200))
            .col(ColumnDef::new(Events::StartsOn).date().not_null())
            .col(ColumnDef::new(Events::EndsOn).date().not_null())
            .col(text_null(Events::Location, 200))
            .col(text_null(Events::LeadUnit, 200))
            // The co-organising agencies, a JSON list of names.
            .col(ColumnDef::new(Events::CoOrganisers).text().not_null())
            .col(text_null(Events::Audience, 200))
            .col(ColumnDef::new(Events::Attendees).big_integer().null())
            .col(ColumnDef::new(Events::MaterialsCount).big_integer().null())
            .col(ColumnDef::new(Events::Consultations).big_integer().null())
            .col(ColumnDef::new(Events::Summary).text().null())
            .col(ColumnDef::new(Events::Notes).text().null());
        record_columns(&mut events);
        manager.create_table(events.to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name("events_starts_on")
                    .table(Events::Table)
                    .col(Events::StartsOn)
                    .col(Events::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EventEnterprises::Table)
                    .col(
                        ColumnDef::new(EventEnterprises::EventId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EventEnterprises::EnterpriseId)
                            .big_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(EventEnterprises::EventId)
                            .col(EventEnterprises::EnterpriseId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EventEnterprises::Table, EventEnterprises::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EventEnterprises::Table, EventEnterprises::EnterpriseId)
                            .to(Enterprises::Table, Enterprises::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("event_enterprises_enterprise")
                    .table(EventEnterprises::Table)
                    .col(EventEnterprises::EnterpriseId)
                    .col(EventEnterprises::EventId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EventEnterprises::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Events::Table).to_owned())
            .await?;
        Ok(())
    }
}
