//! The officer's own ledgers among the samples: a year of visits, publicity events, joint
//! inspections and enforcement cases in 秭归县, kept the way officers keep them in Excel (a title
//! row, a township merged down over two visits, dates typed as text now and then, "约300人", a
//! follow-up with its owner and due day, problems and case steps one a line). Every row is valid,
//! so the demo desk shows each register and the dashboard's figures; the patent and enterprise
//! samples carry the planted mistakes. Dates are authored in 2026, the latest case step on
//! 2026-11-30, and moved by a [`Shift`] for the demo (steps dated after today are refused).

use chrono::{Datelike, Duration, NaiveDate};
use rust_xlsxwriter::{Format, FormatAlign, Worksheet};

use super::samples::{heading, on, sample_book, sample_patent, xlsx_error};
use super::shift::Shift;
use crate::error::AppError;
use crate::patents::number::check_character;

/// The file names in `import/samples/`.
pub const VISITS_SAMPLE: &str = "visits-ledger-sample.xlsx";
pub const EVENTS_SAMPLE: &str = "events-ledger-sample.xlsx";
pub const INSPECTIONS_SAMPLE: &str = "inspections-ledger-sample.xlsx";
pub const CASES_SAMPLE: &str = "cases-ledger-sample.xlsx";

/// One cell of a sample ledger.
enum Cell {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Blank,
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_owned())
}

/// A follow-up as officers write it, with its owner, due day and, once done, the day it was.
fn follow_up(action: &str, owner: &str, due: NaiveDate, done: Option<NaiveDate>) -> Cell {
    let done = done
        .map(|day| format!("；完成日期：{day}"))
        .unwrap_or_default();
    Cell::Text(format!("{action}（责任人：{owner}；期限：{due}{done}）"))
}

/// Dates typed into a date column as people do: `2026.4.22`, `2026年4月16日`.
fn dotted(date: NaiveDate) -> Cell {
    Cell::Text(date.format("%Y.%-m.%-d").to_string())
}

fn in_chinese(date: NaiveDate) -> Cell {
    Cell::Text(date.format("%Y年%-m月%-d日").to_string())
}

/// The years a ledger's title names: `2026`, or `2025—2026` when its records span two.
fn years(dates: &[NaiveDate]) -> String {
    let first = dates.iter().min().map_or(0, Datelike::year);
    let last = dates.iter().max().map_or(0, Datelike::year);
    if first == last {
        format!("{first}")
    } else {
        format!("{first}—{last}")
    }
}

fn number(value: u32) -> Cell {
    Cell::Number(f64::from(value))
}

/// A 12-digit application number with its check character, as a roster writes it.
fn numbered(digits: &str) -> String {
    let check = check_character(digits).unwrap_or('0');
    format!("{digits}.{check}")
}

/// A ledger: its sheet, title, header and rows, below the usual title and subtitle rows.
struct Ledger {
    sheet: &'static str,
    title: String,
    header: &'static [&'static str],
    rows: Vec<Vec<Cell>>,
    /// Wide columns, by position.
    widths: &'static [(u16, f64)],
    /// A column merged down over rows (counted from the first data row), holding the first
    /// row's value, as officers merge a township over the visits made there on one day.
    merged_down: Option<(u16, usize, usize)>,
}

impl Ledger {
    fn workbook(&self) -> Result<Vec<u8>, AppError> {
        let mut book = sample_book();
        let sheet = book.add_worksheet();
        sheet.set_name(self.sheet).map_err(xlsx_error)?;
        heading(
            sheet,
            &self.title,
            "填报单位：秭归县市场监督管理局（示例数据，非真实记录）",
            self.header,
        )?;
        let iso = Format::new().set_num_format("yyyy-mm-dd");
        let wrapped = Format::new().set_text_wrap();
        for (row, cells) in (3u32..).zip(&self.rows) {
            sheet
                .write_number(row, 0, f64::from(row - 2))
                .map_err(xlsx_error)?;
            for (column, cell) in (1u16..).zip(cells) {
                write_cell(sheet, row, column, cell, (&iso, &wrapped))?;
            }
        }
        if let Some((column, first, last)) = self.merged_down {
            self.merge_down(sheet, column, first, last)?;
        }
        for (column, width) in self.widths {
            sheet
                .set_column_width(*column, *width)
                .map_err(xlsx_error)?;
        }
        book.save_to_buffer().map_err(xlsx_error)
    }

    fn merge_down(
        &self,
        sheet: &mut Worksheet,
        column: u16,
        first: usize,
        last: usize,
    ) -> Result<(), AppError> {
        let value = match self
            .rows
            .get(first)
            // The rows' cells start after the 序号 column.
            .and_then(|row| row.get(usize::from(column).checked_sub(1)?))
        {
            Some(Cell::Text(value)) => value.as_str(),
            _ => "",
        };
        let row = |index: usize| u32::try_from(index).unwrap_or(0) + 3;
        let centred = Format::new().set_align(FormatAlign::VerticalCenter);
        sheet
            .merge_range(row(first), column, row(last), column, value, &centred)
            .map_err(xlsx_error)?;
        Ok(())
    }
}

fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    cell: &Cell,
    (iso, wrapped): (&Format, &Format),
) -> Result<(), AppError> {
    match cell {
        Cell::Text(value) if value.contains('\n') => sheet
            .write_string_with_format(row, column, value, wrapped)
            .map(|_| ()),
        Cell::Text(value) => sheet.write_string(row, column, value).map(|_| ()),
        Cell::Number(value) => sheet.write_number(row, column, *value).map(|_| ()),
        Cell::Date(value) => sheet
            .write_date_with_format(row, column, *value, iso)
            .map(|_| ()),
        Cell::Blank => Ok(()),
    }
    .map_err(xlsx_error)
}

/// The visits ledger: who was visited, by whom, what was said and what follows.
pub fn visits_workbook(shift: Shift) -> Result<Vec<u8>, AppError> {
    let at = |month, date| on(shift, month, date);
    let date = |month, date| Cell::Date(at(month, date));
    let rows = vec![
        vec![
            date(3, 10),
            text("秭归橘颂茶业有限公司"),
            text("茅坪镇"),
            text("向明、郑华"),
            text("县科技局"),
            text("宣讲专利资助和奖励政策，辅导专利申报"),
            number(20),
            text("茶叶揉捻设备有改进，想申请发明专利，不清楚流程"),
            follow_up("联系代理机构上门指导", "向明", at(4, 10), Some(at(4, 8))),
        ],
        // The township is merged down over this row and the one above, as ledgers do.
        vec![
            date(3, 10),
            text("秭归峡江光电科技有限公司"),
            Cell::Blank,
            text("向明、郑华"),
            Cell::Blank,
            text("宣传专利质押融资政策"),
            number(15),
            text("希望了解专利质押贷款的条件"),
            text("送达质押融资政策汇编"),
        ],
        vec![
            in_chinese(at(4, 16)),
            text("秭归县九畹药业有限公司"),
            text("九畹溪镇"),
            text("郑华"),
            Cell::Blank,
            text("中药材加工专利申请辅导"),
            number(10),
            Cell::Blank,
            Cell::Blank,
        ],
        vec![
            dotted(at(4, 22)),
            text("秭归县丰源机械制造有限公司"),
            text("郭家坝镇"),
            text("向明"),
            Cell::Blank,
            text("高价值专利培育，指导专利布局"),
            number(10),
            Cell::Blank,
            Cell::Blank,
        ],
        vec![
            date(5, 18),
            text("秭归金穗食品股份有限公司"),
            text("归州镇"),
            text("郑华"),
            Cell::Blank,
            text("商标与专利协同保护"),
            number(12),
            text("产品包装被仿冒，咨询维权途径"),
            follow_up("提供维权援助指引", "郑华", at(6, 15), Some(at(6, 12))),
        ],
        vec![
            date(6, 3),
            text("秭归云峰农业科技有限公司"),
            text("杨林桥镇"),
            text("向明"),
            Cell::Blank,
            text("专利申请资助政策兑现"),
            number(6),
            Cell::Blank,
            Cell::Blank,
        ],
        vec![
            date(6, 9),
            text("秭归绿源生物科技有限公司"),
            text("屈原镇"),
            text("向明、郑华"),
            text("县科技局"),
            text("高新技术企业认定中的知识产权要求"),
            number(8),
            Cell::Blank,
            Cell::Blank,
        ],
        vec![
            date(10, 28),
            text("秭归瑞丰包装有限公司"),
            text("沙镇溪镇"),
            text("向明、郑华"),
            text("县科技局"),
            text("外观设计专利保护"),
            number(15),
            text("希望参加专利实务培训"),
            follow_up("通知参加下期专利实务培训班", "向明", at(12, 20), None),
        ],
    ];
    let ledger = Ledger {
        sheet: "走访台账",
        title: format!("{}年企业走访台账（示例）", years(&[at(3, 10), at(10, 28)])),
        header: &[
            "序号",
            "走访日期",
            "企业名称",
            "所属乡镇",
            "走访人员",
            "陪同单位",
            "走访内容",
            "发放资料(份)",
            "企业需求",
            "跟进事项",
        ],
        rows,
        widths: &[(2, 28.0), (6, 30.0), (8, 30.0), (9, 40.0)],
        merged_down: Some((3, 0, 1)),
    };
    ledger.workbook()
}

/// The publicity events ledger: the days of the year's calendar, and a training course.
pub fn events_workbook(shift: Shift) -> Result<Vec<u8>, AppError> {
    let bureau = || text("县市场监督管理局");
    // The days of the calendar keep their date; the others move with the rest.
    let consumer_day = shift.pinned(on(Shift::NONE, 3, 15), Duration::zero());
    let week_length = Duration::days(6);
    let ip_week = shift.pinned(on(Shift::NONE, 4, 20), week_length);
    let ip_day_lecture = shift.pinned(on(Shift::NONE, 4, 24), Duration::zero());
    let countryside = on(shift, 5, 20);
    let course = on(shift, 9, 18);
    let rows = vec![
        vec![
            text("3.15国际消费者权益日"),
            text("3·15知识产权维权宣传咨询活动"),
            Cell::Date(consumer_day),
            Cell::Blank,
            text("县城滨湖广场"),
            bureau(),
            text("县消费者协会、县科技局"),
            text("群众"),
            text("约300人"),
            number(500),
            number(60),
            Cell::Blank,
            text("设咨询台，宣传识别假冒专利和维权途径"),
        ],
        vec![
            text("知识产权宣传周"),
            text("知识产权宣传周企业培训会"),
            Cell::Date(ip_week),
            Cell::Date(ip_week + week_length),
            text("县政务服务中心"),
            bureau(),
            text("县科技局"),
            text("企业"),
            number(85),
            number(200),
            number(25),
            text("秭归橘颂茶业有限公司、秭归峡江光电科技有限公司、秭归县九畹药业有限公司"),
            text("讲解专利申请、转化运用和质押融资"),
        ],
        vec![
            text("4.26世界知识产权日"),
            text("4·26世界知识产权日进校园讲座"),
            Cell::Date(ip_day_lecture),
            Cell::Blank,
            text("秭归县第一中学"),
            bureau(),
            text("县教育局"),
            text("学生"),
            number(420),
            number(200),
            number(30),
            Cell::Blank,
            text("知识产权与青少年创新"),
        ],
        vec![
            text("科技下乡"),
            text("科技下乡知识产权宣传"),
            dotted(countryside),
            Cell::Blank,
            text("杨林桥镇集镇"),
            text("县科技局"),
            bureau(),
            text("农户"),
            text("约150人"),
            number(300),
            number(40),
            Cell::Blank,
            text("农产品地理标志和商标保护"),
        ],
        vec![
            text("讲座/培训"),
            text("专利申请实务培训班"),
            Cell::Date(course),
            Cell::Blank,
            text("县科技局会议室"),
            bureau(),
            text("宜昌市三峡专利事务所"),
            text("企业技术人员"),
            number(46),
            number(60),
            number(12),
            text("秭归鼎盛电子科技有限公司、秭归恒通建材有限公司"),
            text("专利检索、撰写和审查意见答复"),
        ],
    ];
    Ledger {
        sheet: "宣传活动",
        title: format!(
            "{}年知识产权宣传活动台账（示例）",
            years(&[consumer_day, ip_week, ip_day_lecture, countryside, course])
        ),
        header: &[
            "序号",
            "活动类型",
            "活动名称",
            "活动日期",
            "结束日期",
            "活动地点",
            "主办单位",
            "协办单位",
            "活动对象",
            "参加人数",
            "发放宣传资料(份)",
            "接受咨询(人次)",
            "参加企业",
            "活动内容",
        ],
        rows,
        widths: &[(2, 32.0), (7, 24.0), (12, 40.0), (13, 30.0)],
        merged_down: None,
    }
    .workbook()
}

/// The joint inspections ledger, its problems one a line with the party and the product. Their
/// names carry no season: their dates move with the demo, and two cases were opened on them.
pub fn inspections_workbook(shift: Shift) -> Result<Vec<u8>, AppError> {
    let bureau = || text("县市场监督管理局");
    let date = |month, date| Cell::Date(on(shift, month, date));
    let rows = vec![
        vec![
            text("农资市场专利标识专项检查"),
            date(3, 12),
            Cell::Blank,
            bureau(),
            text("县农业农村局"),
            text("茅坪镇"),
            text("茅坪镇农资市场、城区农资门店"),
            number(8),
            number(15),
            number(320),
            number(40),
            text("标注已失效的专利号（当事人：秭归县某农资店；产品：背负式喷雾器）"),
        ],
        vec![
            text("商场超市专利执法检查"),
            date(6, 16),
            Cell::Blank,
            bureau(),
            text("县商务局、县质量技术监督局"),
            text("城区"),
            text("县城各大商场、超市"),
            number(10),
            number(28),
            number(860),
            number(95),
            text(
                "标注的专利号未注明专利类别（当事人：秭归县某超市；产品：电热水壶）\n\
                 标注的专利号校验位错误（当事人：秭归县某五金店；产品：多功能插座）",
            ),
        ],
        vec![
            text("电商及快递网点专利专项检查"),
            date(10, 21),
            date(10, 23),
            bureau(),
            text("县商务局、县邮政管理局"),
            text("全县"),
            text("电商产业园、快递网点"),
            number(6),
            number(12),
            number(240),
            number(30),
            Cell::Blank,
        ],
    ];
    Ledger {
        sheet: "执法检查",
        title: format!(
            "{}年专利执法检查台账（示例）",
            years(&[on(shift, 3, 12), on(shift, 10, 23)])
        ),
        header: &[
            "序号",
            "检查名称",
            "检查日期",
            "结束日期",
            "牵头单位",
            "联合执法单位",
            "检查区域",
            "检查地点",
            "出动执法人员(人次)",
            "检查经营场所(家次)",
            "检查商品(件)",
            "其中标注专利标识的商品(件)",
            "发现的问题",
        ],
        rows,
        widths: &[(1, 32.0), (5, 26.0), (7, 28.0), (12, 60.0)],
        merged_down: None,
    }
    .workbook()
}

/// The enforcement cases ledger: two finished, one open toward its decision, and a dispute
/// just received. No step needs two certified officers, so the cases import on a new desk.
pub fn cases_workbook(shift: Shift) -> Result<Vec<u8>, AppError> {
    let at = |month, date| on(shift, month, date);
    // A number with a wrong check character, as the socket was marked; and the tea company's
    // own granted invention, claimed in its dispute.
    let mistyped = {
        let good = numbered("202220345678");
        let last = if good.ends_with('1') { '2' } else { '1' };
        format!("ZL{}{last}", &good[..good.len() - 1])
    };
    let claimed = format!("ZL{}", sample_patent(0, shift).number);
    let registered = case_registrations(shift);
    let [first, second, third, fourth] = case_numbers(&registered);
    let steps = |lines: &[(NaiveDate, &str)]| {
        let lines: Vec<String> = lines
            .iter()
            .map(|(date, step)| format!("{date} {step}"))
            .collect();
        Cell::Text(lines.join("\n"))
    };
    let rows = vec![
        vec![
            text(&first),
            Cell::Date(registered[0]),
            text("假冒专利"),
            text("执法检查"),
            text("秭归县某农资店"),
            Cell::Blank,
            text("背负式喷雾器"),
            text(&format!("ZL{}", numbered("201520123456"))),
            text("产品标注的专利已因未缴年费终止，仍继续标注销售"),
            steps(&[
                (registered[0], "线索登记"),
                (
                    at(3, 17),
                    "不予立案：当事人已下架全部商品并改正标注，情节轻微",
                ),
            ]),
        ],
        vec![
            text(&second),
            Cell::Date(registered[1]),
            text("专利标识不规范"),
            text("执法检查"),
            text("秭归县某超市"),
            Cell::Blank,
            text("电热水壶"),
            Cell::Blank,
            text("产品标注专利号但未注明专利类别"),
            steps(&[
                (registered[1], "线索登记"),
                (at(6, 19), "立案"),
                (at(7, 6), "移送：涉案商品系外地生产，移送生产地市场监管部门"),
            ]),
        ],
        vec![
            text(&third),
            Cell::Date(registered[2]),
            text("假冒专利"),
            text("群众举报"),
            text("秭归县某五金店"),
            Cell::Blank,
            text("多功能插座"),
            text(&mistyped),
            text("举报称该店销售的插座标注了不存在的专利号"),
            steps(&[(registered[2], "线索登记"), (at(10, 30), "立案")]),
        ],
        vec![
            text(&fourth),
            Cell::Date(registered[3]),
            text("专利侵权纠纷"),
            text("投诉"),
            text("宜昌某茶叶机械有限公司"),
            text("秭归橘颂茶业有限公司"),
            text("茶叶揉捻机"),
            text(&claimed),
            text("请求人称被请求人制造销售的揉捻机落入其发明专利保护范围"),
            steps(&[(registered[3], "线索登记")]),
        ],
    ];
    Ledger {
        sheet: "案件台账",
        title: format!("{}年专利行政执法案件台账（示例）", years(&registered)),
        header: &[
            "序号",
            "案号",
            "线索登记日期",
            "案件类型",
            "案件来源",
            "当事人",
            "投诉人",
            "涉案产品",
            "产品标注的专利号",
            "案情",
            "办案步骤",
        ],
        rows,
        widths: &[
            (1, 22.0),
            (5, 24.0),
            (6, 24.0),
            (8, 22.0),
            (9, 40.0),
            (10, 60.0),
        ],
        merged_down: None,
    }
    .workbook()
}

/// The days the sample cases were registered, in order, the last one the samples' last day.
pub fn case_registrations(shift: Shift) -> [NaiveDate; 4] {
    [(3, 12), (6, 16), (10, 26), (11, 30)].map(|(month, date)| on(shift, month, date))
}

/// The cases' numbers, 秭知执字〔year〕n号, counted afresh each year as bureaus number them.
fn case_numbers<const N: usize>(registered: &[NaiveDate; N]) -> [String; N] {
    std::array::from_fn(|index| {
        let year = registered[index].year();
        let earlier = registered[..index]
            .iter()
            .filter(|date| date.year() == year)
            .count();
        let seq = u32::try_from(earlier + 1).unwrap_or(u32::MAX);
        crate::cases::numbering::render(
            crate::cases::numbering::DEFAULT_PATTERN,
            super::samples::CASE_PREFIX,
            year,
            seq,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::reader::read_bytes;

    use crate::dev::samples::day;

    #[test]
    fn case_numbers_count_afresh_each_year() {
        let numbers = case_numbers(&[
            day(2025, 10, 9),
            day(2026, 1, 12),
            day(2026, 5, 25),
            day(2026, 6, 29),
        ]);
        assert_eq!(
            numbers,
            [
                "秭知执字〔2025〕1号",
                "秭知执字〔2026〕1号",
                "秭知执字〔2026〕2号",
                "秭知执字〔2026〕3号",
            ]
        );
    }

    /// Moved back to a mid-year day, the ledgers span two years and say so; their texts carry
    /// the moved dates, and the 3·15 event keeps its day.
    #[test]
    fn moved_ledgers_carry_their_moved_dates_in_text_too() {
        let shift = Shift::to(day(2026, 6, 30));
        assert_eq!(shift.last_day(), day(2026, 6, 29));
        let text = |book: Vec<u8>| format!("{:?}", read_bytes(&book).unwrap().sheets);
        let cases = text(cases_workbook(shift).unwrap());
        for expected in [
            "2025—2026年专利行政执法案件台账",
            "秭知执字〔2025〕1号",
            "秭知执字〔2026〕3号",
            "2026-06-29 线索登记",
        ] {
            assert!(cases.contains(expected), "{expected}: {cases}");
        }
        assert!(!cases.contains("2026-11-30"), "{cases}");
        let visits = text(visits_workbook(shift).unwrap());
        let typed = on(shift, 4, 16).format("%Y年%-m月%-d日").to_string();
        assert!(visits.contains(&typed), "{typed}: {visits}");
        assert!(visits.contains(&on(shift, 12, 20).to_string()), "{visits}");
        let events = text(events_workbook(shift).unwrap());
        assert!(
            events.contains("2025—2026年知识产权宣传活动台账"),
            "{events}"
        );
    }
}
