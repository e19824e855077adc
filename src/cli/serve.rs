//! `ipdesk serve`: migrate, then serve the web application until stopped.

use rocket::fairing::AdHoc;

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
    let database = db::connect(url).await?;
    let announce = AdHoc::on_liftoff("announce", move |rocket| {
        Box::pin(async move {
            let config = rocket.config();
            let host = if config.address.is_ipv6() {
                format!("[{}]", config.address)
            } else {
                config.address.to_string()
            };
            let url = format!("http://{host}:{}", config.port);
            println!(
                "{}",
                Msg::new("cli.serve.listening").arg("url", url).render(lang)
            );
        })
    });
    let rocket = build(&config, database).attach(announce);
    match rocket.launch().await {
        Ok(_) => Ok(()),
        Err(error) => {
            tracing::error!(%error, "the server stopped");
            Err(AppError::BadRequest(
                Msg::new("cli.serve.failed").arg("url", config.listen_url()),
            ))
        }
    }
}
