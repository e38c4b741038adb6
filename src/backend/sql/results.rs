//! What an engine returns for a statement of [`super::statement`], as the
//! aggregate table the evaluator takes: the same table the polars backend
//! makes from the same rows. Exact sums arrive as decimals and are read as
//! the nearest float, as the polars backend reads its decimals; kpic, not
//! the engine, decides what an aggregate of no values is (the `__n` column
//! beside it).

use super::render::PERIOD;
use crate::ir::{AggQuery, AggTable};
use crate::vocab::AggFn;
use chrono::NaiveDate;

/// One cell of a result, as a driver gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i128),
    Float(f64),
    /// A decimal's digits as text (`-12.500000000`): engines give exact sums
    /// as DECIMAL or NUMERIC.
    Decimal(String),
    Text(String),
    Bool(bool),
    Date(NaiveDate),
}

/// Why a result is not the table its statement promised.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultError {
    /// A column the statement names is not in the result.
    MissingColumn(String),
    /// A row whose time is empty: the data has rows without a time (E607).
    NullTime,
    /// A value of a type its column cannot have.
    Unexpected { column: String, value: String },
    /// NaN or infinity in an aggregate: the data holds one.
    NotFinite { column: String },
}

impl std::fmt::Display for ResultError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResultError::MissingColumn(c) => write!(f, "the result has no column `{c}`"),
            ResultError::NullTime => f.write_str("rows have no value in the time column"),
            ResultError::Unexpected { column, value } => write!(f, "column `{column}` holds {value}"),
            ResultError::NotFinite { column } => write!(f, "the aggregate `{column}` is NaN or infinite"),
        }
    }
}

/// The table of `query` from the rows of its statement, whose columns are
/// named `columns`.
pub fn to_table(query: &AggQuery, columns: &[String], rows: &[Vec<Value>]) -> Result<AggTable, ResultError> {
    let at = |name: &str| columns.iter().position(|c| c == name).ok_or_else(|| ResultError::MissingColumn(name.into()));
    let unexpected =
        |column: &str, v: &Value| ResultError::Unexpected { column: column.into(), value: format!("{v:?}") };
    let mut table = AggTable::default();
    let period = at(PERIOD)?;
    for row in rows {
        table.periods.push(match &row[period] {
            Value::Date(d) => *d,
            Value::Null => return Err(ResultError::NullTime),
            Value::Text(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| unexpected(PERIOD, &row[period]))?,
            v => return Err(unexpected(PERIOD, v)),
        });
    }
    for key in &query.keys {
        let i = at(key)?;
        let values = rows.iter().map(|row| key_text(&row[i]).ok_or_else(|| unexpected(key, &row[i])));
        table.keys.push(values.collect::<Result<_, _>>()?);
    }
    for a in &query.aggs {
        let i = at(&a.alias)?;
        let counted = match (a.func, &a.column) {
            (AggFn::Count | AggFn::CountDistinct, _) | (_, None) => None,
            _ => Some(at(&format!("{}__n", a.alias))?),
        };
        let mut values = Vec::with_capacity(rows.len());
        for row in rows {
            let v = number(&row[i]).ok_or_else(|| unexpected(&a.alias, &row[i]))?;
            let v = match counted {
                None => v.or(Some(0.0)),
                Some(n) => {
                    let n = number(&row[n]).ok_or_else(|| unexpected(&a.alias, &row[n]))?.unwrap_or(0.0);
                    v.filter(|_| n > 0.0).map(|v| if a.func == AggFn::Avg { v / n } else { v })
                }
            };
            if v.is_some_and(|v| !v.is_finite()) {
                return Err(ResultError::NotFinite { column: a.alias.clone() });
            }
            values.push(v);
        }
        table.values.insert(a.alias.clone(), values);
    }
    Ok(table)
}

/// A number cell as a float: integers and decimals as the nearest float
/// (Rust's parsing rounds once, as the polars backend's decimals do).
fn number(v: &Value) -> Option<Option<f64>> {
    Some(match v {
        Value::Null => None,
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        // PostgreSQL's driver sends NUMERIC as its digits in text.
        Value::Decimal(d) | Value::Text(d) => Some(d.parse().ok()?),
        Value::Bool(_) | Value::Date(_) => return None,
    })
}

/// A dimension's value as the polars backend writes it (a cast to text).
fn key_text(v: &Value) -> Option<Option<String>> {
    Some(match v {
        Value::Null => None,
        Value::Text(t) => Some(t.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Date(d) => Some(d.format("%Y-%m-%d").to_string()),
        Value::Float(_) | Value::Decimal(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::AggOutput;
    use crate::span::Span;

    fn agg(alias: &str, func: AggFn, column: Option<&str>) -> AggOutput {
        AggOutput {
            alias: alias.into(),
            func,
            column: column.map(str::to_string),
            filter: None,
            param: None,
            span: Span::default(),
        }
    }

    #[test]
    fn empty_aggregates_follow_kpic_not_the_engine() {
        let query = AggQuery {
            scan: 0,
            grain: crate::vocab::Grain::Month,
            keys: vec!["manager".into()],
            aggs: vec![
                agg("s", AggFn::Sum, Some("amount")),
                agg("a", AggFn::Avg, Some("amount")),
                agg("c", AggFn::Count, None),
            ],
            reads: None,
        };
        let columns: Vec<String> =
            ["__period", "manager", "s", "s__n", "a", "a__n", "c"].iter().map(|s| s.to_string()).collect();
        let day = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        let rows = vec![
            // ClickHouse sums no values to 0: the count says there were none.
            vec![
                Value::Date(day),
                Value::Null,
                Value::Decimal("0.000000000".into()),
                Value::Int(0),
                Value::Null,
                Value::Int(0),
                Value::Int(2),
            ],
            vec![
                Value::Text("2025-03-01".into()),
                Value::Text("Anna".into()),
                Value::Decimal("400000000000000.000000000".into()),
                Value::Int(3),
                Value::Decimal("0.300000000".into()),
                Value::Int(3),
                Value::Int(3),
            ],
        ];
        let t = to_table(&query, &columns, &rows).unwrap();
        assert_eq!(t.periods, vec![day, day]);
        assert_eq!(t.keys, vec![vec![None, Some("Anna".to_string())]]);
        assert_eq!(t.values["s"], vec![None, Some(400_000_000_000_000.0)]);
        assert_eq!(t.values["a"], vec![None, Some(0.3 / 3.0)]);
        assert_eq!(t.values["c"], vec![Some(2.0), Some(3.0)]);
        let null_time = vec![vec![Value::Null; 7]];
        assert_eq!(to_table(&query, &columns, &null_time).err(), Some(ResultError::NullTime));
        assert_eq!(to_table(&query, &columns[..6], &rows).err(), Some(ResultError::MissingColumn("c".into())));
    }
}
