//! Query strings for links that keep a list's filters (the pager, sort links, exports).

use serde::Serialize;

/// Percent-encodes a query value (UTF-8 bytes outside the unreserved set).
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `a=1&b=x&` from a filter's set fields, leaving out `page` so the pager can add its own. Ends
/// with `&` (or is empty) so `page=N` can follow.
pub fn without_page(filter: &impl Serialize) -> String {
    let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(filter) else {
        return String::new();
    };
    let mut out = String::new();
    for (name, value) in fields {
        if name == "page" {
            continue;
        }
        let text = match value {
            serde_json::Value::Null => continue,
            serde_json::Value::String(s) if s.is_empty() => continue,
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        out.push_str(&format!("{name}={}&", encode(&text)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Filter {
        q: Option<String>,
        year: Option<i32>,
        page: Option<u64>,
        empty: Option<String>,
    }

    #[test]
    fn filters_become_query_strings() {
        let filter = Filter {
            q: Some("茶 叶&x".into()),
            year: Some(2026),
            page: Some(3),
            empty: Some(String::new()),
        };
        assert_eq!(
            without_page(&filter),
            "q=%E8%8C%B6%20%E5%8F%B6%26x&year=2026&"
        );
        let none = Filter {
            q: None,
            year: None,
            page: None,
            empty: None,
        };
        assert_eq!(without_page(&none), "");
    }
}
