//! The year-to-date report as a workbook, laid out like the provincial statistics sheets: by
//! month the grants and, of which, invention / utility model / design, cumulative, the same
//! period last year and the growth; by township; the work-summary paragraph; and a native Excel
//! chart (stacked columns per type by month, the cumulative total as a line on a secondary axis).
//! The monthly table goes through the register writer, like every export.

use chrono::Utc;
use rust_xlsxwriter::{Chart, ChartType, Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use super::summary::Summary;
use super::ytd::YtdReport;
use crate::error::AppError;
use crate::export::writer::{Column, Kind, RegisterWriter, Titles, Total, Value};
use crate::i18n::{Lang, Msg, t};

fn xlsx_error(error: XlsxError) -> AppError {
    AppError::Internal(format!("writing the report workbook: {error}"))
}

/// The monthly table's columns, in order.
const MONTH_COLUMNS: [(&str, Kind); 10] = [
    ("reports.month", Kind::Text),
    ("reports.metric.grants", Kind::Integer),
    ("reports.of_which_invention", Kind::Integer),
    ("reports.of_which_utility_model", Kind::Integer),
    ("reports.of_which_design", Kind::Integer),
    ("reports.cumulative", Kind::Integer),
    ("reports.excel.last_year", Kind::Integer),
    ("reports.excel.last_year_cumulative", Kind::Integer),
    ("reports.excel.growth", Kind::Percent),
    ("reports.metric.applications", Kind::Integer),
];

/// Where the monthly table's data starts (under the title, subtitle and header rows).
const FIRST_ROW: u32 = 3;

/// The report of `year` as of `as_of`, with the summary of its period, as a workbook and its
/// file name (专利授权统计表_秭归县_2026-06-30.xlsx).
pub async fn report_workbook(
    db: &sea_orm::DatabaseConnection,
    year: Option<i32>,
    as_of: Option<chrono::NaiveDate>,
    lang: Lang,
) -> Result<(Vec<u8>, String), AppError> {
    let report = super::ytd::report(db, year, as_of).await?;
    let settings = crate::settings::service::load(db).await?;
    let today = crate::clock::today(settings.timezone);
    let summary = super::summary::of_report(&report, today, lang);
    let bytes = workbook(&report, &summary, lang)?;
    let name = [
        t(lang, "reports.excel.title"),
        report.county.clone().unwrap_or_default(),
        report.as_of.to_string(),
    ]
    .into_iter()
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join("_");
    Ok((bytes, format!("{name}.xlsx")))
}

/// The report, its summary paragraph beside it, as xlsx bytes.
pub fn workbook(report: &YtdReport, summary: &Summary, lang: Lang) -> Result<Vec<u8>, AppError> {
    let county = report.county.clone().unwrap_or_default();
    let name = t(lang, "reports.excel.title");
    let sheet = t(lang, "reports.excel.by_month");
    let titles = Titles {
        title: crate::export::service::title(&name, &county, lang),
        subtitle: Msg::new("reports.period")
            .arg("county", &county)
            .arg("from", format!("{}-01-01", report.year))
            .arg("to", report.as_of)
            .render(lang),
        sheet: sheet.clone(),
        totals: t(lang, "export.totals"),
        footer: t(lang, "export.footer"),
        company: county,
        subject: name,
    };
    let columns = MONTH_COLUMNS
        .iter()
        .map(|(key, kind)| Column::new(t(lang, key), *kind))
        .collect();
    let mut writer = RegisterWriter::new(titles, columns, 1, Utc::now())?;
    for month in &report.by_month {
        let growth = super::ytd::growth(month.grants_cumulative, month.grants_last_year_cumulative)
            .map_or(Value::Empty, |percent| Value::Number(percent / 100.0));
        writer.row(vec![
            Value::Text(Msg::new(format!("months.{}", month.month)).render(lang)),
            Value::Integer(month.grants),
            Value::Integer(month.grants_invention),
            Value::Integer(month.grants_utility_model),
            Value::Integer(month.grants_design),
            Value::Integer(month.grants_cumulative),
            Value::Integer(month.grants_last_year),
            Value::Integer(month.grants_last_year_cumulative),
            growth,
            Value::Integer(month.applications),
        ])?;
    }
    let sums = [1, 2, 3, 4, 6, 9].map(Total::Sum);
    let mut book = writer.finish(&sums)?;
    townships(&mut book, report, lang)?;
    summary_sheet(&mut book, summary, lang)?;
    chart_sheet(&mut book, report, &sheet, lang)?;
    book.save_to_buffer().map_err(xlsx_error)
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
}

fn townships(book: &mut Workbook, report: &YtdReport, lang: Lang) -> Result<(), AppError> {
    let sheet = book.add_worksheet();
    sheet
        .set_name(t(lang, "reports.by_township"))
        .map_err(xlsx_error)?;
    let header = header_format();
    let cell = Format::new().set_border(FormatBorder::Thin);
    let percent = cell.clone().set_num_format("0.0%");
    let headers = [
        "patents.field.township",
        "reports.metric.grants",
        "reports.target_of_grants",
        "reports.excel.done",
        "reports.metric.applications",
    ];
    for (col, key) in (0u16..).zip(headers) {
        sheet
            .write_string_with_format(0, col, t(lang, key), &header)
            .map_err(xlsx_error)?;
    }
    sheet.set_column_width(0, 14).map_err(xlsx_error)?;
    sheet.set_column_range_width(1, 4, 11).map_err(xlsx_error)?;
    for (row, township) in (1u32..).zip(&report.by_township) {
        let name = township
            .township
            .clone()
            .unwrap_or_else(|| t(lang, "reports.unassigned"));
        sheet
            .write_string_with_format(row, 0, name, &cell)
            .map_err(xlsx_error)?;
        sheet
            .write_number_with_format(row, 1, township.grants as f64, &cell)
            .map_err(xlsx_error)?;
        match township.grants_target {
            Some(target) => {
                sheet
                    .write_number_with_format(row, 2, target as f64, &cell)
                    .map_err(xlsx_error)?;
                match super::ytd::percent(township.grants, target) {
                    Some(done) => sheet.write_number_with_format(row, 3, done / 100.0, &percent),
                    None => sheet.write_blank(row, 3, &percent),
                }
                .map_err(xlsx_error)?;
            }
            None => {
                sheet.write_blank(row, 2, &cell).map_err(xlsx_error)?;
                sheet.write_blank(row, 3, &percent).map_err(xlsx_error)?;
            }
        }
        sheet
            .write_number_with_format(row, 4, township.applications as f64, &cell)
            .map_err(xlsx_error)?;
    }
    Ok(())
}

fn summary_sheet(book: &mut Workbook, summary: &Summary, lang: Lang) -> Result<(), AppError> {
    let sheet = book.add_worksheet();
    sheet
        .set_name(t(lang, "reports.summary.title"))
        .map_err(xlsx_error)?;
    let title = Format::new().set_bold().set_font_size(14);
    let text = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    sheet.set_column_width(0, 90).map_err(xlsx_error)?;
    sheet
        .write_string_with_format(0, 0, t(lang, "reports.summary.title"), &title)
        .map_err(xlsx_error)?;
    sheet
        .write_string(
            1,
            0,
            Msg::new("reports.period")
                .arg("county", "")
                .arg("from", summary.from)
                .arg("to", summary.to)
                .render(lang)
                .trim(),
        )
        .map_err(xlsx_error)?;
    sheet.set_row_height(3, 90).map_err(xlsx_error)?;
    sheet
        .write_string_with_format(3, 0, &summary.text, &text)
        .map_err(xlsx_error)?;
    Ok(())
}

/// Stacked columns of the types by month, the cumulative grants as a line on a secondary axis.
fn chart_sheet(
    book: &mut Workbook,
    report: &YtdReport,
    data: &str,
    lang: Lang,
) -> Result<(), AppError> {
    let months = u32::try_from(report.by_month.len()).unwrap_or(0);
    if months == 0 {
        return Ok(());
    }
    let last = FIRST_ROW + months - 1;
    let mut columns = Chart::new(ChartType::ColumnStacked);
    for (col, key) in [
        (2u16, "patent_type.invention"),
        (3, "patent_type.utility_model"),
        (4, "patent_type.design"),
    ] {
        columns
            .add_series()
            .set_name(t(lang, key).as_str())
            .set_categories((data, FIRST_ROW, 0, last, 0))
            .set_values((data, FIRST_ROW, col, last, col));
    }
    let mut line = Chart::new(ChartType::Line);
    line.add_series()
        .set_name(t(lang, "reports.cumulative").as_str())
        .set_categories((data, FIRST_ROW, 0, last, 0))
        .set_values((data, FIRST_ROW, 5, last, 5))
        .set_secondary_axis(true);
    columns.combine(&line);
    columns
        .title()
        .set_name(t(lang, "reports.excel.chart_title").as_str());
    columns
        .y_axis()
        .set_name(t(lang, "reports.excel.by_type_axis").as_str());
    columns
        .y2_axis()
        .set_name(t(lang, "reports.cumulative").as_str());
    let sheet = book.add_worksheet();
    sheet
        .set_name(t(lang, "reports.excel.chart_sheet"))
        .map_err(xlsx_error)?;
    sheet.insert_chart(1, 1, &columns).map_err(xlsx_error)?;
    Ok(())
}
