//! Enforcement cases (执法案件): the workflow's rules, the penalty cap and case numbers. The
//! register itself (records, pages, API) builds on these.

pub mod numbering;
pub mod penalty;
pub mod workflow;
