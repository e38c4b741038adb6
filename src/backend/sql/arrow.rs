//! Arrow batches, as ADBC drivers return them, as rows of [`Value`]s for
//! [`super::to_table`]: decimals keep their digits (Decimal128, or
//! PostgreSQL's NUMERIC, which its driver sends as text), so an exact sum is
//! read once, as the nearest float.

use super::Value;
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use chrono::NaiveDate;

/// Every row of a batch.
pub fn rows_of(batch: &RecordBatch) -> Result<Vec<Vec<Value>>, String> {
    let columns: Vec<Vec<Value>> = batch.columns().iter().map(|c| values(c.as_ref())).collect::<Result<_, _>>()?;
    Ok((0..batch.num_rows()).map(|r| columns.iter().map(|c| c[r].clone()).collect()).collect())
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date")
}

/// One column's values.
fn values(a: &dyn Array) -> Result<Vec<Value>, String> {
    let n = a.len();
    let each = |f: &dyn Fn(usize) -> Value| (0..n).map(|i| if a.is_null(i) { Value::Null } else { f(i) }).collect();
    let day = |days: i64| epoch().checked_add_signed(chrono::Duration::days(days)).map_or(Value::Null, Value::Date);
    Ok(match a.data_type() {
        DataType::Null => vec![Value::Null; n],
        DataType::Boolean => each(&|i| Value::Bool(a.as_boolean().value(i))),
        DataType::Int8 => each(&|i| Value::Int(a.as_primitive::<Int8Type>().value(i).into())),
        DataType::Int16 => each(&|i| Value::Int(a.as_primitive::<Int16Type>().value(i).into())),
        DataType::Int32 => each(&|i| Value::Int(a.as_primitive::<Int32Type>().value(i).into())),
        DataType::Int64 => each(&|i| Value::Int(a.as_primitive::<Int64Type>().value(i).into())),
        DataType::UInt8 => each(&|i| Value::Int(a.as_primitive::<UInt8Type>().value(i).into())),
        DataType::UInt16 => each(&|i| Value::Int(a.as_primitive::<UInt16Type>().value(i).into())),
        DataType::UInt32 => each(&|i| Value::Int(a.as_primitive::<UInt32Type>().value(i).into())),
        DataType::UInt64 => each(&|i| Value::Int(a.as_primitive::<UInt64Type>().value(i).into())),
        DataType::Float32 => each(&|i| Value::Float(a.as_primitive::<Float32Type>().value(i).into())),
        DataType::Float64 => each(&|i| Value::Float(a.as_primitive::<Float64Type>().value(i))),
        DataType::Decimal128(_, scale) => {
            let scale = *scale;
            each(&|i| Value::Decimal(decimal_text(a.as_primitive::<Decimal128Type>().value(i), scale)))
        }
        DataType::Utf8 => each(&|i| Value::Text(a.as_string::<i32>().value(i).to_string())),
        DataType::LargeUtf8 => each(&|i| Value::Text(a.as_string::<i64>().value(i).to_string())),
        DataType::Utf8View => each(&|i| Value::Text(a.as_string_view().value(i).to_string())),
        DataType::Date32 => each(&|i| day(a.as_primitive::<Date32Type>().value(i).into())),
        DataType::Date64 => each(&|i| day(a.as_primitive::<Date64Type>().value(i) / 86_400_000)),
        DataType::Timestamp(unit, _) => {
            let per_day: i64 = match unit {
                TimeUnit::Second => 86_400,
                TimeUnit::Millisecond => 86_400_000,
                TimeUnit::Microsecond => 86_400_000_000,
                TimeUnit::Nanosecond => 86_400_000_000_000,
            };
            let raw = |i: usize| match unit {
                TimeUnit::Second => a.as_primitive::<TimestampSecondType>().value(i),
                TimeUnit::Millisecond => a.as_primitive::<TimestampMillisecondType>().value(i),
                TimeUnit::Microsecond => a.as_primitive::<TimestampMicrosecondType>().value(i),
                TimeUnit::Nanosecond => a.as_primitive::<TimestampNanosecondType>().value(i),
            };
            each(&|i| day(raw(i).div_euclid(per_day)))
        }
        other => return Err(format!("the engine returned a column of type {other}, which kpic does not read")),
    })
}

/// Whether a column the engine stores as `t` can be read as a column
/// declared `declared`. PostgreSQL's driver gives NUMERIC as text, so text
/// is taken for numbers there.
pub fn fits(declared: &crate::vocab::ColType, t: &DataType, numeric_as_text: bool) -> bool {
    use crate::vocab::ColType as C;
    let int = stored(t) == super::Stored::Integer;
    let text = matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
    let number = int
        || matches!(t, DataType::Float32 | DataType::Float64 | DataType::Decimal128(..) | DataType::Decimal256(..))
        || numeric_as_text && text;
    match declared {
        C::Int => int || matches!(t, DataType::Decimal128(_, 0)),
        C::Float | C::Money(_) | C::Decimal | C::Percent | C::Duration(_) => number,
        C::Text => text,
        C::Bool => matches!(t, DataType::Boolean),
        C::Date => matches!(t, DataType::Date32 | DataType::Date64),
        C::Datetime => matches!(t, DataType::Timestamp(..)),
    }
}

/// A stored type as a person who wrote the table would name it; with
/// `numeric_as_text` (PostgreSQL's driver), text may be a NUMERIC too.
pub fn describe(t: &DataType, numeric_as_text: bool) -> String {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View if numeric_as_text => {
            "text (or NUMERIC, which a `decimal` column reads)".into()
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "text".into(),
        DataType::Boolean => "booleans".into(),
        DataType::Date32 | DataType::Date64 => "dates".into(),
        DataType::Timestamp(_, None) => "timestamps".into(),
        DataType::Timestamp(_, Some(_)) => "timestamps with a time zone".into(),
        DataType::Float32 | DataType::Float64 => format!("floats ({t})"),
        DataType::Decimal128(p, s) | DataType::Decimal256(p, s) => format!("DECIMAL({p}, {s})"),
        t if stored(t) == super::Stored::Integer => format!("integers ({t})"),
        t => t.to_string(),
    }
}

/// What a stored type is to [`super::Dialect::sums_exactly`].
pub fn stored(t: &DataType) -> super::Stored {
    use super::Stored;
    match t {
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => Stored::Integer,
        DataType::Decimal128(_, s) | DataType::Decimal256(_, s) if *s >= 0 => Stored::Decimal { scale: *s as u32 },
        _ => Stored::Other,
    }
}

/// `units` × 10^-scale in plain digits, for scales of either sign.
fn decimal_text(units: i128, scale: i8) -> String {
    if scale < 0 {
        return format!("{}{}", units, "0".repeat(scale.unsigned_abs() as usize));
    }
    crate::vocab::number::decimal_digits(units, scale as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, Date32Array, Decimal128Array, Int64Array, StringArray};
    use std::sync::Arc;

    #[test]
    fn decimals_keep_their_digits() {
        assert_eq!(decimal_text(-12500, 3), "-12.500");
        assert_eq!(decimal_text(5, 9), "0.000000005");
        assert_eq!(decimal_text(7, 0), "7");
        assert_eq!(decimal_text(7, -2), "700");
    }

    #[test]
    fn a_batch_becomes_rows() {
        let dec = Decimal128Array::from(vec![Some(400_000_000_000_000_000_000_000i128), None])
            .with_precision_and_scale(38, 9)
            .unwrap();
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("__period", Arc::new(Date32Array::from(vec![Some(20148), Some(20148)]))),
            ("manager", Arc::new(StringArray::from(vec![Some("Anna"), None]))),
            ("s", Arc::new(dec)),
            ("n", Arc::new(Int64Array::from(vec![3, 0]))),
        ];
        let batch = RecordBatch::try_from_iter(columns).unwrap();
        let rows = rows_of(&batch).unwrap();
        let march = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        assert_eq!(
            rows[0],
            vec![
                Value::Date(march),
                Value::Text("Anna".into()),
                Value::Decimal("400000000000000.000000000".into()),
                Value::Int(3)
            ]
        );
        assert_eq!(rows[1], vec![Value::Date(march), Value::Null, Value::Null, Value::Int(0)]);
    }
}
