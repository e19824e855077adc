//! Copying an SQLite database to a file, and saying why a copy or a restore could not write its
//! file in words an administrator can act on: a full disk asks for space, a refused folder for
//! another place. The operating system's and SQLite's own wording stays in the log.

use std::path::Path;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, RuntimeErr, Statement};

use crate::error::AppError;
use crate::i18n::Msg;

/// Writes a consistent copy of an SQLite database to `target` while others keep using it. A copy
/// that fails part-way is removed: `target` did not exist before.
pub async fn backup(db: &DatabaseConnection, target: &Path) -> Result<(), AppError> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Err(AppError::BadRequest(Msg::new("backup.postgres")));
    }
    if target.exists() {
        return Err(AppError::BadRequest(
            Msg::new("backup.exists").arg("path", target.display()),
        ));
    }
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent
        && !parent.is_dir()
    {
        return Err(AppError::BadRequest(
            Msg::new("backup.no_folder").arg("path", parent.display()),
        ));
    }
    let Some(path) = target.to_str() else {
        return Err(AppError::BadRequest(Msg::new("backup.bad_path")));
    };
    // VACUUM INTO reads one snapshot and writes a compact, self-contained copy.
    let statement = Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [path.to_owned().into()],
    );
    match db.execute_raw(statement).await {
        Ok(_) => Ok(()),
        Err(error) => {
            tracing::error!(%error, path, "backup: VACUUM INTO failed");
            let _ = std::fs::remove_file(target);
            match FileTrouble::of_sqlite(&error) {
                Some(trouble) => Err(trouble.backup_failed(target)),
                None => Err(error.into()),
            }
        }
    }
}

/// Why a file could not be written, as the administrator can act on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileTrouble {
    /// No space left (or a quota or size limit reached).
    Full,
    /// The folder or file may not be written (permissions, a read-only file system).
    Denied,
    /// Any other failure to read or write.
    Other,
}

impl FileTrouble {
    pub fn of_io(error: &std::io::Error) -> FileTrouble {
        use std::io::ErrorKind;
        match error.kind() {
            ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge => {
                FileTrouble::Full
            }
            ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => FileTrouble::Denied,
            _ => FileTrouble::Other,
        }
    }

    /// The trouble behind a failed SQLite statement that wrote a file; `None` for an error that is
    /// not about files (a bug, a lost connection), which stays a server error.
    pub fn of_sqlite(error: &DbErr) -> Option<FileTrouble> {
        Self::of_sqlite_code(sqlite_code(error)?)
    }

    /// By SQLite's primary result code (https://sqlite.org/rescode.html); extended codes carry
    /// it in their low byte.
    fn of_sqlite_code(code: i32) -> Option<FileTrouble> {
        match code & 0xff {
            13 => Some(FileTrouble::Full),                // SQLITE_FULL
            3 | 8 | 14 | 23 => Some(FileTrouble::Denied), // PERM, READONLY, CANTOPEN, AUTH
            10 => Some(FileTrouble::Other),               // SQLITE_IOERR
            _ => None,
        }
    }

    /// The phrase for `{reason}`, translated when the message is rendered.
    pub fn reason(self) -> String {
        let key = match self {
            FileTrouble::Full => "file_trouble.full",
            FileTrouble::Denied => "file_trouble.denied",
            FileTrouble::Other => "file_trouble.other",
        };
        format!("@{key}")
    }

    /// "Could not make the backup in {path} ({reason}); nothing was left behind."
    pub fn backup_failed(self, path: &Path) -> AppError {
        AppError::BadRequest(
            Msg::new("backup.failed")
                .arg("path", path.display())
                .arg("reason", self.reason()),
        )
    }
}

fn sqlite_code(error: &DbErr) -> Option<i32> {
    let (DbErr::Exec(RuntimeErr::SqlxError(error)) | DbErr::Query(RuntimeErr::SqlxError(error))) =
        error
    else {
        return None;
    };
    let sea_orm::sqlx::Error::Database(error) = error.as_ref() else {
        return None;
    };
    error.code()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_result_codes_name_the_trouble() {
        let cases = [
            (13, Some(FileTrouble::Full)),
            (14, Some(FileTrouble::Denied)),
            (8, Some(FileTrouble::Denied)),
            (778, Some(FileTrouble::Other)), // SQLITE_IOERR_WRITE
            (1, None),                       // SQLITE_ERROR: a bug, not a file
            (5, None),                       // SQLITE_BUSY
        ];
        for (code, trouble) in cases {
            assert_eq!(FileTrouble::of_sqlite_code(code), trouble, "{code}");
        }
    }

    #[test]
    fn io_errors_name_the_trouble() {
        use std::io::{Error, ErrorKind};
        let cases = [
            (ErrorKind::StorageFull, FileTrouble::Full),
            (ErrorKind::PermissionDenied, FileTrouble::Denied),
            (ErrorKind::ReadOnlyFilesystem, FileTrouble::Denied),
            (ErrorKind::UnexpectedEof, FileTrouble::Other),
        ];
        for (kind, trouble) in cases {
            assert_eq!(FileTrouble::of_io(&Error::from(kind)), trouble, "{kind:?}");
        }
    }

    #[test]
    fn the_reason_is_said_in_the_reader_s_language() {
        let msg = FileTrouble::Full.backup_failed(Path::new("/srv/b.sqlite"));
        let sentence = msg.sentence();
        assert_eq!(
            sentence.render(crate::i18n::Lang::ZhCn),
            "无法在 /srv/b.sqlite 做备份（磁盘空间已满），没有留下任何文件。"
        );
        assert!(
            sentence
                .render(crate::i18n::Lang::En)
                .contains("(the disk is full)")
        );
    }
}
