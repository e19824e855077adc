//! The filing day beside each applicant, so that "did this enterprise file within a year after
//! the visit?" is one probe of an index on (enterprise, filing day) instead of a look at every
//! patent the enterprise holds. It is the day of a patent that counts: NULL while the patent is
//! archived, so the probe need not look at the patent at all. The bulk writers (the importer, the
//! seed) write the day with the applicant; triggers fill it for any other insert that leaves it
//! out and follow the patent when its filing day or its archiving changes, so no write path can
//! let the copy drift from `patents`.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_TRIGGERS: [&str; 2] = [
    "CREATE TRIGGER patent_applicants_filed_on AFTER INSERT ON patent_applicants \
     WHEN NEW.filed_on IS NULL BEGIN \
     UPDATE patent_applicants SET filed_on = (SELECT CASE WHEN archived_at IS NULL THEN filed_on END \
     FROM patents WHERE id = NEW.patent_id) WHERE id = NEW.id; END",
    "CREATE TRIGGER patents_filed_on_moved AFTER UPDATE OF filed_on, archived_at ON patents \
     WHEN OLD.filed_on IS NOT NEW.filed_on OR (OLD.archived_at IS NULL) <> (NEW.archived_at IS NULL) \
     BEGIN UPDATE patent_applicants \
     SET filed_on = CASE WHEN NEW.archived_at IS NULL THEN NEW.filed_on END \
     WHERE patent_id = NEW.id; END",
];

const POSTGRES_TRIGGERS: [&str; 4] = [
    "CREATE FUNCTION patent_applicants_filed_on() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN NEW.filed_on := (SELECT CASE WHEN archived_at IS NULL THEN filed_on END \
     FROM patents WHERE id = NEW.patent_id); RETURN NEW; END $$",
    "CREATE TRIGGER patent_applicants_filed_on BEFORE INSERT ON patent_applicants \
     FOR EACH ROW WHEN (NEW.filed_on IS NULL) EXECUTE FUNCTION patent_applicants_filed_on()",
    "CREATE FUNCTION patents_filed_on_moved() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN UPDATE patent_applicants \
     SET filed_on = CASE WHEN NEW.archived_at IS NULL THEN NEW.filed_on END \
     WHERE patent_id = NEW.id; RETURN NULL; END $$",
    "CREATE TRIGGER patents_filed_on_moved AFTER UPDATE OF filed_on, archived_at ON patents \
     FOR EACH ROW WHEN (OLD.filed_on IS DISTINCT FROM NEW.filed_on \
     OR (OLD.archived_at IS NULL) <> (NEW.archived_at IS NULL)) \
     EXECUTE FUNCTION patents_filed_on_moved()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("patent_applicants"))
                    .add_column(ColumnDef::new(Alias::new("filed_on")).date().null())
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "UPDATE patent_applicants SET filed_on = (SELECT CASE WHEN archived_at IS NULL \
             THEN filed_on END FROM patents WHERE patents.id = patent_applicants.patent_id)",
        )
        .await?;
        // Every use of the old (enterprise, patent) index is served as well by this one.
        db.execute_unprepared("DROP INDEX patent_applicants_enterprise")
            .await?;
        index(
            manager,
            "patent_applicants_enterprise_filed",
            Alias::new("patent_applicants"),
            &["enterprise_id", "filed_on", "patent_id"],
        )
        .await?;
        let triggers: &[&str] = if manager.get_database_backend() == DbBackend::Sqlite {
            &SQLITE_TRIGGERS
        } else {
            &POSTGRES_TRIGGERS
        };
        for statement in triggers {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for trigger in ["patent_applicants_filed_on", "patents_filed_on_moved"] {
            let table = if trigger.starts_with("patents_") {
                "patents"
            } else {
                "patent_applicants"
            };
            if manager.get_database_backend() == DbBackend::Sqlite {
                db.execute_unprepared(&format!("DROP TRIGGER {trigger}"))
                    .await?;
            } else {
                db.execute_unprepared(&format!("DROP TRIGGER {trigger} ON {table}"))
                    .await?;
                db.execute_unprepared(&format!("DROP FUNCTION {trigger}()"))
                    .await?;
            }
        }
        db.execute_unprepared("DROP INDEX patent_applicants_enterprise_filed")
            .await?;
        index(
            manager,
            "patent_applicants_enterprise",
            Alias::new("patent_applicants"),
            &["enterprise_id", "patent_id"],
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("patent_applicants"))
                    .drop_column(Alias::new("filed_on"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
