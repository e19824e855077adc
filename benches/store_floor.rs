//! SQLite's own cost of storing what an import of the benchmark's roster stores, with no client
//! at all: the floor under the importer's writing, against which the 3× target can be judged.
//!
//! The rows the import wrote (patents, applicants, status events, the stored upload) are copied
//! into scratch tables of a database as the import found it (migrated, jurisdiction set), with
//! each patent's search terms made beforehand by `patents::search::terms`, as the import makes
//! them. Then a process of its own, over a connection opened as the app opens it, does in one
//! transaction what the import's writing does, each part as one `INSERT … SELECT`: the bulk
//! load's start (`patents::bulk::BulkLoad`: the patent tables' secondary indexes and the tallies'
//! insert triggers dropped), the patents, their tallies counted (`BulkLoad::inserted`), the
//! applicants, the events, the search terms, the upload, the indexes made again and the commit.
//! No cell is read, decoded or judged and no value crosses from a client.
//!
//! SQLite only: on PostgreSQL the import's rows cannot be copied from the imported database into
//! another by SQL alone, and its import is bound by the server's per-row work anyway.

use std::path::Path;
use std::process::Command;

use sea_orm::ConnectionTrait;
use sea_orm::sqlx::{Connection, SqliteConnection};

use ipdesk::import::patent_rows::PATENT_TABLES;

use crate::common::{self, Run};

/// The floor's name in the benchmark's lines and table.
pub const WHAT: &str = "SQLite stores its rows, no client";

/// Fills the scratch tables of the database at `floor_url` (an empty register) from the imported
/// database file `imported`; not timed.
pub fn prepare(floor_url: &str, imported: &Path) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut conn = SqliteConnection::connect(floor_url).await.unwrap();
        let attach = format!(
            "ATTACH DATABASE '{}' AS imported",
            imported.display().to_string().replace('\'', "''")
        );
        run(&mut conn, &attach).await;
        for (scratch, table) in [
            ("scratch_patents", "patents"),
            ("scratch_applicants", "patent_applicants"),
            ("scratch_events", "patent_events"),
            ("scratch_uploads", "import_uploads"),
        ] {
            let copy =
                format!("CREATE TABLE {scratch} AS SELECT * FROM imported.{table} ORDER BY id");
            run(&mut conn, &copy).await;
        }
        run(&mut conn, "DETACH DATABASE imported").await;
        run(
            &mut conn,
            "CREATE TABLE scratch_terms (id INTEGER PRIMARY KEY, terms TEXT NOT NULL)",
        )
        .await;
        let texts: Vec<(i64, String)> =
            sea_orm::sqlx::query_as("SELECT id, search_text FROM scratch_patents")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        conn.close().await.unwrap();
        let terms = texts
            .into_iter()
            .map(|(id, text)| vec![id.into(), ipdesk::patents::search::terms(&text).into()])
            .collect();
        let db = ipdesk::db::connect(floor_url).await.unwrap();
        ipdesk::db::insert_rows(&db, "scratch_terms", &["id", "terms"], terms)
            .await
            .unwrap();
        // The timed process starts, as the import does, with nothing waiting in the log.
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .unwrap();
        db.close().await.unwrap();
    });
}

async fn run(conn: &mut SqliteConnection, sql: &str) {
    sea_orm::sqlx::raw_sql(sea_orm::sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut *conn)
        .await
        .unwrap();
}

/// The timed process: `--store-floor URL`. Prints how long each part took.
pub fn store(url: &str) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut clock = Clock::start();
        let db = ipdesk::db::connect(url).await.unwrap();
        let txn = ipdesk::db::begin_write(&db).await.unwrap();
        let load = ipdesk::patents::bulk::BulkLoad::start(&txn, &PATENT_TABLES, false)
            .await
            .unwrap();
        clock.lap("open, begin, drop the indexes and triggers");
        let exec = |sql: &'static str| txn.execute_unprepared(sql);
        exec("INSERT INTO patents SELECT * FROM scratch_patents")
            .await
            .unwrap();
        clock.lap("patents");
        // The register was empty: every patent in it is one just inserted.
        load.inserted(&txn, 1..=i64::MAX).await.unwrap();
        clock.lap("tallies");
        for (what, sql) in [
            (
                "applicants",
                "INSERT INTO patent_applicants SELECT * FROM scratch_applicants",
            ),
            (
                "events",
                "INSERT INTO patent_events SELECT * FROM scratch_events",
            ),
            (
                "search terms",
                "INSERT INTO patent_search (rowid, terms) SELECT id, terms FROM scratch_terms",
            ),
            (
                "upload",
                "INSERT INTO import_uploads SELECT * FROM scratch_uploads",
            ),
        ] {
            exec(sql).await.unwrap();
            clock.lap(what);
        }
        load.finish().restore(&txn).await.unwrap();
        clock.lap("indexes and triggers made again");
        txn.commit().await.unwrap();
        clock.lap("commit");
        db.close().await.unwrap();
        clock.lap("close");
    });
}

/// Times the parts of [`store`], printing each as it ends.
struct Clock(std::time::Instant);

impl Clock {
    fn start() -> Clock {
        Clock(std::time::Instant::now())
    }

    fn lap(&mut self, what: &str) {
        println!("{what}: {:.0} ms", self.0.elapsed().as_secs_f64() * 1000.0);
        self.0 = std::time::Instant::now();
    }
}

/// Runs [`store`] as a process over the prepared database at `floor_url`.
pub fn measure(floor_url: &str) -> Run {
    let stored = common::run(
        Command::new(std::env::current_exe().unwrap())
            .arg("--store-floor")
            .arg(floor_url),
    );
    assert!(stored.success, "the store floor failed:\n{}", stored.stderr);
    println!("SQLite storing the import's rows, part by part:");
    for part in stored.stdout.lines() {
        println!("  {part}");
    }
    stored
}
