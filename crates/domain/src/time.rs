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

#[cfg(test)]
mod tests {
    #[test]
    fn iso_as_peertube() {
        assert_eq!(super::iso(1_764_333_655_082), "2025-11-28T12:40:55.082Z");
        assert_eq!(super::iso(0), "1970-01-01T00:00:00.000Z");
    }
}
