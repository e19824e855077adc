//! Publicity events (宣传活动): 3.15, 4.26 World IP Day, IP week, lectures and trainings — what
//! was done, where, with whom, and how many people, materials and consultations it reached.

pub mod api;
pub mod domain;
pub mod query;
pub mod routes;
pub mod service;
