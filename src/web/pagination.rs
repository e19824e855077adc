//! Splitting long lists into pages, and the page links under them.

use serde::Serialize;

pub const DEFAULT_PER_PAGE: u64 = 50;
pub const MAX_PER_PAGE: u64 = 200;

/// The page a request asks for, clamped to sane bounds whatever the query string says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    pub fn new(page: Option<u64>, per_page: Option<u64>) -> PageRequest {
        PageRequest {
            page: page.unwrap_or(1).max(1),
            per_page: per_page.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE),
        }
    }

    /// Rows to skip for this page.
    pub fn offset(self) -> u64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

impl Default for PageRequest {
    fn default() -> PageRequest {
        PageRequest::new(None, None)
    }
}

/// One link of the pager; `page: None` is a gap (…).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PageLink {
    pub page: Option<u64>,
    pub current: bool,
}

/// Everything the pager template needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Pagination {
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
    pub pages: u64,
    pub first_row: u64,
    pub last_row: u64,
    pub prev: Option<u64>,
    pub next: Option<u64>,
    pub links: Vec<PageLink>,
    /// The total was not counted past this many: show it as "10000+".
    pub capped: bool,
}

impl Pagination {
    /// The pager for `total` rows; a page beyond the last is shown as the last.
    pub fn new(request: PageRequest, total: u64) -> Pagination {
        let pages = total.div_ceil(request.per_page).max(1);
        let page = request.page.min(pages);
        let first_row = if total == 0 {
            0
        } else {
            (page - 1) * request.per_page + 1
        };
        let last_row = (page * request.per_page).min(total);
        Pagination {
            page,
            per_page: request.per_page,
            total,
            pages,
            first_row,
            last_row,
            prev: (page > 1).then(|| page - 1),
            next: (page < pages).then(|| page + 1),
            links: window(page, pages),
            capped: false,
        }
    }

    /// The pager when counting stopped at `total` (a list of a million rows is not counted to
    /// the end just to say how many there are).
    pub fn capped(request: PageRequest, total: u64, capped: bool) -> Pagination {
        Pagination {
            capped,
            ..Pagination::new(request, total)
        }
    }
}

/// First, last, and two either side of the current page, with gaps between.
fn window(page: u64, pages: u64) -> Vec<PageLink> {
    let mut links = Vec::new();
    let mut last_shown = 0;
    for candidate in 1..=pages {
        let near = candidate.abs_diff(page) <= 2;
        if candidate == 1 || candidate == pages || near {
            if candidate > last_shown + 1 {
                links.push(PageLink {
                    page: None,
                    current: false,
                });
            }
            links.push(PageLink {
                page: Some(candidate),
                current: candidate == page,
            });
            last_shown = candidate;
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(p: &Pagination) -> String {
        p.links
            .iter()
            .map(|l| match (l.page, l.current) {
                (Some(n), true) => format!("[{n}]"),
                (Some(n), false) => n.to_string(),
                (None, _) => "…".to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn pagers() {
        let cases = [
            (1, 10, 0, "[1]", 0, 0),
            (1, 10, 5, "[1]", 1, 5),
            (2, 10, 25, "1 [2] 3", 11, 20),
            (1, 10, 100, "[1] 2 3 … 10", 1, 10),
            (6, 10, 100, "1 … 4 5 [6] 7 8 … 10", 51, 60),
            (10, 10, 100, "1 … 8 9 [10]", 91, 100),
            (99, 10, 25, "1 2 [3]", 21, 25),
        ];
        for (page, per_page, total, expected, first, last) in cases {
            let p = Pagination::new(PageRequest::new(Some(page), Some(per_page)), total);
            assert_eq!(shape(&p), expected, "page {page} of {total}");
            assert_eq!(
                (p.first_row, p.last_row),
                (first, last),
                "rows of page {page}"
            );
        }
    }

    #[test]
    fn requests_are_clamped() {
        assert_eq!(
            PageRequest::new(Some(0), Some(0)),
            PageRequest {
                page: 1,
                per_page: 1
            }
        );
        assert_eq!(PageRequest::new(None, Some(10_000)).per_page, MAX_PER_PAGE);
        assert_eq!(PageRequest::new(Some(3), Some(20)).offset(), 40);
        assert_eq!(
            PageRequest::new(Some(u64::MAX), Some(200)).offset(),
            u64::MAX
        );
    }

    #[test]
    fn prev_and_next() {
        let p = Pagination::new(PageRequest::new(Some(2), Some(10)), 30);
        assert_eq!((p.prev, p.next), (Some(1), Some(3)));
        let p = Pagination::new(PageRequest::new(Some(1), Some(10)), 5);
        assert_eq!((p.prev, p.next), (None, None));
    }
}
