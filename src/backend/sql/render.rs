//! The one place that writes SQL: an aggregation query of the plan as one
//! `SELECT … GROUP BY` statement in a dialect.
//!
//! The statement computes what the polars backend computes from the same
//! rows, and names its outputs as the polars frames do: `__period` (the first
//! day of each row's period), one column per `by` key, and one per aggregate
//! (its alias), with `<alias>__n`, the number of values it aggregated, beside
//! every aggregate over a column, so that kpic, not the engine, decides what
//! an aggregate of no values is (ClickHouse sums nothing to 0, others to
//! NULL). Filters are `CASE WHEN` around each aggregate's input, which every
//! engine has and which, like kpic, counts a NULL condition as not met.
//! Values are read as the polars backend reads them: percents as fractions,
//! durations in seconds, numbers other than integers as 64-bit floats; sums
//! of integers, money and decimals are taken in 128-bit decimals, exactly:
//! cast to DECIMAL(38, s) unless the engine says how the column is stored
//! and its `SUM` of that type is already exact ([`Stored`]).

use super::dialect::{Dialect, Stored};
use crate::ir::{AggOutput, AggQuery, Operand, Pred, Scan};
use crate::vocab::{AggFn, CmpOp, ColType, Constant, Engine, TablePath};

/// The name of the output column with each row's period.
pub const PERIOD: &str = "__period";

/// The stored types of a table's columns, by name; a column not in it is
/// [`Stored::Other`]. Empty when kpic has not asked the engine (`kpic plan
/// --sql` without `--connect`): every sum is then cast.
pub type Storage = std::collections::HashMap<String, Stored>;

/// Why a query cannot be written for an engine.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlError {
    /// An aggregate the engine has no exact form of.
    NotExact { func: AggFn, engine: Engine },
    /// A string constant holding U+0000, which engines cannot take.
    Nul,
}

impl std::fmt::Display for SqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SqlError::NotExact { func, engine } => write!(f, "{engine} has no exact `{}`", func.as_str()),
            SqlError::Nul => f.write_str("a string holds the character U+0000, which SQL engines cannot take"),
        }
    }
}

/// The statement of `query` over `table`, whose columns `scan` declares and
/// the engine stores as `storage` says; times are cut into periods in
/// `zone`, the connection's time zone.
pub fn statement(
    d: &dyn Dialect,
    scan: &Scan,
    query: &AggQuery,
    table: &TablePath,
    zone: &str,
    storage: &Storage,
) -> Result<String, SqlError> {
    let w = Writer { d, scan, storage };
    let time = match w.ty(&scan.time_column) {
        ColType::Datetime => d.in_zone(&w.raw(&scan.time_column), zone),
        _ => w.raw(&scan.time_column),
    };
    let mut select = vec![format!("{} AS {}", d.period_start(&time, query.grain), d.ident(PERIOD))];
    for key in &query.keys {
        select.push(format!("{} AS {}", w.raw(key), d.ident(key)));
    }
    for a in &query.aggs {
        for (expr, alias) in w.aggregate(a)? {
            select.push(format!("{expr} AS {}", d.ident(&alias)));
        }
    }
    let from = table_name(d, table);
    let filter = query.reads.as_ref().map_or(String::new(), |windows| format!("\nWHERE {}", w.reads(windows)));
    let group: Vec<String> = (1..=query.keys.len() + 1).map(|i| i.to_string()).collect();
    Ok(format!("SELECT\n  {}\nFROM {from}{filter}\nGROUP BY {}", select.join(",\n  "), group.join(", ")))
}

/// A table's dotted names, each quoted for the dialect.
pub(super) fn table_name(d: &dyn Dialect, table: &TablePath) -> String {
    table.0.iter().map(|s| d.column(s)).collect::<Vec<_>>().join(".")
}

struct Writer<'a> {
    d: &'a dyn Dialect,
    scan: &'a Scan,
    storage: &'a Storage,
}

impl Writer<'_> {
    fn ty(&self, column: &str) -> &ColType {
        &self.scan.columns.iter().find(|c| c.name == column).expect("the plan's columns are the scan's").ty
    }

    fn stored(&self, column: &str) -> Stored {
        self.storage.get(column).copied().unwrap_or(Stored::Other)
    }

    /// A column as stored.
    fn raw(&self, column: &str) -> String {
        self.d.column(column)
    }

    /// A column's value as kpic computes with it: integers as stored, other
    /// numbers as floats, percents as fractions, durations in seconds.
    fn value(&self, column: &str) -> String {
        let raw = self.raw(column);
        match self.ty(column) {
            ColType::Int | ColType::Text | ColType::Bool | ColType::Date => raw,
            ColType::Datetime => self.d.datetime_value(&raw),
            ColType::Float | ColType::Money(_) | ColType::Decimal => self.d.to_double(&raw),
            ColType::Percent => format!("({} / 100)", self.d.to_double(&raw)),
            ColType::Duration(u) => format!("({} * {})", self.d.to_double(&raw), u.seconds()),
        }
    }

    /// A column for `min` and `max`: as stored, unless its unit scales it.
    fn extreme(&self, column: &str) -> String {
        match self.ty(column) {
            ColType::Int | ColType::Float | ColType::Money(_) | ColType::Decimal => self.raw(column),
            _ => self.value(column),
        }
    }

    /// The outputs of one aggregate: its value, and the count of values it
    /// aggregated for those that take a column.
    fn aggregate(&self, a: &AggOutput) -> Result<Vec<(String, String)>, SqlError> {
        let d = self.d;
        let alias = a.alias.clone();
        let Some(column) = a.column.as_deref() else {
            // count(source): rows, or rows where the filter holds.
            let expr = match &a.filter {
                None | Some(Pred::Const(true)) => "COUNT(*)".to_string(),
                Some(p) => format!("COUNT(CASE WHEN {} THEN 1 END)", self.pred(p)?),
            };
            return Ok(vec![(expr, alias)]);
        };
        let masked = |e: String| -> Result<String, SqlError> {
            Ok(match &a.filter {
                None | Some(Pred::Const(true)) => e,
                Some(p) => format!("CASE WHEN {} THEN {e} END", self.pred(p)?),
            })
        };
        let count = || -> Result<(String, String), SqlError> {
            Ok((format!("COUNT({})", masked(self.raw(column))?), format!("{alias}__n")))
        };
        let value = match a.func {
            AggFn::Count => return Ok(vec![(format!("COUNT({})", masked(self.raw(column))?), alias)]),
            AggFn::CountDistinct => {
                // -0.0 and 0.0 are one value, as in kpic; adding 0.0 makes
                // -0.0 into 0.0 (ClickHouse counts their bits apart).
                let v = match self.ty(column) {
                    ColType::Float | ColType::Percent | ColType::Duration(_) => format!("({} + 0.0)", self.raw(column)),
                    _ => self.raw(column),
                };
                return Ok(vec![(d.count_distinct(&masked(v)?), alias)]);
            }
            AggFn::Sum | AggFn::Avg => match self.ty(column).exact_scale() {
                Some(scale) if d.sums_exactly(self.stored(column), scale) => {
                    format!("SUM({})", masked(self.raw(column))?)
                }
                Some(scale) => format!("SUM({})", d.decimal(&masked(self.raw(column))?, scale)),
                None => format!("SUM({})", masked(self.value(column))?),
            },
            // The stored value where no unit changes it, so that a decimal's
            // extreme comes back as its digits and is read as the nearest
            // float once (ClickHouse's Decimal to Float64 is off by a unit
            // in the last place at times).
            AggFn::Min => format!("MIN({})", masked(self.extreme(column))?),
            AggFn::Max => format!("MAX({})", masked(self.extreme(column))?),
            AggFn::Median | AggFn::Percentile => {
                let p = if a.func == AggFn::Median { 0.5 } else { a.param.unwrap_or(0.5) };
                d.percentile(&masked(self.value(column))?, p)
                    .ok_or(SqlError::NotExact { func: a.func, engine: d.engine() })?
            }
        };
        let n = count()?;
        Ok(vec![(value, alias), n])
    }

    /// The rows a query reads: those whose time falls in one of `windows`
    /// (whole periods, so the time compares with their first days, and a
    /// `datetime` with midnight), and those without a time, so that kpic
    /// reports them as the polars backend does rather than drop them.
    fn reads(&self, windows: &[crate::ir::Window]) -> String {
        let time = &self.scan.time_column;
        let bound = |day: chrono::NaiveDate| match self.ty(time) {
            ColType::Datetime => self.d.timestamp(day.and_time(chrono::NaiveTime::MIN)),
            _ => self.d.date(day),
        };
        let t = match self.ty(time) {
            ColType::Datetime => self.d.datetime_value(&self.raw(time)),
            _ => self.raw(time),
        };
        let mut any = vec![format!("{} IS NULL", self.raw(time))];
        for w in windows {
            let mut inside = Vec::new();
            if let Some(from) = w.from {
                inside.push(format!("{t} >= {}", bound(from)));
            }
            if let Some(until) = w.until {
                inside.push(format!("{t} < {}", bound(until)));
            }
            any.push(match inside.len() {
                0 => self.d.boolean(true),
                1 => inside.remove(0),
                _ => format!("({})", inside.join(" AND ")),
            });
        }
        any.join(" OR ")
    }

    /// A condition, parenthesized so that it nests anywhere.
    fn pred(&self, p: &Pred) -> Result<String, SqlError> {
        crate::stack::with_stack(|| {
            Ok(match p {
                Pred::And(a, b) => format!("({} AND {})", self.pred(a)?, self.pred(b)?),
                Pred::Or(a, b) => format!("({} OR {})", self.pred(a)?, self.pred(b)?),
                Pred::Not(a) => format!("(NOT {})", self.pred(a)?),
                Pred::Const(b) => self.d.boolean(*b),
                Pred::IsNull { column, negated } => {
                    format!("({} IS {}NULL)", self.raw(column), if *negated { "NOT " } else { "" })
                }
                Pred::Compare { lhs, op, rhs } => {
                    let column = match (lhs, rhs) {
                        (Operand::Column(c), _) | (_, Operand::Column(c)) => Some(c.as_str()),
                        _ => None,
                    };
                    let ordered =
                        !matches!(op, CmpOp::Eq | CmpOp::Ne) && column.is_some_and(|c| *self.ty(c) == ColType::Text);
                    let side = |o: &Operand| -> Result<String, SqlError> {
                        let e = match o {
                            Operand::Column(c) => self.compared(c),
                            Operand::Constant(v) => self.constant_for(v, column)?,
                        };
                        Ok(if ordered { self.d.text_order(&e) } else { e })
                    };
                    format!("({} {} {})", side(lhs)?, op_sql(*op), side(rhs)?)
                }
                Pred::InList { column, negated, items } => {
                    let inside = if items.is_empty() {
                        self.d.boolean(false)
                    } else {
                        let items =
                            items.iter().map(|v| self.constant_for(v, Some(column))).collect::<Result<Vec<_>, _>>()?;
                        format!("{} IN ({})", self.compared(column), items.join(", "))
                    };
                    if *negated {
                        format!("(NOT ({inside}))")
                    } else {
                        format!("({inside})")
                    }
                }
                Pred::InRange { column, negated, low, high } => {
                    let v = self.compared(column);
                    let (low, high) = (self.constant_for(low, Some(column))?, self.constant_for(high, Some(column))?);
                    let inside = format!("{v} >= {low} AND {v} <= {high}");
                    if *negated {
                        format!("(NOT ({inside}))")
                    } else {
                        format!("({inside})")
                    }
                }
            })
        })
    }

    /// A column in a comparison: money and decimals as stored, exactly (an
    /// engine's decimal to float can be a unit in the last place off, and
    /// then `amount > -400000000000000` holds of -400000000000000).
    fn compared(&self, column: &str) -> String {
        match self.ty(column) {
            ColType::Money(_) | ColType::Decimal => self.raw(column),
            _ => self.value(column),
        }
    }

    /// A constant compared with `column`: a fraction compared with money or
    /// a decimal as a decimal, so that the comparison is exact.
    fn constant_for(&self, v: &Constant, column: Option<&str>) -> Result<String, SqlError> {
        let decimal = column.is_some_and(|c| matches!(self.ty(c), ColType::Money(_) | ColType::Decimal));
        match v {
            Constant::Number(n) if decimal && !(n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0) => {
                Ok(self.d.decimal(&self.d.string(&format!("{n}")), 9))
            }
            _ => self.constant(v),
        }
    }

    fn constant(&self, v: &Constant) -> Result<String, SqlError> {
        Ok(match v {
            Constant::Number(n) => number(self.d, *n),
            Constant::Text(s) if s.contains('\0') => return Err(SqlError::Nul),
            Constant::Text(s) => self.d.string(s),
            Constant::Bool(b) => self.d.boolean(*b),
            Constant::Date(day) => self.d.date(*day),
            Constant::DateTime(t) => self.d.timestamp(*t),
        })
    }
}

/// A number: whole numbers that a float holds exactly as integers, others
/// as floats (a bare `0.1` would be a decimal in most engines).
fn number(d: &dyn Dialect, n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        format!("{}", n as i64)
    } else {
        d.double(n)
    }
}

fn op_sql(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "=",
        CmpOp::Ne => "<>",
        CmpOp::Ge => ">=",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Lt => "<",
    }
}
