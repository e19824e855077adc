//! Configuration: the database URL, and Rocket's own settings (Rocket.toml, `ROCKET_*`
//! variables) on top of ipdesk's defaults. Resolved once at start-up; a bad value is reported in
//! one sentence before anything is served.

use std::io::Write;
use std::path::{Path, PathBuf};

use rocket::figment::Figment;
use rocket::figment::providers::{Env, Format, Serialized, Toml};
use rocket::figment::value::{Dict, Value};

use crate::db::{self, Engine};
use crate::error::AppError;
use crate::i18n::Msg;

/// Settings fixed at start-up.
#[derive(Clone, Debug)]
pub struct AppConfig {
    pub database_url: String,
    pub figment: Figment,
    pub static_dir: PathBuf,
    pub template_dir: PathBuf,
    /// The program that reads uploaded workbooks in a child process (`ipdesk` itself).
    pub reader: crate::import::reader::ChildReader,
}

/// Where the server listens when neither Rocket.toml nor the command line says otherwise.
pub const DEFAULT_ADDRESS: &str = "127.0.0.1";
pub const DEFAULT_PORT: u16 = 8000;

/// ipdesk's defaults, under Rocket.toml and `ROCKET_*`: rosters are far bigger than Rocket's own
/// 1–2 MiB limits.
fn defaults() -> Dict {
    let mut limits = Dict::new();
    for (name, size) in [
        ("form", "64 KiB"),
        ("json", "1 MiB"),
        ("data-form", "50 MiB"),
        ("file", "50 MiB"),
    ] {
        limits.insert(name.into(), Value::from(size));
    }
    let mut dict = Dict::new();
    dict.insert("address".into(), Value::from(DEFAULT_ADDRESS));
    dict.insert("port".into(), Value::from(DEFAULT_PORT));
    dict.insert("template_dir".into(), Value::from("templates"));
    dict.insert("static_dir".into(), Value::from("static"));
    dict.insert("limits".into(), Value::from(limits));
    dict
}

/// Rocket's own figment with ipdesk's defaults slotted in below the file and the environment.
pub fn base_figment() -> Figment {
    let profile =
        rocket::figment::Profile::from_env_or("ROCKET_PROFILE", rocket::Config::DEFAULT_PROFILE);
    Figment::from(rocket::Config::default())
        .merge(Serialized::defaults(defaults()))
        .merge(Toml::file(Env::var_or("ROCKET_CONFIG", "Rocket.toml")).nested())
        .merge(Env::prefixed("ROCKET_").ignore(&["PROFILE"]).global())
        .select(profile)
}

/// Overrides given on the command line.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub address: Option<String>,
    pub port: Option<u16>,
}

impl AppConfig {
    /// Resolves the configuration for serving `database_url`: paths, the secret key and the
    /// listening address.
    pub fn resolve(
        database_url: &str,
        figment: Figment,
        overrides: &Overrides,
    ) -> Result<AppConfig, AppError> {
        let mut figment = figment;
        if let Some(address) = &overrides.address {
            figment = figment.merge(("address", address.as_str()));
        }
        if let Some(port) = overrides.port {
            figment = figment.merge(("port", port));
        }
        check_listening(&figment)?;
        if !has_secret_key(&figment) {
            let key = secret_key_for(database_url)?;
            figment = figment.merge(("secret_key", key));
        }
        let template_dir = existing_dir(&figment, "template_dir")?;
        let static_dir = existing_dir(&figment, "static_dir")?;
        figment = figment.merge(("template_dir", template_dir.display().to_string()));
        let reader = match figment.extract_inner::<String>("reader_program") {
            Ok(program) => crate::import::reader::ChildReader {
                program: PathBuf::from(program),
            },
            Err(_) => crate::import::reader::ChildReader::current(),
        };
        Ok(AppConfig {
            database_url: database_url.to_owned(),
            figment,
            static_dir,
            template_dir,
            reader,
        })
    }

    /// The address the server will listen on, for the start-up message.
    pub fn listen_url(&self) -> String {
        let address: String = self
            .figment
            .extract_inner("address")
            .unwrap_or_else(|_| DEFAULT_ADDRESS.into());
        let port: u16 = self.figment.extract_inner("port").unwrap_or(DEFAULT_PORT);
        let host = if address.contains(':') {
            format!("[{address}]")
        } else {
            address
        };
        format!("http://{host}:{port}")
    }
}

/// The listening address and port as Rocket will read them, refused here in words the
/// administrator can act on: Rocket refuses a host name ("localhost", "nohost") only at launch,
/// which said "could not serve" with a guess that the port was taken.
fn check_listening(figment: &Figment) -> Result<(), AppError> {
    if figment
        .extract_inner::<std::net::IpAddr>("address")
        .is_err()
    {
        let given = figment
            .extract_inner::<String>("address")
            .unwrap_or_default();
        return Err(AppError::BadRequest(
            Msg::new("config.bad_address").arg("value", given),
        ));
    }
    if figment.extract_inner::<u16>("port").is_err() {
        return Err(AppError::BadRequest(
            Msg::new("config.bad_value").arg("key", "port"),
        ));
    }
    Ok(())
}

/// Rocket's defaults hold an all-zero key, so "set" means present and not zero.
fn has_secret_key(figment: &Figment) -> bool {
    figment
        .extract_inner::<rocket::config::SecretKey>("secret_key")
        .is_ok_and(|key| !key.is_zero())
}

fn existing_dir(figment: &Figment, key: &str) -> Result<PathBuf, AppError> {
    let dir: PathBuf = figment
        .extract_inner::<String>(key)
        .map(PathBuf::from)
        .map_err(|_| AppError::BadRequest(Msg::new("config.bad_value").arg("key", key)))?;
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(AppError::BadRequest(
            Msg::new("config.missing_dir")
                .arg("key", key)
                .arg("path", dir.display())
                .arg("variable", format!("ROCKET_{}", key.to_ascii_uppercase())),
        ))
    }
}

/// The key that signs and encrypts cookies. Several instances over one PostgreSQL must share it,
/// so there it must be given; on SQLite it is made once and kept beside the database.
fn secret_key_for(database_url: &str) -> Result<String, AppError> {
    match Engine::of_url(database_url)? {
        Engine::Postgres => Err(AppError::BadRequest(Msg::new("config.secret_key_required"))),
        Engine::Sqlite => match db::data_dir(database_url) {
            Some(dir) => stored_secret_key(&dir.join("secret_key")),
            None => Ok(random_key_hex()?),
        },
    }
}

fn stored_secret_key(path: &Path) -> Result<String, AppError> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let key = existing.trim().to_owned();
        if key.len() == 64 && key.chars().all(|c| c.is_ascii_hexdigit()) {
            return Ok(key);
        }
        return Err(AppError::BadRequest(
            Msg::new("config.secret_key_corrupt").arg("path", path.display()),
        ));
    }
    let key = random_key_hex()?;
    write_private(path, &key).map_err(|error| {
        tracing::error!(%error, path = %path.display(), "cannot write the secret key");
        AppError::BadRequest(Msg::new("config.secret_key_unwritable").arg("path", path.display()))
    })?;
    Ok(key)
}

/// Writes a file only its owner can read.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

/// 256 random bits, hex-encoded as Rocket's `secret_key` accepts.
pub fn random_key_hex() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys_are_generated_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/secret_key");
        let first = stored_secret_key(&path).unwrap();
        let second = stored_secret_key(&path).unwrap();
        assert_eq!(first, second);
        assert_eq!(first.len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn postgres_needs_a_given_key() {
        assert!(secret_key_for("postgres://localhost/x").is_err());
    }

    #[test]
    fn a_corrupt_key_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret_key");
        std::fs::write(&path, "short").unwrap();
        assert!(matches!(
            stored_secret_key(&path),
            Err(AppError::BadRequest(_))
        ));
    }
}
