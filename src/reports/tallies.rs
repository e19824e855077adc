//! Keeping the report's tallies compact on PostgreSQL. There the writers of `patents` only append
//! signed changes to `<tally>_deltas` (see the migration `postgres_tallies`), so that instances
//! writing at once never wait on one another; folding moves those changes into the counted rows,
//! so the report reads a day's count from one row instead of from every change made to it.
//! Folding never changes what the report shows, only how fast it reads it. SQLite's tallies are
//! kept in place by row triggers and need nothing, except during a bulk load: it drops the
//! triggers that count inserted patents and counts what it inserts at once, read back from the
//! table ([`count_inserted`], the seed) or counted as the rows were built ([`Counted`], the
//! import). The import appends its counts on PostgreSQL too, where the insert triggers leave its
//! transaction's patents to it ([`count_inserts_here`]).

use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};

use crate::db;
use crate::error::AppError;

/// An import counts each new patent here up to five times, so the maps hash with foldhash (seeded
/// afresh in each process) rather than SipHash, which a profile of the benchmark's import showed.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// SQLite's triggers that count inserted patents, which a bulk load drops.
pub const INSERT_TRIGGERS: [&str; 2] = migrations::SQLITE_PATENT_INSERT_TRIGGERS;

/// SQLite, in a bulk load that dropped [`INSERT_TRIGGERS`]: adds the patents with ids
/// `first..=last`, just inserted, to the tallies — grouped by day and value, a few hundred
/// upserts where the triggers make several per patent.
pub async fn count_inserted(
    db: &impl ConnectionTrait,
    ids: std::ops::RangeInclusive<i64>,
) -> Result<(), AppError> {
    for sql in migrations::sqlite_count_inserted(*ids.start(), *ids.end()) {
        db.execute_unprepared(&sql).await?;
    }
    Ok(())
}

/// What the tallies count of a new patent.
#[derive(Debug, Clone, Copy)]
pub struct NewPatent<'a> {
    pub patent_type: &'static str,
    pub township_id: Option<i64>,
    pub filed_on: Option<NaiveDate>,
    pub granted_on: Option<NaiveDate>,
    /// Its first applicant's name key and the enterprise that name is linked to.
    pub first_applicant: Option<(&'a str, Option<i64>)>,
}

/// SQLite, in a bulk load that dropped [`INSERT_TRIGGERS`]: the rows those triggers would have
/// added for the new patents, summed in memory as the patents are built, and written once at the
/// load's end. The import counts so on its judging thread, which has time to spare, what
/// [`count_inserted`] would have SQLite's one writing thread read back and group for every part.
#[derive(Debug, Default)]
pub struct Counted {
    by_type: HashMap<(&'static str, NaiveDate, &'static str), i64>,
    by_township: HashMap<(&'static str, NaiveDate, i64), i64>,
    by_holder: HashMap<(i32, i64, String), i64>,
}

impl Counted {
    /// Counts a new (not archived) patent as the insert triggers do: by type and by township
    /// (0 for none) on its filing and grant days, and its grant by year and holder (the first
    /// applicant's enterprise, or its name key while it is linked to none).
    pub fn add(&mut self, patent: NewPatent<'_>) {
        for (date_of, day) in [("granted", patent.granted_on), ("filed", patent.filed_on)] {
            let Some(day) = day else { continue };
            *self
                .by_type
                .entry((date_of, day, patent.patent_type))
                .or_default() += 1;
            let township = patent.township_id.unwrap_or(0);
            *self
                .by_township
                .entry((date_of, day, township))
                .or_default() += 1;
        }
        if let (Some(granted), Some((key, enterprise))) =
            (patent.granted_on, patent.first_applicant)
        {
            let holder = match enterprise {
                Some(_) => String::new(),
                None => key.to_owned(),
            };
            let year = granted.year();
            *self
                .by_holder
                .entry((year, enterprise.unwrap_or(0), holder))
                .or_default() += 1;
        }
    }

    /// Adds the counts to the tallies, within the caller's transaction: on SQLite to the counted
    /// rows (after a bulk load dropped [`INSERT_TRIGGERS`]); on PostgreSQL as the changes the
    /// insert triggers would have appended (after [`count_inserts_here`]), folded later.
    pub async fn write(self, db: &impl ConnectionTrait) -> Result<(), AppError> {
        let by_holder = self
            .by_holder
            .into_iter()
            .map(|((year, enterprise, holder), n)| {
                vec![year.into(), enterprise.into(), holder.into(), n.into()]
            })
            .collect();
        let by_type = day_rows(self.by_type);
        let by_township = day_rows(self.by_township);
        add_counts(
            db,
            "patent_type_days",
            &["date_of", "day", "patent_type"],
            "patents",
            by_type,
        )
        .await?;
        let keys = ["date_of", "day", "township_id"];
        add_counts(db, "patent_township_days", &keys, "patents", by_township).await?;
        let keys = ["year", "enterprise_id", "holder_key"];
        add_counts(db, "patent_holder_years", &keys, "grants", by_holder).await
    }
}

/// PostgreSQL: the tallies' insert triggers leave the patents this transaction inserts
/// uncounted, for it to add them with [`Counted::write`] before it commits (the setting ends with
/// the transaction, and every other transaction is counted by the triggers as before). Returns
/// whether it did so: on SQLite it does nothing.
pub async fn count_inserts_here(db: &impl ConnectionTrait) -> Result<bool, AppError> {
    let backend = db.get_database_backend();
    if backend != DbBackend::Postgres {
        return Ok(false);
    }
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        "SELECT set_config($1, 'on', true)",
        [migrations::POSTGRES_INSERTS_COUNTED_SETTING.into()],
    ))
    .await?;
    Ok(true)
}

/// A day tally's counts as rows: date, day, the value counted, patents.
fn day_rows<V: Into<Value>>(counts: HashMap<(&'static str, NaiveDate, V), i64>) -> Vec<Vec<Value>> {
    counts
        .into_iter()
        .map(|((date_of, day, value), n)| vec![date_of.into(), day.into(), value.into(), n.into()])
        .collect()
}

/// Adds counts (rows of the `keys`' values, then the count) to `tally`: on SQLite to the rows it
/// holds, on PostgreSQL to its pending changes, `<tally>_deltas`.
async fn add_counts(
    db: &impl ConnectionTrait,
    tally: &str,
    keys: &[&str],
    count: &str,
    rows: Vec<Vec<Value>>,
) -> Result<(), AppError> {
    let columns: Vec<&str> = keys.iter().copied().chain([count]).collect();
    if db.get_database_backend() == DbBackend::Postgres {
        return db::insert_rows(db, &format!("{tally}_deltas"), &columns, rows).await;
    }
    let upsert = format!(
        "ON CONFLICT ({}) DO UPDATE SET {count} = {count} + excluded.{count}",
        keys.join(", ")
    );
    db::upsert_rows(db, tally, &columns, rows, &upsert).await
}

/// How often a serving instance folds the changes written since the last time.
pub const FOLD_EVERY: Duration = Duration::from_secs(5);

/// Moves the tallies' pending changes into their counts (PostgreSQL; nothing on SQLite). One
/// transaction: a report sees the changes either pending or folded, never both or neither.
pub async fn fold(db: &impl ConnectionTrait) -> Result<(), AppError> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("SELECT fold_patent_tallies()")
            .await?;
    }
    Ok(())
}

/// Folds after a large write (an import, its undo) that has committed: a failure is logged, not
/// returned, since what was written stands and the next fold takes it up.
pub async fn fold_now(db: &impl ConnectionTrait) {
    if let Err(error) = fold(db).await {
        tracing::warn!(%error, "could not fold the report's tallies");
    }
}

/// Folds every [`FOLD_EVERY`] for as long as the server runs.
pub async fn keep_folded(db: DatabaseConnection) {
    loop {
        tokio::time::sleep(FOLD_EVERY).await;
        fold_now(&db).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn patent(
        filed_on: Option<&str>,
        granted_on: Option<&str>,
        first_applicant: Option<(&'static str, Option<i64>)>,
    ) -> NewPatent<'static> {
        NewPatent {
            patent_type: "invention",
            township_id: None,
            filed_on: filed_on.map(day),
            granted_on: granted_on.map(day),
            first_applicant,
        }
    }

    #[test]
    fn new_patents_count_as_the_insert_triggers_count_them() {
        let mut counted = Counted::default();
        // (patent, what it adds: (date_of, day) pairs counted, holder counted)
        let patents = [
            patent(
                Some("2025-03-01"),
                Some("2025-09-01"),
                Some(("甲公司", None)),
            ),
            patent(Some("2025-03-01"), None, Some(("甲公司", None))),
            patent(None, Some("2025-09-01"), Some(("乙公司", Some(7)))),
            patent(None, Some("2024-12-31"), Some(("丙公司", Some(7)))),
            patent(None, Some("2025-01-02"), None),
            NewPatent {
                township_id: Some(3),
                patent_type: "design",
                ..patent(None, None, None)
            },
        ];
        for p in patents {
            counted.add(p);
        }
        let by_type = |date_of, on: &str, value| counted.by_type.get(&(date_of, day(on), value));
        assert_eq!(by_type("filed", "2025-03-01", "invention"), Some(&2));
        assert_eq!(by_type("granted", "2025-09-01", "invention"), Some(&2));
        assert_eq!(by_type("granted", "2025-01-02", "invention"), Some(&1));
        // A patent with neither day counts nowhere.
        assert_eq!(counted.by_type.len(), 4);
        assert!(!counted.by_type.keys().any(|(_, _, t)| *t == "design"));
        // No township counts as township 0.
        let township = |date_of, on: &str| counted.by_township.get(&(date_of, day(on), 0));
        assert_eq!(township("granted", "2025-09-01"), Some(&2));
        assert_eq!(counted.by_township.len(), 4);
        // Grants by year and holder: a linked enterprise by its id (its names are one holder),
        // an unlinked name by its key; a grant without applicants counts for no holder.
        let holders: HashMap<_, _> = counted.by_holder.into_iter().collect();
        let expected: HashMap<(i32, i64, String), i64> = [
            ((2025, 0, "甲公司".to_owned()), 1),
            ((2025, 7, String::new()), 1),
            ((2024, 7, String::new()), 1),
        ]
        .into_iter()
        .collect();
        assert_eq!(holders, expected);
    }
}
