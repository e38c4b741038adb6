//! Scorecards: weights, cap, gates, base amount and the payout curve.

use super::model::*;
use super::Checker;
use crate::diagnostics::{did_you_mean, Code, Diagnostic, Label};
use crate::syntax::ast::{self};
use crate::vocab;
use crate::vocab::number::format_percent;
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
        let help = if self.metrics.get(&name.name).is_some() {
            format!("`{}` is a metric; declare a KPI that measures it", name.name)
        } else {
            did_you_mean(&name.name, self.kpis.names()).unwrap_or_else(|| "declare it with `kpi NAME { ... }`".into())
        };
        self.error(Code::UnknownKpi, format!("unknown KPI `{}`", name.name), name.span, "not declared").help =
            Some(help);
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
                self.emit(
                    Diagnostic::new(
                        Code::DuplicateWeight,
                        format!("KPI `{}` is weighted twice", w.kpi.name),
                        Label::new(w.span, "weighted again"),
                    )
                    .with_secondary(Label::new(*first, "first weight"))
                    .with_help("give each KPI one weight"),
                );
                continue;
            }
            seen.push((kpi, w.span));
            self.check_scorecard_kpi(decl, kpi, w);
            entries.push(ScorecardEntry { kpi, weight: w.weight.base_value() });
        }
        if !decl.weights.is_empty() && (total - 1.0).abs() > EPSILON {
            let message =
                format!("weights of scorecard `{}` total {}%, not 100%", decl.name.name, format_percent(total));
            let span = decl.weights.first().unwrap().span.to(decl.weights.last().unwrap().span);
            self.error(Code::WeightTotal, message, span, format!("{}% in total", format_percent(total))).help =
                Some(if total < 1.0 {
                    format!("{}% of the bonus is driven by nothing; add it to a KPI", format_percent(1.0 - total))
                } else {
                    format!("remove {}% from the weights", format_percent(total - 1.0))
                });
        }
        if decl.weights.is_empty() {
            self.error(
                Code::WeightTotal,
                format!("scorecard `{}` weighs no KPI", decl.name.name),
                decl.name.span,
                "no KPIs",
            )
            .help = Some("list the role's KPIs with their weights: `revenue_plan 40%`".into());
        }
        let cap = decl.cap.as_ref().and_then(|c| {
            if c.base_value() <= 0.0 {
                self.error(Code::BadPayout, "the cap must be above 0%", c.span, "bad cap");
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
                    self.error(
                        Code::BadGate,
                        format!("gate `{}` is not one of the scorecard's KPIs", g.name),
                        g.span,
                        "not weighted here",
                    )
                    .help = Some(
                        "a gate withholds the bonus when one of the scorecard's own KPIs is missed; weigh it first"
                            .into(),
                    );
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
                let message = format!(
                    "scorecard `{}` weighs the lower-is-better KPI `{}` without a cap",
                    decl.name.name, def.name
                );
                self.error(Code::UncappedLowerIsBetter, message, span, "lower is better").help = Some(
                    "add a `cap` (e.g. `cap 120%`): an actual of 0 then counts as the cap, and less is never worse"
                        .into(),
                );
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
        let kpi_span = def.span;
        self.emit(
            Diagnostic::new(
                Code::ScorecardMismatch,
                format!("KPI `{}` does not fit scorecard `{}`: {}", w.kpi.name, decl.name.name, problems.join("; ")),
                Label::new(w.kpi.span, "mismatched KPI"),
            )
            .with_secondary(Label::new(kpi_span, "KPI declared here"))
            .with_help(format!(
                "a scorecard by {} per {} weighs KPIs `by {}` and `per {}`",
                decl.by.name,
                decl.grain.0.as_str(),
                decl.by.name,
                decl.grain.0.as_str()
            )),
        );
    }

    fn base(&mut self, base: &ast::Base) -> Option<BaseDef> {
        match base {
            ast::Base::Amount(q) => {
                let UnitLit::Currency(currency) = &q.unit else {
                    self.error(
                        Code::TargetUnit,
                        "a bonus base is money: say in which currency",
                        q.span,
                        "no currency",
                    )
                    .help = Some("bonuses are paid in a currency, rounded to its minor unit: `base 50_000 RUB`".into());
                    return None;
                };
                Some(BaseDef::Amount { value: q.value, currency: currency.clone() })
            }
            ast::Base::Table(path, unit) => {
                let currency = match unit.as_ref().map(|u| &u.kind) {
                    Some(ast::TableUnitKind::Currency(c)) => c.clone(),
                    _ => {
                        let span = unit.as_ref().map_or(path.span, |u| u.span);
                        self.error(
                            Code::TargetUnit,
                            "a bonus base table holds money: say in which currency",
                            span,
                            "no currency",
                        )
                        .help = Some(format!("bonuses are paid in a currency: `base table {:?} in RUB`", path.value));
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
                self.error(
                    Code::BadPayout,
                    "a `linear` value needs a range with two ends to run between",
                    rule.span,
                    "open range",
                )
                .help = Some(
                    "end the range and hold the last value after it: `100% .. 150% => linear 1.0 .. 2.0` and `above 150% => 2.0`"
                        .into(),
                );
                return;
            }
            if lo >= hi {
                self.error(
                    Code::BadPayout,
                    "this range is empty: its low bound is not below its high bound",
                    rule.span,
                    "empty range",
                );
                return;
            }
            ranges.push((lo, hi, rule));
        }
        ranges.sort_by(|a, b| a.0.total_cmp(&b.0));
        let Some(first) = ranges.first() else {
            self.error(Code::BadPayout, "the payout curve has no rules", payout.span, "empty curve");
            return;
        };
        if first.0 != f64::NEG_INFINITY && first.0 > 0.0 {
            self.error(
                Code::BadPayout,
                format!("scores below {}% have no payout", format_percent(first.0)),
                first.2.span,
                "curve starts here",
            )
            .help = Some(format!("add `below {}% => 0`", format_percent(first.0)));
        }
        for pair in ranges.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if (a.1 - b.0).abs() <= EPSILON {
                continue;
            }
            let (message, label) = if a.1 < b.0 {
                (
                    format!("scores from {}% to {}% have no payout", format_percent(a.1), format_percent(b.0)),
                    "gap before this range",
                )
            } else {
                (
                    format!("scores from {}% to {}% are covered twice", format_percent(b.0), format_percent(a.1)),
                    "overlaps the previous range",
                )
            };
            self.emit(
                Diagnostic::new(Code::BadPayout, message, Label::new(b.2.span, label))
                    .with_secondary(Label::new(a.2.span, "previous range"))
                    .with_help("ranges meet exactly: `below 80%`, `80% .. 100%`, `above 100%`"),
            );
        }
        let last = ranges.last().unwrap();
        if last.1 != f64::INFINITY {
            self.error(
                Code::BadPayout,
                format!("scores above {}% have no payout", format_percent(last.1)),
                last.2.span,
                "curve ends here",
            )
            .help = Some(format!("add `above {}% => ...`", format_percent(last.1)));
        }
    }
}
