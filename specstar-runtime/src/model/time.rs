//! Timestamps: UTC, microsecond precision, serialized as `2026-11-23T19:53:26.984215Z`.

use chrono::{DateTime, SubsecRound, Utc};

/// The one timestamp type of SpecStar.
pub type Timestamp = DateTime<Utc>;

/// The current time truncated to microseconds (what the wire and every backend can hold).
pub fn now() -> Timestamp {
    Utc::now().trunc_subsecs(6)
}

/// `#[serde(with = "wire_time")]`: RFC 3339 in UTC with a `Z` suffix and microseconds.
pub mod wire_time {
    use super::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

    /// Length of the wire format for years 0 to 9999.
    const LEN: usize = "2026-11-23T19:53:26.984215Z".len();

    pub fn format(t: &Timestamp) -> String {
        let mut buf = [0u8; LEN];
        match write(t, &mut buf) {
            Some(text) => text.to_owned(),
            None => t.format(FORMAT).to_string(),
        }
    }

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; LEN];
        match write(t, &mut buf) {
            Some(text) => s.serialize_str(text),
            None => s.collect_str(&t.format(FORMAT)),
        }
    }

    /// The wire format written digit by digit: every response carries a dozen timestamps, and
    /// chrono's `format` re-parses the format string each time. `None` (use `FORMAT`) for a
    /// year outside 0..=9999 or a leap second.
    fn write<'a>(t: &Timestamp, buf: &'a mut [u8; LEN]) -> Option<&'a str> {
        use chrono::{Datelike, Timelike};
        let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
        let nanos = t.nanosecond();
        if nanos >= 1_000_000_000 {
            return None;
        }
        let mut put = |at: usize, value: u32, digits: usize| {
            let mut v = value;
            for i in (at..at + digits).rev() {
                buf[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, year, 4);
        put(5, t.month(), 2);
        put(8, t.day(), 2);
        put(11, t.hour(), 2);
        put(14, t.minute(), 2);
        put(17, t.second(), 2);
        put(20, nanos / 1000, 6);
        for (at, sep) in [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'.'),
        ] {
            buf[at] = sep;
        }
        buf[LEN - 1] = b'Z';
        std::str::from_utf8(buf).ok()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        chrono::DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|e| serde::de::Error::custom(format!("invalid RFC 3339 time `{s}`: {e}")))
    }
}

/// `#[serde(with = "wire_time_opt")]` for `Option<Timestamp>`.
pub mod wire_time_opt {
    use super::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => super::wire_time::serialize(t, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => chrono::DateTime::parse_from_rfc3339(&s)
                .map(|t| Some(t.with_timezone(&chrono::Utc)))
                .map_err(|e| serde::de::Error::custom(format!("invalid RFC 3339 time `{s}`: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn strftime(t: &Timestamp) -> String {
        t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }

    #[test]
    fn wire_format_examples() {
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 19, 53, 26).unwrap()
            + chrono::Duration::microseconds(984_215);
        assert_eq!(wire_time::format(&t), "2026-11-23T19:53:26.984215Z");
        let t = Utc.with_ymd_and_hms(1, 2, 3, 4, 5, 6).unwrap();
        assert_eq!(wire_time::format(&t), "0001-02-03T04:05:06.000000Z");
        #[derive(serde::Serialize)]
        struct Stamped(#[serde(with = "wire_time")] Timestamp);
        assert_eq!(
            serde_json::to_string(&Stamped(t)).unwrap(),
            r#""0001-02-03T04:05:06.000000Z""#
        );
        // outside the fast path: the same text as chrono's formatting
        let far = Utc.with_ymd_and_hms(12345, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(wire_time::format(&far), strftime(&far));
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_micro_opt(23, 59, 59, 1_500_000)
            .unwrap()
            .and_utc();
        assert_eq!(wire_time::format(&leap), strftime(&leap));
    }

    proptest! {
        #[test]
        fn fast_wire_format_matches_chrono(secs in -62_135_596_800i64..253_402_300_799i64, nanos in 0u32..1_000_000_000) {
            let t = Utc.timestamp_opt(secs, nanos).unwrap();
            prop_assert_eq!(wire_time::format(&t), strftime(&t));
        }
    }
}
