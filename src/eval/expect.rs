//! The verdicts of a spec's `test` declarations: what a test needs evaluated,
//! and whether each `expect` holds on the evaluation of its rows.
//!
//! A test runs through the same reader, plan and scoring as `kpic eval`: the
//! command writes its rows as a CSV file and reads them back with the source's
//! declared types and formats, so a test proves what evaluation does.

use crate::eval::{Evaluation, TargetValue};
use crate::sema::model::{ExpectDef, ExpectedValue, Model, Subject, TestDef};
use crate::span::Span;
use crate::vocab::Unit;
use crate::vocab::{Field, Status};
use serde::Serialize;

/// The verdict on one check of one expectation.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// The expectation as written, up to its colon.
    pub expect: String,
    pub field: Field,
    /// The expected value as written.
    pub expected: String,
    /// What evaluation gave, in the same terms.
    pub actual: String,
    pub passed: bool,
    #[serde(skip)]
    pub span: Span,
}

/// The names of the KPIs a test's expectations need evaluated.
pub fn needed_kpis(model: &Model, test: &TestDef) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for e in &test.expects {
        let kpis = match &e.subject {
            Subject::Kpi { kpi, .. } | Subject::Cascade { kpi, .. } => vec![*kpi],
            Subject::Scorecard { card, .. } => model.scorecards[*card].entries.iter().map(|e| e.kpi).collect(),
        };
        for k in kpis {
            let name = &model.kpi(k).name;
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    names
}

/// Judge every check of a test against the evaluation of its data.
pub fn judge(model: &Model, test: &TestDef, eval: &Evaluation) -> Vec<Verdict> {
    let mut out = Vec::new();
    for e in &test.expects {
        let found = lookup(model, e, eval);
        for c in &e.checks {
            let got = found.get(c.field);
            let passed = matches(&c.expected, &got);
            out.push(Verdict {
                expect: e.text.clone(),
                field: c.field,
                expected: c.text.clone(),
                actual: got.describe(&found.unit, c.field),
                passed,
                span: c.span,
            });
        }
    }
    out
}

/// The result values an expectation can check, gathered from whichever result it
/// names. A row that is absent has no data.
struct Found {
    unit: Unit,
    actual: Option<f64>,
    target: Got,
    attainment: Option<f64>,
    status: Status,
    gap: Option<f64>,
    score: Option<f64>,
    payout: Option<f64>,
    bonus: Option<f64>,
}

#[derive(Debug, Clone)]
enum Got {
    Number(Option<f64>),
    Range(f64, f64),
    Status(Status),
}

impl Found {
    fn empty(unit: Unit) -> Found {
        Found {
            unit,
            actual: None,
            target: Got::Number(None),
            attainment: None,
            status: Status::NoData,
            gap: None,
            score: None,
            payout: None,
            bonus: None,
        }
    }

    fn get(&self, field: Field) -> Got {
        match field {
            Field::Actual => Got::Number(self.actual),
            Field::Target => self.target.clone(),
            Field::Attainment => Got::Number(self.attainment),
            Field::Status => Got::Status(self.status),
            Field::Gap => Got::Number(self.gap),
            Field::Score => Got::Number(self.score),
            Field::Payout => Got::Number(self.payout),
            Field::Bonus => Got::Number(self.bonus),
        }
    }
}

fn target_got(t: Option<TargetValue>) -> Got {
    match t {
        None => Got::Number(None),
        Some(TargetValue::AtLeast { value } | TargetValue::AtMost { value }) => Got::Number(Some(value)),
        Some(TargetValue::Between { low, high }) => Got::Range(low, high),
    }
}

fn lookup(model: &Model, e: &ExpectDef, eval: &Evaluation) -> Found {
    let in_period = |p: &crate::eval::period::Period| p.grain == e.grain && p.start == e.period;
    match &e.subject {
        Subject::Kpi { kpi, entity } => {
            let def = model.kpi(*kpi);
            let mut found = Found::empty(def.unit.clone());
            let result = eval.kpis.iter().find(|k| k.name == def.name);
            let wanted: Vec<Option<String>> = entity.iter().cloned().map(Some).collect();
            if let Some(row) = result.and_then(|k| k.rows.iter().find(|r| in_period(&r.period) && r.entity == wanted)) {
                found.actual = row.actual;
                found.target = target_got(row.target);
                found.attainment = row.attainment;
                found.status = row.status;
                found.gap = row.gap;
            }
            found
        }
        Subject::Scorecard { card, entity } => {
            let def = &model.scorecards[*card];
            let mut found = Found::empty(Unit::Ratio);
            let result = eval.scorecards.iter().find(|c| c.name == def.name);
            let row = result
                .and_then(|c| c.rows.iter().find(|r| in_period(&r.period) && r.entity.as_deref() == Some(entity)));
            if let Some(row) = row {
                found.score = row.score;
                found.payout = row.coefficient;
                found.bonus = row.bonus;
            }
            found
        }
        Subject::Cascade { kpi, path } => {
            let def = model.kpi(*kpi);
            let mut found = Found::empty(def.unit.clone());
            let result = eval.cascades.iter().find(|c| c.kpi == def.name);
            let row = result.and_then(|c| {
                c.rows.iter().find(|r| {
                    in_period(&r.period)
                        && r.depth == path.len()
                        && r.path.iter().zip(path).all(|((_, v), want)| v.as_deref() == Some(want.as_str()))
                })
            });
            if let Some(row) = row {
                found.actual = row.actual;
                found.target = target_got(row.target);
                found.attainment = row.attainment;
                found.status = row.status;
            }
            found
        }
    }
}

fn matches(expected: &ExpectedValue, got: &Got) -> bool {
    match (expected, got) {
        (ExpectedValue::Number { value, tolerance }, Got::Number(Some(v))) => (v - value).abs() <= *tolerance,
        (ExpectedValue::Null, Got::Number(None)) => true,
        (ExpectedValue::Status(word), Got::Status(status)) => status == word,
        _ => false,
    }
}

impl Got {
    /// The value with enough digits to see why it did not match.
    fn describe(&self, unit: &Unit, field: Field) -> String {
        let unit = match field {
            Field::Attainment | Field::Score => &Unit::Ratio,
            Field::Payout | Field::Bonus => &Unit::Number,
            _ => unit,
        };
        match self {
            Got::Number(None) => "null".to_string(),
            Got::Number(Some(v)) => precise(unit, *v),
            Got::Range(low, high) => format!("between {} and {}", precise(unit, *low), precise(unit, *high)),
            Got::Status(s) => s.key().to_string(),
        }
    }
}

fn precise(unit: &Unit, v: f64) -> String {
    use crate::vocab::number::format_number as n;
    match unit {
        Unit::Ratio => format!("{}%", n(v * 100.0, 4)),
        Unit::Money(c) => format!("{} {c}", n(v, 4)),
        Unit::Duration => format!("{} days", n(v / 86400.0, 4)),
        Unit::Count | Unit::Number | Unit::Scalar => n(v, 6),
    }
}
