//! `ipdesk audit [--entity E] [--id ID] [--user NAME] [--from D] [--to D] [--limit N] [--page P]
//! [--json]`:
//! the audit log from the terminal, newest first, filtered as on its page.

use clap::Args;
use sea_orm::DatabaseConnection;

use crate::audit::{self, AskedFilter, Entry, Filter, display};
use crate::error::AppError;
use crate::i18n::{CATALOG, Lang, Msg, t};
use crate::web::pagination::{MAX_PER_PAGE, PageRequest};

#[derive(Args, Debug)]
pub struct AuditArgs {
    #[arg(long)]
    entity: Option<String>,
    #[arg(long)]
    id: Option<String>,
    #[arg(long)]
    user: Option<String>,
    #[arg(long)]
    from: Option<String>,
    #[arg(long)]
    to: Option<String>,
    #[arg(
        long,
        default_value_t = 50,
        value_parser = clap::value_parser!(u64).range(1..=MAX_PER_PAGE)
    )]
    limit: u64,
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    page: u64,
    #[arg(long)]
    json: bool,
}

pub async fn run(db: &DatabaseConnection, args: AuditArgs, lang: Lang) -> Result<(), AppError> {
    let asked = AskedFilter {
        user: args.user.as_deref(),
        entity: args.entity.as_deref(),
        id: args.id.as_deref(),
        from: args.from.as_deref(),
        to: args.to.as_deref(),
    };
    let filter = Filter::read(db, asked).await?;
    let timezone = crate::settings::service::load(db).await?.timezone;
    let page = PageRequest::new(Some(args.page), Some(args.limit));
    let (entries, total) = audit::list(db, &filter, page, timezone).await?;
    if args.json {
        return super::import::json(
            &serde_json::json!({"entries": entries, "total": total}),
            lang,
        );
    }
    if total == 0 {
        say!("{}", t(lang, "audit.empty"));
        return Ok(());
    }
    for entry in &entries {
        say!("{}", line(entry, timezone, lang));
        let scope = display::Scope::Log(&entry.entity);
        for row in display::rows(&entry.action, &entry.changes, scope, lang) {
            say!("    {}", change(&row, lang));
        }
    }
    let shown = super::pager::Shown::of(page.page, page.per_page, entries.len(), total);
    super::pager::print(shown, lang);
    Ok(())
}

/// A label from the locale files, or the raw name when there is none (an entity or a field
/// named by data).
fn label(lang: Lang, key: &str, raw: &str) -> String {
    CATALOG
        .get(lang, key)
        .map_or_else(|| raw.to_owned(), str::to_owned)
}

/// "2026-11-30 11:29  cli:root  导入  导入批次 #2"
fn line(entry: &Entry, timezone: crate::settings::Timezone, lang: Lang) -> String {
    let entity = label(
        lang,
        &format!("audit.entity.{}", entry.entity),
        &entry.entity,
    );
    let id = entry
        .entity_id
        .as_deref()
        .map(|id| format!(" #{id}"))
        .unwrap_or_default();
    format!(
        "{}  {}  {}  {entity}{id}",
        crate::clock::display(entry.at, timezone),
        entry.actor,
        label(
            lang,
            &format!("audit.action_name.{}", entry.action),
            &entry.action
        ),
    )
}

/// "字段：旧值 → 新值", or "字段：值" for what a new record was given.
fn change(row: &display::Row, lang: Lang) -> String {
    let msg = match &row.old {
        Some(old) => Msg::new("cli.audit.change").arg("old", old),
        None => Msg::new("cli.card.line"),
    };
    msg.arg("label", &row.label)
        .arg("value", &row.new)
        .render(lang)
}
