//! Exporting registers to Excel, fit to hand to a leader: one writer for every register
//! ([`writer`]), one module per register saying its columns and streaming its rows, a service
//! that runs them, and the download route shared by the pages and the API.

pub mod cases;
pub mod enterprises;
pub mod events;
pub mod inspections;
pub mod patents;
pub mod routes;
pub mod service;
mod subtitle;
pub mod visits;
pub mod writer;

use rocket::form::{Form, FromForm};
use rocket::http::RawStr;
use serde::Deserialize;

use crate::cases::query::CaseFilter;
use crate::enterprises::query::EnterpriseFilter;
use crate::error::AppError;
use crate::events::query::EventFilter;
use crate::inspections::query::InspectionFilter;
use crate::patents::query::PatentFilter;
use crate::visits::query::VisitFilter;
use crate::web::given::{Both, Given, Known, refused_query};

/// The registers that export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Register {
    /// The patent register, as the list page filters it.
    Patents,
    /// The patents granted in a period.
    Grants,
    Enterprises,
    /// The publicity events, as the list page filters them.
    Events,
    /// The visits to enterprises, as the list page filters them.
    Visits,
    /// The joint inspections, as the list page filters them.
    Inspections,
    /// The enforcement cases, as the list page filters them.
    Cases,
}

impl Register {
    pub const ALL: [Register; 7] = [
        Register::Patents,
        Register::Grants,
        Register::Enterprises,
        Register::Events,
        Register::Visits,
        Register::Inspections,
        Register::Cases,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Register::Patents => "patents",
            Register::Grants => "grants",
            Register::Enterprises => "enterprises",
            Register::Events => "events",
            Register::Visits => "visits",
            Register::Inspections => "inspections",
            Register::Cases => "cases",
        }
    }

    pub fn parse(raw: &str) -> Option<Register> {
        Register::ALL.into_iter().find(|r| r.as_str() == raw.trim())
    }
}

/// What an export is asked for: a register, with the list page's filters that choose its rows.
#[derive(Clone, Debug)]
pub enum Request {
    Patents(PatentFilter),
    /// The patents granted in a period, among those the filters choose.
    Grants(PatentFilter, Period),
    Enterprises(EnterpriseFilter),
    Events(EventFilter),
    Visits(VisitFilter),
    Inspections(InspectionFilter),
    Cases(CaseFilter),
}

/// The period of the grants register: a year, or from and to (inclusive); this year so far when
/// neither is given.
#[derive(Clone, Debug, Default, Deserialize, rocket::FromForm)]
pub struct Period {
    #[serde(default)]
    pub year: Given<i32>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
}

impl Request {
    pub fn register(&self) -> Register {
        match self {
            Request::Patents(_) => Register::Patents,
            Request::Grants(..) => Register::Grants,
            Request::Enterprises(_) => Register::Enterprises,
            Request::Events(_) => Register::Events,
            Request::Visits(_) => Register::Visits,
            Request::Inspections(_) => Register::Inspections,
            Request::Cases(_) => Register::Cases,
        }
    }

    /// A register's request from a query string: the list page's, carried by its Export link.
    pub fn from_query(register: Register, query: &RawStr) -> Result<Request, AppError> {
        // A parameter the register's list does not take is refused, not left out: a misspelt
        // filter would have exported the whole register as if it were the rows asked for.
        fn parse<T: for<'a> FromForm<'a> + 'static>(query: &RawStr) -> Result<T, AppError> {
            Form::<Known<T>>::parse_encoded(query)
                .map(|Known(read)| read)
                .map_err(refused_query)
        }
        Ok(match register {
            Register::Patents => Request::Patents(parse(query)?),
            Register::Grants => {
                let Both(filter, period) = parse(query)?;
                Request::Grants(filter, period)
            }
            Register::Enterprises => Request::Enterprises(parse(query)?),
            Register::Events => Request::Events(parse(query)?),
            Register::Visits => Request::Visits(parse(query)?),
            Register::Inspections => Request::Inspections(parse(query)?),
            Register::Cases => Request::Cases(parse(query)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, Msg};

    #[test]
    fn an_unknown_register_is_answered_with_every_register_that_exports() {
        for lang in [Lang::ZhCn, Lang::En] {
            let text = Msg::new("export.unknown_register").render(lang);
            for register in Register::ALL {
                assert!(text.contains(register.as_str()), "{lang:?} {text}");
            }
        }
    }
}
