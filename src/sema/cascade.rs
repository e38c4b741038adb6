//! Cascades: a KPI's target split down the org chart, and driver cascades that
//! link two KPIs through a rate. The checks here prove that the children's targets
//! add back up to the parent's.

use super::model::*;
use super::scorecard::EPSILON;
use super::Checker;
use crate::diagnostics::{Code, Diagnostic, Label};
use crate::syntax::ast::{self};
use crate::vocab::number::{format_number, format_percent};
use crate::vocab::{Additivity, Unit};
use crate::vocab::{BinOp, Direction, UnitLit};

impl Checker<'_> {
    pub(super) fn cascades(&mut self) {
        let decls = self.cascade_decls.clone();
        for decl in decls {
            if let Some(def) = self.cascade(decl) {
                self.model.cascades.push(def);
            }
        }
    }

    fn cascade(&mut self, decl: &ast::Cascade) -> Option<CascadeDef> {
        let kpi = self.kpi_id(&decl.kpi)?;
        let body = match &decl.body {
            ast::CascadeBody::Driver { kpi: driver, rate } => {
                let driver = self.kpi_id(driver)?;
                let rate = self.check_driver(decl, kpi, driver, rate)?;
                CascadeBody::Driver { kpi: driver, rate }
            }
            ast::CascadeBody::Levels(level) => {
                let parent_target = self.model.kpis[kpi.0].fixed_target().map(|t| t.1);
                let mut path = Vec::new();
                CascadeBody::Levels(self.level(kpi, level, parent_target, &mut path)?)
            }
        };
        Some(CascadeDef { kpi, body, span: decl.span })
    }

    /// Check one level (and the levels below it); `parent` is the target being split
    /// when it is known statically.
    fn level(&mut self, kpi: KpiId, level: &ast::Level, parent: Option<f64>, path: &mut Vec<String>) -> Option<Level> {
        let def = &self.model.kpis[kpi.0];
        let (kpi_name, additivity, sources, kpi_span) =
            (def.name.clone(), def.additivity, def.sources.clone(), def.span);
        self.check_dimension(&level.dimension, &sources, Code::CascadeDimension);
        if path.contains(&level.dimension.name) {
            self.error(
                Code::CascadeDimension,
                format!("the cascade already splits by `{}` above this level", level.dimension.name),
                level.dimension.span,
                "repeated level",
            );
        }
        let splits = !matches!(level.allocation, ast::Allocation::Inherit);
        if splits && additivity == Additivity::NonAdditive {
            self.emit(
                Diagnostic::new(
                    Code::NonAdditiveSplit,
                    format!(
                        "KPI `{kpi_name}` measures a non-additive metric and cannot be split by {}",
                        level.dimension.name
                    ),
                    Label::new(level.span, "split of a non-additive metric"),
                )
                .with_secondary(Label::new(kpi_span, "KPI declared here"))
                .with_help(format!(
                    "averages and ratios do not add up: children inherit the target, write `by {} inherit`",
                    level.dimension.name
                )),
            );
        }
        let org = level.org.as_ref().map(|o| self.resolve_path(o.span, &o.value));
        path.push(level.dimension.name.clone());
        let allocation = match &level.allocation {
            ast::Allocation::Inherit => Allocation::Inherit,
            ast::Allocation::Evenly => Allocation::Evenly,
            ast::Allocation::Proportional(p) => Allocation::Proportional { start: p.start, grain: p.grain },
            ast::Allocation::Explicit(entries) => self.entries(kpi, level, entries, parent, path)?,
        };
        let then = match &level.then {
            Some(next) => Some(Box::new(self.level(kpi, next, None, path)?)),
            None => None,
        };
        path.pop();
        Some(Level { dimension: level.dimension.name.clone(), org, allocation, then })
    }

    fn entries(
        &mut self,
        kpi: KpiId,
        level: &ast::Level,
        entries: &[ast::AllocEntry],
        parent: Option<f64>,
        path: &mut Vec<String>,
    ) -> Option<Allocation> {
        let shares = entries.iter().filter(|e| e.amount.unit == UnitLit::Percent).count();
        if shares != 0 && shares != entries.len() {
            self.error(
                Code::MixedAllocation,
                format!("the split by {} mixes shares and amounts", level.dimension.name),
                level.span,
                "shares and amounts",
            )
            .help = Some("give every child a share or every child an amount".into());
            return None;
        }
        let unit = self.model.kpis[kpi.0].unit.clone();
        let mut out = Vec::new();
        let mut seen: Vec<(&str, crate::span::Span)> = Vec::new();
        for e in entries {
            if let Some((_, first)) = seen.iter().find(|(n, _)| *n == e.entity.value) {
                self.emit(
                    Diagnostic::new(
                        Code::Duplicate,
                        format!("`{}` appears twice in this split", e.entity.value),
                        Label::new(e.entity.span, "again"),
                    )
                    .with_secondary(Label::new(*first, "first here"))
                    .with_help("give each child one share or amount"),
                );
                continue;
            }
            seen.push((&e.entity.value, e.entity.span));
            if shares == 0 && !amount_fits(&e.amount.unit, &unit) {
                self.error(
                    Code::TargetUnit,
                    format!("the amount is not in the KPI's unit ({unit})"),
                    e.amount.span,
                    "wrong unit",
                );
            }
            let value = e.amount.base_value();
            let child_target = if shares > 0 { parent.map(|p| p * value) } else { Some(value) };
            let then = match &e.then {
                Some(next) => Some(Box::new(self.level(kpi, next, child_target, path)?)),
                None => None,
            };
            out.push(Entry { entity: e.entity.value.clone(), value, then });
        }
        let total: f64 = out.iter().map(|e| e.value).sum();
        if shares > 0 {
            if (total - 1.0).abs() > EPSILON {
                let help = if total < 1.0 {
                    format!("{}% of the target is owned by nobody", format_percent(1.0 - total))
                } else {
                    format!("{}% of the target is owned twice", format_percent(total - 1.0))
                };
                self.error(
                    Code::ShareTotal,
                    format!("shares by {} total {}%, not 100%", level.dimension.name, format_percent(total)),
                    level.span,
                    format!("{}% in total", format_percent(total)),
                )
                .help = Some(help);
            }
            return Some(Allocation::Shares(out));
        }
        match parent {
            Some(p) if (total - p).abs() > EPSILON * p.abs().max(1.0) => {
                let (word, diff) = if total < p { ("short of", p - total) } else { ("above", total - p) };
                self.error(
                    Code::AmountTotal,
                    format!(
                        "amounts by {} add up to {}, {} the parent target {} by {}",
                        level.dimension.name,
                        format_number(total, 2),
                        word,
                        format_number(p, 2),
                        format_number(diff, 2)
                    ),
                    level.span,
                    format!("{} in total", format_number(total, 2)),
                )
                .help = Some("make the children's amounts add up to the parent's target, or use shares".into());
            }
            Some(_) => {}
            None if path.len() == 1 => {
                let kpi_span = self.model.kpis[kpi.0].span;
                self.emit(
                    Diagnostic::new(
                        Code::CascadeTarget,
                        "amounts split one fixed target, and this KPI has none",
                        Label::new(level.span, "amounts"),
                    )
                    .with_secondary(Label::new(kpi_span, "KPI declared here"))
                    .with_help("give the KPI a single fixed target, or split by shares"),
                );
            }
            None => {}
        }
        Some(Allocation::Amounts(out))
    }

    /// `cascade revenue from units at 10_000 RUB`: units × rate must reach revenue.
    fn check_driver(&mut self, decl: &ast::Cascade, parent: KpiId, driver: KpiId, rate: &ast::Quantity) -> Option<f64> {
        let p = self.model.kpis[parent.0].clone();
        let d = self.model.kpis[driver.0].clone();
        let rate_unit = Unit::of_literal(&rate.unit);
        match Unit::combine(BinOp::Mul, &d.unit, &rate_unit) {
            Ok(u) if u == p.unit || u == Unit::Scalar || (u == Unit::Number && p.unit == Unit::Count) => {}
            Ok(u) => {
                self.error(
                    Code::UnitMismatch,
                    format!("{} at {} gives {u}, but `{}` is {}", d.unit, rate_unit, p.name, p.unit),
                    rate.span,
                    "rate unit",
                )
                .help = Some(format!("state the rate in {} per unit of `{}`", p.unit, d.name));
                return None;
            }
            Err(why) => {
                self.error(Code::UnitMismatch, why, rate.span, "rate unit");
                return None;
            }
        }
        if p.grain != d.grain {
            self.error(
                Code::CascadeTarget,
                format!("`{}` is per {} but `{}` per {}", p.name, p.grain.as_str(), d.name, d.grain.as_str()),
                decl.span,
                "different grains",
            );
            return None;
        }
        let (Some((pdir, ptarget)), Some((ddir, dtarget))) = (p.fixed_target(), d.fixed_target()) else {
            self.error(
                Code::CascadeTarget,
                "a driver cascade compares two fixed targets",
                decl.span,
                "target not fixed",
            )
            .help = Some("both KPIs need a single fixed target".into());
            return None;
        };
        if pdir != ddir {
            self.error(
                Code::CascadeTarget,
                format!("`{}` is a {} target but `{}` a {} one", p.name, bound_word(pdir), d.name, bound_word(ddir)),
                decl.span,
                "targets point different ways",
            )
            .help = Some("a driver links two floors (`>=`) or two ceilings (`<=`)".into());
            return None;
        }
        let implied = dtarget * rate.base_value();
        let (gap, relation, fix_driver, fix_parent) = match pdir {
            Direction::AtLeast => (ptarget - implied, "short of", "raise", "lower"),
            Direction::AtMost => (implied - ptarget, "above", "lower", "raise"),
        };
        if gap > EPSILON * ptarget.abs().max(1.0) {
            let message = format!(
                "`{}` target {} at {} implies {}, {relation} `{}` target {} by {}",
                d.name,
                format_number(dtarget, 2),
                format_number(rate.base_value(), 2),
                format_number(implied, 2),
                p.name,
                format_number(ptarget, 2),
                format_number(gap, 2)
            );
            self.emit(
                Diagnostic::new(Code::DriverShortfall, message, Label::new(decl.span, "targets do not add up"))
                    .with_help(format!(
                        "{fix_driver} `{}` to {} or {fix_parent} `{}` to {}",
                        d.name,
                        format_number(ptarget / rate.base_value(), 2),
                        p.name,
                        format_number(implied, 2)
                    )),
            );
        }
        Some(rate.base_value())
    }
}

fn bound_word(d: Direction) -> &'static str {
    match d {
        Direction::AtLeast => "floor (>=)",
        Direction::AtMost => "ceiling (<=)",
    }
}

fn amount_fits(lit: &UnitLit, unit: &Unit) -> bool {
    match (lit, unit) {
        (UnitLit::None, Unit::Duration) => false,
        (UnitLit::None, _) => true,
        (UnitLit::Currency(c), Unit::Money(m)) => c == m,
        (UnitLit::Duration(_), Unit::Duration) => true,
        _ => false,
    }
}
