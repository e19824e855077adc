//! The working-day calendar (holidays and make-up working days) and the deadline arithmetic the
//! enforcement cases' statutory time limits are computed with.

pub mod api;
pub mod domain;
pub mod notices;
pub mod routes;
pub mod service;
pub mod sheet;
