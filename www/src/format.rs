//! Numbers as learners read them: tries, hash rates, percentages.

/// A count with SI suffixes past ten thousand (`12345678` -> `12.3 M`), so that fast
/// changing numbers stay short enough to read while they change.
pub fn count(n: f64) -> String {
    const UNITS: [(f64, &str); 4] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")];
    if n < 1e4 {
        return format!("{}", n.round() as u64);
    }
    let (scale, unit) = UNITS
        .into_iter()
        .find(|&(scale, _)| n >= scale)
        .unwrap_or((1.0, ""));
    let scaled = n / scale;
    let digits = if scaled >= 100.0 {
        0
    } else if scaled >= 10.0 {
        1
    } else {
        2
    };
    format!("{scaled:.digits$} {unit}")
}

/// A hash rate, `1.23 MH/s`.
pub fn rate(hashes_per_second: f64) -> String {
    let text = count(hashes_per_second);
    match text.split_once(' ') {
        Some((number, unit)) => format!("{number} {unit}H/s"),
        None => format!("{text} H/s"),
    }
}

/// Progress against an expected number of tries, as a whole percentage. It may pass
/// 100: luck decides, and the widget says so rather than pretending to know.
pub fn percent(done: f64, expected: f64) -> u32 {
    if expected <= 0.0 {
        0
    } else {
        (100.0 * done / expected).round() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(count(0.0), "0");
        assert_eq!(count(9999.0), "9999");
        assert_eq!(count(12_345.0), "12.3 k");
        assert_eq!(count(4_096_000.0), "4.10 M");
        assert_eq!(count(123_456_789.0), "123 M");
        assert_eq!(count(2e13), "20.0 T");
    }

    #[test]
    fn rates() {
        assert_eq!(rate(512.0), "512 H/s");
        assert_eq!(rate(1_234_567.0), "1.23 MH/s");
    }

    #[test]
    fn percents() {
        assert_eq!(percent(0.0, 4096.0), 0);
        assert_eq!(percent(2048.0, 4096.0), 50);
        assert_eq!(percent(8192.0, 4096.0), 200);
        assert_eq!(percent(5.0, 0.0), 0);
    }
}
