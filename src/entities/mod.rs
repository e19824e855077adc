//! SeaORM entities, kept together so relations between them resolve.

pub mod agency;
pub mod holiday;
pub mod setting;
pub mod township;
