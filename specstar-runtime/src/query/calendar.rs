//! Calendar periods for the date helpers (`today()`, `this_week()`, …), in UTC.
//!
//! A period is a half-open range `[start, end)` computed from "now": days start at midnight
//! UTC, weeks on Monday, months on the 1st, years on January 1st.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};

use super::tree::{Condition, FieldPath, Operator};
use crate::model::{Timestamp, wire_time};

/// A calendar period relative to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Period {
    Today,
    Yesterday,
    ThisWeek,
    ThisMonth,
    ThisYear,
}

fn midnight(date: NaiveDate) -> Timestamp {
    Utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN))
}

impl Period {
    /// `[start, end)` of the period containing `now`.
    pub(crate) fn range(self, now: Timestamp) -> (Timestamp, Timestamp) {
        let today = now.date_naive();
        match self {
            Period::Today => (midnight(today), midnight(today) + Duration::days(1)),
            Period::Yesterday => (midnight(today) - Duration::days(1), midnight(today)),
            Period::ThisWeek => {
                let monday =
                    today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
                (midnight(monday), midnight(monday) + Duration::days(7))
            }
            Period::ThisMonth => {
                let first = today.with_day(1).unwrap_or(today);
                let next = if first.month() == 12 {
                    NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
                };
                let start = midnight(first);
                (start, next.map(midnight).unwrap_or(Timestamp::MAX_UTC))
            }
            Period::ThisYear => {
                let first = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
                let next = NaiveDate::from_ymd_opt(today.year() + 1, 1, 1);
                (
                    midnight(first),
                    next.map(midnight).unwrap_or(Timestamp::MAX_UTC),
                )
            }
        }
    }

    /// `field >= start & field < end` with wire-format times.
    pub(crate) fn condition(self, field: FieldPath, now: Timestamp) -> Condition {
        let (start, end) = self.range(now);
        Condition::compare(field.clone(), Operator::Gte, wire_time::format(&start))
            & Condition::compare(field, Operator::Lt, wire_time::format(&end))
    }
}

/// `field >= now - span` (the `last_n_days` helper).
pub(crate) fn since(field: FieldPath, now: Timestamp, span: Duration) -> Condition {
    let start = now.checked_sub_signed(span).unwrap_or(Timestamp::MIN_UTC);
    Condition::compare(field, Operator::Gte, wire_time::format(&start))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn periods_around_a_wednesday_in_december() {
        let now = t("2025-12-31T15:04:05.123456Z"); // a Wednesday
        assert_eq!(
            Period::Today.range(now),
            (t("2025-12-31T00:00:00Z"), t("2026-01-01T00:00:00Z"))
        );
        assert_eq!(
            Period::Yesterday.range(now),
            (t("2025-12-30T00:00:00Z"), t("2025-12-31T00:00:00Z"))
        );
        assert_eq!(
            Period::ThisWeek.range(now),
            (t("2025-12-29T00:00:00Z"), t("2026-01-05T00:00:00Z"))
        );
        assert_eq!(
            Period::ThisMonth.range(now),
            (t("2025-12-01T00:00:00Z"), t("2026-01-01T00:00:00Z"))
        );
        assert_eq!(
            Period::ThisYear.range(now),
            (t("2025-01-01T00:00:00Z"), t("2026-01-01T00:00:00Z"))
        );
    }

    #[test]
    fn week_starts_on_monday_even_on_sunday_and_monday() {
        let sunday = t("2026-03-01T23:59:59Z");
        assert_eq!(Period::ThisWeek.range(sunday).0, t("2026-02-23T00:00:00Z"));
        let monday = t("2026-03-02T00:00:00Z");
        assert_eq!(Period::ThisWeek.range(monday).0, t("2026-03-02T00:00:00Z"));
        // February of a leap year ends on the 29th.
        let feb = t("2028-02-10T10:00:00Z");
        assert_eq!(Period::ThisMonth.range(feb).1, t("2028-03-01T00:00:00Z"));
    }

    #[test]
    fn conditions_use_wire_format() {
        let c =
            Period::Today.condition(FieldPath::parse("created_time"), t("2025-06-01T12:00:00Z"));
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            serde_json::json!({"operator": "and", "conditions": [
                {"field_path": "created_time", "operator": "gte", "value": "2025-06-01T00:00:00.000000Z"},
                {"field_path": "created_time", "operator": "lt", "value": "2025-06-02T00:00:00.000000Z"},
            ]})
        );
        let c = since(
            FieldPath::parse("at"),
            t("2025-06-08T12:00:00Z"),
            Duration::days(7),
        );
        assert_eq!(
            c,
            Condition::compare(
                FieldPath::parse("at"),
                Operator::Gte,
                "2025-06-01T12:00:00.000000Z"
            )
        );
    }
}
