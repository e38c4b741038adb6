//! Filters and metrics: predicates, aggregates and derived expressions, with their
//! types, units, additivity and the sources they read.

use super::errors::{Misfit, SemaError};
use super::model::*;
use super::{Checker, State};
use crate::diagnostics::did_you_mean;
use crate::span::Span;
use crate::syntax::ast::{self, LitKind};
use crate::vocab::{aggregate_unit, Additivity, AggFn, CmpOp, ColType, Constant, Unit, UnitLit};
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
                let chain = chain.into_iter().map(str::to_string).collect();
                let span = self.filters.decls[i].name.span;
                self.report(SemaError::Cycle { kind: "filter", chain, span });
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
            let sources = sources.iter().map(|s| self.model.sources[s.0].name.clone()).collect();
            let filter = decl.name.name.clone();
            self.report(SemaError::FilterOfSeveralSources { filter, sources, span: decl.pred.span });
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
            let suggestion = did_you_mean(&name.name, self.filters.names());
            self.report(SemaError::UnknownFilter { name: name.name.clone(), span: name.span, suggestion });
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
                    let (lhs, rhs) = (a.column.name.clone(), b.column.name.clone());
                    self.report(SemaError::ColumnsNotComparable { lhs, lhs_ty: ta, rhs, rhs_ty: tb, span });
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
                self.report(SemaError::CompareConstants { span });
                PredKind::Const(false)
            }
        }
    }

    fn check_ordering(&mut self, ty: &ColType, op: CmpOp, span: Span) {
        if *ty == ColType::Bool && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
            self.report(SemaError::BoolNotOrdered { op: op.as_str(), span });
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
                let written = describe_literal(&lit.kind);
                self.report(SemaError::LiteralDoesNotFit { column: name, ty, written, help, span: lit.span });
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
                let chain = chain.into_iter().map(str::to_string).collect();
                let span = self.metrics.decls[i].name.span;
                self.report(SemaError::Cycle { kind: "metric", chain, span });
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
                self.report(SemaError::WhereFiltersNothing { span: p.span });
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
                        self.report(SemaError::UnitsDoNotCombine {
                            op: op.as_str(),
                            lhs: l.unit,
                            rhs: r.unit,
                            why,
                            span: e.span,
                            lhs_span: lhs.span,
                            rhs_span: rhs.span,
                        });
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
        let is_kpi = self.kpis.get(&name.name).is_some();
        let suggestion = did_you_mean(&name.name, self.metrics.names());
        self.report(SemaError::UnknownMetric { name: name.name.clone(), span: name.span, is_kpi, suggestion });
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
                self.report(SemaError::BadAggregate { func: agg.func.as_str(), why, span: agg.span });
                return None;
            }
        };
        self.check_percentile(agg);
        self.check_engine(agg, source);
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
                self.report(SemaError::PercentileWithoutRank { span: agg.span });
            }
            (AggFn::Percentile, Some((p, span))) if !(0.0..=1.0).contains(&p) => {
                self.report(SemaError::PercentileOutOfRange { rank: p, span });
            }
            (AggFn::Percentile, Some(_)) => {}
            (func, Some((_, span))) => {
                self.report(SemaError::UnexpectedRank { func: func.as_str(), span });
            }
            (_, None) => {}
        }
    }

    /// An aggregate over a table source must have an exact form on its engine.
    fn check_engine(&mut self, agg: &ast::Aggregate, source: SourceId) {
        let def = &self.model.sources[source.0];
        let SourceLocation::Table { connection, .. } = &def.location else { return };
        if !connection.engine.computes_exactly(agg.func) {
            self.report(SemaError::EngineCannotCompute {
                func: agg.func,
                source: def.name.clone(),
                connection: connection.name.clone(),
                engine: connection.engine,
                span: agg.span,
            });
        }
    }

    fn check_filter_source(&mut self, source: SourceId, used: &BTreeSet<SourceId>, span: Span) {
        for other in used.iter().filter(|s| **s != source) {
            let filter_source = self.model.sources[other.0].name.clone();
            let source = self.model.sources[source.0].name.clone();
            self.report(SemaError::ForeignFilter { filter_source, source, span });
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
        LitKind::Quantity(q) => q.unit.to_string(),
        LitKind::Str(_) => "text".into(),
        LitKind::Date(_) => "a date".into(),
        LitKind::DateTime(_) => "a date and time".into(),
        LitKind::Bool(_) => "true or false".into(),
    }
}

/// The value of `lit` for a column of type `ty`, or a help line saying what fits.
fn literal_value(ty: &ColType, lit: &LitKind) -> Result<Constant, Misfit> {
    match (ty, lit) {
        (ColType::Text, LitKind::Str(s)) => Ok(Constant::Text(s.clone())),
        (ColType::Text, _) => Err(Misfit::CompareText),
        (ColType::Bool, LitKind::Bool(b)) => Ok(Constant::Bool(*b)),
        (ColType::Bool, _) => Err(Misfit::CompareBool),
        (ColType::Date, LitKind::Date(d)) => Ok(Constant::Date(*d)),
        (ColType::Datetime, LitKind::Date(d)) => Ok(Constant::DateTime(d.and_hms_opt(0, 0, 0).unwrap_or_default())),
        (ColType::Datetime, LitKind::DateTime(d)) => Ok(Constant::DateTime(*d)),
        (ColType::Date | ColType::Datetime, LitKind::Str(_)) => Err(Misfit::DateInQuotes),
        (ColType::Date, _) => Err(Misfit::CompareDate),
        (ColType::Datetime, _) => Err(Misfit::CompareDatetime),
        // A filter on a percent column says so with the sign: `share > 0.4` is
        // not read as 40 %.
        (ColType::Percent, LitKind::Quantity(q)) if q.unit != UnitLit::Percent => Err(Misfit::PercentSign),
        (_, LitKind::Quantity(q)) => match ty.unit().map(|u| u.accepts(&q.unit, q.value)) {
            Some(Ok(())) => Ok(Constant::Number(q.base_value())),
            _ => Err(match ty {
                ColType::Percent => Misfit::PercentSign,
                ColType::Money(c) => Misfit::CompareAmount(c.clone()),
                ColType::Duration(_) => Misfit::DurationUnit,
                _ => Misfit::CompareNumber,
            }),
        },
        (ColType::Percent, _) => Err(Misfit::PercentSign),
        (ColType::Int | ColType::Float | ColType::Decimal, _) => Err(Misfit::CompareNumber),
        (ColType::Duration(_), _) => Err(Misfit::DurationUnit),
        (ColType::Money(c), _) => Err(Misfit::CompareMoney(c.clone())),
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
