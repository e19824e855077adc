//! SQLite's search index keeps which patents hold each term, not where in their text: a search
//! asks only whether every character pair is there (`"茶叶" AND "叶揉"`), never for a phrase, so
//! the positions FTS5 kept by default were never read. And the terms come already split,
//! lower-cased and normalised (`patents::search::terms`), so the `ascii` tokenizer, which only
//! splits at spaces, finds the same terms as `unicode61` did without looking up every
//! character's Unicode category. Together they halve the index and take a third off its share of
//! an import's writing. The terms are carried over from the old index (read back through
//! `fts5vocab`), so nothing has to be indexed again. PostgreSQL's index is unchanged.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The index as this migration makes it, and as it was before.
const TERMS_ONLY: &str =
    "fts5(terms, content='', contentless_delete=1, detail=none, tokenize='ascii')";
const WITH_POSITIONS: &str = "fts5(terms, content='', contentless_delete=1, tokenize='unicode61')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild(manager, TERMS_ONLY).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild(manager, WITH_POSITIONS).await
    }
}

/// Patents whose terms are gathered in one pass. Gathering sorts every term of every patent by
/// patent, in memory (the connections keep temporary data there): about 1 KB a patent, so a
/// million patents go in passes of this many, each reading the whole old index again.
const PATENTS_PER_PASS: i64 = 200_000;

/// Makes `patent_search` again as `definition` with the terms each patent has now.
async fn rebuild(manager: &SchemaManager<'_>, definition: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() == DbBackend::Postgres {
        return Ok(());
    }
    let db = manager.get_connection();
    db.execute_unprepared(&format!(
        "CREATE VIRTUAL TABLE patent_search_next USING {definition}"
    ))
    .await?;
    db.execute_unprepared(
        "CREATE VIRTUAL TABLE temp.patent_search_terms \
         USING fts5vocab(main, patent_search, instance)",
    )
    .await?;
    let last: i64 = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT COALESCE(MAX(id), 0) FROM patents",
        ))
        .await?
        .map_or(Ok(0), |row| row.try_get_by_index(0))?;
    let mut from = 0;
    while from < last {
        let to = from + PATENTS_PER_PASS;
        db.execute_unprepared(&format!(
            "INSERT INTO patent_search_next (rowid, terms) \
             SELECT doc, group_concat(term, ' ') FROM temp.patent_search_terms \
             WHERE doc > {from} AND doc <= {to} GROUP BY doc"
        ))
        .await?;
        from = to;
    }
    for statement in [
        "DROP TABLE temp.patent_search_terms",
        "DROP TABLE patent_search",
        "ALTER TABLE patent_search_next RENAME TO patent_search",
    ] {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}
