//! The web shell: language, layout, flash messages, forms, pagination, templates, error pages,
//! static files, health and the home page.

pub mod catchers;
pub mod download;
pub mod forms;
pub mod given;
pub mod health;
pub mod home;
pub mod json;
pub mod lang;
pub mod layout;
pub mod not_deleted;
pub mod pagination;
pub mod query_string;
pub mod stray_query;
pub mod templates;

use rocket::{Route, routes};

/// Routes of the shell itself; domains mount their own.
pub fn routes() -> Vec<Route> {
    routes![home::index, lang::switch, health::healthz]
}
