//! Filters and metrics: predicates, aggregates and derived expressions, with their
//! types, units, additivity and the sources they read.

use super::model::*;
use super::{Checker, State};
use crate::diagnostics::{did_you_mean, Code, Diagnostic, Label};
use crate::span::Span;
use crate::syntax::ast::{self, LitKind};
use crate::vocab::*;
use crate::vocab::{aggregate_unit, Additivity, ColType, Unit};
use crate::vocab::{AggFn, CmpOp, UnitLit};
use std::collections::BTreeSet;

/// A resolved expression with what the checker inferred about it.
pub(crate) struct Typed {
    pub expr: Expr,
    pub unit: Unit,
    pub additivity: Additivity,
    /// A literal, with no data behind it.
    pub constant: bool,
    pub sources: BTreeSet<SourceId>,
}

/// The trailing `where` of a metric, applied to each aggregate of its expression.
pub(crate) struct Trailing {
    pub pred: Pred,
    pub sources: BTreeSet<SourceId>,
    pub used: bool,
}

impl Checker<'_> {
    // ------------------------------------------------------------ filters

    pub(super) fn filters(&mut self) {
        let n = self.filters.decls.len();
        self.filter_state = vec![State::Todo; n];
        self.filter_defs = vec![None; n];
        for i in 0..n {
            self.filter(i);
        }
        self.model.filters = self
            .filter_defs
            .clone()
            .into_iter()
            .zip(&self.filters.decls)
            .map(|(def, decl)| {
                def.unwrap_or_else(|| FilterDef {
                    name: decl.name.name.clone(),
                    source: None,
                    pred: Pred { kind: PredKind::Const(false), span: decl.span },
                    span: decl.span,
                })
            })
            .collect();
    }

    /// Resolve filter `i` (once), reporting a cycle if it is already in progress.
    fn filter(&mut self, i: usize) -> Option<FilterId> {
        match self.filter_state[i] {
            State::Done => return self.filter_defs[i].as_ref().map(|_| FilterId(i)),
            State::InProgress => {
                let start = self.filter_stack.iter().position(|&j| j == i).unwrap_or(0);
                let mut chain: Vec<&str> =
                    self.filter_stack[start..].iter().map(|&j| self.filters.decls[j].name.name.as_str()).collect();
                chain.push(&self.filters.decls[i].name.name);
                let message = format!("filter cycle: {}", chain.join(" -> "));
                let span = self.filters.decls[i].name.span;
                self.error(Code::Cycle, message, span, "defined in terms of itself").help =
                    Some("a filter cannot use itself, directly or through other filters".into());
                return None;
            }
            State::Todo => {}
        }
        self.filter_state[i] = State::InProgress;
        self.filter_stack.push(i);
        let decl = self.filters.decls[i];
        let mut sources = BTreeSet::new();
        let pred = self.pred(&decl.pred, &mut sources);
        self.filter_stack.pop();
        self.filter_state[i] = State::Done;
        if sources.len() > 1 {
            let names: Vec<&str> = sources.iter().map(|s| self.model.sources[s.0].name.as_str()).collect();
            let message = format!("filter `{}` reads several sources: {}", decl.name.name, names.join(", "));
            self.error(Code::ForeignFilter, message, decl.pred.span, "rows of which source?").help =
                Some("a filter selects rows of one source; split it into one filter per source".into());
        }
        self.filter_defs[i] =
            Some(FilterDef { name: decl.name.name.clone(), source: sources.first().copied(), pred, span: decl.span });
        Some(FilterId(i))
    }

    /// Resolve and type-check a predicate, collecting the sources it reads.
    pub(crate) fn pred(&mut self, p: &ast::Pred, sources: &mut BTreeSet<SourceId>) -> Pred {
        crate::stack::with_stack(|| self.pred_unguarded(p, sources))
    }

    fn pred_unguarded(&mut self, p: &ast::Pred, sources: &mut BTreeSet<SourceId>) -> Pred {
        let kind = match &p.kind {
            ast::PredKind::Or(a, b) => PredKind::Or(Box::new(self.pred(a, sources)), Box::new(self.pred(b, sources))),
            ast::PredKind::And(a, b) => PredKind::And(Box::new(self.pred(a, sources)), Box::new(self.pred(b, sources))),
            ast::PredKind::Not(a) => PredKind::Not(Box::new(self.pred(a, sources))),
            ast::PredKind::Paren(a) => return self.pred(a, sources),
            ast::PredKind::Bool(b) => PredKind::Const(*b),
            ast::PredKind::FilterRef(name) => self.filter_ref(name, sources),
            ast::PredKind::IsNull { column, negated } => match self.column_id(column) {
                Some(col) => {
                    sources.insert(col.source);
                    PredKind::IsNull { column: col, negated: *negated }
                }
                None => PredKind::Const(false),
            },
            ast::PredKind::InList { column, negated, items } => match self.column_id(column) {
                Some(col) => {
                    sources.insert(col.source);
                    let items = items.iter().filter_map(|lit| self.value_for(col, lit)).collect();
                    PredKind::InList { column: col, negated: *negated, items }
                }
                None => PredKind::Const(false),
            },
            ast::PredKind::InRange { column, negated, low, high } => match self.column_id(column) {
                Some(col) => {
                    sources.insert(col.source);
                    let ast_high = high;
                    match (self.value_for(col, low), self.value_for(col, high)) {
                        (Some(low), Some(high)) => {
                            let high = through_end_of_day(high, &ast_high.kind);
                            PredKind::InRange { column: col, negated: *negated, low, high }
                        }
                        _ => PredKind::Const(false),
                    }
                }
                None => PredKind::Const(false),
            },
            ast::PredKind::Compare { lhs, op, rhs } => self.compare(lhs, *op, rhs, p.span, sources),
        };
        Pred { kind, span: p.span }
    }

    fn filter_ref(&mut self, name: &ast::Ident, sources: &mut BTreeSet<SourceId>) -> PredKind {
        let Some(i) = self.filters.get(&name.name) else {
            if self.broken.contains(&name.name) {
                return PredKind::Const(false);
            }
            let help = did_you_mean(&name.name, self.filters.names())
                .unwrap_or_else(|| "declare it with `filter NAME = condition`, or write the condition inline".into());
            self.error(Code::UnknownFilter, format!("unknown filter `{}`", name.name), name.span, "not declared")
                .help = Some(help);
            return PredKind::Const(false);
        };
        match self.filter(i) {
            Some(id) => {
                if let Some(src) = self.filter_defs[i].as_ref().and_then(|f| f.source) {
                    sources.insert(src);
                }
                PredKind::Filter(id)
            }
            None => PredKind::Const(false),
        }
    }

    fn compare(
        &mut self,
        lhs: &ast::Operand,
        op: CmpOp,
        rhs: &ast::Operand,
        span: Span,
        sources: &mut BTreeSet<SourceId>,
    ) -> PredKind {
        use ast::Operand as O;
        match (lhs, rhs) {
            (O::Column(a), O::Column(b)) => {
                let (Some(ca), Some(cb)) = (self.column_id(a), self.column_id(b)) else {
                    return PredKind::Const(false);
                };
                sources.insert(ca.source);
                sources.insert(cb.source);
                let (ta, tb) = (self.model.column(ca).ty.clone(), self.model.column(cb).ty.clone());
                if !comparable(&ta, &tb) {
                    let message = format!("cannot compare `{}` ({ta}) with `{}` ({tb})", a.column.name, b.column.name);
                    self.error(Code::TypeMismatch, message, span, "incompatible types").help = Some(
                        "two columns compare when they hold the same kind of value: numbers, the same currency, durations (in any unit), dates and times, text, or bools".into(),
                    );
                    return PredKind::Const(false);
                }
                self.check_ordering(&ta, op, span);
                PredKind::Compare { lhs: Operand::Column(ca), op, rhs: Operand::Column(cb) }
            }
            (O::Column(c), O::Literal(l)) | (O::Literal(l), O::Column(c)) => {
                let Some(col) = self.column_id(c) else { return PredKind::Const(false) };
                sources.insert(col.source);
                let Some(mut value) = self.value_for(col, l) else { return PredKind::Const(false) };
                // `created_at <= 2025-03-31` includes the whole last day, as a reader means it.
                let column_on_left = matches!(lhs, O::Column(_));
                let upper_inclusive =
                    matches!((op, column_on_left), (CmpOp::Le | CmpOp::Gt, true) | (CmpOp::Ge | CmpOp::Lt, false));
                if upper_inclusive {
                    value = through_end_of_day(value, &l.kind);
                }
                let ty = self.model.column(col).ty.clone();
                self.check_ordering(&ty, op, span);
                let (lhs, rhs) = match lhs {
                    O::Column(_) => (Operand::Column(col), Operand::Constant(value)),
                    O::Literal(_) => (Operand::Constant(value), Operand::Column(col)),
                };
                PredKind::Compare { lhs, op, rhs }
            }
            (O::Literal(_), O::Literal(_)) => {
                self.error(Code::TypeMismatch, "a comparison of two constants", span, "no column here").help =
                    Some("compare a column with a value: `orders.city == \"Moscow\"`".into());
                PredKind::Const(false)
            }
        }
    }

    fn check_ordering(&mut self, ty: &ColType, op: CmpOp, span: Span) {
        if *ty == ColType::Bool && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
            self.error(
                Code::TypeMismatch,
                format!("`{}` does not order true and false", op.as_str()),
                span,
                "bool column",
            )
            .help = Some("use `==` or `!=` with a bool column".into());
        }
    }

    /// Convert a literal to a value of the column's type, or report why it does not fit.
    pub(crate) fn value_for(&mut self, col: ColumnId, lit: &ast::Literal) -> Option<Constant> {
        let def = self.model.column(col);
        let ty = def.ty.clone();
        let name = def.name.clone();
        match literal_value(&ty, &lit.kind) {
            Ok(v) => Some(v),
            Err(help) => {
                let message = format!("column `{name}` is {ty}, but the value is {}", describe_literal(&lit.kind));
                self.error(Code::TypeMismatch, message, lit.span, format!("not {ty}")).help = Some(help);
                None
            }
        }
    }

    // ------------------------------------------------------------ metrics

    pub(super) fn metrics(&mut self) {
        let n = self.metrics.decls.len();
        self.metric_state = vec![State::Todo; n];
        self.metric_defs = vec![None; n];
        for i in 0..n {
            self.metric(i);
        }
        self.model.metrics = self
            .metric_defs
            .clone()
            .into_iter()
            .zip(&self.metrics.decls)
            .map(|(def, decl)| def.unwrap_or_else(|| placeholder_metric(decl)))
            .collect();
    }

    fn metric(&mut self, i: usize) -> Option<MetricId> {
        match self.metric_state[i] {
            State::Done => return self.metric_defs[i].as_ref().map(|_| MetricId(i)),
            State::InProgress => {
                let start = self.metric_stack.iter().position(|&j| j == i).unwrap_or(0);
                let mut chain: Vec<&str> =
                    self.metric_stack[start..].iter().map(|&j| self.metrics.decls[j].name.name.as_str()).collect();
                chain.push(&self.metrics.decls[i].name.name);
                let message = format!("metric cycle: {}", chain.join(" -> "));
                let span = self.metrics.decls[i].name.span;
                self.error(Code::Cycle, message, span, "defined in terms of itself").help =
                    Some("a derived metric is built from other metrics, never from itself".into());
                return None;
            }
            State::Todo => {}
        }
        self.metric_state[i] = State::InProgress;
        self.metric_stack.push(i);
        let decl = self.metrics.decls[i];
        let typed = self.metric_body(&decl.expr, decl.filter.as_ref());
        self.metric_stack.pop();
        self.metric_state[i] = State::Done;
        let typed = typed?;
        self.metric_defs[i] = Some(MetricDef {
            name: decl.name.name.clone(),
            label: decl.label.as_ref().map(|l| l.value.clone()),
            expr: typed.expr,
            unit: typed.unit,
            additivity: typed.additivity,
            sources: typed.sources.into_iter().collect(),
            span: decl.span,
        });
        Some(MetricId(i))
    }

    /// An expression with an optional trailing `where` that applies to each of its
    /// own aggregates (as in `sum(orders.amount) where paid`).
    pub(crate) fn metric_body(&mut self, expr: &ast::Expr, filter: Option<&ast::Pred>) -> Option<Typed> {
        let mut trailing = filter.map(|p| {
            let mut sources = BTreeSet::new();
            let pred = self.pred(p, &mut sources);
            Trailing { pred, sources, used: false }
        });
        let typed = self.expr(expr, trailing.as_mut());
        if let (Some(t), Some(p)) = (&trailing, filter) {
            if !t.used {
                self.error(
                    Code::ForeignFilter,
                    "this `where` filters nothing: the expression has no aggregate of its own",
                    p.span,
                    "applies to no aggregate",
                )
                .help = Some("put the filter on the metrics it should filter, or write the aggregates inline".into());
            }
        }
        typed
    }

    fn expr(&mut self, e: &ast::Expr, trailing: Option<&mut Trailing>) -> Option<Typed> {
        crate::stack::with_stack(|| self.expr_unguarded(e, trailing))
    }

    fn expr_unguarded(&mut self, e: &ast::Expr, mut trailing: Option<&mut Trailing>) -> Option<Typed> {
        let typed = |kind, unit, additivity, constant, sources| Typed {
            expr: Expr { kind, span: e.span },
            unit,
            additivity,
            constant,
            sources,
        };
        match &e.kind {
            ast::ExprKind::Paren(inner) => self.expr(inner, trailing),
            ast::ExprKind::Quantity(q) => Some(typed(
                ExprKind::Const(q.base_value()),
                Unit::of_literal(&q.unit),
                Additivity::Additive,
                true,
                BTreeSet::new(),
            )),
            ast::ExprKind::Aggregate(agg) => self.aggregate(agg, trailing),
            ast::ExprKind::MetricRef(name) => {
                let id = self.metric_ref(name)?;
                let def = self.metric_defs[id.0].as_ref()?;
                let (unit, additivity, sources) =
                    (def.unit.clone(), def.additivity, def.sources.iter().copied().collect());
                Some(typed(ExprKind::Metric(id), unit, additivity, false, sources))
            }
            ast::ExprKind::Neg(inner) => {
                let t = self.expr(inner, trailing)?;
                Some(typed(ExprKind::Neg(Box::new(t.expr)), t.unit, t.additivity, t.constant, t.sources))
            }
            ast::ExprKind::Offset { expr, periods, grain } => {
                let t = self.expr(expr, trailing)?;
                let kind = ExprKind::Offset { expr: Box::new(t.expr), periods: *periods, grain: *grain };
                Some(typed(kind, t.unit, t.additivity, t.constant, t.sources))
            }
            ast::ExprKind::Change(inner) => {
                let t = self.expr(inner, trailing)?;
                Some(typed(ExprKind::Change(Box::new(t.expr)), t.unit, t.additivity, t.constant, t.sources))
            }
            ast::ExprKind::Binary { op, lhs, rhs } => {
                let l = self.expr(lhs, trailing.as_deref_mut());
                let r = self.expr(rhs, trailing);
                let (l, r) = (l?, r?);
                let unit = match Unit::combine(*op, &l.unit, &r.unit) {
                    Ok(u) => u,
                    Err(why) => {
                        let message = format!("`{}` of {} and {}: {why}", op.as_str(), l.unit, r.unit);
                        self.emit(
                            Diagnostic::new(Code::UnitMismatch, message, Label::new(e.span, "units do not combine"))
                                .with_secondary(Label::new(lhs.span, format!("{}", l.unit)))
                                .with_secondary(Label::new(rhs.span, format!("{}", r.unit))),
                        );
                        return None;
                    }
                };
                let additivity = Additivity::combine(*op, (l.additivity, l.constant), (r.additivity, r.constant));
                let sources = l.sources.union(&r.sources).copied().collect();
                let kind = ExprKind::Binary { op: *op, lhs: Box::new(l.expr), rhs: Box::new(r.expr) };
                Some(typed(kind, unit, additivity, l.constant && r.constant, sources))
            }
        }
    }

    fn metric_ref(&mut self, name: &ast::Ident) -> Option<MetricId> {
        if let Some(i) = self.metrics.get(&name.name) {
            return self.metric(i);
        }
        if self.broken.contains(&name.name) {
            return None;
        }
        let help = if self.kpis.get(&name.name).is_some() {
            format!("`{}` is a KPI; use the metric it measures", name.name)
        } else {
            did_you_mean(&name.name, self.metrics.names())
                .unwrap_or_else(|| "declare it with `metric NAME = ...`".into())
        };
        self.error(Code::UnknownMetric, format!("unknown metric `{}`", name.name), name.span, "not declared").help =
            Some(help);
        None
    }

    fn aggregate(&mut self, agg: &ast::Aggregate, mut trailing: Option<&mut Trailing>) -> Option<Typed> {
        // The trailing `where` has an aggregate to filter, even if this one fails below.
        if let Some(t) = trailing.as_deref_mut() {
            t.used = true;
        }
        let (source, column) = match &agg.arg {
            ast::AggArg::Source(s) => (self.source_id(s)?, None),
            ast::AggArg::Column(c) => {
                let col = self.column_id(c)?;
                (col.source, Some(col))
            }
        };
        let ty = column.map(|c| self.model.column(c).ty.clone());
        let unit = match aggregate_unit(agg.func, ty.as_ref()) {
            Ok(u) => u,
            Err(why) => {
                self.error(Code::BadAggregate, why, agg.span, format!("`{}` does not apply here", agg.func.as_str())).help =
                    Some("sum, avg, median and percentile need a numeric, money, percent or duration column; count works on anything".into());
                return None;
            }
        };
        self.check_percentile(agg);
        let mut filter = agg.filter.as_ref().map(|p| {
            let mut sources = BTreeSet::new();
            let pred = self.pred(p, &mut sources);
            self.check_filter_source(source, &sources, p.span);
            pred
        });
        if let Some(t) = trailing {
            t.used = true;
            self.check_filter_source(source, &t.sources, t.pred.span);
            filter = Some(match filter {
                None => t.pred.clone(),
                Some(own) => Pred { span: own.span, kind: PredKind::And(Box::new(own), Box::new(t.pred.clone())) },
            });
        }
        let kind = ExprKind::Aggregate(Aggregate {
            func: agg.func,
            source,
            column,
            filter,
            param: agg.param.map(|p| p.0),
            span: agg.span,
        });
        let additivity = Additivity::of_aggregate(agg.func);
        Some(Typed {
            expr: Expr { kind, span: agg.span },
            unit,
            additivity,
            constant: false,
            sources: BTreeSet::from([source]),
        })
    }

    fn check_percentile(&mut self, agg: &ast::Aggregate) {
        match (agg.func, agg.param) {
            (AggFn::Percentile, None) => {
                self.error(Code::BadPercentile, "`percentile` needs a rank", agg.span, "no rank").help =
                    Some("write `percentile(orders.amount, 0.9)` for the 90th percentile".into());
            }
            (AggFn::Percentile, Some((p, span))) if !(0.0..=1.0).contains(&p) => {
                self.error(
                    Code::BadPercentile,
                    format!("percentile rank {p} is outside 0..1"),
                    span,
                    "rank out of range",
                )
                .help = Some("the rank is a fraction: 0.9 is the 90th percentile".into());
            }
            (AggFn::Percentile, Some(_)) => {}
            (func, Some((_, span))) => {
                self.error(
                    Code::BadPercentile,
                    format!("`{}` takes no second argument", func.as_str()),
                    span,
                    "unexpected argument",
                )
                .help = Some("only `percentile` takes a rank".into());
            }
            (_, None) => {}
        }
    }

    fn check_filter_source(&mut self, source: SourceId, used: &BTreeSet<SourceId>, span: Span) {
        for other in used.iter().filter(|s| **s != source) {
            let message = format!(
                "this filter reads `{}`, but the aggregate counts rows of `{}`",
                self.model.sources[other.0].name, self.model.sources[source.0].name
            );
            self.error(Code::ForeignFilter, message, span, "filter of another source").help =
                Some("a `where` selects rows of the source being aggregated; use a filter on that source".into());
        }
    }
}

fn placeholder_metric(decl: &ast::MetricDecl) -> MetricDef {
    MetricDef {
        name: decl.name.name.clone(),
        label: None,
        expr: Expr { kind: ExprKind::Const(0.0), span: decl.span },
        unit: Unit::Number,
        additivity: Additivity::NonAdditive,
        sources: Vec::new(),
        span: decl.span,
    }
}

/// Whether two columns compare: the same type, numbers with numbers, dates and
/// times with each other, and durations in any units (both are read as seconds).
fn comparable(a: &ColType, b: &ColType) -> bool {
    a == b
        || (a.unit() == Some(crate::vocab::Unit::Number) && b.unit() == Some(crate::vocab::Unit::Number))
        || (a.is_temporal() && b.is_temporal())
        || (matches!(a, ColType::Duration(_)) && matches!(b, ColType::Duration(_)))
}

fn describe_literal(lit: &LitKind) -> String {
    match lit {
        LitKind::Quantity(q) => match &q.unit {
            UnitLit::None => "a number".into(),
            UnitLit::Percent => "a percentage".into(),
            UnitLit::Currency(c) => format!("an amount in {c}"),
            UnitLit::Duration(_) => "a duration".into(),
        },
        LitKind::Str(_) => "text".into(),
        LitKind::Date(_) => "a date".into(),
        LitKind::DateTime(_) => "a date and time".into(),
        LitKind::Bool(_) => "true or false".into(),
    }
}

/// The value of `lit` for a column of type `ty`, or a help line saying what fits.
fn literal_value(ty: &ColType, lit: &LitKind) -> Result<Constant, String> {
    match (ty, lit) {
        (ColType::Text, LitKind::Str(s)) => Ok(Constant::Text(s.clone())),
        (ColType::Text, _) => Err("compare text with a quoted string: \"Moscow\"".into()),
        (ColType::Bool, LitKind::Bool(b)) => Ok(Constant::Bool(*b)),
        (ColType::Bool, _) => Err("compare a bool column with `true` or `false`".into()),
        (ColType::Date, LitKind::Date(d)) => Ok(Constant::Date(*d)),
        (ColType::Datetime, LitKind::Date(d)) => Ok(Constant::DateTime(d.and_hms_opt(0, 0, 0).unwrap_or_default())),
        (ColType::Datetime, LitKind::DateTime(d)) => Ok(Constant::DateTime(*d)),
        (ColType::Date | ColType::Datetime, LitKind::Str(_)) => Err("write dates without quotes: 2025-01-31".into()),
        (ColType::Date, _) => Err("compare a date column with a date: 2025-01-31".into()),
        (ColType::Datetime, _) => {
            Err("compare a datetime column with a date or date and time: 2025-01-31 18:00".into())
        }
        (ColType::Int | ColType::Float | ColType::Decimal, LitKind::Quantity(q)) if q.unit == UnitLit::None => {
            Ok(Constant::Number(q.value))
        }
        (ColType::Percent, LitKind::Quantity(q)) if q.unit == UnitLit::Percent => Ok(Constant::Number(q.base_value())),
        (ColType::Percent, _) => Err("write percentages with a percent sign: 12.5%".into()),
        (ColType::Money(c), LitKind::Quantity(q)) => match &q.unit {
            UnitLit::None => Ok(Constant::Number(q.value)),
            UnitLit::Currency(d) if d == c => Ok(Constant::Number(q.value)),
            _ => Err(format!("compare with an amount in {c}, e.g. `1000 {c}` or `1000`")),
        },
        (ColType::Duration(_), LitKind::Quantity(q)) => match q.unit {
            UnitLit::Duration(_) => Ok(Constant::Number(q.base_value())),
            _ => Err("state the unit of a duration: `3 days`, `4 hours`".into()),
        },
        (ColType::Int | ColType::Float | ColType::Decimal, _) => {
            Err("compare a number column with a number without unit".into())
        }
        (ColType::Duration(_), _) => Err("state the unit of a duration: `3 days`, `4 hours`".into()),
        (ColType::Money(c), _) => Err(format!("compare with an amount in {c}")),
    }
}

/// A date written against a datetime column, as an upper bound, means the end of
/// that day: `2025-03-31` becomes `2025-03-31 23:59:59.999999`.
fn through_end_of_day(value: Constant, written: &LitKind) -> Constant {
    match (value, written) {
        (Constant::DateTime(dt), LitKind::Date(d)) => {
            Constant::DateTime(d.and_hms_micro_opt(23, 59, 59, 999_999).unwrap_or(dt))
        }
        (v, _) => v,
    }
}
