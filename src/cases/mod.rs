//! Enforcement cases (执法案件): what a case is, the workflow's rules, the statutory deadlines, the
//! penalty cap and case numbers. The register itself (records, pages, API) builds on these.

pub mod claim;
pub mod deadlines;
pub mod domain;
pub mod numbering;
pub mod penalty;
pub mod rules;
pub mod rules_routes;
pub mod workflow;
