//! Time as Ruche stores and writes it: unix milliseconds, shown as PeerTube's ISO 8601.

/// Now, in unix milliseconds (the unit of every time the store keeps).
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Formats unix milliseconds as PeerTube's ISO 8601 timestamps (`2026-11-28T12:40:55.082Z`).
pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Reads a date as PeerTube's API takes one (ISO 8601 / RFC 3339, or a bare `YYYY-MM-DD` as an
/// `<input type="date">` gives it, read as midnight UTC) into unix milliseconds; `None` for
/// anything else, and for years outside 1–9999 (what JavaScript's `Date` and both databases
/// hold alike).
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|d| d.timestamp_millis())
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc().timestamp_millis())
        })
        .filter(|ms| (-62_135_596_800_000..=253_402_300_799_999).contains(ms))
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_as_peertube_takes_them() {
        use super::parse_date;
        assert_eq!(
            parse_date("2025-11-28T12:40:55.082Z"),
            Some(1_764_333_655_082)
        );
        assert_eq!(
            parse_date("2025-11-28T13:40:55.082+01:00"),
            Some(1_764_333_655_082)
        );
        assert_eq!(parse_date("1970-01-02"), Some(86_400_000));
        for bad in [
            "",
            "yesterday",
            "2025-13-01",
            "+275760-09-13T00:00:00Z",
            "2025-11-28 12:00",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn iso_as_peertube() {
        assert_eq!(super::iso(1_764_333_655_082), "2025-11-28T12:40:55.082Z");
        assert_eq!(super::iso(0), "1970-01-01T00:00:00.000Z");
    }
}
