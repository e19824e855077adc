//! An edit of one record that changes nothing leaves no trace. A person often presses 保存 on a
//! form they only looked at, and a script PUTs back what it read; writing that anyway moved the
//! record's version — so a colleague's form open on the record met a conflict over nothing — added
//! an audit entry naming no field, and made an import's undo keep the record as "changed since
//! the import".

use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect,
};
use serde_json::{Map, Value};

use crate::entities::audit_entry;
use crate::error::AppError;

/// A write transaction editing one record, and where the audit log stood when it began.
pub struct Edit {
    pub txn: DatabaseTransaction,
    last_entry: i64,
}

impl Edit {
    /// Begins the edit (see [`crate::db::begin_write`]).
    pub async fn begin(db: &DatabaseConnection) -> Result<Edit, AppError> {
        let txn = crate::db::begin_write(db).await?;
        let last_entry: Option<i64> = audit_entry::Entity::find()
            .select_only()
            .column_as(audit_entry::Column::Id.max(), "last")
            .into_tuple()
            .one(&txn)
            .await?
            .flatten();
        Ok(Edit {
            txn,
            last_entry: last_entry.unwrap_or(0),
        })
    }

    /// Ends the edit: commits it, unless all it wrote is the record's next version (its one
    /// audit entry names no other field, and nothing else was audited) — then rolls it back, and
    /// the record stays at the version the edit began from. Whether it was kept.
    ///
    /// Every write is audited in its transaction, so the entries after the mark are what the
    /// edit did; on PostgreSQL another instance's entries committed meanwhile may be among them,
    /// and then the edit is kept, as before.
    pub async fn finish(self) -> Result<bool, AppError> {
        let written: Vec<String> = audit_entry::Entity::find()
            .select_only()
            .column(audit_entry::Column::Changes)
            .filter(audit_entry::Column::Id.gt(self.last_entry))
            .into_tuple()
            .all(&self.txn)
            .await?;
        let nothing_changed = matches!(written.as_slice(), [only] if names_only_version(only));
        if nothing_changed {
            self.txn.rollback().await?;
        } else {
            self.txn.commit().await?;
        }
        Ok(!nothing_changed)
    }

    /// Ends the edit of a record read at version `began` (see [`Edit::finish`]); when nothing was
    /// changed, the view's `version` says `began` again, as the record still does.
    pub async fn finish_at(self, version: &mut i32, began: i32) -> Result<(), AppError> {
        if !self.finish().await? {
            *version = began;
        }
        Ok(())
    }
}

/// Whether stored changes (`{"field": {"old", "new"}}`) name the version and nothing else.
fn names_only_version(changes: &str) -> bool {
    match serde_json::from_str::<Map<String, Value>>(changes) {
        Ok(fields) => fields.keys().all(|name| name == "version"),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::names_only_version;

    #[test]
    fn only_a_moved_version_is_nothing_changed() {
        let cases = [
            (r#"{"version":{"old":1,"new":2}}"#, true),
            ("{}", true),
            (
                r#"{"version":{"old":1,"new":2},"title":{"old":"a","new":"b"}}"#,
                false,
            ),
            (
                r#"{"linked_applicants":{"old":0,"new":3},"version":{"old":1,"new":2}}"#,
                false,
            ),
            ("not json", false),
            ("[]", false),
        ];
        for (changes, expected) in cases {
            assert_eq!(names_only_version(changes), expected, "{changes}");
        }
    }
}
