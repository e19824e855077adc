//! `ipdesk serve`: migrate, then serve the web application until stopped.

use std::io::Write;

use rocket::fairing::AdHoc;

use crate::auth::setup;
use crate::config::{AppConfig, Overrides, base_figment};
use crate::error::AppError;
use crate::i18n::{Lang, Msg};
use crate::{build, db};

use super::ServeArgs;

pub async fn serve(url: &str, args: ServeArgs, lang: Lang) -> Result<(), AppError> {
    let overrides = Overrides {
        address: args.address,
        port: args.port,
    };
    let config = AppConfig::resolve(url, base_figment(), &overrides)?;
    // Held until the server stops, so that `ipdesk restore` waits for it.
    let _lock = db::restore::server_lock(url)?;
    let database = db::connect(url).await?;
    let setup_token = setup::prepare(&database).await?;
    let announce = AdHoc::on_liftoff("announce", move |rocket| {
        Box::pin(async move {
            let config = rocket.config();
            let host = if config.address.is_ipv6() {
                format!("[{}]", config.address)
            } else {
                config.address.to_string()
            };
            let url = format!("http://{host}:{}", config.port);
            // A closed stdout (a service manager, a pipe) must not stop the server: ignore errors.
            let mut out = std::io::stdout();
            let _ = writeln!(
                out,
                "{}",
                Msg::new("cli.serve.listening")
                    .arg("url", &url)
                    .render(lang)
            );
            if let Some(token) = &setup_token {
                let link = format!("{url}/setup?token={token}");
                let _ = writeln!(
                    out,
                    "{}",
                    Msg::new("cli.serve.setup").arg("link", link).render(lang)
                );
            }
        })
    });
    let rocket = build(&config, database).attach(announce);
    match rocket.launch().await {
        Ok(_) => Ok(()),
        Err(error) => {
            tracing::error!(%error, "the server stopped");
            Err(AppError::BadRequest(launch_failed(
                &error,
                &config.listen_url(),
            )))
        }
    }
}

/// Why the server could not start at `url`, where the administrator can act on it: the port
/// taken (another ipdesk running), an address this computer does not have, a port it may not use.
fn launch_failed(error: &rocket::Error, url: &str) -> Msg {
    use std::io::ErrorKind as Io;
    let key = match error.kind() {
        rocket::error::ErrorKind::Bind(io) => match io.kind() {
            Io::AddrInUse => "cli.serve.in_use",
            Io::AddrNotAvailable => "cli.serve.not_here",
            Io::PermissionDenied => "cli.serve.denied",
            _ => "cli.serve.failed",
        },
        _ => "cli.serve.failed",
    };
    Msg::new(key).arg("url", url)
}
