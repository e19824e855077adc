//! Settings: the jurisdiction (county, aliases, case-number prefix), its townships, the partner
//! agencies and the time zone; and copies of the whole database for an administrator to keep.

pub mod api;
pub mod backup;
pub mod domain;
pub mod lists;
pub mod routes;
pub mod service;

pub use domain::{Jurisdiction, JurisdictionInput, Settings, Timezone};
pub use lists::ListKind;
