//! SeaORM entities, kept together so relations between them resolve.

pub mod agency;
pub mod api_token;
pub mod audit_entry;
pub mod column_mapping;
pub mod deadline_rule;
pub mod enterprise;
pub mod enterprise_name;
pub mod event;
pub mod event_enterprise;
pub mod holiday;
pub mod import_batch;
pub mod import_batch_row;
pub mod import_upload;
pub mod login_attempt;
pub mod login_lockout;
pub mod patent;
pub mod patent_applicant;
pub mod patent_event;
pub mod session;
pub mod setting;
pub mod target;
pub mod township;
pub mod user;
pub mod visit;
pub mod visit_follow_up;
