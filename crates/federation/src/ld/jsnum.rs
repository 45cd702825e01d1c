//! Numbers as jsonld.js writes them into RDF literals (`lib/toRdf.js`), so that our canonical
//! N-Quads, and so our hashes, are PeerTube's to the character.
//!
//! JavaScript holds every JSON number as a double. jsonld.js writes a double literal
//! (`toExponential(15)` with its trailing zeros cut: `1.5E0`, `1.0E21`, and `6.991839999999999E4`
//! for 69918.4, since it rounds the exact binary value to 16 digits) when `String(v)` has a `.`,
//! when |v| ≥ 1e21 or when the term's datatype is `xsd:double`, and an integer literal
//! (`toFixed(0)`) otherwise — which makes `1e-7` the integer `0`. A string typed `xsd:double` is
//! first read with `parseFloat`. The json-ld crate writes shortest spellings instead, so every
//! number is respelt here before it becomes RDF.

/// The lexical form jsonld.js gives the number `v`, and whether it is a double (its default
/// datatype is then `xsd:double`, otherwise `xsd:integer`). `coerced_double` says the term's
/// datatype is `xsd:double`.
pub(super) fn rdf_number(v: f64, coerced_double: bool) -> (String, bool) {
    if coerced_double || is_double(v) {
        (js_double(v), true)
    } else {
        (to_fixed_0(v), false)
    }
}

/// jsonld.js's `types.isDouble`: `String(v)` has a `.`, or |v| ≥ 1e21.
fn is_double(v: f64) -> bool {
    let a = v.abs();
    if a >= 1e21 || !v.is_finite() {
        return true;
    }
    if a >= 1e-6 || a == 0.0 {
        // JavaScript spells these in positional notation, with a `.` exactly when there is a
        // fraction.
        return v.fract() != 0.0;
    }
    // Below 1e-6 JavaScript uses exponent notation (`1e-7`, `1.5e-7`), with a `.` only when the
    // shortest spelling has more than one digit.
    let shortest = format!("{a:e}");
    let mantissa = shortest.split('e').next().unwrap_or_default();
    mantissa.contains('.')
}

/// `v.toFixed(0)`, for the numbers [`is_double`] leaves: integers below 1e21, written out in
/// full, and numbers below 1e-6 written in exponent form with one digit, which round to 0. A
/// negative number keeps its `-`, even when it rounds to 0 (`-0`).
fn to_fixed_0(v: f64) -> String {
    let sign = if v < 0.0 { "-" } else { "" };
    if v.fract() == 0.0 {
        // Rust writes an integral double's exact digits.
        format!("{sign}{:.0}", v.abs())
    } else {
        format!("{sign}0")
    }
}

/// jsonld.js's double literal: `v.toExponential(15)` with `/(\d)0*e\+?/` replaced by `$1E`.
pub(super) fn js_double(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    // Rust prints the exact decimal expansion when asked for enough digits (a double has at most
    // 767 significant ones), so the rounding below is exact. toExponential picks the larger of
    // two equally near candidates, so a 17th digit of 5 or more rounds up.
    let exact = format!("{:.800e}", v.abs());
    let (mantissa, exponent) = exact.split_once('e').unwrap_or((exact.as_str(), "0"));
    let mut exponent: i32 = exponent.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    digits.resize(17, b'0');
    let round_up = digits[16] >= b'5';
    digits.truncate(16);
    if round_up {
        let mut i = digits.len();
        loop {
            if i == 0 {
                // Every digit was 9: 9.99…9 rounds up to 1.00…0 times ten.
                digits.insert(0, b'1');
                digits.truncate(16);
                exponent += 1;
                break;
            }
            i -= 1;
            if digits[i] == b'9' {
                digits[i] = b'0';
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    // The replacement keeps the first fraction digit and cuts the zeros after the last non-zero.
    while digits.len() > 2 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    let digits = String::from_utf8_lossy(&digits).into_owned();
    // toExponential writes no sign for -0 (its `x < 0` test is false).
    let sign = if v < 0.0 { "-" } else { "" };
    format!("{sign}{}.{}E{exponent}", &digits[..1], &digits[1..])
}

/// JavaScript's `parseFloat`: the longest prefix of the string (after leading white space)
/// that is a decimal literal or `Infinity`, or NaN.
pub(super) fn parse_float(s: &str) -> f64 {
    let s = s.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let bytes = s.as_bytes();
    let mut i = 0;
    if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
        i += 1;
    }
    if s[i..].starts_with("Infinity") {
        return if s.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < bytes.len() && bytes[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    let mut seen = digits(&mut i);
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        seen |= digits(&mut i);
    }
    if !seen {
        return f64::NAN;
    }
    let mantissa_end = i;
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        let mut j = i + 1;
        if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
            j += 1;
        }
        if digits(&mut j) {
            i = j;
        }
    }
    let literal = if i > mantissa_end {
        &s[..i]
    } else {
        &s[..mantissa_end]
    };
    literal.parse().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_are_written_as_javascript_does() {
        // Expected values are what Node prints for
        // v.toExponential(15).replace(/(\d)0*e\+?/, '$1E').
        assert_eq!(js_double(1.7778), "1.7778E0");
        assert_eq!(js_double(0.5), "5.0E-1");
        assert_eq!(js_double(-1.5), "-1.5E0");
        assert_eq!(js_double(1e21), "1.0E21");
        assert_eq!(js_double(0.30000000000000004), "3.0E-1");
        assert_eq!(js_double(1234567890123456.5), "1.234567890123457E15");
        assert_eq!(js_double(1e23), "9.999999999999999E22");
        assert_eq!(js_double(69918.4), "6.991839999999999E4");
        assert_eq!(js_double(5e-324), "4.940656458412465E-324");
        assert_eq!(js_double(f64::MAX), "1.797693134862316E308");
        assert_eq!(js_double(1.5e-7), "1.5E-7");
        assert_eq!(js_double(-0.0), "0.0E0");
    }

    #[test]
    fn numbers_are_integers_or_doubles_as_jsonld_js_decides() {
        assert_eq!(rdf_number(3.0, false), ("3".into(), false));
        assert_eq!(rdf_number(3.0, true), ("3.0E0".into(), true));
        assert_eq!(rdf_number(-0.0, false), ("0".into(), false));
        assert_eq!(rdf_number(2.5, false), ("2.5E0".into(), true));
        assert_eq!(rdf_number(1e21, false), ("1.0E21".into(), true));
        assert_eq!(
            rdf_number(123456789012345680000.0, false),
            ("123456789012345683968".into(), false)
        );
        assert_eq!(rdf_number(1e-7, false), ("0".into(), false));
        assert_eq!(rdf_number(-1e-7, false), ("-0".into(), false));
        assert_eq!(rdf_number(1.5e-7, false), ("1.5E-7".into(), true));
    }

    #[test]
    fn strings_are_read_as_parse_float_reads_them() {
        assert_eq!(parse_float("7"), 7.0);
        assert_eq!(parse_float("  -1.5e3xyz"), -1500.0);
        assert_eq!(parse_float("1e"), 1.0);
        assert_eq!(parse_float(".5"), 0.5);
        assert_eq!(parse_float("-Infinity and more"), f64::NEG_INFINITY);
        assert!(parse_float("abc").is_nan());
        assert!(parse_float("-").is_nan());
    }
}
