//! Integration tests: each test spawns the application on a fresh temporary database — SQLite
//! always, PostgreSQL when IPDESK_TEST_DATABASE_URL is set — and checks what a user would notice.

// Tests may fail loudly: a panic here is a failed test, not a crashed server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod access;
mod api;
mod audit_trail;
mod auth;
mod browser;
mod bulk_writes;
mod calendar;
mod cases;
mod cli;
mod enterprises;
mod errors;
mod events;
mod exports;
mod health;
mod hostile_input;
mod imports;
mod injection;
mod inspections;
mod instances;
mod ledgers;
mod patents;
mod query_plans;
mod reports;
mod seed;
mod settings;
mod visits;
mod web;
