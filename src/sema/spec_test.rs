//! Golden tests: the rows a test gives each source and the results it expects,
//! checked against the spec, so that a test which could not run is an error before
//! any data is read.

use super::errors::{ExpectedMisfit, Misfit, SemaError};
use super::model::*;
use super::Checker;
use crate::diagnostics::did_you_mean;
use crate::span::Span;
use crate::syntax::ast::{self, LitKind};
use crate::vocab;
use crate::vocab::{ColType, Constant, Field, FileFormat, Unit, UnitLit};
use std::collections::BTreeSet;

/// What an expectation checks, with what its numbers are measured in.
enum Kind {
    Kpi(Unit),
    Scorecard(Option<String>),
    Cascade(Unit),
}

impl Kind {
    fn fields(&self) -> &'static [Field] {
        match self {
            Kind::Kpi(_) => &[Field::Actual, Field::Target, Field::Attainment, Field::Status, Field::Gap],
            Kind::Scorecard(_) => &[Field::Score, Field::Payout, Field::Bonus],
            Kind::Cascade(_) => &[Field::Actual, Field::Target, Field::Attainment, Field::Status],
        }
    }

    fn what(&self) -> &'static str {
        match self {
            Kind::Kpi(_) => "a KPI",
            Kind::Scorecard(_) => "a scorecard",
            Kind::Cascade(_) => "a cascade node",
        }
    }
}

impl Checker<'_> {
    pub(super) fn tests(&mut self) {
        let decls = self.tests.decls.clone();
        for decl in decls {
            let def = self.test(decl);
            self.model.tests.push(def);
        }
    }

    fn test(&mut self, decl: &ast::TestDecl) -> TestDef {
        let mut data: Vec<TestDataDef> = Vec::new();
        // Sources with a data clause, even a broken one: its own error is enough.
        let mut given: BTreeSet<SourceId> = BTreeSet::new();
        let mut clause_spans: Vec<(SourceId, Span)> = Vec::new();
        for d in &decl.data {
            let Some(source) = self.source_id(&d.source) else { continue };
            if let Some((_, first)) = clause_spans.iter().find(|(s, _)| *s == source) {
                let first = *first;
                let source = self.model.source(source).name.clone();
                self.report(SemaError::DataGivenTwice { test: decl.name.name.clone(), source, span: d.span, first });
                continue;
            }
            clause_spans.push((source, d.span));
            given.insert(source);
            if let Some(rows) = self.test_rows(source, d) {
                data.push(TestDataDef { source, rows, span: d.span });
            }
        }
        let expects = decl.expects.iter().filter_map(|e| self.expect(decl, e, &given)).collect();
        if decl.expects.is_empty() {
            self.report(SemaError::TestWithoutExpectations { test: decl.name.name.clone(), span: decl.name.span });
        }
        TestDef {
            name: decl.name.name.clone(),
            label: decl.label.as_ref().map(|l| l.value.clone()),
            data,
            expects,
            span: decl.span,
        }
    }

    fn test_rows(&mut self, source: SourceId, d: &ast::TestData) -> Option<TestRows> {
        match &d.body {
            ast::TestDataBody::File(path) => {
                let resolved = self.resolve_path(path.span, &path.value);
                let Some(format) = FileFormat::from_path(&resolved) else {
                    self.report(SemaError::FixtureType { path: path.value.clone(), span: path.span });
                    return None;
                };
                Some(TestRows::File { path: path.value.clone(), resolved, format })
            }
            ast::TestDataBody::Rows { columns, rows } => self.inline_rows(source, &d.source, columns, rows),
        }
    }

    fn inline_rows(
        &mut self,
        source: SourceId,
        source_ident: &ast::Ident,
        names: &[ast::Ident],
        rows: &[ast::TestRow],
    ) -> Option<TestRows> {
        let mut columns = Vec::new();
        let mut ok = true;
        for n in names {
            let reference = ast::ColumnRef { source: source_ident.clone(), column: n.clone(), span: n.span };
            match self.column_id(&reference) {
                None => ok = false,
                Some(c) if columns.contains(&c.index) => {
                    self.report(SemaError::ColumnListedTwice { column: n.name.clone(), span: n.span });
                    ok = false;
                }
                Some(c) => columns.push(c.index),
            }
        }
        let src = self.model.source(source).clone();
        if ok && !columns.contains(&src.time_column) {
            let span = names.first().map_or(source_ident.span, |f| f.span.to(names[names.len() - 1].span));
            let time = src.columns[src.time_column].name.clone();
            self.report(SemaError::RowsWithoutTime { source: src.name.clone(), time, span });
            ok = false;
        }
        if !ok {
            return None;
        }
        let mut out = Vec::new();
        for row in rows {
            if row.values.len() != columns.len() {
                self.report(SemaError::RowLength { values: row.values.len(), columns: columns.len(), span: row.span });
                ok = false;
                continue;
            }
            let mut values = Vec::new();
            for ((lit, span), &c) in row.values.iter().zip(&columns) {
                let column = &src.columns[c];
                let Some(lit) = lit else {
                    values.push(None);
                    continue;
                };
                match row_value(lit, &column.ty) {
                    Ok(v) => values.push(Some(v)),
                    Err(why) => {
                        let text = self.sources_map.slice(*span).to_string();
                        self.report(SemaError::RowValue {
                            text,
                            column: column.name.clone(),
                            ty: column.ty.clone(),
                            why,
                            span: *span,
                            column_span: column.span,
                        });
                        ok = false;
                    }
                }
            }
            out.push(values);
        }
        ok.then_some(TestRows::Inline { columns, rows: out })
    }

    fn expect(&mut self, decl: &ast::TestDecl, e: &ast::Expect, given: &BTreeSet<SourceId>) -> Option<ExpectDef> {
        let (subject, grain, sources, kind, span) = self.subject(&e.subject)?;
        let mut ok = true;
        if e.period.grain != grain {
            self.report(SemaError::ExpectGrain {
                written: e.period.text.clone(),
                written_grain: e.period.grain,
                grain,
                example: example_period(grain).to_string(),
                span: e.period.span,
            });
            ok = false;
        }
        let missing: Vec<String> =
            sources.iter().filter(|s| !given.contains(s)).map(|s| self.model.source(*s).name.clone()).collect();
        if !missing.is_empty() {
            self.report(SemaError::TestWithoutData { test: decl.name.name.clone(), missing, span });
            ok = false;
        }
        let mut checks = Vec::new();
        for c in &e.checks {
            match self.check(c, &kind) {
                Some(def) => checks.push(def),
                None => ok = false,
            }
        }
        let text = self.sources_map.slice(e.span).split(':').next().unwrap_or("").trim().to_string();
        ok.then_some(ExpectDef { subject, grain, period: e.period.start, text, checks, span: e.span })
    }

    /// Resolve what an expectation is about: the subject, its grain, the sources it
    /// reads, its kind and where it is written.
    fn subject(&mut self, subject: &ast::ExpectSubject) -> Option<(Subject, vocab::Grain, Vec<SourceId>, Kind, Span)> {
        match subject {
            ast::ExpectSubject::Kpi { kpi, entity } => {
                let id = self.kpi_id(kpi)?;
                let def = self.model.kpi(id);
                let span = entity.last().map_or(kpi.span, |l| kpi.span.to(l.span));
                if entity.len() != def.by.len() {
                    let (kpi, by) = (def.name.clone(), def.by.clone());
                    self.report(SemaError::WrongEntity { kpi, by, given: entity.len(), span });
                    return None;
                }
                let subject = Subject::Kpi { kpi: id, entity: entity.iter().map(|s| s.value.clone()).collect() };
                Some((subject, def.grain, def.sources.clone(), Kind::Kpi(def.unit.clone()), span))
            }
            ast::ExpectSubject::Scorecard { card, entity } => {
                let Some(index) = self.scorecards.get(&card.name) else {
                    let suggestion = did_you_mean(&card.name, self.scorecards.names());
                    self.report(SemaError::UnknownScorecard { name: card.name.clone(), span: card.span, suggestion });
                    return None;
                };
                let def = &self.model.scorecards[index];
                let mut sources: Vec<SourceId> =
                    def.entries.iter().flat_map(|e| self.model.kpi(e.kpi).sources.iter().copied()).collect();
                sources.sort();
                sources.dedup();
                let currency = def.base.as_ref().map(|b| b.currency().to_string());
                let subject = Subject::Scorecard { card: index, entity: entity.value.clone() };
                Some((subject, def.grain, sources, Kind::Scorecard(currency), card.span.to(entity.span)))
            }
            ast::ExpectSubject::Cascade { kpi, path } => {
                let id = self.kpi_id(kpi)?;
                let span = path.last().map_or(kpi.span, |l| kpi.span.to(l.span));
                let def = self.model.kpi(id);
                let levels = self.model.cascades.iter().find_map(|c| match &c.body {
                    CascadeBody::Levels(level) if c.kpi == id => Some(level),
                    _ => None,
                });
                let Some(level) = levels else {
                    self.report(SemaError::NotCascaded { kpi: def.name.clone(), span: kpi.span });
                    return None;
                };
                let depth = max_depth(level);
                if path.len() > depth {
                    self.report(SemaError::PathTooDeep { kpi: def.name.clone(), depth, given: path.len(), span });
                    return None;
                }
                let subject = Subject::Cascade { kpi: id, path: path.iter().map(|s| s.value.clone()).collect() };
                Some((subject, def.grain, def.sources.clone(), Kind::Cascade(def.unit.clone()), span))
            }
        }
    }

    fn check(&mut self, c: &ast::Check, kind: &Kind) -> Option<CheckDef> {
        if !kind.fields().contains(&c.field) {
            let fields: Vec<&'static str> = kind.fields().iter().map(|f| f.as_str()).collect();
            let what = kind.what().to_string();
            self.report(SemaError::NotAResult { field: c.field.as_str(), what, fields, span: c.field_span });
            return None;
        }
        let text = match &c.value {
            ast::Expected::Number(q) => self.sources_map.slice(q.span),
            ast::Expected::Null(s) | ast::Expected::Status(_, s) => self.sources_map.slice(*s),
        }
        .to_string();
        let expected = match (&c.value, c.field) {
            (ast::Expected::Status(word, _), Field::Status) => ExpectedValue::Status(*word),
            // The parser has reported a status check without a status.
            (_, Field::Status) => return None,
            (ast::Expected::Status(_, span), field) => {
                self.report(SemaError::StatusForNumber { field: field.as_str(), span: *span });
                return None;
            }
            (ast::Expected::Null(_), _) => ExpectedValue::Null,
            (ast::Expected::Number(q), field) => {
                self.check_expected_unit(q, field, kind)?;
                let value = q.base_value();
                ExpectedValue::Number { value, tolerance: written_tolerance(&text, &q.unit, value) }
            }
        };
        Some(CheckDef { field: c.field, expected, text, span: c.span })
    }

    /// Numbers are in the unit of what they check: the metric's unit for actuals,
    /// targets and gaps, a percent (or a fraction) for attainment and score.
    fn check_expected_unit(&mut self, q: &ast::Quantity, field: Field, kind: &Kind) -> Option<()> {
        let problem = match (field, kind) {
            (Field::Actual | Field::Target | Field::Gap, Kind::Kpi(unit) | Kind::Cascade(unit)) => {
                unit.accepts(&q.unit, q.value).err().map(ExpectedMisfit::Metric)
            }
            (Field::Attainment | Field::Score | Field::Payout, _) => match q.unit {
                UnitLit::None | UnitLit::Percent => None,
                _ => Some(ExpectedMisfit::NotAFraction),
            },
            (Field::Bonus, Kind::Scorecard(currency)) => match (&q.unit, currency) {
                (UnitLit::None, _) => None,
                (UnitLit::Currency(c), Some(base)) if c == base => None,
                (UnitLit::Currency(c), None) => Some(ExpectedMisfit::NoBonusBase { currency: Some(c.clone()) }),
                (_, Some(base)) => Some(ExpectedMisfit::BonusCurrency { base: base.clone() }),
                (_, None) => Some(ExpectedMisfit::NoBonusBase { currency: None }),
            },
            _ => None,
        };
        let Some(why) = problem else { return Some(()) };
        self.report(SemaError::ExpectedUnit { field: field.as_str(), why, span: q.span });
        None
    }
}

/// A test value as a data file would hold it in a column of type `ty`.
fn row_value(lit: &LitKind, ty: &ColType) -> Result<Constant, Misfit> {
    let number = |q: &ast::Quantity| Constant::Number(q.value);
    match (ty, lit) {
        (ColType::Text, LitKind::Str(s)) => Ok(Constant::Text(s.clone())),
        (ColType::Bool, LitKind::Bool(b)) => Ok(Constant::Bool(*b)),
        (ColType::Date, LitKind::Date(d)) => Ok(Constant::Date(*d)),
        (ColType::Datetime, LitKind::DateTime(dt)) => Ok(Constant::DateTime(*dt)),
        (ColType::Datetime, LitKind::Date(d)) => Ok(Constant::DateTime(d.and_time(chrono::NaiveTime::MIN))),
        (ColType::Int, LitKind::Quantity(q)) if q.unit == UnitLit::None => {
            if q.value.fract() == 0.0 && q.value.abs() <= 9_007_199_254_740_992.0 {
                Ok(number(q))
            } else {
                Err(Misfit::WholeNumber)
            }
        }
        (ColType::Float | ColType::Decimal, LitKind::Quantity(q)) if q.unit == UnitLit::None => Ok(number(q)),
        (ColType::Money(c), LitKind::Quantity(q)) => match &q.unit {
            UnitLit::None => Ok(number(q)),
            UnitLit::Currency(u) if u == c => Ok(number(q)),
            _ => Err(Misfit::RowAmount(c.clone())),
        },
        (ColType::Percent, LitKind::Quantity(q)) if matches!(q.unit, UnitLit::None | UnitLit::Percent) => Ok(number(q)),
        (ColType::Duration(unit), LitKind::Quantity(q)) => match q.unit {
            UnitLit::None => Ok(number(q)),
            UnitLit::Duration(_) => Ok(Constant::Number(q.base_value() / unit.seconds())),
            _ => Err(Misfit::RowDuration(*unit)),
        },
        _ => Err(Misfit::RowType(ty.clone())),
    }
}

/// Half a unit of the last digit written, in the result's unit: `66.7%` matches
/// 66.65 % to 66.75 %. A sliver more absorbs floating-point noise.
fn written_tolerance(text: &str, unit: &UnitLit, value: f64) -> f64 {
    let decimals = text.split_once('.').map_or(0, |(_, frac)| {
        frac.chars().take_while(|c| c.is_ascii_digit() || *c == '_').filter(|c| c.is_ascii_digit()).count()
    });
    let half = 0.5 * 10f64.powi(-(decimals as i32));
    let scale = match unit {
        UnitLit::Percent => 0.01,
        UnitLit::Duration(d) => d.seconds(),
        UnitLit::None | UnitLit::Currency(_) => 1.0,
    };
    half * scale + 1e-9 * value.abs().max(1.0)
}

fn max_depth(level: &Level) -> usize {
    let below = |l: &Option<Box<Level>>| l.as_deref().map_or(0, max_depth);
    let entries = match &level.allocation {
        Allocation::Shares(e) | Allocation::Amounts(e) => e.iter().map(|e| below(&e.then)).max().unwrap_or(0),
        _ => 0,
    };
    1 + below(&level.then).max(entries)
}

fn example_period(grain: vocab::Grain) -> &'static str {
    match grain {
        vocab::Grain::Day => "2025-03-14",
        vocab::Grain::Week => "2025-W11",
        vocab::Grain::Month => "2025-03",
        vocab::Grain::Quarter => "2025-Q1",
        vocab::Grain::Year => "2025",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerance_follows_the_digits_written() {
        assert!((written_tolerance("66.7%", &UnitLit::Percent, 0.667) - 0.0005).abs() < 1e-8);
        assert!((written_tolerance("2000", &UnitLit::None, 2000.0) - 0.5).abs() < 1e-5);
        assert!((written_tolerance("1_333.33 RUB", &UnitLit::Currency("RUB".into()), 1333.33) - 0.005).abs() < 1e-5);
        assert!(
            (written_tolerance("2 days", &UnitLit::Duration(vocab::DurationUnit::Day), 172800.0) - 43200.0).abs() < 1.0
        );
    }
}
