//! The `since` of an incremental watch query, as JQL wants it: `yyyy-MM-dd HH:mm` in the
//! user's time zone, taken back by a skew so clock drift and minute truncation lose nothing.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `t - skew`, shifted to the user's UTC offset, formatted for JQL (`updated >= "<this>"`).
pub fn jql_since(t: SystemTime, skew: Duration, utc_offset_minutes: i32) -> String {
    let t = t.checked_sub(skew).unwrap_or(UNIX_EPOCH);
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let local = secs.saturating_add(i64::from(utc_offset_minutes) * 60);
    let (days, in_day) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        in_day / 3600,
        (in_day % 3600) / 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn formats_in_the_users_zone_after_the_skew() {
        assert_eq!(jql_since(at(0), Duration::ZERO, 0), "1970-01-01 00:00");
        // 2024-02-29 12:34:56 UTC.
        let t = at(1_709_210_096);
        assert_eq!(jql_since(t, Duration::ZERO, 0), "2024-02-29 12:34");
        assert_eq!(
            jql_since(t, Duration::from_secs(120), 0),
            "2024-02-29 12:32"
        );
        assert_eq!(jql_since(t, Duration::ZERO, 600), "2024-02-29 22:34");
        assert_eq!(jql_since(t, Duration::ZERO, -780), "2024-02-28 23:34");
        assert_eq!(
            jql_since(at(951_782_400), Duration::ZERO, 0),
            "2000-02-29 00:00"
        );
    }
}
