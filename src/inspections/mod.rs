//! Joint market inspections (联合执法检查) against patent counterfeiting, with the commerce and
//! quality bureaus: where, with whom, how many premises and goods, and the problems found.

pub mod api;
pub mod domain;
pub mod query;
pub mod routes;
pub mod service;
