//! Literal values of the expression language: `datetime(...)`, `timedelta(...)` and the
//! arithmetic between numbers, times and time spans.

use chrono::{Datelike, NaiveDate, TimeDelta};

use super::ParseError;
use super::syntax::{BinOp, Span};
use super::value::{Lowered, Val, bind, err, float_micros};
use crate::model::Timestamp;

/// Microseconds in a day.
pub(super) const MICROS_PER_DAY: i64 = 86_400_000_000;

/// `datetime(year, month, day[, hour, minute, second[, microsecond]])`, read as UTC.
pub(super) fn datetime(args: Vec<Lowered>, span: Span) -> Result<Val, ParseError> {
    if let Some(tz) = args
        .iter()
        .find(|a| a.name.as_ref().is_some_and(|(n, _)| n == "tzinfo"))
    {
        return Err(err(
            tz.span.start,
            "tzinfo is not supported: datetime(...) is read as UTC",
        ));
    }
    let params = [
        "year",
        "month",
        "day",
        "hour",
        "minute",
        "second",
        "microsecond",
    ];
    let slots = bind(args, &params, 3, "datetime", span.start)?;
    let mut parts = [0i64; 7];
    for (i, slot) in slots.into_iter().enumerate() {
        if let Some((value, value_span)) = slot {
            let Val::Int(n) = value else {
                return Err(err(
                    value_span.start,
                    format!(
                        "datetime() `{}` must be an integer, got {}",
                        params[i],
                        value.describe()
                    ),
                ));
            };
            parts[i] = n;
        }
    }
    let [year, month, day, hour, minute, second, micro] = parts;
    let small = |n: i64| u32::try_from(n).ok();
    let time = i32::try_from(year)
        .ok()
        .filter(|y| (1..=9999).contains(y))
        .zip(small(month).zip(small(day)))
        .and_then(|(y, (m, d))| NaiveDate::from_ymd_opt(y, m, d))
        .and_then(|date| {
            date.and_hms_micro_opt(small(hour)?, small(minute)?, small(second)?, small(micro)?)
                .filter(|_| micro < 1_000_000 && second < 60)
        })
        .map(|naive| naive.and_utc());
    time.map(Val::Time).ok_or_else(|| {
        err(
            span.start,
            format!(
                "invalid datetime({year}, {month}, {day}, {hour}, {minute}, {second}, {micro}): a field is out of range"
            ),
        )
    })
}

/// `timedelta(days, seconds, microseconds, milliseconds, minutes, hours, weeks)` (Python's
/// parameter order), in microseconds.
pub(super) fn timedelta(args: Vec<Lowered>, span: Span) -> Result<Val, ParseError> {
    const UNITS: [(&str, i64); 7] = [
        ("days", MICROS_PER_DAY),
        ("seconds", 1_000_000),
        ("microseconds", 1),
        ("milliseconds", 1_000),
        ("minutes", 60_000_000),
        ("hours", 3_600_000_000),
        ("weeks", 7 * MICROS_PER_DAY),
    ];
    let params: Vec<&str> = UNITS.iter().map(|(name, _)| *name).collect();
    let slots = bind(args, &params, 0, "timedelta", span.start)?;
    let mut exact: i128 = 0;
    let mut approx: f64 = 0.0;
    for (slot, (name, unit)) in slots.into_iter().zip(UNITS) {
        match slot {
            None => {}
            Some((Val::Int(n), _)) => exact += i128::from(n) * i128::from(unit),
            Some((Val::Float(f), _)) => approx += f * unit as f64,
            Some((other, value_span)) => {
                return Err(err(
                    value_span.start,
                    format!(
                        "timedelta() `{name}` must be a number, got {}",
                        other.describe()
                    ),
                ));
            }
        }
    }
    let total = exact as f64 + approx;
    let micros = if approx == 0.0 {
        i64::try_from(exact).ok()
    } else {
        float_micros(total)
    };
    micros
        .map(Val::Delta)
        .ok_or_else(|| err(span.start, "timedelta is out of range"))
}

fn in_range(t: Timestamp) -> Option<Timestamp> {
    (1..=9999).contains(&t.year()).then_some(t)
}

fn shift(t: Timestamp, micros: i64) -> Option<Timestamp> {
    t.checked_add_signed(TimeDelta::microseconds(micros))
        .and_then(in_range)
}

/// `+ - * /` between numbers, datetimes and timedeltas (and `+` between strings).
pub(super) fn arithmetic(op: BinOp, pos: usize, left: Val, right: Val) -> Result<Val, ParseError> {
    let overflow = || err(pos, format!("`{}` overflows", op.symbol()));
    let float = |f: f64| {
        if f.is_finite() {
            Ok(Val::Float(f))
        } else {
            Err(err(pos, "the result is not a finite number"))
        }
    };
    let as_f64 = |v: &Val| match v {
        Val::Int(i) => Some(*i as f64),
        Val::Float(f) => Some(*f),
        _ => None,
    };
    match (op, &left, &right) {
        (BinOp::Add, Val::Int(a), Val::Int(b)) => {
            a.checked_add(*b).map(Val::Int).ok_or_else(overflow)
        }
        (BinOp::Sub, Val::Int(a), Val::Int(b)) => {
            a.checked_sub(*b).map(Val::Int).ok_or_else(overflow)
        }
        (BinOp::Mul, Val::Int(a), Val::Int(b)) => {
            a.checked_mul(*b).map(Val::Int).ok_or_else(overflow)
        }
        (BinOp::Mod, Val::Int(_) | Val::Float(_), Val::Int(_) | Val::Float(_)) => Err(err(
            pos,
            "`%` on numbers is not supported (on a field it means regex)",
        )),
        (
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div,
            Val::Int(_) | Val::Float(_),
            Val::Int(_) | Val::Float(_),
        ) => {
            let (a, b) = (as_f64(&left).unwrap_or(0.0), as_f64(&right).unwrap_or(0.0));
            match op {
                BinOp::Add => float(a + b),
                BinOp::Sub => float(a - b),
                BinOp::Mul => float(a * b),
                _ if b == 0.0 => Err(err(pos, "division by zero")),
                _ => float(a / b),
            }
        }
        (BinOp::Add, Val::Str(a), Val::Str(b)) => Ok(Val::Str(format!("{a}{b}"))),
        (BinOp::Add, Val::Time(t), Val::Delta(d)) | (BinOp::Add, Val::Delta(d), Val::Time(t)) => {
            shift(*t, *d)
                .map(Val::Time)
                .ok_or_else(|| err(pos, "datetime out of range"))
        }
        (BinOp::Sub, Val::Time(t), Val::Delta(d)) => d
            .checked_neg()
            .and_then(|d| shift(*t, d))
            .map(Val::Time)
            .ok_or_else(|| err(pos, "datetime out of range")),
        (BinOp::Sub, Val::Time(a), Val::Time(b)) => (*a - *b)
            .num_microseconds()
            .map(Val::Delta)
            .ok_or_else(overflow),
        (BinOp::Add, Val::Delta(a), Val::Delta(b)) => {
            a.checked_add(*b).map(Val::Delta).ok_or_else(overflow)
        }
        (BinOp::Sub, Val::Delta(a), Val::Delta(b)) => {
            a.checked_sub(*b).map(Val::Delta).ok_or_else(overflow)
        }
        (BinOp::Mul, Val::Delta(d), Val::Int(n)) | (BinOp::Mul, Val::Int(n), Val::Delta(d)) => {
            d.checked_mul(*n).map(Val::Delta).ok_or_else(overflow)
        }
        (BinOp::Mul, Val::Delta(d), Val::Float(f)) | (BinOp::Mul, Val::Float(f), Val::Delta(d)) => {
            float_micros(*d as f64 * f)
                .map(Val::Delta)
                .ok_or_else(overflow)
        }
        (BinOp::Div, Val::Delta(d), Val::Int(_) | Val::Float(_)) => {
            let divisor = as_f64(&right).unwrap_or(0.0);
            if divisor == 0.0 {
                return Err(err(pos, "division by zero"));
            }
            float_micros(*d as f64 / divisor)
                .map(Val::Delta)
                .ok_or_else(overflow)
        }
        _ => Err(err(
            pos,
            format!(
                "`{}` does not apply to {} and {}",
                op.symbol(),
                left.describe(),
                right.describe()
            ),
        )),
    }
}
