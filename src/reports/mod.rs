//! Reports: the annual targets, and the year-to-date report measured against them and against
//! the same period last year.

pub mod api;
pub mod cache;
pub mod chart;
pub mod excel;
pub mod routes;
pub mod summary;
pub mod tallies;
pub mod targets;
pub mod ytd;
