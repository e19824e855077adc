//! Finding patents by words in their title, applicants or inventors. Chinese has no spaces, so
//! text is indexed as overlapping character pairs (茶叶揉捻 → 茶叶 叶揉 揉捻) and other words whole;
//! a search for any run of two or more characters becomes an index lookup of its pairs, then an
//! exact substring check on the few candidates. The index is an FTS5 table on SQLite and a GIN
//! tsvector on PostgreSQL; both hold the same terms.

use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use unicode_normalization::UnicodeNormalization;

use crate::error::AppError;

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// One searchable piece of text: a run of Chinese characters or a word of letters and digits.
fn runs(text: &str) -> Vec<(bool, String)> {
    let mut runs: Vec<(bool, String)> = Vec::new();
    for c in text.nfkc().flat_map(char::to_lowercase) {
        let kind = if is_cjk(c) {
            Some(true)
        } else if c.is_alphanumeric() {
            Some(false)
        } else {
            None
        };
        match (kind, runs.last_mut()) {
            (Some(cjk), Some((last, run))) if *last == cjk && !run.is_empty() => run.push(c),
            (Some(cjk), _) => runs.push((cjk, c.to_string())),
            (None, _) => runs.push((false, String::new())),
        }
    }
    runs.into_iter()
        .filter(|(_, run)| !run.is_empty())
        .collect()
}

fn pairs(run: &str) -> Vec<String> {
    let chars: Vec<char> = run.chars().collect();
    if chars.len() == 1 {
        return vec![run.to_owned()];
    }
    chars.windows(2).map(|pair| pair.iter().collect()).collect()
}

/// The index terms of a text, space-separated: each run of Chinese characters as its pairs (or
/// itself, when one character long), each word of letters and digits whole. Written in one pass,
/// since every imported patent goes through it.
pub fn terms(text: &str) -> String {
    let mut terms = Terms {
        out: String::with_capacity(text.len() * 2),
        run: Run::None,
    };
    for c in crate::text::nfkc(text).chars() {
        // Only ASCII letters among plain characters have a case: no need for the case tables.
        if crate::text::is_plain(c) {
            terms.push(c.to_ascii_lowercase());
        } else {
            c.to_lowercase().for_each(|lower| terms.push(lower));
        }
    }
    terms.finish();
    terms.out
}

/// The run [`Terms`] is in: Chinese (its last character and whether it has had a pair), a word,
/// or between runs.
#[derive(Clone, Copy)]
enum Run {
    None,
    Cjk { last: char, paired: bool },
    Word,
}

struct Terms {
    out: String,
    run: Run,
}

impl Terms {
    fn separate(&mut self) {
        if !self.out.is_empty() {
            self.out.push(' ');
        }
    }

    fn push(&mut self, c: char) {
        // A Chinese character is never looked up in Unicode's tables of letters and digits.
        let cjk = is_cjk(c);
        match (self.run, cjk, !cjk && c.is_alphanumeric()) {
            (Run::Cjk { last, .. }, true, _) => {
                self.separate();
                self.out.push(last);
                self.out.push(c);
                self.run = Run::Cjk {
                    last: c,
                    paired: true,
                };
            }
            (_, true, _) => {
                self.finish();
                self.run = Run::Cjk {
                    last: c,
                    paired: false,
                };
            }
            (Run::Word, false, true) => self.out.push(c),
            (_, false, true) => {
                self.finish();
                self.separate();
                self.out.push(c);
                self.run = Run::Word;
            }
            (_, false, false) => self.finish(),
        }
    }

    /// Ends the current run; a lone Chinese character is a term of its own.
    fn finish(&mut self) {
        if let Run::Cjk {
            last,
            paired: false,
        } = self.run
        {
            self.separate();
            self.out.push(last);
        }
        self.run = Run::None;
    }
}

/// What a search asks of the index: the Chinese character pairs that must all be present. Other
/// words (model numbers, Latin names) are left to the exact substring check, since they may be
/// typed as part of a longer word. `None` when the index cannot help: no run of two or more
/// Chinese characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub pairs: Vec<String>,
}

pub fn query(text: &str) -> Option<Query> {
    let mut found: Vec<String> = Vec::new();
    for (cjk, run) in runs(text) {
        if cjk && run.chars().count() >= 2 {
            for pair in pairs(&run) {
                if !found.contains(&pair) {
                    found.push(pair);
                }
            }
        }
    }
    (!found.is_empty()).then_some(Query { pairs: found })
}

impl Query {
    /// FTS5: `"茶叶" AND "叶揉"`.
    fn fts5(&self) -> String {
        let quoted: Vec<String> = self
            .pairs
            .iter()
            .map(|p| format!("\"{}\"", p.replace('"', "\"\"")))
            .collect();
        quoted.join(" AND ")
    }

    /// PostgreSQL: `'茶叶' & '叶揉'`.
    fn tsquery(&self) -> String {
        let quoted: Vec<String> = self
            .pairs
            .iter()
            .map(|p| format!("'{}'", p.replace('\'', "''")))
            .collect();
        quoted.join(" & ")
    }

    /// The condition on `patents.id` that the index answers.
    pub fn condition(&self, backend: DbBackend) -> SimpleExpr {
        match backend {
            DbBackend::Postgres => Expr::cust_with_values(
                r#""patents"."id" IN (SELECT patent_id FROM patent_search WHERE terms @@ to_tsquery('simple', $1))"#,
                [self.tsquery()],
            ),
            _ => Expr::cust_with_values(
                r#""patents"."id" IN (SELECT rowid FROM patent_search WHERE patent_search MATCH ?)"#,
                [self.fts5()],
            ),
        }
    }
}

/// Puts (or replaces) a patent's terms in the index, within the caller's transaction.
pub async fn index(db: &impl ConnectionTrait, patent_id: i64, text: &str) -> Result<(), AppError> {
    reindex(db, vec![(patent_id, text.to_owned())]).await
}

/// Puts (or replaces) many patents' terms in the index, from each one's search text, within the
/// caller's transaction: in a few statements for all of them, since the index flushes its buffer
/// at the end of every statement that writes to it (an import's updates and an undo's restores).
pub async fn reindex(db: &impl ConnectionTrait, texts: Vec<(i64, String)>) -> Result<(), AppError> {
    let rows: Vec<(i64, String)> = texts
        .into_iter()
        .map(|(id, text)| (id, terms(&text)))
        .collect();
    match db.get_database_backend() {
        DbBackend::Postgres => {
            for part in rows.chunks(POSTGRES_ROWS) {
                let sql = format!(
                    "{} ON CONFLICT (patent_id) DO UPDATE SET terms = EXCLUDED.terms",
                    bulk_values(DbBackend::Postgres, part.len())
                );
                let values = part
                    .iter()
                    .flat_map(|(id, terms)| [(*id).into(), terms.clone().into()]);
                db.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    sql,
                    values,
                ))
                .await?;
            }
            Ok(())
        }
        _ => {
            let ids = rows.iter().map(|(id, _)| *id).collect();
            crate::db::delete_where_in(db, "patent_search", "rowid", ids).await?;
            insert_terms(db, rows).await
        }
    }
}

/// How many patents' terms one PostgreSQL statement of [`reindex`] replaces: a statement within
/// one TLS record (see `db::bulk`).
const POSTGRES_ROWS: usize = 64;

/// Puts many patents' terms (from [`terms`]) in the index, 10,000 to a statement: the index
/// flushes its buffer at the end of every statement, so fewer statements mean fewer segments to
/// merge. The importer's new patents and the seed's (SQLite) go in this way.
pub async fn insert_terms(
    db: &impl ConnectionTrait,
    rows: Vec<(i64, String)>,
) -> Result<(), AppError> {
    let backend = db.get_database_backend();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let values: Vec<sea_orm::Value> = rows
            .by_ref()
            .take(10_000)
            .flat_map(|(id, terms)| [id.into(), terms.into()])
            .collect();
        let sql = bulk_values(backend, values.len() / 2);
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    Ok(())
}

/// The SQL that indexes many patents at once: one row is `(id, terms)`.
fn bulk_values(backend: DbBackend, rows: usize) -> String {
    let placeholders: Vec<String> = (0..rows)
        .map(|i| match backend {
            DbBackend::Postgres => {
                format!("(${}, to_tsvector('simple', ${}))", 2 * i + 1, 2 * i + 2)
            }
            _ => "(?, ?)".to_owned(),
        })
        .collect();
    let table = match backend {
        DbBackend::Postgres => "patent_search (patent_id, terms)",
        _ => "patent_search (rowid, terms)",
    };
    format!("INSERT INTO {table} VALUES {}", placeholders.join(", "))
}

/// PostgreSQL: like [`insert_terms`], by COPY over `conn` within its transaction (the seed). The
/// terms go through a temporary table, so that the server turns them into the index's form exactly
/// as everywhere else (`to_tsvector`).
pub async fn copy_terms(
    conn: &mut sea_orm::sqlx::PgConnection,
    rows: Vec<(i64, String)>,
) -> Result<(), AppError> {
    use crate::db::copy;
    use sea_orm::sqlx;
    sqlx::query(
        "CREATE TEMPORARY TABLE IF NOT EXISTS patent_search_load (patent_id BIGINT, terms TEXT) \
         ON COMMIT DELETE ROWS",
    )
    .execute(&mut *conn)
    .await
    .map_err(copy::internal)?;
    let values: Vec<Vec<sea_orm::Value>> = rows
        .into_iter()
        .map(|(id, terms)| vec![id.into(), terms.into()])
        .collect();
    copy::copy_rows(conn, "patent_search_load", &["patent_id", "terms"], &values).await?;
    sqlx::query(
        "INSERT INTO patent_search (patent_id, terms) \
         SELECT patent_id, to_tsvector('simple', terms) FROM patent_search_load",
    )
    .execute(&mut *conn)
    .await
    .map_err(copy::internal)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_becomes_pairs_and_words_stay_whole() {
        assert_eq!(
            terms("一种茶叶揉捻装置"),
            "一种 种茶 茶叶 叶揉 揉捻 捻装 装置"
        );
        assert_eq!(
            terms("秭归县 屈原茶业有限公司"),
            "秭归 归县 屈原 原茶 茶业 业有 有限 限公 公司"
        );
        assert_eq!(terms("LED灯具 A1型"), "led 灯具 a1 型");
        assert_eq!(terms("ＡＢＣ（青花）"), "abc 青花");
        assert_eq!(terms(""), "");
    }

    #[test]
    fn queries_need_pairs_or_words() {
        let q = query("茶叶揉").unwrap();
        assert_eq!(q.pairs, ["茶叶", "叶揉"]);
        assert_eq!(q.fts5(), "\"茶叶\" AND \"叶揉\"");
        assert_eq!(q.tsquery(), "'茶叶' & '叶揉'");
        let q = query("LED 灯具").unwrap();
        assert_eq!(q.fts5(), "\"灯具\"");
        assert_eq!(query("茶"), None, "one character cannot use the pairs");
        assert_eq!(query("A1型"), None);
        assert_eq!(query(" - "), None);
        assert_eq!(query("茶叶茶叶").unwrap().pairs, ["茶叶", "叶茶"]);
    }

    /// The plain statement of the rule: runs, then pairs of each Chinese run.
    fn terms_by_runs(text: &str) -> String {
        let mut terms: Vec<String> = Vec::new();
        for (cjk, run) in runs(text) {
            if cjk {
                terms.extend(pairs(&run));
            } else {
                terms.push(run);
            }
        }
        terms.join(" ")
    }

    proptest::proptest! {
        #[test]
        fn the_one_pass_terms_follow_the_rule(text in "[茶叶揉捻装置一种a-cA-CＡ１ 、-]{0,16}|\\PC{0,16}") {
            proptest::prop_assert_eq!(terms(&text), terms_by_runs(&text));
        }

        #[test]
        fn every_query_of_a_text_fragment_is_covered_by_its_terms(text in "[茶叶揉捻装置一种a-c ]{0,12}", start in 0usize..12, len in 2usize..6) {
            let chars: Vec<char> = text.chars().collect();
            let start = start.min(chars.len());
            let end = (start + len).min(chars.len());
            let fragment: String = chars[start..end].iter().collect();
            if let Some(q) = query(&fragment) {
                let indexed: Vec<String> = terms(&text).split(' ').map(str::to_owned).collect();
                for pair in &q.pairs {
                    proptest::prop_assert!(indexed.contains(pair), "{} missing from {:?}", pair, indexed);
                }
            }
        }
    }
}
