//! The same file imported before. A provincial roster comes every month, and last month's file is
//! easily taken for this month's: an import tells the officer when the very same bytes (their
//! SHA-256) were already committed to the same register and not undone, so that counts of only
//! "unchanged" rows are understood at a glance rather than puzzled over.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};

use crate::audit::actor_words;
use crate::entities::import_batch;
use crate::error::AppError;
use crate::i18n::{Lang, Msg};
use crate::settings::Timezone;

/// An earlier committed import of the same file into the same register.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SameFile {
    pub batch_id: i64,
    /// The actor's stored name, as the history keeps it.
    pub actor: String,
    /// The real name of the user who ran it, which the sentence says.
    #[serde(default)]
    pub actor_name: Option<String>,
    pub committed_at: Option<DateTime<Utc>>,
}

impl SameFile {
    /// The sentence the preview and the command line say: the import's number, who and when.
    pub fn sentence(&self, timezone: Timezone, lang: Lang) -> String {
        let at = self
            .committed_at
            .map(|at| crate::clock::display(at, timezone))
            .unwrap_or_default();
        Msg::new("import.same_file")
            .arg("batch", self.batch_id)
            .arg(
                "actor",
                self.actor_name
                    .clone()
                    .unwrap_or_else(|| actor_words(&self.actor, lang)),
            )
            .arg("at", at)
            .render(lang)
    }
}

/// The latest import before `batch` of the same bytes into the same register that is still
/// committed. An undone one is not told: importing the file again is then what the officer means.
pub async fn before(
    db: &impl ConnectionTrait,
    batch: &import_batch::Model,
) -> Result<Option<SameFile>, AppError> {
    let earlier = import_batch::Entity::find()
        .filter(import_batch::Column::Sha256.eq(batch.sha256.as_str()))
        .filter(import_batch::Column::Register.eq(batch.register.as_str()))
        .filter(import_batch::Column::State.eq("committed"))
        .filter(import_batch::Column::Id.lt(batch.id))
        .order_by_desc(import_batch::Column::Id)
        .one(db)
        .await?;
    let Some(earlier) = earlier else {
        return Ok(None);
    };
    let names = crate::auth::users::names_by_id(db, earlier.user_id).await?;
    Ok(Some(SameFile {
        batch_id: earlier.id,
        actor_name: earlier.user_id.and_then(|id| names.get(&id).cloned()),
        actor: earlier.actor,
        committed_at: earlier.committed_at,
    }))
}

/// As [`before`], for the import numbered `id` (none when there is no such import).
pub async fn before_batch(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<SameFile>, AppError> {
    match import_batch::Entity::find_by_id(id).one(db).await? {
        Some(batch) => before(db, &batch).await,
        None => Ok(None),
    }
}
