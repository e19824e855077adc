//! Files kept with a case or one of its steps — evidence photos, scanned records, decisions — in
//! the database with the case, so a backup holds everything. Each is size-limited and audited.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::service::AttachmentView;
use crate::audit::{self, Actor, Changes, Event};
use crate::db;
use crate::entities::{case_attachment, case_event, enforcement_case};
use crate::error::{AppError, field_error};
use crate::i18n::Msg;

/// The largest file kept: a phone photo or a scanned decision fits; a video does not.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// A file as uploaded.
pub struct Upload {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// id, case, step, name, type, size, uploaded by: an attachment without its bytes.
type Listed = (i64, i64, Option<i64>, String, String, i64, String);

/// The type to keep a file under: the one sent, unless it is the catch-all that browsers and
/// scripts send for anything; then the one its name says.
pub fn content_type(file_name: &str, sent: Option<&str>) -> String {
    use rocket::http::ContentType;
    let sent = sent
        .and_then(ContentType::parse_flexible)
        .filter(|t| *t != ContentType::Binary);
    let named = || {
        file_name
            .rsplit_once('.')
            .and_then(|(_, extension)| ContentType::from_extension(extension))
    };
    sent.or_else(named)
        .unwrap_or(ContentType::Binary)
        .to_string()
}

/// The attachments of these cases, without their bytes.
pub async fn listed(
    db: &impl ConnectionTrait,
    case_ids: &[i64],
) -> Result<HashMap<i64, Vec<AttachmentView>>, AppError> {
    let mut listed: HashMap<i64, Vec<AttachmentView>> = HashMap::new();
    for chunk in case_ids.chunks(500) {
        let rows: Vec<Listed> = case_attachment::Entity::find()
            .select_only()
            .column(case_attachment::Column::Id)
            .column(case_attachment::Column::CaseId)
            .column(case_attachment::Column::CaseEventId)
            .column(case_attachment::Column::FileName)
            .column(case_attachment::Column::ContentType)
            .column(case_attachment::Column::Size)
            .column(case_attachment::Column::UploadedBy)
            .filter(case_attachment::Column::CaseId.is_in(chunk.iter().copied()))
            .order_by_asc(case_attachment::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        for (id, case_id, step_id, file_name, content_type, size, uploaded_by) in rows {
            listed.entry(case_id).or_default().push(AttachmentView {
                id,
                step_id,
                file_name,
                content_type,
                size,
                uploaded_by,
                uploaded_by_name: None,
            });
        }
    }
    Ok(listed)
}

/// Keeps a file with the case `case_id`, or with its step `step_id`.
pub async fn add(
    db: &DatabaseConnection,
    actor: &Actor,
    case_id: i64,
    step_id: Option<i64>,
    upload: Upload,
) -> Result<AttachmentView, AppError> {
    if upload.bytes.is_empty() {
        return Err(field_error("file", Msg::new("cases.attachment.empty")));
    }
    if upload.bytes.len() > MAX_BYTES {
        return Err(field_error(
            "file",
            Msg::new("cases.attachment.too_large").arg("max_mb", MAX_BYTES / 1024 / 1024),
        ));
    }
    let txn = db::begin_write(db).await?;
    if enforcement_case::Entity::find_by_id(case_id)
        .one(&txn)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound(Msg::new("cases.not_found")));
    }
    if let Some(step_id) = step_id {
        let step = case_event::Entity::find_by_id(step_id).one(&txn).await?;
        if step.is_none_or(|s| s.case_id != case_id) {
            return Err(field_error("step_id", Msg::new("cases.attachment.no_step")));
        }
    }
    let size = i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX);
    let row = case_attachment::ActiveModel {
        case_id: Set(case_id),
        case_event_id: Set(step_id),
        file_name: Set(upload.file_name),
        content_type: Set(upload.content_type),
        size: Set(size),
        bytes: Set(upload.bytes),
        uploaded_by: Set(actor.name.clone()),
        uploaded_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let view = AttachmentView {
        id: row.id,
        step_id: row.case_event_id,
        file_name: row.file_name,
        content_type: row.content_type,
        size: row.size,
        uploaded_by: row.uploaded_by,
        uploaded_by_name: None,
    };
    audit::record(
        &txn,
        actor,
        Event::new("attach", "case", case_id).with(Changes::created(&view)),
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// The file `id` of the case `case_id`: its name, type and bytes.
pub async fn fetch(
    db: &impl ConnectionTrait,
    case_id: i64,
    id: i64,
) -> Result<case_attachment::Model, AppError> {
    case_attachment::Entity::find_by_id(id)
        .filter(case_attachment::Column::CaseId.eq(case_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(Msg::new("cases.attachment.not_found")))
}
