//! Scorecards: capped attainments, weights (renormalised or zeroed for missing
//! KPIs), gates, the payout curve and the bonus (docs/scorecards.md).

use super::{Evaluation, KpiResult, Status};
use crate::diagnostics::{Code, Diagnostic, Label};
use crate::eval::period::{self, Period};
use crate::sema::model::{BaseDef, Model, ScorecardDef};
use crate::syntax::ast::{MissingRule, PayoutRange, PayoutRule, PayoutValue};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Serialize)]
pub struct ScorecardResult {
    pub name: String,
    pub by: String,
    pub missing: MissingRule,
    pub rows: Vec<ScoreRow>,
}

/// One entity in one period.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreRow {
    pub period: Period,
    pub entity: Option<String>,
    /// Weighted attainment, 1.0 = 100 % (none when no KPI had data).
    pub score: Option<f64>,
    /// The payout curve at the score; 0 when a gate KPI is missed.
    pub coefficient: Option<f64>,
    pub bonus: Option<f64>,
    pub currency: Option<String>,
    pub parts: Vec<Part>,
    pub notes: Vec<String>,
}

/// One KPI's share of a score.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    pub kpi: String,
    /// As declared.
    pub weight: f64,
    /// After renormalisation for missing KPIs (0 when excluded).
    pub effective_weight: f64,
    pub attainment: Option<f64>,
    /// Attainment after the cap (and 0 for a missing KPI under `missing zero`).
    pub counted: Option<f64>,
    pub contribution: f64,
    pub status: Status,
}

/// Score every scorecard whose KPIs were evaluated.
pub fn evaluate(model: &Model, eval: &Evaluation) -> Result<Vec<ScorecardResult>, Diagnostic> {
    let mut out = Vec::new();
    for card in &model.scorecards {
        let kpis: Option<Vec<&KpiResult>> =
            card.entries.iter().map(|e| eval.kpis.iter().find(|k| k.name == model.kpi(e.kpi).name)).collect();
        let Some(kpis) = kpis else { continue };
        out.push(scorecard(model, card, &kpis)?);
    }
    Ok(out)
}

fn scorecard(model: &Model, card: &ScorecardDef, kpis: &[&KpiResult]) -> Result<ScorecardResult, Diagnostic> {
    type Key = (Period, Option<String>);
    let mut cells: BTreeMap<Key, HashMap<usize, (Option<f64>, Status)>> = BTreeMap::new();
    for (i, k) in kpis.iter().enumerate() {
        for r in &k.rows {
            let entity = r.entity.first().cloned().flatten();
            cells.entry((r.period, entity)).or_default().insert(i, (r.attainment, r.status));
        }
    }
    let bases = load_bases(card)?;
    let mut rows = Vec::new();
    for ((period, entity), by_kpi) in cells {
        let mut parts = Vec::new();
        let mut notes = Vec::new();
        for (i, e) in card.entries.iter().enumerate() {
            let (attainment, status) = by_kpi.get(&i).copied().unwrap_or((None, Status::NoData));
            let counted = match attainment {
                // A negative actual earns nothing, never a negative share of the bonus.
                Some(a) => Some(card.cap.map_or(a, |c| a.min(c)).max(0.0)),
                // Met with no ratio to take (0 refunds against `<= 1`): full marks.
                None if status == Status::Met => Some(card.cap.unwrap_or(1.0)),
                None if card.missing == MissingRule::Zero => Some(0.0),
                None => None,
            };
            if counted.is_none() || (attainment.is_none() && status != Status::Met) {
                let rule =
                    if card.missing == MissingRule::Zero { "counted as 0" } else { "excluded, weights renormalised" };
                notes.push(format!("{}: no attainment, {rule}", kpis[i].name));
            }
            parts.push(Part {
                kpi: kpis[i].name.clone(),
                weight: e.weight,
                effective_weight: 0.0,
                attainment,
                counted,
                contribution: 0.0,
                status,
            });
        }
        let total: f64 = parts.iter().filter(|p| p.counted.is_some()).map(|p| p.weight).sum();
        let mut score = None;
        if total > 0.0 {
            let mut s = 0.0;
            for p in parts.iter_mut() {
                if let Some(c) = p.counted {
                    p.effective_weight = p.weight / total;
                    p.contribution = p.effective_weight * c;
                    s += p.contribution;
                }
            }
            score = Some(s);
        }
        let gated = card.gates.iter().find_map(|g| {
            let name = &model.kpi(*g).name;
            let part = parts.iter().find(|p| &p.kpi == name)?;
            matches!(part.status, Status::Missed | Status::NoData)
                .then(|| format!("gate {name} is {}: no bonus", part.status.as_str()))
        });
        let mut coefficient = score.map(|s| payout(&card.payout, s));
        if let Some(note) = gated {
            notes.push(note);
            coefficient = score.map(|_| 0.0);
        }
        let base = base_for(card, &bases, period, entity.as_deref());
        let bonus = match (coefficient, &base) {
            (Some(c), Some((b, _))) => Some(c * b),
            _ => None,
        };
        if card.base.is_some() && base.is_none() {
            notes.push("no bonus base for this entity and period".to_string());
        }
        rows.push(ScoreRow {
            period,
            entity,
            score,
            coefficient,
            bonus,
            currency: base.and_then(|b| b.1),
            parts,
            notes,
        });
    }
    Ok(ScorecardResult { name: card.name.clone(), by: card.by.clone(), missing: card.missing, rows })
}

/// The payout curve at `score`; without a curve the coefficient is the score.
pub fn payout(rules: &[PayoutRule], score: f64) -> f64 {
    if rules.is_empty() {
        return score;
    }
    for r in rules {
        match (r.range, r.value) {
            (PayoutRange::Below(x), v) if score < x => return open_end(v, true),
            (PayoutRange::Above(x), v) if score >= x => return open_end(v, false),
            (PayoutRange::Between(lo, hi), v) if score >= lo && score < hi => {
                return match v {
                    PayoutValue::Constant(c) => c,
                    PayoutValue::Linear(a, b) => a + (score - lo) / (hi - lo) * (b - a),
                };
            }
            _ => {}
        }
    }
    0.0
}

/// An open range has no second bound to interpolate to: a linear value there
/// holds its nearer end.
fn open_end(v: PayoutValue, below: bool) -> f64 {
    match v {
        PayoutValue::Constant(c) => c,
        PayoutValue::Linear(a, b) => {
            if below {
                b
            } else {
                a
            }
        }
    }
}

type Bases = HashMap<(Option<String>, Option<String>), f64>;

fn load_bases(card: &ScorecardDef) -> Result<Option<Bases>, Diagnostic> {
    let Some(BaseDef::Table { resolved, .. }) = &card.base else { return Ok(None) };
    let fail = |why: String| {
        Diagnostic::new(
            Code::TargetTable,
            format!("bonus base table {}: {why}", resolved.display()),
            Label::new(card.span, "scorecard declared here"),
        )
        .with_help(format!("the table needs a `{}` column, optionally `period`, and `base`", card.by))
    };
    let table = crate::backend::polars::read_text_table(resolved).map_err(fail)?;
    let text =
        |name: &str| -> Result<Vec<Option<String>>, Diagnostic> { Ok(table.column(name).map_err(fail)?.to_vec()) };
    let entities = text(&card.by)?;
    let periods = if table.has("period") { Some(text("period")?) } else { None };
    let values = text("base")?;
    let mut out = Bases::new();
    for (row, v) in values.iter().enumerate() {
        let line = row + 2;
        let v: f64 = v
            .as_deref()
            .and_then(|v| v.trim().replace('_', "").parse().ok())
            .ok_or_else(|| fail(format!("line {line}: `base` is not a number")))?;
        let p = match &periods {
            Some(p) => {
                let label = p[row].clone().unwrap_or_default();
                Some(
                    period::parse(&label)
                        .ok_or_else(|| fail(format!("line {line}: `{label}` is not a period")))?
                        .to_string(),
                )
            }
            None => None,
        };
        out.insert((entities[row].clone(), p), v);
    }
    Ok(Some(out))
}

fn base_for(
    card: &ScorecardDef,
    bases: &Option<Bases>,
    p: Period,
    entity: Option<&str>,
) -> Option<(f64, Option<String>)> {
    match &card.base {
        Some(BaseDef::Amount { value, currency }) => Some((*value, currency.clone())),
        Some(BaseDef::Table { .. }) => {
            let t = bases.as_ref()?;
            let e = entity.map(str::to_string);
            t.get(&(e.clone(), Some(p.to_string()))).or_else(|| t.get(&(e, None))).map(|v| (*v, None))
        }
        None => None,
    }
}
