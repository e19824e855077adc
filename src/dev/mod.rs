//! Tools for developers and trials, left out of the normal help: filling a database with
//! realistic data fast, and the sample workbooks.

pub mod ledger_samples;
pub mod registers;
pub mod samples;
pub mod seed;
pub mod shift;
