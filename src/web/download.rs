//! Files sent to be saved: a workbook made in memory, or a file on disk such as a backup.

use rocket::http::{ContentType, Status};
use rocket::response::{self, Responder};

/// The `Content-Disposition` of a file to save as `name`: the name in UTF-8 for browsers that read
/// it, and for old clients the same with anything beyond ASCII replaced.
pub fn disposition(name: &str) -> String {
    let encoded = super::query_string::encode(name);
    let plain: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}")
}

/// A copy of the SQLite database, streamed from its open file.
pub struct DatabaseFile(pub crate::settings::backup::BackupCopy);

impl<'r> Responder<'r, 'static> for DatabaseFile {
    fn respond_to(self, _: &'r rocket::Request<'_>) -> response::Result<'static> {
        let copy = self.0;
        let len = usize::try_from(copy.len).map_err(|_| Status::InternalServerError)?;
        rocket::Response::build()
            .status(Status::Ok)
            .header(ContentType::new("application", "vnd.sqlite3"))
            .raw_header("Content-Disposition", disposition(&copy.name))
            .sized_body(len, rocket::tokio::fs::File::from_std(copy.file))
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_sent_in_utf8_and_plain() {
        let cases = [
            (
                "ipdesk-backup-20261130-1305.sqlite",
                "attachment; filename=\"ipdesk-backup-20261130-1305.sqlite\"; filename*=UTF-8''ipdesk-backup-20261130-1305.sqlite",
            ),
            (
                "专利台账.xlsx",
                "attachment; filename=\"____.xlsx\"; filename*=UTF-8''%E4%B8%93%E5%88%A9%E5%8F%B0%E8%B4%A6.xlsx",
            ),
            (
                "a \"b\".xlsx",
                "attachment; filename=\"a__b_.xlsx\"; filename*=UTF-8''a%20%22b%22.xlsx",
            ),
        ];
        for (name, header) in cases {
            assert_eq!(disposition(name), header, "{name}");
        }
    }
}
