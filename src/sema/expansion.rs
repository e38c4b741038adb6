//! How big a metric or filter is once written out in full.
//!
//! The plan inlines every metric and filter where it is used (`ir::lower`), and
//! the evaluator computes `change(x)` by computing `x` twice. A chain of metrics
//! that each use the previous one twice therefore doubles at every line: forty
//! such lines would expand to 2^40 terms, a plan no machine can build. The checker
//! measures each definition's written-out size (in linear time, each definition
//! once) and refuses any beyond [`MAX_TERMS`] with `E003`.

use super::errors::SemaError;
use super::model::*;
use super::Checker;
use crate::span::Span;

/// Most terms a metric, filter or KPI value may expand to.
pub const MAX_TERMS: usize = 100_000;

impl Checker<'_> {
    /// Report the filters and metrics that expand beyond [`MAX_TERMS`]: only the
    /// first of a chain, whose parts are all within bounds, so that one mistake
    /// makes one error.
    pub(super) fn check_expansion(&mut self) {
        let sizes = Sizes::of(&self.model);
        let filters = self
            .model
            .filters
            .iter()
            .enumerate()
            .filter(|(i, f)| sizes.filters[*i] > MAX_TERMS && sizes.pred_parts(&f.pred).all(|s| s <= MAX_TERMS));
        let mut offenders: Vec<(&str, String, Span)> =
            filters.map(|(_, f)| ("filter", f.name.clone(), f.span)).collect();
        let metrics = self
            .model
            .metrics
            .iter()
            .enumerate()
            .filter(|(i, m)| sizes.metrics[*i] > MAX_TERMS && sizes.expr_parts(&m.expr).all(|s| s <= MAX_TERMS));
        offenders.extend(metrics.map(|(_, m)| ("metric", m.name.clone(), m.span)));
        for (kind, name, span) in offenders {
            self.too_big(kind, &name, span);
        }
        self.expansion = Some(sizes);
    }

    /// Report a KPI's value that expands beyond [`MAX_TERMS`] while its parts do not.
    pub(super) fn check_kpi_expansion(&mut self, name: &str, expr: &Expr, span: Span) {
        let too_big = self
            .expansion
            .as_ref()
            .is_some_and(|sizes| sizes.expr(expr) > MAX_TERMS && sizes.expr_parts(expr).all(|s| s <= MAX_TERMS));
        if too_big {
            self.too_big("KPI", name, span);
        }
    }

    fn too_big(&mut self, kind: &str, name: &str, span: Span) {
        let limit = format!("{},{:03}", MAX_TERMS / 1000, MAX_TERMS % 1000);
        self.report(SemaError::TooBig { kind: kind.to_string(), name: name.to_string(), limit, span });
    }
}

/// Written-out sizes of every filter and metric of a model, saturating.
pub(super) struct Sizes {
    filters: Vec<usize>,
    metrics: Vec<usize>,
}

impl Sizes {
    fn of(model: &Model) -> Sizes {
        // Definitions only refer to ones resolved before them (the checker resolves
        // in dependency order and breaks cycles), so one memoised pass suffices.
        let mut sizes =
            Sizes { filters: vec![usize::MAX; model.filters.len()], metrics: vec![usize::MAX; model.metrics.len()] };
        let mut filter_done = vec![false; model.filters.len()];
        let mut metric_done = vec![false; model.metrics.len()];
        for i in 0..model.filters.len() {
            sizes.filter(model, i, &mut filter_done);
        }
        for i in 0..model.metrics.len() {
            sizes.metric(model, i, &mut metric_done);
        }
        sizes
    }

    fn filter(&mut self, model: &Model, i: usize, done: &mut [bool]) -> usize {
        if !done[i] {
            // A cycle (already reported) counts as too big rather than looping.
            done[i] = true;
            let mut deps = Vec::new();
            filter_refs(&model.filters[i].pred, &mut deps);
            for d in deps {
                crate::stack::with_stack(|| self.filter(model, d.0, done));
            }
            self.filters[i] = self.pred(&model.filters[i].pred);
        }
        self.filters[i]
    }

    fn metric(&mut self, model: &Model, i: usize, done: &mut [bool]) -> usize {
        if !done[i] {
            done[i] = true;
            let mut deps = Vec::new();
            metric_refs(&model.metrics[i].expr, &mut deps);
            for d in deps {
                crate::stack::with_stack(|| self.metric(model, d.0, done));
            }
            self.metrics[i] = self.expr(&model.metrics[i].expr);
        }
        self.metrics[i]
    }

    /// Size of a predicate, given the sizes of the filters it uses.
    fn pred(&self, p: &Pred) -> usize {
        crate::stack::with_stack(|| match &p.kind {
            PredKind::And(a, b) | PredKind::Or(a, b) => {
                1usize.saturating_add(self.pred(a)).saturating_add(self.pred(b))
            }
            PredKind::Not(a) => 1usize.saturating_add(self.pred(a)),
            PredKind::InList { items, .. } => 1usize.saturating_add(items.len()),
            PredKind::Filter(id) => self.filters[id.0],
            PredKind::Compare { .. } | PredKind::InRange { .. } | PredKind::IsNull { .. } | PredKind::Const(_) => 1,
        })
    }

    /// Size of an expression, given the sizes of the metrics and filters it uses.
    fn expr(&self, e: &Expr) -> usize {
        crate::stack::with_stack(|| match &e.kind {
            ExprKind::Binary { lhs, rhs, .. } => 1usize.saturating_add(self.expr(lhs)).saturating_add(self.expr(rhs)),
            ExprKind::Neg(inner) | ExprKind::Offset { expr: inner, .. } => 1usize.saturating_add(self.expr(inner)),
            ExprKind::Change(inner) => 1usize.saturating_add(self.expr(inner).saturating_mul(2)),
            ExprKind::Metric(id) => self.metrics[id.0],
            ExprKind::Aggregate(a) => 1usize.saturating_add(a.filter.as_ref().map_or(0, |p| self.pred(p))),
            ExprKind::Const(_) => 1,
        })
    }

    /// Sizes of the filters a predicate uses directly.
    fn pred_parts<'s>(&'s self, p: &Pred) -> impl Iterator<Item = usize> + 's {
        let mut deps = Vec::new();
        filter_refs(p, &mut deps);
        deps.into_iter().map(|d| self.filters[d.0])
    }

    /// Sizes of the metrics and filters an expression uses directly.
    fn expr_parts<'s>(&'s self, e: &Expr) -> impl Iterator<Item = usize> + 's {
        let mut metrics = Vec::new();
        metric_refs(e, &mut metrics);
        let mut filters = Vec::new();
        expr_filter_refs(e, &mut filters);
        metrics.into_iter().map(|m| self.metrics[m.0]).chain(filters.into_iter().map(|f| self.filters[f.0]))
    }
}

fn filter_refs(p: &Pred, out: &mut Vec<FilterId>) {
    crate::stack::with_stack(|| match &p.kind {
        PredKind::And(a, b) | PredKind::Or(a, b) => {
            filter_refs(a, out);
            filter_refs(b, out);
        }
        PredKind::Not(a) => filter_refs(a, out),
        PredKind::Filter(id) => out.push(*id),
        _ => {}
    })
}

fn metric_refs(e: &Expr, out: &mut Vec<MetricId>) {
    crate::stack::with_stack(|| match &e.kind {
        ExprKind::Binary { lhs, rhs, .. } => {
            metric_refs(lhs, out);
            metric_refs(rhs, out);
        }
        ExprKind::Neg(inner) | ExprKind::Offset { expr: inner, .. } | ExprKind::Change(inner) => {
            metric_refs(inner, out)
        }
        ExprKind::Metric(id) => out.push(*id),
        ExprKind::Aggregate(_) | ExprKind::Const(_) => {}
    })
}

/// Filters used by an expression's own aggregates.
fn expr_filter_refs(e: &Expr, out: &mut Vec<FilterId>) {
    crate::stack::with_stack(|| match &e.kind {
        ExprKind::Binary { lhs, rhs, .. } => {
            expr_filter_refs(lhs, out);
            expr_filter_refs(rhs, out);
        }
        ExprKind::Neg(inner) | ExprKind::Offset { expr: inner, .. } | ExprKind::Change(inner) => {
            expr_filter_refs(inner, out)
        }
        ExprKind::Aggregate(a) => {
            if let Some(p) = &a.filter {
                filter_refs(p, out);
            }
        }
        ExprKind::Metric(_) | ExprKind::Const(_) => {}
    })
}
