//! Scorecards: weights, cap, gates, base amount and the payout curve.

use super::errors::SemaError;
use super::model::*;
use super::Checker;
use crate::diagnostics::did_you_mean;
use crate::syntax::ast;
use crate::vocab;
use crate::vocab::{Direction, MissingRule, PayoutRange, UnitLit};

/// Tolerance for sums of percentages written with decimals.
pub(crate) const EPSILON: f64 = 1e-9;

impl Checker<'_> {
    pub(super) fn scorecards(&mut self) {
        let decls = self.scorecards.decls.clone();
        for decl in decls {
            let def = self.scorecard(decl);
            self.model.scorecards.push(def);
        }
    }

    /// Resolve a KPI name, with "did you mean".
    pub(crate) fn kpi_id(&mut self, name: &ast::Ident) -> Option<KpiId> {
        if let Some(i) = self.kpis.get(&name.name) {
            return Some(KpiId(i));
        }
        if self.broken.contains(&name.name) {
            return None;
        }
        let is_metric = self.metrics.get(&name.name).is_some();
        let suggestion = did_you_mean(&name.name, self.kpis.names());
        self.report(SemaError::UnknownKpi { name: name.name.clone(), span: name.span, is_metric, suggestion });
        None
    }

    fn scorecard(&mut self, decl: &ast::Scorecard) -> ScorecardDef {
        let mut entries: Vec<ScorecardEntry> = Vec::new();
        let mut seen: Vec<(KpiId, crate::span::Span)> = Vec::new();
        let mut total = 0.0;
        for w in &decl.weights {
            total += w.weight.base_value();
            let Some(kpi) = self.kpi_id(&w.kpi) else { continue };
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == kpi) {
                self.report(SemaError::WeightedTwice { kpi: w.kpi.name.clone(), span: w.span, first: *first });
                continue;
            }
            seen.push((kpi, w.span));
            self.check_scorecard_kpi(decl, kpi, w);
            entries.push(ScorecardEntry { kpi, weight: w.weight.base_value() });
        }
        if !decl.weights.is_empty() && (total - 1.0).abs() > EPSILON {
            let span = decl.weights.first().unwrap().span.to(decl.weights.last().unwrap().span);
            self.report(SemaError::WeightTotal { card: decl.name.name.clone(), total, span });
        }
        if decl.weights.is_empty() {
            self.report(SemaError::NoWeights { card: decl.name.name.clone(), span: decl.name.span });
        }
        let cap = decl.cap.as_ref().and_then(|c| {
            if c.base_value() <= 0.0 {
                self.report(SemaError::CapNotPositive { span: c.span });
                return None;
            }
            Some(c.base_value())
        });
        let gates = decl
            .gates
            .iter()
            .filter_map(|g| {
                let id = self.kpi_id(g)?;
                if !entries.iter().any(|e| e.kpi == id) {
                    self.report(SemaError::GateNotWeighted { gate: g.name.clone(), span: g.span });
                    return None;
                }
                Some(id)
            })
            .collect();
        if cap.is_none() {
            self.check_uncapped(decl, &seen);
        }
        let base = decl.base.as_ref().and_then(|b| self.base(b));
        if let Some(payout) = &decl.payout {
            self.check_payout(payout);
        }
        ScorecardDef {
            name: decl.name.name.clone(),
            by: decl.by.name.clone(),
            grain: decl.grain.0,
            entries,
            cap,
            missing: decl.missing.map_or(MissingRule::Exclude, |m| m.0),
            gates,
            base,
            payout: decl
                .payout
                .iter()
                .flat_map(|p| &p.rules)
                .map(|r| PayoutRule { range: r.range, value: r.value, span: r.span })
                .collect(),
            span: decl.span,
        }
    }

    /// A lower-is-better KPI's attainment has no upper bound and no value at
    /// 0: a scorecard needs a cap to count it so that less is never worse.
    fn check_uncapped(&mut self, decl: &ast::Scorecard, weighted: &[(KpiId, crate::span::Span)]) {
        for &(kpi, span) in weighted {
            let def = &self.model.kpis[kpi.0];
            let lower = def.targets.iter().any(|t| {
                matches!(
                    t.spec,
                    TargetSpec::Fixed { direction: Direction::AtMost, .. }
                        | TargetSpec::Previous { direction: Direction::AtMost, .. }
                        | TargetSpec::Table { direction: Direction::AtMost, .. }
                )
            });
            if lower {
                let (card, kpi) = (decl.name.name.clone(), def.name.clone());
                self.report(SemaError::UncappedLowerIsBetter { card, kpi, span });
            }
        }
    }

    fn check_scorecard_kpi(&mut self, decl: &ast::Scorecard, kpi: KpiId, w: &ast::Weight) {
        let def = &self.model.kpis[kpi.0];
        let mut problems = Vec::new();
        if def.grain != decl.grain.0 {
            problems.push(format!(
                "it is computed per {}, the scorecard per {}",
                def.grain.as_str(),
                decl.grain.0.as_str()
            ));
        }
        if def.by != [decl.by.name.clone()] {
            let by = if def.by.is_empty() {
                "for the whole company".to_string()
            } else {
                format!("by {}", def.by.join(", "))
            };
            problems.push(format!("it is computed {by}, the scorecard by {}", decl.by.name));
        }
        if problems.is_empty() {
            return;
        }
        let error = SemaError::ScorecardMismatch {
            kpi: w.kpi.name.clone(),
            card: decl.name.name.clone(),
            problems,
            span: w.kpi.span,
            kpi_span: def.span,
            by: decl.by.name.clone(),
            grain: decl.grain.0,
        };
        self.report(error);
    }

    fn base(&mut self, base: &ast::Base) -> Option<BaseDef> {
        match base {
            ast::Base::Amount(q) => {
                let UnitLit::Currency(currency) = &q.unit else {
                    self.report(SemaError::BaseWithoutCurrency { span: q.span });
                    return None;
                };
                Some(BaseDef::Amount { value: q.value, currency: currency.clone() })
            }
            ast::Base::Table(path, unit) => {
                let currency = match unit.as_ref().map(|u| &u.kind) {
                    Some(ast::TableUnitKind::Currency(c)) => c.clone(),
                    _ => {
                        let span = unit.as_ref().map_or(path.span, |u| u.span);
                        self.report(SemaError::BaseTableWithoutCurrency { path: path.value.clone(), span });
                        return None;
                    }
                };
                Some(BaseDef::Table {
                    path: path.value.clone(),
                    resolved: self.resolve_path(path.span, &path.value),
                    currency,
                    span: path.span,
                })
            }
        }
    }

    /// The ranges of a payout curve must tile [0, ∞) exactly once.
    fn check_payout(&mut self, payout: &ast::Payout) {
        let mut ranges: Vec<(f64, f64, &ast::PayoutRule)> = Vec::new();
        for rule in &payout.rules {
            let (lo, hi) = match rule.range {
                PayoutRange::Below(x) => (f64::NEG_INFINITY, x),
                PayoutRange::Above(x) => (x, f64::INFINITY),
                PayoutRange::Between(a, b) => (a, b),
            };
            if matches!(rule.value, vocab::PayoutValue::Linear(..)) && !matches!(rule.range, PayoutRange::Between(..)) {
                self.report(SemaError::OpenLinearPayout { span: rule.span });
                return;
            }
            if lo >= hi {
                self.report(SemaError::EmptyPayoutRange { span: rule.span });
                return;
            }
            ranges.push((lo, hi, rule));
        }
        ranges.sort_by(|a, b| a.0.total_cmp(&b.0));
        let Some(first) = ranges.first() else {
            self.report(SemaError::NoPayoutRules { span: payout.span });
            return;
        };
        if first.0 != f64::NEG_INFINITY && first.0 > 0.0 {
            self.report(SemaError::PayoutStartsLate { from: first.0, span: first.2.span });
        }
        for pair in ranges.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if (a.1 - b.0).abs() <= EPSILON {
                continue;
            }
            self.report(SemaError::PayoutRangesDoNotMeet { from: a.1, to: b.0, span: b.2.span, previous: a.2.span });
        }
        let last = ranges.last().unwrap();
        if last.1 != f64::INFINITY {
            self.report(SemaError::PayoutEndsEarly { at: last.1, span: last.2.span });
        }
    }
}
