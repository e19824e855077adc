//! Outreach visits to enterprises (走访企业): who went where and when, what was discussed and
//! handed out, what the enterprise needs, the follow-ups promised — and whether the enterprise
//! filed patents in the year after.

pub mod api;
pub mod domain;
pub mod query;
pub mod routes;
pub mod service;
