//! The line under a list that shows one page of several: which rows it shows and how to reach
//! the next page. A terminal has no pager links, so without it a list of 50 rows "of 1,200"
//! leaves the user to guess that `--page` exists.

use crate::i18n::{Lang, Msg};
use crate::web::pagination::PageRequest;

/// `--page` and `--per-page`, which every list command takes.
#[derive(clap::Args, Clone, Copy, Debug, Default)]
pub struct PageArgs {
    #[arg(long)]
    pub page: Option<u64>,
    #[arg(long)]
    pub per_page: Option<u64>,
}

impl PageArgs {
    /// The page asked for, clamped as the web's and the API's lists clamp it.
    pub fn request(self) -> PageRequest {
        PageRequest::new(self.page, self.per_page)
    }
}

/// What a list command was asked for and what it found.
#[derive(Clone, Copy, Debug)]
pub struct Shown {
    pub page: u64,
    pub per_page: u64,
    /// Rows on this page.
    pub rows: usize,
    /// Rows in the whole list (a lower bound when `capped`).
    pub total: u64,
    /// The count stopped at a cap: there are more than `total`.
    pub capped: bool,
}

impl Shown {
    /// A list whose count is exact.
    pub fn of(page: u64, per_page: u64, rows: usize, total: u64) -> Shown {
        Shown {
            page,
            per_page,
            rows,
            total,
            capped: false,
        }
    }
}

/// Prints [`line`], if there is one.
pub fn print(shown: Shown, lang: Lang) {
    if let Some(line) = line(shown) {
        say!("{}", line.render(lang));
    }
}

/// The line to print under the rows, or `None` when the list fits on its one page.
pub fn line(shown: Shown) -> Option<Msg> {
    let request = PageRequest::new(Some(shown.page), Some(shown.per_page));
    let first = request.offset() + 1;
    let last = request.offset() + shown.rows as u64;
    let total = |msg: Msg| {
        let msg = msg.count("total", shown.total);
        if shown.capped {
            msg.arg("more", "+")
        } else {
            msg.arg("more", "")
        }
    };
    if shown.rows == 0 {
        // Asked past the end (an empty list says so itself).
        return (shown.total > 0).then(|| {
            let pages = shown.total.div_ceil(request.per_page);
            total(Msg::new("cli.pager.past_end"))
                .arg("page", request.page)
                .count("pages", pages)
        });
    }
    if first == 1 && last >= shown.total && !shown.capped {
        return None;
    }
    let rows = total(Msg::new(if last < shown.total || shown.capped {
        "cli.pager.more"
    } else {
        "cli.pager.last"
    }));
    Some(
        rows.count("first", first)
            .count("last", last)
            .arg("next", request.page + 1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn a_page_of_several_says_where_it_stands_and_how_to_go_on() {
        let shown = |page, rows, total, capped| Shown {
            page,
            per_page: 50,
            rows,
            total,
            capped,
        };
        // (what was shown, the line in Chinese, the line in English)
        let cases = [
            (shown(1, 28, 28, false), None, None),
            (shown(1, 0, 0, false), None, None),
            (
                shown(1, 50, 1200, false),
                Some("列出了第 1–50 条，共 1200 条；下一页：--page 2。"),
                Some("Rows 1–50 of 1,200; the next page: --page 2."),
            ),
            (
                shown(24, 50, 1200, false),
                Some("列出了第 1151–1200 条，共 1200 条。"),
                Some("Rows 1,151–1,200 of 1,200."),
            ),
            (
                shown(2, 50, 10_000, true),
                Some("列出了第 51–100 条，共 10000+ 条；下一页：--page 3。"),
                Some("Rows 51–100 of 10,000+; the next page: --page 3."),
            ),
            (
                shown(999, 0, 1200, false),
                Some("第 999 页没有记录：共 1200 条，分 24 页。"),
                Some("Page 999 is past the end: 1,200 rows, 24 pages."),
            ),
        ];
        for (given, zh, en) in cases {
            let said = line(given);
            assert_eq!(
                said.as_ref().map(|m| m.render(Lang::ZhCn)).as_deref(),
                zh,
                "{given:?}"
            );
            assert_eq!(
                said.as_ref().map(|m| m.render(Lang::En)).as_deref(),
                en,
                "{given:?}"
            );
        }
    }
}
