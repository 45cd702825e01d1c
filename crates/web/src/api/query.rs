//! A list's query string read by hand, as the lists that take repeated keys need
//! (`typeOneOf=1&typeOneOf=2`): PeerTube's paging (`start` ≥ 0, `count` 0 to 100, 15 by
//! default) and `sort` (a column, `-` before it for descending) here, every other key to the
//! caller. A bad value is a 400 naming it.

use crate::error::{ApiError, ApiResult};
use ruche_tube::TubeError;

pub(crate) fn bad(name: &str) -> ApiError {
    TubeError::BadRequest(format!("Incorrect request parameters: {name}")).into()
}

/// The paging and sort of a query.
pub(crate) struct RawPage {
    pub start: i64,
    pub count: i64,
    /// (descending, column), when a `sort` was given.
    pub sort: Option<(bool, String)>,
}

/// Reads `raw`; `other` gets every key but `start`, `count` and `sort`, with its value.
pub(crate) fn read(
    raw: Option<&str>,
    mut other: impl FnMut(&str, &str) -> ApiResult<()>,
) -> ApiResult<RawPage> {
    let mut page = RawPage {
        start: 0,
        count: 15,
        sort: None,
    };
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let int = |max: i64| {
            v.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| (0..=max).contains(n))
        };
        match k.as_ref() {
            "start" => page.start = int(i64::MAX).ok_or_else(|| bad("start"))?,
            "count" => page.count = int(100).ok_or_else(|| bad("count"))?,
            "sort" => {
                page.sort = Some(match v.strip_prefix('-') {
                    Some(c) => (true, c.to_string()),
                    None => (false, v.to_string()),
                })
            }
            key => other(key, &v)?,
        }
    }
    Ok(page)
}
