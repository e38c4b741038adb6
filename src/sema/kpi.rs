//! KPIs: metric, grain, dimensions, targets and warning bands.

use super::errors::SemaError;
use super::model::*;
use super::Checker;
use crate::diagnostics::Code;
use crate::syntax::ast;
use crate::vocab;
use crate::vocab::{Additivity, Direction, Grain, RelOp, TableScale, Unit, UnitLit};
use std::collections::HashSet;

impl Checker<'_> {
    pub(super) fn kpis(&mut self) {
        let decls = self.kpis.decls.clone();
        for decl in decls {
            let def = self.kpi(decl);
            self.model.kpis.push(def);
        }
    }

    fn kpi(&mut self, decl: &ast::Kpi) -> KpiDef {
        let typed = match &decl.metric {
            Some(m) => self.metric_body(&m.expr, m.filter.as_ref()),
            None => {
                self.report(SemaError::NoMetric { kpi: decl.name.name.clone(), span: decl.name.span });
                None
            }
        };
        let grain = match decl.grain {
            Some((g, _)) => g,
            None => {
                self.report(SemaError::NoGrain { kpi: decl.name.name.clone(), span: decl.name.span });
                Grain::Month
            }
        };
        let (expr, unit, additivity, sources) = match typed {
            Some(t) => (t.expr, t.unit, t.additivity, t.sources.into_iter().collect::<Vec<_>>()),
            None => (
                Expr { kind: ExprKind::Const(0.0), span: decl.span },
                Unit::Scalar,
                Additivity::NonAdditive,
                Vec::new(),
            ),
        };
        for dim in &decl.by {
            self.check_dimension(dim, &sources, Code::UnknownDimension);
        }
        if let Some(m) = &decl.metric {
            self.check_kpi_expansion(&decl.name.name, &expr, m.span);
        }
        if decl.grain.is_some() {
            self.check_offsets(&expr, grain);
        }
        let share = is_share(&self.model, &expr);
        let targets = self.targets(decl, &unit);
        let warn = decl.warn.as_ref().and_then(|q| self.warn(q, &unit));
        KpiDef {
            name: decl.name.name.clone(),
            label: decl.label.as_ref().map(|l| l.value.clone()),
            expr,
            share,
            unit,
            additivity,
            sources,
            grain,
            by: decl.by.iter().map(|d| d.name.clone()).collect(),
            targets,
            warn,
            owner: decl.owner.as_ref().map(|o| o.value.clone()),
            description: decl.description.as_ref().map(|d| d.value.clone()),
            span: decl.span,
        }
    }

    /// Period offsets must step in whole periods of the KPI's grain.
    fn check_offsets(&mut self, expr: &Expr, grain: Grain) {
        // The metrics this KPI reaches, not a flag for every metric of the spec:
        // that would make checking quadratic in the number of KPIs.
        let mut seen = HashSet::new();
        self.offsets_in(expr, grain, &mut seen);
    }

    /// Each metric is visited once: metrics that use a metric twice, nested, would
    /// otherwise take exponential time.
    fn offsets_in(&mut self, expr: &Expr, grain: Grain, seen: &mut HashSet<usize>) {
        crate::stack::with_stack(|| self.offsets_in_unguarded(expr, grain, seen))
    }

    fn offsets_in_unguarded(&mut self, expr: &Expr, grain: Grain, seen: &mut HashSet<usize>) {
        match &expr.kind {
            ExprKind::Offset { expr: inner, grain: step, .. } => {
                if !step.is_multiple_of(grain) {
                    self.report(SemaError::OffsetNotWhole { step: *step, grain, span: expr.span });
                }
                self.offsets_in(inner, grain, seen);
            }
            ExprKind::Binary { lhs, rhs, .. } => {
                self.offsets_in(lhs, grain, seen);
                self.offsets_in(rhs, grain, seen);
            }
            ExprKind::Neg(inner) | ExprKind::Change(inner) => self.offsets_in(inner, grain, seen),
            ExprKind::Metric(id) => {
                if id.0 < self.model.metrics.len() && seen.insert(id.0) {
                    let inner = self.model.metrics[id.0].expr.clone();
                    self.offsets_in(&inner, grain, seen);
                }
            }
            ExprKind::Aggregate(_) | ExprKind::Const(_) => {}
        }
    }

    fn targets(&mut self, decl: &ast::Kpi, unit: &Unit) -> Vec<TargetDef> {
        if decl.targets.is_empty() {
            self.report(SemaError::NoTarget { kpi: decl.name.name.clone(), span: decl.name.span });
            return Vec::new();
        }
        let mut defs: Vec<TargetDef> = Vec::new();
        let mut seen: Vec<(Option<chrono::NaiveDate>, crate::span::Span)> = Vec::new();
        for t in &decl.targets {
            let since = t.since.as_ref().map(|p| p.start);
            if let Some((_, first)) = seen.iter().find(|(s, _)| *s == since) {
                self.report(SemaError::SecondTarget { since, span: t.span, first: *first });
                continue;
            }
            seen.push((since, t.span));
            if let Some(spec) = self.target_spec(t, unit) {
                defs.push(TargetDef { spec, since, span: t.span });
            }
        }
        if !defs.is_empty() && defs.iter().all(|d| d.since.is_some()) {
            let first = defs.iter().min_by_key(|d| d.since).map(|d| d.span).unwrap_or(decl.span);
            self.report(SemaError::EveryTargetHasFrom { span: first });
        }
        defs.sort_by_key(|d| d.since);
        defs
    }

    fn target_spec(&mut self, t: &ast::Target, unit: &Unit) -> Option<TargetSpec> {
        Some(match &t.kind {
            ast::TargetKind::Fixed { direction, value } => {
                self.check_target_unit(value, unit)?;
                self.check_reachable(*direction, value.base_value(), unit, t.span);
                TargetSpec::Fixed { direction: *direction, value: value.base_value() }
            }
            ast::TargetKind::Between { low, high } => {
                self.check_target_unit(low, unit)?;
                self.check_target_unit(high, unit)?;
                if low.base_value() > high.base_value() {
                    self.report(SemaError::EmptyRange { span: t.span });
                    return None;
                }
                TargetSpec::Between { low: low.base_value(), high: high.base_value() }
            }
            ast::TargetKind::Previous { direction, adjust } => {
                let adjust = match adjust {
                    None => None,
                    Some((RelOp::Mul, q)) => {
                        if !matches!(q.unit, UnitLit::None | UnitLit::Percent) {
                            self.report(SemaError::PreviousNotScaled { span: q.span });
                            return None;
                        }
                        Some((RelOp::Mul, q.base_value()))
                    }
                    Some((op, q)) => {
                        self.check_target_unit(q, unit)?;
                        Some((*op, q.base_value()))
                    }
                };
                TargetSpec::Previous { direction: *direction, adjust }
            }
            ast::TargetKind::Table { direction, path, column, unit: written } => TargetSpec::Table {
                direction: *direction,
                path: path.value.clone(),
                resolved: self.resolve_path(path.span, &path.value),
                column: column.as_ref().map_or_else(|| "target".to_string(), |c| c.value.clone()),
                scale: self.table_scale(written.as_ref(), unit, path)?,
            },
        })
    }

    /// A target table's numbers are in the metric's unit, stated as a
    /// literal's would be: a duration needs its unit, a ratio whether 40 is
    /// 40 % or 4000 %.
    fn table_scale(&mut self, written: Option<&ast::TableUnit>, unit: &Unit, path: &ast::StrLit) -> Option<TableScale> {
        use ast::TableUnitKind as K;
        match (written.map(|w| &w.kind), unit) {
            (_, Unit::Scalar) | (None, Unit::Count | Unit::Number | Unit::Money(_)) => {
                return Some(TableScale::AsWritten)
            }
            (Some(K::Fraction), Unit::Ratio) => return Some(TableScale::AsWritten),
            (Some(K::Percent), Unit::Ratio) => return Some(TableScale::Percent),
            (Some(K::Currency(c)), Unit::Money(m)) if c == m => return Some(TableScale::AsWritten),
            (Some(K::Duration(d)), Unit::Duration) => return Some(TableScale::Duration(*d)),
            _ => {}
        }
        let span = written.map_or(path.span, |w| w.span);
        let written = written.map(|w| w.kind.word());
        self.report(SemaError::TableUnit { written, unit: unit.clone(), span });
        None
    }

    /// A target's unit must be the metric's: RUB for RUB, a percent for a ratio.
    pub(super) fn check_target_unit(&mut self, q: &ast::Quantity, unit: &Unit) -> Option<()> {
        let Err(misfit) = unit.accepts(&q.unit, q.value) else { return Some(()) };
        self.report(SemaError::TargetUnit { misfit, span: q.span });
        None
    }

    /// Counts are never negative: an upper bound below zero is never met. (The
    /// opposite, a bound met by doing nothing, is the `target-always-met` lint.)
    fn check_reachable(&mut self, direction: Direction, value: f64, unit: &Unit, span: crate::span::Span) {
        if *unit != Unit::Count {
            return;
        }
        match direction {
            Direction::AtMost if value < 0.0 => {
                self.report(SemaError::CountBelowZero { span });
            }
            _ => {}
        }
    }

    fn warn(&mut self, q: &ast::Quantity, unit: &Unit) -> Option<Warn> {
        let band = match q.unit {
            UnitLit::Percent => Warn::Relative(q.base_value()),
            _ => {
                self.check_target_unit(q, unit)?;
                Warn::Absolute(q.base_value())
            }
        };
        let bad = match band {
            Warn::Relative(f) => f <= 0.0 || f >= 1.0,
            Warn::Absolute(v) => v <= 0.0,
        };
        if bad {
            self.report(SemaError::BadWarnBand { span: q.span });
            return None;
        }
        Some(band)
    }
}

/// Whether `e` is a share: `count(S where p and q) / count(S where p)`, a count
/// (or distinct count) over a count of the same source's rows that the
/// numerator's condition narrows, which can never exceed 1.
pub(super) fn is_share(model: &Model, e: &Expr) -> bool {
    let ExprKind::Binary { op: vocab::BinOp::Div, lhs, rhs } = &resolved(model, e).kind else { return false };
    let (Some(n), Some(d)) = (counted(model, lhs), counted(model, rhs)) else { return false };
    let column_fits = d.column.is_none() || d.column == n.column;
    let narrowed = match &d.filter {
        None => true,
        Some(df) => {
            let within = conjuncts(model, n.filter.as_ref());
            conjuncts(model, Some(df)).iter().all(|c| within.contains(c))
        }
    };
    n.source == d.source && d.func == vocab::AggFn::Count && column_fits && narrowed
}

/// `e` with metric references followed to their definitions.
fn resolved<'m>(model: &'m Model, e: &'m Expr) -> &'m Expr {
    match &e.kind {
        ExprKind::Metric(id) if id.0 < model.metrics.len() => resolved(model, &model.metric(*id).expr),
        _ => e,
    }
}

fn counted<'m>(model: &'m Model, e: &'m Expr) -> Option<&'m Aggregate> {
    match &resolved(model, e).kind {
        ExprKind::Aggregate(a) if matches!(a.func, vocab::AggFn::Count | vocab::AggFn::CountDistinct) => Some(a),
        _ => None,
    }
}

/// The parts of a condition joined by `and`, named filters written out, each
/// as its structure (spans left out) so that equal conditions compare equal.
fn conjuncts(model: &Model, p: Option<&Pred>) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let mut stack: Vec<&Pred> = p.into_iter().collect();
    while let Some(p) = stack.pop() {
        match &p.kind {
            PredKind::And(a, b) => stack.extend([&**a, &**b]),
            PredKind::Filter(id) if id.0 < model.filters.len() => stack.push(&model.filter(*id).pred),
            _ => out.push(serde_json::to_value(p).unwrap_or_default()),
        }
    }
    out
}
