//! Golden tests: the rows a test gives each source and the results it expects,
//! checked against the spec, so that a test which could not run is an error before
//! any data is read.

use super::model::*;
use super::Checker;
use crate::diagnostics::{did_you_mean, Code, Label};
use crate::span::Span;
use crate::syntax::ast::{self, LitKind};
use crate::vocab;
use crate::vocab::*;
use crate::vocab::{ColType, Unit};
use crate::vocab::{Field, UnitLit};
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
                let name = &self.model.source(source).name;
                let message = format!("test `{}` gives rows for `{name}` twice", decl.name.name);
                let diag = self.error(Code::DuplicateClause, message, d.span, "second data clause");
                diag.secondary.push(Label::new(first, "first given here"));
                diag.help = Some("merge the rows into one `data` clause".into());
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
            self.error(
                Code::TestWithoutExpectations,
                format!("test `{}` expects nothing", decl.name.name),
                decl.name.span,
                "no `expect`",
            )
            .help = Some("add `expect KPI [for \"entity\"] in PERIOD: actual N, status met`".into());
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
                    self.error(
                        Code::TestDataShape,
                        format!("`{}` is not a .csv, .parquet or .ndjson file", path.value),
                        path.span,
                        "unknown file type",
                    );
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
                    self.error(Code::TestDataShape, format!("column `{}` is listed twice", n.name), n.span, "again");
                    ok = false;
                }
                Some(c) => columns.push(c.index),
            }
        }
        let src = self.model.source(source).clone();
        if ok && !columns.contains(&src.time_column) {
            let span = names.first().map_or(source_ident.span, |f| f.span.to(names[names.len() - 1].span));
            let time = &src.columns[src.time_column].name;
            self.error(
                Code::TestDataShape,
                format!("the rows of `{}` have no `{time}`, its time column", src.name),
                span,
                "time column missing",
            )
            .help = Some(format!("add `{time}` to the list: every row needs a time to fall in a period"));
            ok = false;
        }
        if !ok {
            return None;
        }
        let mut out = Vec::new();
        for row in rows {
            if row.values.len() != columns.len() {
                self.error(
                    Code::TestDataShape,
                    format!("this row has {} values, but {} columns are listed", row.values.len(), columns.len()),
                    row.span,
                    "wrong number of values",
                );
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
                        self.error(
                            Code::TestDataValue,
                            format!("`{text}` does not fit column `{}` ({})", column.name, column.ty),
                            *span,
                            why,
                        )
                        .secondary
                        .push(Label::new(column.span, "declared here"));
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
            self.error(
                Code::BadExpectation,
                format!(
                    "`{}` is a {}, but this is evaluated per {}",
                    e.period.text,
                    e.period.grain.as_str(),
                    grain.as_str()
                ),
                e.period.span,
                "period of another grain",
            )
            .help = Some(format!("name a {} such as `{}`", grain.as_str(), example_period(grain)));
            ok = false;
        }
        let missing: Vec<&str> =
            sources.iter().filter(|s| !given.contains(s)).map(|s| self.model.source(*s).name.as_str()).collect();
        if !missing.is_empty() {
            let list = missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ");
            let message = format!("test `{}` gives no rows for {list}, which this reads", decl.name.name);
            self.error(Code::TestWithoutData, message, span, "reads data the test does not give").help =
                Some(format!("add `data {} (...) {{ ... }}`; tests never read the real data files", missing[0]));
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
                    let help = if def.by.is_empty() {
                        format!("`{}` is one number per period: drop `for ...`", def.name)
                    } else {
                        let example: Vec<String> = def.by.iter().map(|b| format!("\"<{b}>\"")).collect();
                        format!("give one value per dimension: `for {}`", example.join(", "))
                    };
                    let message = format!(
                        "`{}` is computed by {}, but {} entity value{} given",
                        def.name,
                        if def.by.is_empty() { "nothing".to_string() } else { def.by.join(", ") },
                        entity.len(),
                        if entity.len() == 1 { " is" } else { "s are" }
                    );
                    self.error(Code::BadExpectation, message, span, "wrong entity").help = Some(help);
                    return None;
                }
                let subject = Subject::Kpi { kpi: id, entity: entity.iter().map(|s| s.value.clone()).collect() };
                Some((subject, def.grain, def.sources.clone(), Kind::Kpi(def.unit.clone()), span))
            }
            ast::ExpectSubject::Scorecard { card, entity } => {
                let Some(index) = self.scorecards.get(&card.name) else {
                    let help = did_you_mean(&card.name, self.scorecards.names())
                        .unwrap_or_else(|| "declare it with `scorecard NAME by DIM per GRAIN { ... }`".into());
                    let message = format!("unknown scorecard `{}`", card.name);
                    self.error(Code::BadExpectation, message, card.span, "not declared").help = Some(help);
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
                    let message = format!("`{}` is not split by a cascade", def.name);
                    self.error(Code::BadExpectation, message, kpi.span, "no cascade").help =
                        Some("expect the KPI itself: `expect KPI in PERIOD: ...`".into());
                    return None;
                };
                let depth = max_depth(level);
                if path.len() > depth {
                    let message =
                        format!("the cascade of `{}` has {depth} levels, but the path has {}", def.name, path.len());
                    self.error(Code::BadExpectation, message, span, "too deep").help =
                        Some("name one value per level from the top: `at \"Retail\" / \"Anna\"`".into());
                    return None;
                }
                let subject = Subject::Cascade { kpi: id, path: path.iter().map(|s| s.value.clone()).collect() };
                Some((subject, def.grain, def.sources.clone(), Kind::Cascade(def.unit.clone()), span))
            }
        }
    }

    fn check(&mut self, c: &ast::Check, kind: &Kind) -> Option<CheckDef> {
        if !kind.fields().contains(&c.field) {
            let fields: Vec<&str> = kind.fields().iter().map(|f| f.as_str()).collect();
            let message = format!("`{}` is not a result of {}", c.field.as_str(), kind.what());
            self.error(Code::BadExpectation, message, c.field_span, "not checked here").help =
                Some(format!("{} has {}", kind.what(), fields.join(", ")));
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
                let message = format!("`{}` takes a number or `null`, not a status", field.as_str());
                self.error(Code::BadExpectation, message, *span, "a status").help =
                    Some("check the status with `status met`".into());
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
                super::kpi::unit_problem(q, unit, &format!("the expected {}", field.as_str()))
            }
            (Field::Attainment | Field::Score | Field::Payout, _) => match q.unit {
                UnitLit::None | UnitLit::Percent => None,
                _ => Some(format!("`{}` is a fraction: write a percent such as `85%`", field.as_str())),
            },
            (Field::Bonus, Kind::Scorecard(currency)) => match (&q.unit, currency) {
                (UnitLit::None, _) => None,
                (UnitLit::Currency(c), Some(base)) if c == base => None,
                (UnitLit::Currency(c), None) => Some(format!("the scorecard has no bonus base, so `{c}` cannot match")),
                (_, Some(base)) => Some(format!("the bonus is money in {base}")),
                (_, None) => Some("the scorecard has no bonus base".to_string()),
            },
            _ => None,
        };
        let Some(why) = problem else { return Some(()) };
        self.error(Code::BadExpectation, format!("the expected {} has the wrong unit", field.as_str()), q.span, why);
        None
    }
}

/// A test value as a data file would hold it in a column of type `ty`.
fn row_value(lit: &LitKind, ty: &ColType) -> Result<Constant, String> {
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
                Err("an int column takes whole numbers".into())
            }
        }
        (ColType::Float | ColType::Decimal, LitKind::Quantity(q)) if q.unit == UnitLit::None => Ok(number(q)),
        (ColType::Money(c), LitKind::Quantity(q)) => match &q.unit {
            UnitLit::None => Ok(number(q)),
            UnitLit::Currency(u) if u == c => Ok(number(q)),
            _ => Err(format!("write a number or an amount in {c}")),
        },
        (ColType::Percent, LitKind::Quantity(q)) if matches!(q.unit, UnitLit::None | UnitLit::Percent) => Ok(number(q)),
        (ColType::Duration(unit), LitKind::Quantity(q)) => match q.unit {
            UnitLit::None => Ok(number(q)),
            UnitLit::Duration(_) => Ok(Constant::Number(q.base_value() / unit.seconds())),
            _ => Err(format!("write a number of {} or a duration", unit.word(true))),
        },
        _ => Err(format!("a {ty} column takes {}", literal_for(ty))),
    }
}

fn literal_for(ty: &ColType) -> &'static str {
    match ty {
        ColType::Int => "a whole number",
        ColType::Float | ColType::Decimal => "a number",
        ColType::Text => "a string in quotes",
        ColType::Bool => "true or false",
        ColType::Date => "a date like 2025-03-01",
        ColType::Datetime => "a date and time like 2025-03-01 10:00",
        ColType::Duration(_) => "a number or a duration",
        ColType::Percent => "a percent like 12.5%",
        ColType::Money(_) => "an amount",
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
