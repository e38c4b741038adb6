//! Cascades: a KPI's target split down the org chart, and driver cascades that
//! link two KPIs through a rate. The checks here prove that the children's targets
//! add back up to the parent's.

use super::errors::SemaError;
use super::model::*;
use super::scorecard::EPSILON;
use super::Checker;
use crate::diagnostics::Code;
use crate::syntax::ast;
use crate::vocab::{Additivity, BinOp, Direction, Unit, UnitLit};

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
            let dimension = level.dimension.name.clone();
            self.report(SemaError::RepeatedLevel { dimension, span: level.dimension.span });
        }
        let splits = !matches!(level.allocation, ast::Allocation::Inherit);
        if splits && additivity == Additivity::NonAdditive {
            let dimension = level.dimension.name.clone();
            self.report(SemaError::NonAdditiveSplit { kpi: kpi_name.clone(), dimension, span: level.span, kpi_span });
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
            self.report(SemaError::MixedAllocation { dimension: level.dimension.name.clone(), span: level.span });
            return None;
        }
        let unit = self.model.kpis[kpi.0].unit.clone();
        let mut out = Vec::new();
        let mut seen: Vec<(&str, crate::span::Span)> = Vec::new();
        for e in entries {
            if let Some((_, first)) = seen.iter().find(|(n, _)| *n == e.entity.value) {
                self.report(SemaError::ChildTwice {
                    child: e.entity.value.clone(),
                    span: e.entity.span,
                    first: *first,
                });
                continue;
            }
            seen.push((&e.entity.value, e.entity.span));
            if shares == 0 && unit.accepts(&e.amount.unit, e.amount.value).is_err() {
                self.report(SemaError::AmountUnit { unit: unit.clone(), span: e.amount.span });
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
                self.report(SemaError::ShareTotal { dimension: level.dimension.name.clone(), total, span: level.span });
            }
            return Some(Allocation::Shares(out));
        }
        match parent {
            Some(p) if (total - p).abs() > EPSILON * p.abs().max(1.0) => {
                let dimension = level.dimension.name.clone();
                self.report(SemaError::AmountTotal { dimension, total, parent: p, span: level.span });
            }
            Some(_) => {}
            None if path.len() == 1 => {
                let kpi_span = self.model.kpis[kpi.0].span;
                self.report(SemaError::AmountsWithoutFixedTarget { span: level.span, kpi_span });
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
            Ok(gives) => {
                self.report(SemaError::RateUnit {
                    driver_unit: d.unit.clone(),
                    rate_unit,
                    gives,
                    parent: p.name.clone(),
                    parent_unit: p.unit.clone(),
                    driver: d.name.clone(),
                    span: rate.span,
                });
                return None;
            }
            Err(why) => {
                self.report(SemaError::RateDoesNotCombine { why, span: rate.span });
                return None;
            }
        }
        if p.grain != d.grain {
            self.report(SemaError::DriverGrain {
                parent: p.name.clone(),
                parent_grain: p.grain,
                driver: d.name.clone(),
                driver_grain: d.grain,
                span: decl.span,
            });
            return None;
        }
        let (Some((pdir, ptarget)), Some((ddir, dtarget))) = (p.fixed_target(), d.fixed_target()) else {
            self.report(SemaError::DriverTargetsNotFixed { span: decl.span });
            return None;
        };
        if pdir != ddir {
            self.report(SemaError::DriverDirections {
                parent: p.name.clone(),
                parent_direction: pdir,
                driver: d.name.clone(),
                driver_direction: ddir,
                span: decl.span,
            });
            return None;
        }
        let implied = dtarget * rate.base_value();
        let gap = match pdir {
            Direction::AtLeast => ptarget - implied,
            Direction::AtMost => implied - ptarget,
        };
        if gap > EPSILON * ptarget.abs().max(1.0) {
            self.report(SemaError::DriverShortfall {
                parent: p.name.clone(),
                parent_target: ptarget,
                driver: d.name.clone(),
                driver_target: dtarget,
                rate: rate.base_value(),
                implied,
                direction: pdir,
                span: decl.span,
            });
        }
        Some(rate.base_value())
    }
}
