//! Typed columns from the fields of a piece: one tight loop per column, each
//! value parsed straight into its evaluation type. An empty field is a null
//! (a quoted empty text is the empty text); anything that does not parse as
//! the declared type is an error that names the record.

use super::layout::Spans;
use crate::backend::polars::time::{period_start, TimeFormat};
use crate::vocab::Grain;
use ::polars::prelude::*;

/// How a used column is read.
#[derive(Clone)]
pub(super) enum Kind {
    Int,
    /// A number, multiplied by `scale`; percents (points) are divided by 100
    /// instead, once, so a cell of 82.5 equals the literal `82.5%`. `bounded`
    /// for money and decimals, whose exact sums need them below
    /// [`crate::backend::polars::EXACT_BOUND`].
    Float {
        percent: bool,
        scale: f64,
        bounded: bool,
    },
    Bool,
    Text,
    Date(TimeFormat),
    Datetime(TimeFormat),
}

/// Why a value could not be read.
#[derive(Debug)]
pub(super) enum Bad {
    /// Not a value of the column's type.
    Value,
    /// A money or decimal value too large to be summed exactly.
    TooLarge,
    /// Bytes that are not UTF-8, at this offset in the piece.
    Utf8(usize),
}

/// A column read from a piece, and for a date or time column the day of each
/// row (days since 1970, `None` where empty).
pub(super) struct Read {
    pub column: Column,
    pub days: Option<Vec<Option<i32>>>,
}

/// Read used column `t` of every record of a piece. `utf8` tells that the
/// whole piece is valid UTF-8, so text needs no check of its own. An error
/// gives the record (from 0 in the piece) and why.
pub(super) fn read(
    name: &str,
    kind: &Kind,
    bytes: &[u8],
    spans: &Spans,
    t: usize,
    utf8: bool,
) -> Result<Read, (usize, Bad)> {
    let rows = spans.rows;
    let name: PlSmallStr = name.into();
    let field = |r: usize| spans.get(bytes, r, t);
    let plain = |column: Column| Read { column, days: None };
    match kind {
        Kind::Int => {
            let values = numbers(rows, field, parse_int)?;
            Ok(plain(Int64Chunked::from_iter_options(name, values.into_iter()).into_column()))
        }
        Kind::Float { percent, scale, bounded } => {
            let values = numbers(rows, field, parse_float)?;
            let bound = crate::backend::polars::EXACT_BOUND;
            if let Some(r) = values.iter().position(|v| *bounded && v.is_some_and(|x| x.abs() >= bound)) {
                return Err((r, Bad::TooLarge));
            }
            let scaled = values.into_iter().map(|v| v.map(|x| if *percent { x / 100.0 } else { x * scale }));
            Ok(plain(Float64Chunked::from_iter_options(name, scaled).into_column()))
        }
        Kind::Bool => {
            let values = numbers(rows, field, parse_bool)?;
            Ok(plain(BooleanChunked::from_iter_options(name, values.into_iter()).into_column()))
        }
        Kind::Text => text(name, rows, field, spans, t, utf8).map(plain),
        Kind::Date(format) => {
            let days = numbers(rows, field, |v| format.date(v))?;
            let column = Int32Chunked::from_iter_options(name, days.iter().copied()).into_date().into_column();
            Ok(Read { column, days: Some(days) })
        }
        Kind::Datetime(format) => {
            let micros = numbers(rows, field, |v| format.datetime(v))?;
            let days = micros.iter().map(|m| m.map(|m| m.div_euclid(86_400_000_000) as i32)).collect();
            let column = Int64Chunked::from_iter_options(name, micros.into_iter())
                .into_datetime(TimeUnit::Microseconds, None)
                .into_column();
            Ok(Read { column, days: Some(days) })
        }
    }
}

/// Parse every field of a column with `parse`; empty fields are nulls.
fn numbers<'a, T>(
    rows: usize,
    field: impl Fn(usize) -> (&'a [u8], bool),
    parse: impl Fn(&[u8]) -> Option<T>,
) -> Result<Vec<Option<T>>, (usize, Bad)> {
    let mut out = Vec::with_capacity(rows);
    for r in 0..rows {
        let (value, _) = field(r);
        if value.is_empty() {
            out.push(None);
        } else {
            out.push(Some(parse(value).ok_or((r, Bad::Value))?));
        }
    }
    Ok(out)
}

fn text<'a>(
    name: PlSmallStr,
    rows: usize,
    field: impl Fn(usize) -> (&'a [u8], bool),
    spans: &Spans,
    t: usize,
    utf8: bool,
) -> Result<Column, (usize, Bad)> {
    let mut builder = StringChunkedBuilder::new(name, rows);
    for r in 0..rows {
        let (value, quoted) = field(r);
        if value.is_empty() && !quoted {
            builder.append_null();
            continue;
        }
        let s = if utf8 {
            // SAFETY: the whole piece was checked to be UTF-8, and a field is
            // cut at ASCII separators, so it is UTF-8 too.
            unsafe { std::str::from_utf8_unchecked(value) }
        } else {
            std::str::from_utf8(value).map_err(|e| (r, Bad::Utf8(spans.start(r, t) + e.valid_up_to())))?
        };
        builder.append_value(s);
    }
    Ok(builder.finish().into_column())
}

/// The period column of a grain, from the day of each row.
pub(super) fn periods(days: &[i32], grain: Grain) -> Column {
    let name: PlSmallStr = crate::backend::polars::period_column(grain).into();
    // Rows come in time order more often than not: one day's period is
    // computed once for a run of that day.
    let mut last = (i32::MIN, 0);
    let starts: Vec<i32> = days
        .iter()
        .map(|&d| {
            if d != last.0 {
                last = (d, period_start(d, grain));
            }
            last.1
        })
        .collect();
    Int32Chunked::from_vec(name, starts).into_date().into_column()
}

/// An int as Rust reads one (`-12`, `+3`), with a fast path for plain digits.
pub(super) fn parse_int(b: &[u8]) -> Option<i64> {
    if !b.is_empty() && b.len() <= 18 && b.iter().all(u8::is_ascii_digit) {
        return Some(b.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')));
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// A finite number as Rust reads one: no spaces, no separators, no NaN or
/// infinity. fast-float2 is the algorithm of Rust's own parser, without the
/// UTF-8 check a `&str` would need first.
pub(super) fn parse_float(b: &[u8]) -> Option<f64> {
    fast_float2::parse::<f64, _>(b).ok().filter(|x| x.is_finite())
}

fn parse_bool(b: &[u8]) -> Option<bool> {
    if b.eq_ignore_ascii_case(b"true") {
        Some(true)
    } else if b.eq_ignore_ascii_case(b"false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_as_rust_reads_them() {
        for text in [
            "1",
            "-1",
            "+1",
            "1.5",
            ".5",
            "5.",
            "1e5",
            "1E-5",
            "-0",
            "1_000",
            " 1",
            "1 ",
            "1,5",
            "0x10",
            "",
            "-",
            "e5",
            "1e",
            "NaN",
            "inf",
            "-infinity",
            "1.7976931348623157e309",
            "00012",
            "9999999999999999999",
        ] {
            let rust = text.parse::<f64>().ok().filter(|x| x.is_finite());
            assert_eq!(parse_float(text.as_bytes()), rust, "{text:?}");
            assert_eq!(parse_int(text.as_bytes()), text.parse::<i64>().ok(), "{text:?}");
        }
    }
}
