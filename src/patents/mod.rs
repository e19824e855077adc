//! Patents: numbers, the status lifecycle, the register, its pages and its API.

pub mod api;
pub mod bulk;
pub mod domain;
pub mod lifecycle;
pub mod number;
pub mod query;
pub mod routes;
pub mod search;
pub mod service;

pub use lifecycle::PatentStatus;
pub use number::{ApplicationNumber, PatentType, PublicationNumber};
