//! Who may do what: users and roles, sign-in sessions, API tokens, the first-run setup, CSRF
//! protection, and the request guards every handler uses to name the role it needs.

pub mod admin;
pub mod api;
pub mod csrf;
pub mod domain;
pub mod guards;
pub mod password;
pub mod routes;
pub mod secrets;
pub mod sessions;
pub mod setup;
pub mod tokens;
pub mod users;

pub use domain::Role;
pub use guards::{Admin, CurrentUser, Officer, Viewer};
