//! PostgreSQL: a transaction that counts its own new patents in the report's tallies tells the
//! tallies' insert triggers to leave its statements alone. The import sums what the triggers
//! would append as it builds the rows (`reports::tallies::Counted`) and appends it once before it
//! commits; the triggers, firing for each of its few thousand multi-row INSERTs and grouping each
//! statement's rows again, took 2 of an import's 12 seconds for 100,000 new patents. The setting
//! ([`INSERTS_COUNTED_SETTING`]) lives as long as the transaction that sets it (`set_config(…,
//! true)`), so every other transaction, another instance's included, is counted by the triggers
//! as before. SQLite's import drops its row triggers for a bulk load instead, and needs nothing.

use sea_orm_migration::prelude::*;

use crate::m20261129_000014_postgres_tallies::{CHANGES, tallied_function};
use crate::m20261129_000015_holder_tally::held_function;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The transaction's setting that says its inserted patents are counted by the writer.
pub const INSERTS_COUNTED_SETTING: &str = "ipdesk.inserts_counted";

/// The insert triggers' first statement: return at once when the setting says so. Unset, the
/// setting reads as NULL (or, in a session that set it in an earlier transaction, as '').
fn guard() -> String {
    format!(
        "IF current_setting('{INSERTS_COUNTED_SETTING}', true) = 'on' THEN RETURN NULL; END IF; "
    )
}

/// The two insert triggers' functions, with `guard` first.
fn insert_functions(guard: &str) -> Vec<String> {
    let (name, _, changed) = CHANGES[0];
    vec![
        tallied_function("CREATE OR REPLACE", name, changed, guard),
        held_function("CREATE OR REPLACE", name, changed, guard),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::execute_all_on_postgres(manager, || insert_functions(&guard())).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::execute_all_on_postgres(manager, || insert_functions("")).await
    }
}
