//! Small helpers on text that comes from outside.

/// The first `max` characters of `s` (all of it if it is shorter), cut on a character boundary:
/// what is kept of a text that may be any length, before anything costly reads it.
pub fn prefix_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_on_characters() {
        assert_eq!(prefix_chars("héllo", 2), "hé");
        assert_eq!(prefix_chars("hé", 5), "hé");
        assert_eq!(prefix_chars("", 0), "");
    }
}
