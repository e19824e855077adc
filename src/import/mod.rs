//! The importer: provincial rosters and officers' own ledgers from Excel or WPS, read in a child
//! process, understood (sheet, header, mapping, values), classified row by row in a dry run,
//! committed in one transaction, and undone as a whole. IMPORT.md is its specification.

pub mod api;
pub mod case_rows;
pub mod delimited;
pub mod encoding;
pub mod enterprise_rows;
pub mod html_table;
pub mod layout;
pub mod ledger_changes;
pub mod ledger_rows;
pub mod mapping;
pub mod ods_merges;
pub mod package;
pub mod patent_commit;
pub mod patent_rows;
pub mod plan;
pub mod preview;
pub mod reader;
pub mod report;
pub mod routes;
pub mod same_file;
pub mod service;
pub mod sniff;
pub mod spec;
pub mod streamed;
pub mod undo;
pub mod values;
pub mod visit_township;
pub mod wire;
pub mod workbook;
pub mod xlsb_merges;
pub mod xlsx_merges;
pub mod xml2003;

/// This process's resident memory in MB (Linux), for the import's timing log.
pub fn rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}
