//! Enforcement cases (执法案件): what a case is, the workflow's rules, the statutory deadlines, the
//! penalty cap and case numbers; the register of cases with their steps and attachments.

pub mod api;
pub mod attachments;
pub mod claim;
pub mod deadlines;
pub mod domain;
pub mod numbering;
pub mod penalty;
pub mod query;
pub mod routes;
pub mod rules;
pub mod rules_routes;
pub mod service;
pub mod workflow;
