//! Tools for developers and trials, left out of the normal help: filling a database with
//! realistic data fast.

pub mod seed;
