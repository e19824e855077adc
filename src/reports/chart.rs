//! The dashboard's chart: grants so far this year, month by month and cumulative, against the same
//! months last year and against an even pace to the year's target — an SVG drawn on the server,
//! readable without JavaScript and printable.

use plotters::prelude::*;

use super::ytd::{Month, YtdReport};
use crate::error::AppError;
use crate::i18n::{Lang, t};

const WIDTH: u32 = 720;
const HEIGHT: u32 = 300;

fn chart_error(error: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("drawing the chart: {error}"))
}

/// The cumulative grants chart of a report, as SVG.
pub fn cumulative_grants(report: &YtdReport, lang: Lang) -> Result<String, AppError> {
    let Lines {
        this_year,
        last_year,
        target,
        top,
    } = Lines::of(report);
    let month_label = |m: &u32| {
        if *m == 0 {
            String::new()
        } else {
            crate::i18n::Msg::new(format!("months.{m}")).render(lang)
        }
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(28)
            .x_label_area_size(28)
            .y_label_area_size(44)
            .build_cartesian_2d(0u32..12u32, 0i64..top)
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .x_labels(13)
            .x_label_formatter(&month_label)
            .y_labels(6)
            .disable_x_mesh()
            .light_line_style(RGBColor(235, 238, 242))
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(chart_error)?;
        let brand = RGBColor(0x1f, 0x5f, 0xa8);
        let grey = RGBColor(0x9a, 0xa3, 0xad);
        let amber = RGBColor(0xc2, 0x7c, 0x0e);
        if let Some(target) = target {
            // The even pace: a twelfth of the target by the end of each month.
            let pace = [(0u32, 0i64), (12u32, target)];
            chart
                .draw_series(DashedLineSeries::new(pace, 6, 4, amber.stroke_width(2)))
                .map_err(chart_error)?
                .label(t(lang, "reports.chart.pace"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], amber.stroke_width(2))
                });
        }
        chart
            .draw_series(LineSeries::new(last_year, grey.stroke_width(2)))
            .map_err(chart_error)?
            .label(t(lang, "reports.chart.last_year"))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], grey.stroke_width(2))
            });
        chart
            .draw_series(LineSeries::new(this_year.clone(), brand.stroke_width(3)))
            .map_err(chart_error)?
            .label(t(lang, "reports.chart.this_year"))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], brand.stroke_width(3))
            });
        chart
            .draw_series(
                this_year
                    .iter()
                    .skip(1)
                    .map(|point| Circle::new(*point, 3, brand.filled())),
            )
            .map_err(chart_error)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(210, 215, 222))
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(chart_error)?;
        root.present().map_err(chart_error)?;
    }
    Ok(for_html(&svg, lang))
}

/// The chart's lines: the cumulative grants by month this year and last year (from 0 before
/// January), the year's target if set, and the top of the scale, a little above the highest.
struct Lines {
    this_year: Vec<(u32, i64)>,
    last_year: Vec<(u32, i64)>,
    target: Option<i64>,
    top: i64,
}

impl Lines {
    fn of(report: &YtdReport) -> Lines {
        let cumulative = |value: fn(&Month) -> i64| -> Vec<(u32, i64)> {
            std::iter::once((0, 0))
                .chain(report.by_month.iter().map(|m| (m.month, value(m))))
                .collect()
        };
        let this_year = cumulative(|m| m.grants_cumulative);
        let last_year = cumulative(|m| m.grants_last_year_cumulative);
        let target = report.targets.get("grants").map(|p| p.target);
        let highest = this_year
            .iter()
            .chain(&last_year)
            .map(|(_, n)| *n)
            .chain(target)
            .max()
            .unwrap_or(0)
            .max(4);
        Lines {
            this_year,
            last_year,
            target,
            top: highest + highest / 10 + 1,
        }
    }
}

/// The SVG as the page holds it inline: named for screen readers (plotters' viewBox lets the
/// page scale it), and without a namespace (so the page names no outside address).
fn for_html(svg: &str, lang: Lang) -> String {
    let label: String = t(lang, "reports.chart.title")
        .chars()
        .filter(|c| !matches!(c, '"' | '<' | '>' | '&'))
        .collect();
    svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
        .replacen(
            "<svg ",
            &format!("<svg role=\"img\" aria-label=\"{label}\" "),
            1,
        )
}
