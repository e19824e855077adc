//! ipdesk (知识产权工作台): the working desk of a county IP officer — a Rocket web application and a
//! CLI over one database. `build` assembles the web application from a [`config::AppConfig`].

pub mod audit;
pub mod auth;
pub mod calendar;
pub mod cases;
pub mod cli;
pub mod clock;
pub mod config;
pub mod dates;
pub mod db;
pub mod demo;
pub mod dev;
pub mod enterprises;
pub mod entities;
pub mod error;
pub mod events;
pub mod export;
pub mod fields;
pub mod i18n;
pub mod import;
pub mod inspections;
pub mod patents;
pub mod reports;
pub mod settings;
pub mod text;
pub mod visits;
pub mod web;

use rocket::fs::FileServer;
use rocket::{Build, Rocket};
use sea_orm::DatabaseConnection;

pub use error::AppError;

/// What every request handler can reach.
pub struct AppState {
    pub db: DatabaseConnection,
    /// Starts the child process that reads uploaded workbooks.
    pub reader: import::reader::ChildReader,
    /// The year-so-far report, kept while nothing is committed.
    pub reports: reports::cache::ReportCache,
    /// The townships the patents suggest for enterprises without one, kept while nothing is
    /// committed.
    pub suggestions: db::stamp::Kept<Vec<enterprises::query::TownshipSuggestion>>,
}

/// Builds the web application over an open (and migrated) database.
pub fn build(config: &config::AppConfig, db: DatabaseConnection) -> Rocket<Build> {
    rocket::custom(config.figment.clone())
        .manage(AppState {
            db,
            reader: config.reader.clone(),
            reports: reports::cache::ReportCache::for_url(&config.database_url),
            suggestions: db::stamp::Kept::for_url(&config.database_url),
        })
        .attach(web::templates::fairing())
        .attach(auth::csrf::BodyToken)
        .attach(rocket::fairing::AdHoc::on_liftoff("tallies", |rocket| {
            Box::pin(async move {
                if let Some(state) = rocket.state::<AppState>()
                    && sea_orm::ConnectionTrait::get_database_backend(&state.db)
                        == sea_orm::DbBackend::Postgres
                {
                    tokio::spawn(reports::tallies::keep_folded(state.db.clone()));
                }
            })
        }))
        .mount("/", web::routes())
        .mount("/", auth::routes::routes())
        .mount("/", auth::admin::routes())
        .mount("/", audit::routes::routes())
        .mount("/", settings::routes::routes())
        .mount("/", patents::routes::routes())
        .mount("/", enterprises::routes::routes())
        .mount("/", events::routes::routes())
        .mount("/", visits::routes::routes())
        .mount("/", inspections::routes::routes())
        .mount("/", calendar::routes::routes())
        .mount("/", cases::rules_routes::routes())
        .mount("/", cases::routes::routes())
        .mount("/", import::routes::routes())
        .mount("/", demo::routes::routes())
        .mount("/", export::routes::routes())
        .mount("/", reports::routes::routes())
        .mount(
            "/api/v1",
            web::stray_query::refusing(
                [
                    auth::api::routes(),
                    audit::routes::api_routes(),
                    settings::api::routes(),
                    patents::api::routes(),
                    enterprises::api::routes(),
                    events::api::routes(),
                    visits::api::routes(),
                    inspections::api::routes(),
                    calendar::api::routes(),
                    cases::rules_routes::api_routes(),
                    cases::api::routes(),
                    import::api::routes(),
                    demo::routes::api_routes(),
                    export::routes::routes(),
                    reports::api::routes(),
                    web::not_deleted::routes(),
                ]
                .concat(),
            ),
        )
        .mount("/static", FileServer::from(&config.static_dir))
        .register("/", web::catchers::catchers())
}
