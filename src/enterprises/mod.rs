//! Enterprises: credit codes, names as rosters spell them, the register, its pages and its API.

pub mod api;
pub mod domain;
pub mod query;
pub mod routes;
pub mod service;

pub use domain::CreditCode;
