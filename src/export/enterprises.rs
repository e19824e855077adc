//! The enterprise register as an export, in pinyin order. Headers are the register's own field
//! labels (it imports back as it is), with the granted patents counted for the reader.

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, SelectStatement};
use sea_orm::{ConnectionTrait, QueryOrder, QueryResult, QuerySelect, QueryTrait};

use super::writer::{Column, Kind, Value};
use crate::enterprises::query::{self, EnterpriseFilter};
use crate::entities::enterprise;
use crate::error::AppError;
use crate::i18n::{Lang, t};
use crate::patents::PatentStatus;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Number,
    Name,
    CreditCode,
    Township,
    Address,
    Industry,
    Certificate,
    IssuedOn,
    ExpiresOn,
    TechSme,
    ContactName,
    ContactPhone,
    Patents,
    Notes,
}

const FIELDS: [Field; 14] = [
    Field::Number,
    Field::Name,
    Field::CreditCode,
    Field::Township,
    Field::Address,
    Field::Industry,
    Field::Certificate,
    Field::IssuedOn,
    Field::ExpiresOn,
    Field::TechSme,
    Field::ContactName,
    Field::ContactPhone,
    Field::Patents,
    Field::Notes,
];

impl Field {
    fn header(self, lang: Lang) -> String {
        let key = match self {
            Field::Number => "export.field.number",
            Field::Name => "enterprises.field.name",
            Field::CreditCode => "enterprises.field.credit_code",
            Field::Township => "enterprises.field.township",
            Field::Address => "enterprises.field.address",
            Field::Industry => "enterprises.field.industry",
            Field::Certificate => "enterprises.field.high_tech_certificate",
            Field::IssuedOn => "enterprises.field.high_tech_issued_on",
            Field::ExpiresOn => "enterprises.field.high_tech_expires_on",
            Field::TechSme => "enterprises.field.tech_sme",
            Field::ContactName => "enterprises.field.contact_name",
            Field::ContactPhone => "enterprises.field.contact_phone",
            Field::Patents => "export.field.granted_patents",
            Field::Notes => "enterprises.field.notes",
        };
        t(lang, key)
    }

    fn kind(self) -> Kind {
        match self {
            Field::Number | Field::Patents => Kind::Integer,
            Field::CreditCode | Field::Certificate | Field::ContactPhone => Kind::Identifier,
            Field::IssuedOn | Field::ExpiresOn => Kind::Date,
            Field::Address | Field::Notes => Kind::Wrap,
            _ => Kind::Text,
        }
    }
}

pub struct EnterpriseExport {
    pub filter: EnterpriseFilter,
    pub lang: Lang,
}

impl EnterpriseExport {
    /// One query for every row, in pinyin order: the enterprises' own columns, their township,
    /// and how many granted patents they hold.
    pub async fn statement(&self, db: &impl ConnectionTrait) -> Result<SelectStatement, AppError> {
        use enterprise::Column as E;
        let township = "(SELECT \"t\".\"name\" FROM \"townships\" \"t\" WHERE \"t\".\"id\" = \"enterprises\".\"township_id\")";
        // Granted or once granted (a lapsed patent was granted); archived patents left out.
        let granted = format!(
            "(SELECT COUNT(DISTINCT \"a\".\"patent_id\") FROM \"patent_applicants\" \"a\" \
             JOIN \"patents\" \"p\" ON \"p\".\"id\" = \"a\".\"patent_id\" \
             WHERE \"a\".\"enterprise_id\" = \"enterprises\".\"id\" AND \"p\".\"granted_on\" IS NOT NULL \
             AND \"p\".\"archived_at\" IS NULL AND \"p\".\"status\" <> '{}')",
            PatentStatus::Filed.as_str()
        );
        Ok(query::filtered(db, &self.filter)
            .await?
            .order_by_asc(E::SortKey)
            .order_by_asc(E::Id)
            .select_only()
            .columns([
                E::Name,
                E::CreditCode,
                E::Address,
                E::Industry,
                E::HighTechCertificate,
                E::HighTechIssuedOn,
                E::HighTechExpiresOn,
                E::TechSme,
                E::ContactName,
                E::ContactPhone,
                E::Notes,
            ])
            .expr(Expr::cust(township))
            .expr(Expr::cust(format!("CAST({granted} AS BIGINT)")))
            .into_query())
    }

    /// The columns: the register's own field labels, so the export imports back.
    pub fn columns(&self) -> Vec<Column> {
        FIELDS
            .iter()
            .map(|field| Column::new(field.header(self.lang), field.kind()))
            .collect()
    }

    /// One row of [`statement`](Self::statement)'s result, as the export's cells.
    pub fn row(&self, result: &QueryResult, number: usize) -> Result<Vec<Value>, AppError> {
        let text = |index: usize| -> Result<Value, AppError> {
            Ok(result.try_get_by_index::<Option<String>>(index)?.into())
        };
        let date = |index: usize| -> Result<Value, AppError> {
            Ok(result.try_get_by_index::<Option<NaiveDate>>(index)?.into())
        };
        let mut cells = Vec::with_capacity(FIELDS.len());
        for field in FIELDS {
            cells.push(match field {
                Field::Number => Value::number(number),
                Field::Name => text(0)?,
                Field::CreditCode => text(1)?,
                Field::Address => text(2)?,
                Field::Industry => text(3)?,
                Field::Certificate => text(4)?,
                Field::IssuedOn => date(5)?,
                Field::ExpiresOn => date(6)?,
                Field::TechSme => {
                    let yes: bool = result.try_get_by_index(7)?;
                    Value::Text(t(self.lang, if yes { "common.yes" } else { "common.no" }))
                }
                Field::ContactName => text(8)?,
                Field::ContactPhone => text(9)?,
                Field::Notes => text(10)?,
                Field::Township => text(11)?,
                Field::Patents => Value::Integer(result.try_get_by_index(12)?),
            });
        }
        Ok(cells)
    }
}
