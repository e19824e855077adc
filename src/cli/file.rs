//! Reading a file named on the command line (a roster, a holiday sheet, a case's attachment): the
//! refusal says what is wrong with the path, which the user can act on, where one sentence for
//! every failure left them to guess between a typo, a folder and a permission.

use std::io::ErrorKind;
use std::path::Path;

use crate::error::AppError;
use crate::i18n::Msg;

/// The bytes of the file at `path`, or the sentence that says why they cannot be read.
pub fn read(path: &Path) -> Result<Vec<u8>, AppError> {
    std::fs::read(path).map_err(|error| AppError::BadRequest(refusal(path, &error)))
}

fn refusal(path: &Path, error: &std::io::Error) -> Msg {
    let key = match error.kind() {
        ErrorKind::NotFound => "cli.file.missing",
        ErrorKind::IsADirectory => "cli.file.folder",
        ErrorKind::PermissionDenied => "cli.file.denied",
        _ => "cli.file.unreadable",
    };
    Msg::new(key).arg("path", path.display())
}

#[cfg(test)]
mod tests {
    use super::read;
    use crate::i18n::Lang;

    #[test]
    fn each_reason_a_file_cannot_be_read_has_its_sentence() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("名册.xlsx");
        std::fs::write(&file, b"PK").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read(&file).ok(), Some(b"PK".to_vec()));
        let told = |path: &std::path::Path| match read(path) {
            Err(error) => error.message().render(Lang::ZhCn),
            Ok(_) => String::new(),
        };
        let missing = dir.path().join("名册2.xlsx");
        assert_eq!(
            told(&missing),
            format!("找不到文件 {}。", missing.display())
        );
        assert_eq!(
            told(dir.path()),
            format!("{} 是文件夹，请指定其中的文件。", dir.path().display())
        );
    }
}
