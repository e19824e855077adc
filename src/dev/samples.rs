//! The sample workbooks of `import/samples/`: a provincial grants roster and a high-tech
//! enterprise list for 秭归县, shaped like the real ones (title rows, a header below them, dates
//! in three spellings, numbers with and without prefixes, rows of other counties, a repeat, two
//! mistakes, a totals row and a note), beside the officer's own ledgers of `ledger_samples`.
//! `ipdesk dev samples DIR` writes them all as authored, the copies kept in the repository;
//! `ipdesk demo` makes them afresh with their dates moved to end by today (see `shift`). Made
//! here, from plain rules, so they are ours to ship.

use chrono::{Datelike, Duration, NaiveDate};
use rust_xlsxwriter::{DocProperties, Format, FormatAlign, Workbook, Worksheet, XlsxError};

use crate::enterprises::domain::credit_check_character;
use crate::error::AppError;
use crate::patents::number::check_character;

use super::ledger_samples as ledgers;
use super::shift::{LAST_DAY, Shift};

/// The file names in `import/samples/`.
pub const PATENTS_SAMPLE: &str = "patents-grants-sample.xlsx";
pub const ENTERPRISES_SAMPLE: &str = "enterprises-high-tech-sample.xlsx";

/// The county the samples belong to, and its townships.
pub const COUNTY: &str = "秭归县";
/// The prefix of the sample cases' numbers (秭知执字〔2026〕1号), the county's case prefix when the
/// demo sets the county, so that the officer's next case continues their numbers.
pub const CASE_PREFIX: &str = "秭";
pub const TOWNSHIPS: [&str; 12] = [
    "茅坪镇",
    "归州镇",
    "屈原镇",
    "沙镇溪镇",
    "两河口镇",
    "郭家坝镇",
    "杨林桥镇",
    "九畹溪镇",
    "水田坝乡",
    "泄滩乡",
    "梅家河乡",
    "磨坪乡",
];

/// The sample enterprises: name, township, and the county they are in (others are filtered out).
const ENTERPRISES: [(&str, &str, &str); 12] = [
    ("秭归橘颂茶业有限公司", "茅坪镇", COUNTY),
    ("秭归峡江光电科技有限公司", "茅坪镇", COUNTY),
    ("秭归县丰源机械制造有限公司", "郭家坝镇", COUNTY),
    ("秭归金穗食品股份有限公司", "归州镇", COUNTY),
    ("秭归绿源生物科技有限公司", "屈原镇", COUNTY),
    ("秭归恒通建材有限公司", "两河口镇", COUNTY),
    ("秭归县九畹药业有限公司", "九畹溪镇", COUNTY),
    ("秭归鼎盛电子科技有限公司", "茅坪镇", COUNTY),
    ("秭归云峰农业科技有限公司", "杨林桥镇", COUNTY),
    ("秭归瑞丰包装有限公司", "沙镇溪镇", COUNTY),
    ("兴山县香溪源科技有限公司", "古夫镇", "兴山县"),
    ("宜昌夷陵华信电气有限公司", "小溪塔街道", "夷陵区"),
];

const USES: [&str; 10] = [
    "茶叶",
    "柑橘",
    "脐橙",
    "中药材",
    "食品",
    "建材",
    "包装",
    "灌溉",
    "烘干",
    "电子元件",
];
const THINGS: [&str; 10] = [
    "揉捻装置",
    "分拣机",
    "烘干设备",
    "保鲜方法",
    "包装盒",
    "输送机构",
    "控制系统",
    "清洗装置",
    "检测治具",
    "种植架",
];
const PEOPLE: [&str; 12] = [
    "王伟", "李芳", "张敏", "刘强", "陈静", "杨磊", "黄军", "赵洋", "周杰", "吴艳", "徐勇", "孙娜",
];
const AGENCIES: [&str; 3] = [
    "宜昌市三峡专利事务所",
    "武汉知律专利代理事务所",
    "宜昌市慧宜专利商标代理事务所",
];

/// A workbook for a sample, dated a fixed day rather than now, so that writing the samples again
/// changes the kept files only where their content changed.
pub(super) fn sample_book() -> Workbook {
    let mut book = Workbook::new();
    let made = LAST_DAY;
    book.set_properties(
        &DocProperties::new()
            .set_author("ipdesk")
            .set_creation_datetime(&made),
    );
    book
}

pub(super) fn xlsx_error(error: XlsxError) -> AppError {
    AppError::Internal(error.to_string())
}

pub(super) fn day(year: i32, month: u32, date: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, date).unwrap_or_default()
}

/// An authored date of the year the ledgers record (the year of the last day), moved by `shift`.
pub(super) fn on(shift: Shift, month: u32, date: u32) -> NaiveDate {
    shift.day(day(LAST_DAY.year(), month, date))
}

/// A credit code of 秭归县 (region 420527) with a correct check character.
fn credit_code(index: usize, county: &str) -> String {
    let region = match county {
        COUNTY => "420527",
        "兴山县" => "420526",
        _ => "420506",
    };
    let body = format!("91{region}MA49{:05}", 1201 + index * 37);
    let check = credit_check_character(&body).unwrap_or('0');
    format!("{body}{check}")
}

/// A title row merged across the table, a subtitle, and a bold header.
pub(super) fn heading(
    sheet: &mut Worksheet,
    title: &str,
    subtitle: &str,
    header: &[&str],
) -> Result<(), AppError> {
    let last = u16::try_from(header.len().saturating_sub(1)).unwrap_or(0);
    let title_format = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center);
    sheet
        .merge_range(0, 0, 0, last, title, &title_format)
        .map_err(xlsx_error)?;
    sheet.write_string(1, 0, subtitle).map_err(xlsx_error)?;
    let bold = Format::new()
        .set_bold()
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    for (column, label) in (0u16..).zip(header) {
        sheet
            .write_string_with_format(2, column, *label, &bold)
            .map_err(xlsx_error)?;
        sheet.set_column_width(column, 14).map_err(xlsx_error)?;
    }
    Ok(())
}

/// The provincial high-tech enterprise list.
pub fn enterprises_workbook(shift: Shift) -> Result<Vec<u8>, AppError> {
    let mut book = sample_book();
    let sheet = book.add_worksheet();
    sheet.set_name("高新技术企业").map_err(xlsx_error)?;
    let header = [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "所属地区",
        "证书编号",
        "发证日期",
    ];
    heading(
        sheet,
        "宜昌市有效期内高新技术企业名单（示例）",
        "数据来源：示例数据，非真实企业",
        &header,
    )?;
    let chinese_date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    for (index, (name, _, county)) in ENTERPRISES.iter().enumerate() {
        let row = u32::try_from(index).unwrap_or(0) + 3;
        let issued = shift.day(day(2023 + i32::try_from(index % 3).unwrap_or(0), 11, 20));
        let year = issued.year();
        sheet
            .write_number(row, 0, (index + 1) as f64)
            .map_err(xlsx_error)?;
        sheet.write_string(row, 1, *name).map_err(xlsx_error)?;
        sheet
            .write_string(row, 2, credit_code(index, county))
            .map_err(xlsx_error)?;
        sheet.write_string(row, 3, *county).map_err(xlsx_error)?;
        sheet
            .write_string(row, 4, format!("GR{year}4200{:04}", 1032 + index * 211))
            .map_err(xlsx_error)?;
        sheet
            .write_date_with_format(row, 5, issued, &chinese_date)
            .map_err(xlsx_error)?;
    }
    sheet.set_column_width(1, 30).map_err(xlsx_error)?;
    sheet.set_column_width(2, 22).map_err(xlsx_error)?;
    book.save_to_buffer().map_err(xlsx_error)
}

/// One patent of the sample roster.
pub(super) struct SamplePatent {
    pub(super) number: String,
    title: String,
    kind: &'static str,
    filed_on: NaiveDate,
    granted_on: Option<NaiveDate>,
    applicant: &'static str,
    inventors: String,
    address: String,
    county: &'static str,
    agency: &'static str,
}

/// The last day a roster made on the moved last day covers: the end of the month before.
fn roster_closing_day(shift: Shift) -> NaiveDate {
    let last = shift.last_day();
    last.with_day(1).unwrap_or(last) - Duration::days(1)
}

pub(super) fn sample_patent(index: usize, shift: Shift) -> SamplePatent {
    let (applicant, township, county) = ENTERPRISES[index % ENTERPRISES.len()];
    // Mostly utility models, as in a county's real grants; some inventions and designs.
    let (kind, digit, months) = match index % 6 {
        0 => ("发明", '1', 22),
        3 => ("外观设计", '3', 5),
        _ => ("实用新型", '2', 8),
    };
    let filed_on =
        shift.day(day(2024, 1, 8)) + Duration::days(i64::try_from(index * 29).unwrap_or(0));
    let granted_on = filed_on + Duration::days(months * 30 + 7);
    let year = filed_on.year();
    let digits = format!("{year}{digit}{:07}", 100_237 + index * 7_919);
    let check = check_character(&digits).unwrap_or('0');
    let title = if kind == "外观设计" {
        format!("{}包装盒（{}）", USES[index % USES.len()], index % 4 + 1)
    } else {
        let lead = if kind == "发明" {
            "一种"
        } else {
            "一种新型"
        };
        format!(
            "{lead}{}{}",
            USES[index % USES.len()],
            THINGS[(index * 3) % THINGS.len()]
        )
    };
    SamplePatent {
        number: format!("{digits}.{check}"),
        title,
        kind,
        filed_on,
        // Grants after the roster's closing day are not in it: those rows are applications.
        granted_on: (granted_on <= roster_closing_day(shift)).then_some(granted_on),
        applicant,
        inventors: format!(
            "{}；{}",
            PEOPLE[index % PEOPLE.len()],
            PEOPLE[(index * 5 + 3) % PEOPLE.len()]
        ),
        address: format!("湖北省宜昌市{county}{township}{}号", 10 + index * 3),
        county,
        agency: AGENCIES[index % AGENCIES.len()],
    }
}

/// The number as rosters spell it: bare, with ZL, or as a CN publication-style string.
fn spelled(number: &str, index: usize) -> String {
    match index % 5 {
        1 => format!("ZL{number}"),
        2 => format!("ZL {}", number.replace('.', "")),
        _ => number.to_owned(),
    }
}

/// The provincial grants roster.
pub fn patents_workbook(shift: Shift) -> Result<Vec<u8>, AppError> {
    let mut book = sample_book();
    let sheet = book.add_worksheet();
    sheet.set_name("专利授权清单").map_err(xlsx_error)?;
    let header = [
        "序号",
        "申请号",
        "专利名称",
        "专利类型",
        "申请日",
        "授权公告日",
        "专利权人",
        "发明人",
        "地址",
        "区县",
        "代理机构",
    ];
    let mut patents: Vec<SamplePatent> = (0..34).map(|index| sample_patent(index, shift)).collect();
    let first_year = patents
        .first()
        .map_or(LAST_DAY.year(), |p| p.filed_on.year());
    let period = format!(
        "统计时间：{first_year}年1月1日至{}",
        roster_closing_day(shift).format("%Y年%-m月%-d日")
    );
    heading(sheet, "宜昌市专利授权情况（示例）", &period, &header)?;
    let iso = Format::new().set_num_format("yyyy-mm-dd");
    let chinese = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let mut row = 3u32;
    // Two mistakes an officer will meet: a mistyped check character and an impossible date.
    if let Some(wrong) = patents.get_mut(7) {
        let last = if wrong.number.ends_with('1') {
            '2'
        } else {
            '1'
        };
        wrong.number.pop();
        wrong.number.push(last);
    }
    // A February 30th, in the year the roster's second February falls in.
    let impossible = format!("{}-02-30", shift.day(day(2025, 2, 15)).year());
    for (index, patent) in patents.iter().enumerate() {
        write_patent(sheet, row, index, patent, (&iso, &chinese))?;
        if index == 13 {
            sheet
                .write_string(row, 5, &impossible)
                .map_err(xlsx_error)?;
        }
        row += 1;
    }
    // The same grant listed twice, as merged city rosters do.
    if let Some(first) = patents.first() {
        write_patent(sheet, row, 0, first, (&iso, &chinese))?;
        row += 1;
    }
    let total = format!("合计：{} 件", row - 3);
    sheet.write_string(row, 0, "合计").map_err(xlsx_error)?;
    sheet.write_string(row, 2, &total).map_err(xlsx_error)?;
    sheet
        .write_string(
            row + 2,
            0,
            "注：本表为示例数据，申请号、企业和发明人均为虚构。",
        )
        .map_err(xlsx_error)?;
    sheet.set_column_width(1, 18).map_err(xlsx_error)?;
    sheet.set_column_width(2, 28).map_err(xlsx_error)?;
    sheet.set_column_width(6, 28).map_err(xlsx_error)?;
    sheet.set_column_width(8, 34).map_err(xlsx_error)?;
    book.save_to_buffer().map_err(xlsx_error)
}

fn write_patent(
    sheet: &mut Worksheet,
    row: u32,
    index: usize,
    patent: &SamplePatent,
    (iso, chinese): (&Format, &Format),
) -> Result<(), AppError> {
    sheet
        .write_number(row, 0, (row - 2) as f64)
        .map_err(xlsx_error)?;
    sheet
        .write_string(row, 1, spelled(&patent.number, index))
        .map_err(xlsx_error)?;
    sheet
        .write_string(row, 2, &patent.title)
        .map_err(xlsx_error)?;
    sheet
        .write_string(row, 3, patent.kind)
        .map_err(xlsx_error)?;
    sheet
        .write_date_with_format(row, 4, patent.filed_on, iso)
        .map_err(xlsx_error)?;
    match patent.granted_on {
        // Dates as real dates, and now and then typed as text, as people do.
        Some(granted) if index % 7 == 4 => sheet
            .write_string(row, 5, granted.format("%Y.%-m.%-d").to_string())
            .map(|_| ()),
        Some(granted) => sheet
            .write_date_with_format(row, 5, granted, chinese)
            .map(|_| ()),
        None => Ok(()),
    }
    .map_err(xlsx_error)?;
    sheet
        .write_string(row, 6, patent.applicant)
        .map_err(xlsx_error)?;
    sheet
        .write_string(row, 7, &patent.inventors)
        .map_err(xlsx_error)?;
    sheet
        .write_string(row, 8, &patent.address)
        .map_err(xlsx_error)?;
    sheet
        .write_string(row, 9, patent.county)
        .map_err(xlsx_error)?;
    sheet
        .write_string(row, 10, patent.agency)
        .map_err(xlsx_error)?;
    Ok(())
}

/// Every sample workbook by its file name, with the function that makes it.
type Maker = fn(Shift) -> Result<Vec<u8>, AppError>;
const MAKERS: [(&str, Maker); 6] = [
    (ENTERPRISES_SAMPLE, enterprises_workbook),
    (PATENTS_SAMPLE, patents_workbook),
    (ledgers::VISITS_SAMPLE, ledgers::visits_workbook),
    (ledgers::EVENTS_SAMPLE, ledgers::events_workbook),
    (ledgers::INSPECTIONS_SAMPLE, ledgers::inspections_workbook),
    (ledgers::CASES_SAMPLE, ledgers::cases_workbook),
];

/// A sample workbook by its file name, its dates moved by `shift`.
pub fn workbook(name: &str, shift: Shift) -> Result<Vec<u8>, AppError> {
    let (_, make) = MAKERS
        .iter()
        .find(|(file, _)| *file == name)
        .ok_or_else(|| AppError::Internal(format!("no sample workbook {name}")))?;
    make(shift)
}

/// Writes every sample workbook, as authored, into `dir` (the repository's `import/samples/`).
pub fn write(dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>, AppError> {
    std::fs::create_dir_all(dir).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut written = Vec::new();
    for (name, make) in MAKERS {
        let path = dir.join(name);
        std::fs::write(&path, make(Shift::NONE)?).map_err(|e| AppError::Internal(e.to_string()))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::reader::read_bytes;

    /// The copies in import/samples are what this module writes, byte for byte (the samples are
    /// dated a fixed day, so writing them again changes nothing): run `ipdesk dev samples
    /// import/samples` after changing this module or upgrading rust_xlsxwriter.
    #[test]
    fn the_kept_samples_are_up_to_date() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("import/samples");
        for (name, make) in MAKERS {
            let kept = std::fs::read(dir.join(name)).unwrap();
            let made = make(Shift::NONE).unwrap();
            assert_eq!(
                read_bytes(&kept).unwrap().sheets,
                read_bytes(&made).unwrap().sheets,
                "{name}"
            );
            assert!(
                kept == made,
                "{name} holds what is written, but not the same bytes"
            );
        }
    }

    #[test]
    fn sample_numbers_and_codes_are_valid_before_the_planted_mistake() {
        let shifts = [
            Shift::NONE,
            Shift::to(day(2026, 6, 30)),
            Shift::to(day(2027, 1, 4)),
            Shift::to(day(2031, 9, 1)),
        ];
        for shift in shifts {
            for index in 0..34 {
                let patent = sample_patent(index, shift);
                assert!(
                    crate::patents::ApplicationNumber::parse(&patent.number).is_ok(),
                    "{}",
                    patent.number
                );
                // A roster lists only the grants up to its closing day, never after today.
                assert!(patent.granted_on <= Some(roster_closing_day(shift)));
            }
        }
        for (index, (_, _, county)) in ENTERPRISES.iter().enumerate() {
            let code = credit_code(index, county);
            assert!(
                crate::enterprises::domain::CreditCode::parse(&code).is_ok(),
                "{code}"
            );
        }
    }

    #[test]
    fn a_moved_roster_names_its_moved_period() {
        let cases = [
            (Shift::NONE, "统计时间：2024年1月1日至2026年10月31日"),
            (
                Shift::to(day(2027, 3, 20)),
                "统计时间：2024年1月1日至2027年2月28日",
            ),
            (
                Shift::to(day(2026, 6, 30)),
                "统计时间：2023年1月1日至2026年5月31日",
            ),
        ];
        for (shift, period) in cases {
            let roster = format!(
                "{:?}",
                read_bytes(&patents_workbook(shift).unwrap())
                    .unwrap()
                    .sheets
            );
            assert!(roster.contains(period), "{period}: {roster}");
        }
    }
}
