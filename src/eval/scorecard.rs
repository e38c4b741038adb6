//! Scorecards: capped attainments, weights (renormalised or zeroed for missing
//! KPIs), gates, the payout curve and the bonus (docs/scorecards.md).
//!
//! Scores are exact: weights, caps, attainments (quotients of the actual and
//! target) and the curve's bounds are taken as the decimals they are written
//! and printed as, and the score, the coefficient and the bonus are exact
//! fractions of them ([`crate::exact`]); the bonus is rounded once, to the
//! currency's minor unit. A score on a breakpoint is on it.

use super::errors::{TableIssue, TableKind, TableRef};
use super::notes::{Missing, MissingRuleApplied, Note};
use super::period::Period;
use super::tables::{SideTable, Tables};
use super::{Evaluation, KpiResult, Row, Status, TargetValue};
use crate::diagnostics::Diagnostic;
use crate::exact::Exact;
use crate::sema::model::{BaseDef, Model, PayoutRule, ScorecardDef};
use crate::vocab::{MissingRule, PayoutRange, PayoutValue};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Debug, Clone, Serialize)]
pub struct ScorecardResult {
    pub name: String,
    pub by: String,
    pub missing: MissingRule,
    pub rows: Vec<ScoreRow>,
}

fn one_value_array<S: serde::Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(1))?;
    seq.serialize_element(v)?;
    seq.end()
}

/// One entity in one period.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreRow {
    pub period: Period,
    /// The value of the scorecard's `by` dimension; in JSON an array of it,
    /// as a KPI row's entity is an array of its dimensions' values.
    #[serde(serialize_with = "one_value_array")]
    pub entity: Option<String>,
    /// Weighted attainment, 1.0 = 100 % (none when no KPI could be counted).
    pub score: Option<f64>,
    /// The payout curve at the score; 0 when a gate KPI is not met.
    pub coefficient: Option<f64>,
    /// The coefficient times the base, rounded to the currency's minor unit.
    pub bonus: Option<f64>,
    pub currency: Option<String>,
    pub parts: Vec<Part>,
    /// In JSON, `notes` (the words) and `note_codes` (a stable code each).
    #[serde(flatten, serialize_with = "super::notes::with_codes")]
    pub notes: Vec<Note>,
}

/// One KPI's share of a score.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    pub kpi: String,
    /// As declared.
    pub weight: f64,
    /// After renormalisation for excluded KPIs (0 when excluded).
    pub effective_weight: f64,
    pub attainment: Option<f64>,
    /// What the score counts: the attainment after the cap, 0 for a negative
    /// one, a missed one without a ratio or one the entity did nothing for,
    /// the cap for one met without a ratio; none when excluded.
    pub counted: Option<f64>,
    pub contribution: f64,
    pub status: Status,
}

/// Score every scorecard whose KPIs were evaluated.
pub fn evaluate(model: &Model, eval: &Evaluation, tables: &Tables) -> Result<Vec<ScorecardResult>, Diagnostic> {
    let mut out = Vec::new();
    for card in &model.scorecards {
        let kpis: Option<Vec<&KpiResult>> =
            card.entries.iter().map(|e| eval.kpis.iter().find(|k| k.name == model.kpi(e.kpi).name)).collect();
        let Some(kpis) = kpis else { continue };
        out.push(scorecard(card, &kpis, tables)?);
    }
    Ok(out)
}

type Key = (Period, Option<String>);

fn scorecard(card: &ScorecardDef, kpis: &[&KpiResult], tables: &Tables) -> Result<ScorecardResult, Diagnostic> {
    let bases = Bases::load(card, tables)?;
    // Each KPI's row of each (period, entity), and the periods in which each
    // KPI has a present entity: there, an entity without a value did nothing.
    let mut cells: BTreeMap<Key, Vec<Option<&Row>>> = BTreeMap::new();
    let mut measured: Vec<BTreeSet<Period>> = vec![BTreeSet::new(); kpis.len()];
    for (i, k) in kpis.iter().enumerate() {
        for r in &k.rows {
            let entity = r.entity.first().cloned().flatten();
            cells.entry((r.period, entity)).or_insert_with(|| vec![None; kpis.len()])[i] = Some(r);
            if r.present {
                measured[i].insert(r.period);
            }
        }
    }
    let periods: BTreeSet<Period> = measured.iter().flatten().copied().collect();
    for key in bases.named().filter(|(p, _)| periods.contains(p)) {
        cells.entry(key).or_insert_with(|| vec![None; kpis.len()]);
    }
    let mut rows = Vec::new();
    for ((period, entity), by_kpi) in cells {
        // Paid only where the entity was at work: rows in a KPI's data, or a
        // target or base table naming it for the period.
        let present = by_kpi.iter().flatten().any(|r| r.present) || bases.names(period, entity.as_deref());
        if !present {
            continue;
        }
        let measured: Vec<bool> = measured.iter().map(|m| m.contains(&period)).collect();
        rows.push(score_row(card, kpis, &bases, period, entity, &by_kpi, &measured));
    }
    Ok(ScorecardResult { name: card.name.clone(), by: card.by.clone(), missing: card.missing, rows })
}

/// What one KPI counts for in one row: an exact value, or none when the
/// `missing` rule leaves it out.
fn counted(card: &ScorecardDef, kpi: &str, row: Option<&Row>, measured: bool, notes: &mut Vec<Note>) -> Option<Exact> {
    let cap = card.cap.map(Exact::of);
    let full = || cap.clone().unwrap_or_else(|| Exact::from(1));
    let missing = |why, notes: &mut Vec<Note>| {
        let rule = match card.missing {
            MissingRule::Exclude => MissingRuleApplied::Excluded,
            MissingRule::Zero => MissingRuleApplied::Zero,
        };
        notes.push(Note::Missing { kpi: kpi.to_string(), why, rule });
        (card.missing == MissingRule::Zero).then(Exact::zero)
    };
    let Some(row) = row.filter(|r| r.actual.is_some()) else {
        if row.is_some_and(|r| r.no_history) {
            return missing(Missing::NoHistory, notes);
        }
        if !measured {
            return missing(Missing::NoDataForAnyone, notes);
        }
        notes.push(Note::NothingDone { kpi: kpi.to_string() });
        return Some(Exact::zero());
    };
    let (Some(actual), Some(target)) = (row.actual, row.target) else {
        return missing(Missing::NoTarget, notes);
    };
    match attainment(actual, target) {
        Some(a) if a.is_negative() => {
            notes.push(Note::NegativeAttainment { kpi: kpi.to_string(), attainment: a.to_f64() });
            Some(Exact::zero())
        }
        Some(a) => Some(match cap {
            Some(c) => a.min(c),
            None => a,
        }),
        None => {
            let value = if row.status == Status::Met { full() } else { Exact::zero() };
            notes.push(Note::NoRatio { kpi: kpi.to_string(), status: row.status, counted: value.to_f64() });
            Some(value)
        }
    }
}

/// The attainment of `actual` against `target`, exactly (docs/evaluation.md):
/// none where it is undefined.
fn attainment(actual: f64, target: TargetValue) -> Option<Exact> {
    let a = Exact::of(actual);
    match target {
        TargetValue::AtLeast { value } if value > 0.0 => Some(a / Exact::of(value)),
        TargetValue::AtMost { value } if actual > 0.0 && value >= 0.0 => Some(Exact::of(value) / a),
        TargetValue::Between { low, high } => Some(Exact::from(i64::from(low <= actual && actual <= high))),
        _ => None,
    }
}

fn score_row(
    card: &ScorecardDef,
    kpis: &[&KpiResult],
    bases: &Bases,
    period: Period,
    entity: Option<String>,
    by_kpi: &[Option<&Row>],
    measured: &[bool],
) -> ScoreRow {
    let mut notes = Vec::new();
    let mut parts = Vec::new();
    let mut values = Vec::new();
    for (i, e) in card.entries.iter().enumerate() {
        let row = by_kpi[i];
        let value = counted(card, &kpis[i].name, row, measured[i], &mut notes);
        parts.push(Part {
            kpi: kpis[i].name.clone(),
            weight: e.weight,
            effective_weight: 0.0,
            attainment: row.and_then(|r| r.attainment),
            counted: value.as_ref().map(Exact::to_f64),
            contribution: 0.0,
            status: row.map_or(Status::NoData, |r| r.status),
        });
        values.push(value.map(|v| (Exact::of(e.weight), v)));
    }
    // S = Σ wᵢ·cᵢ / Σ wᵢ over the KPIs counted: exact, so weights that total
    // 100 % give the weighted sum itself, and excluded KPIs renormalise.
    let total = values.iter().flatten().fold(Exact::zero(), |t, (w, _)| t + w.clone());
    let mut score = None;
    if total.is_positive() {
        let mut s = Exact::zero();
        for (part, value) in parts.iter_mut().zip(&values) {
            if let Some((w, c)) = value {
                let share = w.clone() / total.clone();
                let contribution = &share * c;
                part.effective_weight = share.to_f64();
                part.contribution = contribution.to_f64();
                s = s + contribution;
            }
        }
        score = Some(s);
    }
    let gate = card.gates.iter().find_map(|g| {
        let i = card.entries.iter().position(|e| e.kpi == *g)?;
        // At risk is not missed: the gate stays open (docs/scorecards.md).
        matches!(parts[i].status, Status::Missed | Status::NoData)
            .then(|| Note::GateClosed { kpi: parts[i].kpi.clone(), status: parts[i].status })
    });
    let mut coefficient = score.as_ref().map(|s| payout(&card.payout, s));
    if let Some(note) = gate {
        notes.push(note);
        coefficient = score.as_ref().map(|_| Exact::zero());
    }
    let base = bases.base_for(card, period, entity.as_deref());
    if card.base.is_some() && base.is_none() {
        notes.push(Note::NoBase);
    }
    let currency = card.base.as_ref().map(|b| b.currency().to_string());
    let bonus = match (&coefficient, base, &currency) {
        (Some(k), Some(b), Some(c)) => Some(crate::vocab::money::paid(&(k * &b), c).to_f64()),
        _ => None,
    };
    ScoreRow {
        period,
        entity,
        score: score.as_ref().map(Exact::to_f64),
        coefficient: coefficient.as_ref().map(Exact::to_f64),
        bonus,
        currency,
        parts,
        notes,
    }
}

/// The payout curve at `score`, exactly; without a curve the coefficient is
/// the score.
pub fn payout(rules: &[PayoutRule], score: &Exact) -> Exact {
    if rules.is_empty() {
        return score.clone();
    }
    for r in rules {
        let inside = match r.range {
            PayoutRange::Below(x) => *score < Exact::of(x),
            PayoutRange::Above(x) => *score >= Exact::of(x),
            PayoutRange::Between(lo, hi) => *score >= Exact::of(lo) && *score < Exact::of(hi),
        };
        if !inside {
            continue;
        }
        return match (r.range, r.value) {
            (_, PayoutValue::Constant(c)) => Exact::of(c),
            (PayoutRange::Between(lo, hi), PayoutValue::Linear(a, b)) => {
                let (lo, hi, a, b) = (Exact::of(lo), Exact::of(hi), Exact::of(a), Exact::of(b));
                a.clone() + (score - &lo) / (hi - lo) * (b - a)
            }
            // An open range with a linear value is refused by the checker
            // (E403): it has no second bound to interpolate to.
            (_, PayoutValue::Linear(a, _)) => Exact::of(a),
        };
    }
    Exact::zero()
}

/// Read a scorecard's bonus base table, for `kpic check`.
pub(super) fn check_bases(card: &ScorecardDef, tables: &Tables) -> Result<(), Diagnostic> {
    Bases::load(card, tables).map(|_| ())
}

/// A scorecard's bonus bases from its table: (entity, period or none for
/// every period) to the base.
struct Bases {
    rows: HashMap<(Option<String>, Option<Period>), f64>,
}

impl Bases {
    fn load(card: &ScorecardDef, tables: &Tables) -> Result<Bases, Diagnostic> {
        let mut rows = HashMap::new();
        let Some(BaseDef::Table { resolved, span, .. }) = &card.base else { return Ok(Bases { rows }) };
        let kind = TableKind::BonusBases { by: card.by.clone() };
        let file = SideTable::read(tables, TableRef { kind, path: resolved.clone(), span: *span })?;
        let entities = file.column(&card.by)?;
        let values = file.column("base")?;
        for (row, entity) in entities.iter().enumerate() {
            let value = file.number(values, "base", row)?;
            let period = file.period(row, Some(card.grain))?;
            if rows.insert((entity.clone(), period), value).is_some() {
                return Err(file.fail(TableIssue::SecondBase { line: file.line(row) }));
            }
        }
        Ok(Bases { rows })
    }

    /// The (period, entity) pairs a row names with its period.
    fn named(&self) -> impl Iterator<Item = Key> + '_ {
        self.rows.keys().filter_map(|(e, p)| p.map(|p| (p, e.clone())))
    }

    fn names(&self, p: Period, entity: Option<&str>) -> bool {
        self.rows.contains_key(&(entity.map(str::to_string), Some(p)))
    }

    fn base_for(&self, card: &ScorecardDef, p: Period, entity: Option<&str>) -> Option<Exact> {
        match &card.base {
            Some(BaseDef::Amount { value, .. }) => Some(Exact::of(*value)),
            Some(BaseDef::Table { .. }) => {
                let e = entity.map(str::to_string);
                self.rows.get(&(e.clone(), Some(p))).or_else(|| self.rows.get(&(e, None))).map(|v| Exact::of(*v))
            }
            None => None,
        }
    }
}
