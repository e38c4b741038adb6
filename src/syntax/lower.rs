//! pest pairs to syntax tree: one method per grammar rule.
//!
//! The grammar guarantees the shape of every pair, so the accessors below only
//! unwrap what the grammar makes present. Values the grammar cannot check (a date
//! that is not in the calendar, a number too large) become diagnostics, with a
//! neutral value in the tree so that checking can go on.

use super::ast::*;
use super::chunk::MAX_DEPTH;
use super::errors::SyntaxError;
use super::Rule;
use crate::diagnostics::Diagnostic;
use crate::span::{FileId, Span};
use crate::vocab::keywords::KEYWORDS;
use crate::vocab::*;
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use pest::iterators::{Pair, Pairs};

mod spec_test;

pub(super) struct Lowerer<'d> {
    pub file: FileId,
    /// Byte offset of the parsed chunk in its file.
    pub offset: usize,
    /// Length of the chunk: only a pair that reaches its end can end in a comment.
    pub len: usize,
    pub diags: &'d mut Vec<Diagnostic>,
}

type P<'i> = Pair<'i, Rule>;

/// Most operands one chain of `+`/`-`, `*`/`/`, `and` or `or` may have.
pub const MAX_OPERANDS: usize = 1000;

impl Lowerer<'_> {
    /// The pair's span without the whitespace and comments pest's implicit
    /// whitespace rule leaves at its end (before an optional part that is absent).
    fn span(&self, pair: &P) -> Span {
        let s = pair.as_span();
        let text = pair.as_str();
        // Before the end of the chunk, a trailing comment is always followed by
        // the line break that ends it, so a pair ending in anything else ends in code.
        let ends_in_code = s.end() < self.len && !text.ends_with(|c: char| c.is_whitespace());
        let len = if ends_in_code { text.len() } else { code_len(text) };
        Span::new(self.file, self.offset + s.start(), self.offset + s.start() + len)
    }

    fn report(&mut self, error: SyntaxError) {
        self.diags.push(error.to_diagnostic());
    }

    pub fn declaration(&mut self, pair: P) -> Decl {
        let inner = first(pair);
        match inner.as_rule() {
            Rule::import => Decl::Import(self.import(inner)),
            Rule::source => Decl::Source(self.source(inner)),
            Rule::filter_decl => Decl::Filter(self.filter_decl(inner)),
            Rule::metric_decl => Decl::Metric(self.metric_decl(inner)),
            Rule::kpi => Decl::Kpi(self.kpi(inner)),
            Rule::scorecard => Decl::Scorecard(self.scorecard(inner)),
            Rule::test_decl => Decl::Test(self.test_decl(inner)),
            _ => Decl::Cascade(self.cascade(inner)),
        }
    }

    fn import(&mut self, pair: P) -> Import {
        let span = self.span(&pair);
        Import { path: self.string(first(pair)), span }
    }

    /// A declared name; keywords are rejected here rather than in the grammar, so the
    /// message can say exactly what is wrong.
    fn name(&mut self, pair: P) -> Ident {
        let ident = self.ident(pair);
        if KEYWORDS.contains(&ident.name.as_str()) {
            self.report(SyntaxError::KeywordAsName { name: ident.name.clone(), span: ident.span });
        }
        ident
    }

    fn ident(&mut self, pair: P) -> Ident {
        Ident { name: pair.as_str().to_string(), span: self.span(&pair) }
    }

    fn string(&mut self, pair: P) -> StrLit {
        let span = self.span(&pair);
        let raw = first(pair).as_str();
        StrLit { value: self.unescape(raw, span), span }
    }

    fn unescape(&mut self, raw: &str, span: Span) -> String {
        match unescape(raw) {
            Ok(text) => text,
            Err((text, bad)) => {
                for hex in bad {
                    self.report(SyntaxError::BadUnicodeEscape { hex, span });
                }
                text
            }
        }
    }

    fn number(&mut self, pair: &P) -> f64 {
        number_value(pair.as_str()).unwrap_or_else(|| {
            let span = self.span(pair);
            self.report(SyntaxError::NumberTooLarge { span });
            0.0
        })
    }

    fn percent(&mut self, pair: P) -> Quantity {
        let span = self.span(&pair);
        let value = self.number(&first(pair));
        Quantity { value, unit: UnitLit::Percent, span }
    }

    fn quantity(&mut self, pair: P) -> Quantity {
        let span = self.span(&pair);
        let mut negative = false;
        let mut value = 0.0;
        let mut unit = UnitLit::None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::neg => negative = true,
                Rule::percent => {
                    value = self.number(&first(part));
                    unit = UnitLit::Percent;
                }
                Rule::number => value = self.number(&part),
                Rule::currency => unit = UnitLit::Currency(part.as_str().to_string()),
                _ => unit = UnitLit::Duration(duration_unit(part.as_str())),
            }
        }
        Quantity { value: if negative { -value } else { value }, unit, span }
    }

    fn table_unit(&mut self, pair: P) -> TableUnit {
        let span = self.span(&pair);
        let word = pair.into_inner().last().unwrap();
        let kind = match word.as_rule() {
            Rule::currency => TableUnitKind::Currency(word.as_str().to_string()),
            Rule::duration_unit => TableUnitKind::Duration(duration_unit(word.as_str())),
            _ if word.as_str() == "percent" => TableUnitKind::Percent,
            _ => TableUnitKind::Fraction,
        };
        TableUnit { kind, span }
    }

    fn date(&mut self, pair: &P) -> NaiveDate {
        NaiveDate::parse_from_str(pair.as_str(), "%Y-%m-%d").unwrap_or_else(|_| {
            let span = self.span(pair);
            self.report(SyntaxError::NotADate { text: pair.as_str().to_string(), span });
            NaiveDate::default()
        })
    }

    fn datetime(&mut self, pair: &P) -> NaiveDateTime {
        let text = pair.as_str().replace(' ', "T");
        let parsed = NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S")
            .or_else(|_| NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M"));
        parsed.unwrap_or_else(|_| {
            let span = self.span(pair);
            self.report(SyntaxError::NotADateTime { text: pair.as_str().to_string(), span });
            NaiveDateTime::default()
        })
    }

    fn period(&mut self, pair: P) -> PeriodLit {
        let span = self.span(&pair);
        let text = pair.as_str().to_string();
        match parse_period(&text) {
            Some((grain, start)) => PeriodLit { grain, start, text, span },
            None => {
                self.report(SyntaxError::NotAPeriod { text: text.clone(), span });
                PeriodLit { grain: Grain::Year, start: NaiveDate::default(), text, span }
            }
        }
    }

    // ------------------------------------------------------------ sources

    fn source(&mut self, pair: P) -> Source {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.name(inner.next().unwrap());
        let from = inner.next().unwrap();
        let from = match from.as_rule() {
            Rule::table_source => {
                let mut parts = from.into_inner();
                let table = self.string(parts.next().unwrap());
                let connection = parts.next().map(|c| self.ident(c));
                SourceFrom::Table { table, connection }
            }
            _ => SourceFrom::File(self.string(from)),
        };
        let columns = inner.map(|c| self.column(c)).collect();
        Source { name, from, columns, span }
    }

    fn column(&mut self, pair: P) -> Column {
        let span = self.span(&pair);
        let mut is_time = false;
        let mut name = None;
        let mut ty = None;
        let mut format = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::time_marker => is_time = true,
                Rule::name => name = Some(self.ident(part)),
                Rule::type_expr => ty = Some(self.type_expr(part)),
                _ => format = Some(self.string(part)),
            }
        }
        Column { name: name.unwrap(), is_time, ty: ty.unwrap(), format, span }
    }

    fn type_expr(&mut self, pair: P) -> TypeExpr {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next().unwrap());
        let arg = inner.next().map(|c| self.ident(first(c)));
        TypeExpr { name, arg, span }
    }

    // ------------------------------------------------------------ filters

    fn filter_decl(&mut self, pair: P) -> FilterDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.name(inner.next().unwrap());
        let pred = self.predicate(inner.next().unwrap());
        FilterDecl { name, pred, span }
    }

    fn predicate(&mut self, pair: P) -> Pred {
        crate::stack::with_stack(|| self.predicate_unguarded(pair))
    }

    /// `and` binds tighter than `or`; each chain folds to the left.
    fn predicate_unguarded(&mut self, pair: P) -> Pred {
        let disjuncts = runs(pair.into_inner(), Rule::and_op);
        if let Some(span) = self.runs_too_long(&disjuncts) {
            return Pred { kind: PredKind::Bool(false), span };
        }
        let mut acc: Option<Pred> = None;
        for (_, parts) in disjuncts {
            let rhs = self.conjunction(parts);
            acc = Some(match acc {
                Some(lhs) => pred_node(PredKind::Or, lhs, rhs),
                None => rhs,
            });
        }
        acc.unwrap()
    }

    /// Conditions joined by `and` (`parts` alternates condition, operator).
    fn conjunction(&mut self, parts: Vec<P>) -> Pred {
        if let Some(span) = self.too_long(parts.len().div_ceil(2), parts.first(), parts.last()) {
            return Pred { kind: PredKind::Bool(false), span };
        }
        let mut operands = parts.into_iter().step_by(2);
        let mut acc = self.condition(operands.next().unwrap());
        for operand in operands {
            let rhs = self.condition(operand);
            acc = pred_node(PredKind::And, acc, rhs);
        }
        acc
    }

    fn condition(&mut self, pair: P) -> Pred {
        match pair.as_rule() {
            Rule::negation => self.negation(pair),
            _ => self.atom_pred(pair),
        }
    }

    /// `not not ... x`: nested like brackets (every later stage walks it
    /// recursively), so a run of more than [`MAX_DEPTH`] is refused the same way.
    fn negation(&mut self, pair: P) -> Pred {
        let mut nots: Vec<P> = pair.into_inner().collect();
        let atom = nots.pop().expect("negated condition");
        if let Some(extra) = nots.get(MAX_DEPTH) {
            let span = self.span(extra).to(self.span(&atom));
            self.report(SyntaxError::TooManyNots { max: MAX_DEPTH, span: self.span(extra) });
            return Pred { kind: PredKind::Bool(false), span };
        }
        let mut pred = self.atom_pred(atom);
        for not in nots.iter().rev() {
            let span = self.span(not).to(pred.span);
            pred = Pred { kind: PredKind::Not(Box::new(pred)), span };
        }
        pred
    }

    fn atom_pred(&mut self, pair: P) -> Pred {
        let span = self.span(&pair);
        let inner = first(pair);
        let kind = match inner.as_rule() {
            Rule::predicate => PredKind::Paren(Box::new(self.predicate(inner))),
            Rule::comparison => {
                let mut parts = inner.into_inner();
                let lhs = Operand::Literal(self.literal(parts.next().unwrap()));
                let op = cmp_op(parts.next().unwrap().as_str());
                let rhs = self.operand(parts.next().unwrap());
                PredKind::Compare { lhs, op, rhs }
            }
            Rule::column_test => {
                let mut parts = inner.into_inner();
                let column = self.column_ref(parts.next().unwrap());
                let test = parts.next().unwrap();
                match test.as_rule() {
                    Rule::in_list => {
                        let (negated, rest) = negation(test.into_inner());
                        let items = rest.map(|l| self.literal(l)).collect();
                        PredKind::InList { column, negated, items }
                    }
                    Rule::in_range => {
                        let (negated, mut rest) = negation(test.into_inner());
                        let low = self.literal(rest.next().unwrap());
                        let high = self.literal(rest.next().unwrap());
                        PredKind::InRange { column, negated, low, high }
                    }
                    Rule::null_test => PredKind::IsNull { column, negated: test.into_inner().next().is_some() },
                    _ => {
                        let mut parts = test.into_inner();
                        let op = cmp_op(parts.next().unwrap().as_str());
                        let rhs = self.operand(parts.next().unwrap());
                        PredKind::Compare { lhs: Operand::Column(column), op, rhs }
                    }
                }
            }
            Rule::bool_lit => PredKind::Bool(inner.as_str().starts_with('t')),
            _ => PredKind::FilterRef(self.ident(first(inner))),
        };
        Pred { kind, span }
    }

    fn operand(&mut self, pair: P) -> Operand {
        match pair.as_rule() {
            Rule::column_ref => Operand::Column(self.column_ref(pair)),
            _ => Operand::Literal(self.literal(pair)),
        }
    }

    fn column_ref(&mut self, pair: P) -> ColumnRef {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let source = self.ident(inner.next().unwrap());
        let column = self.ident(inner.next().unwrap());
        ColumnRef { source, column, span }
    }

    fn literal(&mut self, pair: P) -> Literal {
        let span = self.span(&pair);
        let inner = first(pair);
        let kind = match inner.as_rule() {
            Rule::datetime => LitKind::DateTime(self.datetime(&inner)),
            Rule::date => LitKind::Date(self.date(&inner)),
            Rule::quantity => LitKind::Quantity(self.quantity(inner)),
            Rule::string => LitKind::Str(self.string(inner).value),
            _ => LitKind::Bool(inner.as_str().starts_with('t')),
        };
        Literal { kind, span }
    }

    // ------------------------------------------------------------ metrics

    fn metric_decl(&mut self, pair: P) -> MetricDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().peekable();
        let name = self.name(inner.next().unwrap());
        let label = match inner.peek().map(|p| p.as_rule()) {
            Some(Rule::string) => Some(self.string(inner.next().unwrap())),
            _ => None,
        };
        let expr = self.expr(inner.next().unwrap());
        let filter = inner.next().map(|w| self.where_clause(w));
        MetricDecl { name, label, expr, filter, span }
    }

    fn where_clause(&mut self, pair: P) -> Pred {
        self.predicate(first(pair))
    }

    /// `expr` and `term`: operands separated by operators, folded to the left.
    fn expr(&mut self, pair: P) -> Expr {
        crate::stack::with_stack(|| self.expr_unguarded(pair))
    }

    /// `*` and `/` bind tighter than `+` and `-`; each chain folds to the left.
    fn expr_unguarded(&mut self, pair: P) -> Expr {
        let terms = runs(pair.into_inner(), Rule::mul_op);
        if let Some(span) = self.runs_too_long(&terms) {
            return zero(span);
        }
        let mut acc: Option<Expr> = None;
        for (op, parts) in terms {
            let rhs = self.term(parts);
            acc = Some(match (acc, op) {
                (Some(lhs), Some(op)) => binary(if op.as_str() == "+" { BinOp::Add } else { BinOp::Sub }, lhs, rhs),
                _ => rhs,
            });
        }
        acc.unwrap()
    }

    /// One term: factors joined by `*` and `/` (`parts` alternates factor, operator).
    fn term(&mut self, parts: Vec<P>) -> Expr {
        let operands = parts.len().div_ceil(2);
        if let Some(span) = self.too_long(operands, parts.first(), parts.last()) {
            return zero(span);
        }
        let mut parts = parts.into_iter();
        let mut acc = self.factor(parts.next().unwrap());
        while let Some(op) = parts.next() {
            let rhs = self.factor(parts.next().unwrap());
            let op = if op.as_str() == "*" { BinOp::Mul } else { BinOp::Div };
            acc = binary(op, acc, rhs);
        }
        acc
    }

    /// [`Self::too_long`] for the looser chain of [`runs`]: one operand a run.
    fn runs_too_long(&mut self, runs: &[(Option<P>, Vec<P>)]) -> Option<Span> {
        let first = runs.first().and_then(|(_, parts)| parts.first());
        let last = runs.last().and_then(|(_, parts)| parts.last());
        self.too_long(runs.len(), first, last)
    }

    /// A chain of more than [`MAX_OPERANDS`] operands is refused: the tree would
    /// be that deep, and every later stage walks it recursively.
    fn too_long(&mut self, operands: usize, first: Option<&P>, last: Option<&P>) -> Option<Span> {
        if operands <= MAX_OPERANDS {
            return None;
        }
        let span = self.span(first?).to(self.span(last?));
        self.report(SyntaxError::TooManyOperands { operands, max: MAX_OPERANDS, span });
        Some(span)
    }

    /// `-x[-1 month]` is the negation of the offset value.
    fn factor(&mut self, pair: P) -> Expr {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().peekable();
        let negated = inner.next_if(|p| p.as_rule() == Rule::neg_op).is_some();
        let mut value = self.primary(inner.next().unwrap());
        if let Some(offset) = inner.next() {
            value = self.offset(value, offset);
        }
        if negated {
            value = Expr { kind: ExprKind::Neg(Box::new(value)), span };
        }
        value
    }

    fn offset(&mut self, base: Expr, offset: P) -> Expr {
        let span = base.span.to(self.span(&offset));
        let mut parts = offset.into_inner();
        let number = parts.next().unwrap();
        let periods = self.number(&number);
        let grain = Grain::parse(parts.next().unwrap().as_str()).unwrap_or(Grain::Month);
        if periods.fract() != 0.0 || !(1.0..=1000.0).contains(&periods) {
            let span = self.span(&number);
            self.report(SyntaxError::BadOffsetCount { span });
        }
        Expr { kind: ExprKind::Offset { expr: Box::new(base), periods: periods as u32, grain }, span }
    }

    fn primary(&mut self, pair: P) -> Expr {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::paren => ExprKind::Paren(Box::new(self.expr(first(pair)))),
            Rule::change_call => ExprKind::Change(Box::new(self.expr(first(pair)))),
            Rule::aggregate => ExprKind::Aggregate(self.aggregate(pair)),
            Rule::quantity => ExprKind::Quantity(self.quantity(pair)),
            _ => ExprKind::MetricRef(self.ident(first(pair))),
        };
        Expr { kind, span }
    }

    fn aggregate(&mut self, pair: P) -> Aggregate {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let func_pair = inner.next().unwrap();
        let func_span = self.span(&func_pair);
        let func = AggFn::parse(func_pair.as_str()).unwrap_or(AggFn::Count);
        let mut arg_parts = inner.next().unwrap().into_inner();
        let target = arg_parts.next().unwrap();
        let arg = match target.as_rule() {
            Rule::column_ref => AggArg::Column(self.column_ref(target)),
            _ => AggArg::Source(self.ident(first(target))),
        };
        let filter = arg_parts.next().map(|w| self.where_clause(w));
        let param = inner.next().map(|n| (self.number(&n), self.span(&n)));
        Aggregate { func, func_span, arg, filter, param, span }
    }

    // ------------------------------------------------------------ KPIs

    /// A declared name and the optional label string after it.
    fn name_and_label<'i>(&mut self, inner: &mut std::iter::Peekable<Pairs<'i, Rule>>) -> (Ident, Option<StrLit>) {
        let name = self.name(inner.next().unwrap());
        let label = match inner.peek().map(|p| p.as_rule()) {
            Some(Rule::string) => Some(self.string(inner.next().unwrap())),
            _ => None,
        };
        (name, label)
    }

    fn kpi(&mut self, pair: P) -> Kpi {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().peekable();
        let (name, label) = self.name_and_label(&mut inner);
        let mut kpi = Kpi::new(name, label, span);
        for clause in inner {
            self.kpi_clause(&mut kpi, clause);
        }
        kpi
    }

    fn kpi_clause(&mut self, kpi: &mut Kpi, clause: P) {
        let span = self.span(&clause);
        let rule = clause.as_rule();
        let seen = match rule {
            Rule::kpi_metric => kpi.metric.is_some(),
            Rule::kpi_per => kpi.grain.is_some(),
            Rule::kpi_by => !kpi.by.is_empty(),
            Rule::kpi_warn => kpi.warn.is_some(),
            Rule::kpi_owner => kpi.owner.is_some(),
            Rule::kpi_description => kpi.description.is_some(),
            _ => false,
        };
        if seen {
            let word = clause.as_str().split_whitespace().next().unwrap_or("").to_string();
            self.report(SyntaxError::RepeatedClause { kind: "KPI", name: kpi.name.name.clone(), word, span });
            return;
        }
        match rule {
            Rule::kpi_metric => {
                let mut inner = clause.into_inner();
                let expr = self.expr(inner.next().unwrap());
                let filter = inner.next().map(|w| self.where_clause(w));
                kpi.metric = Some(KpiMetric { expr, filter, span });
            }
            Rule::kpi_per => {
                let grain = Grain::parse(first(clause).as_str()).unwrap_or(Grain::Month);
                kpi.grain = Some((grain, span));
            }
            Rule::kpi_by => kpi.by = clause.into_inner().map(|p| self.ident(p)).collect(),
            Rule::kpi_warn => kpi.warn = Some(self.quantity(first(clause))),
            Rule::kpi_owner => kpi.owner = Some(self.string(first(clause))),
            Rule::kpi_description => kpi.description = Some(self.string(first(clause))),
            _ => kpi.targets.push(self.target(clause)),
        }
    }

    fn target(&mut self, pair: P) -> Target {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let body = inner.next().unwrap();
        let since = inner.next().map(|s| {
            let p = first(s);
            match p.as_rule() {
                Rule::date => {
                    let d = self.date(&p);
                    PeriodLit { grain: Grain::Day, start: d, text: p.as_str().to_string(), span: self.span(&p) }
                }
                _ => self.period(p),
            }
        });
        let kind = match body.as_rule() {
            Rule::target_between => {
                let mut parts = body.into_inner();
                let low = self.quantity(parts.next().unwrap());
                let high = self.quantity(parts.next().unwrap());
                TargetKind::Between { low, high }
            }
            Rule::target_table => {
                let mut parts = body.into_inner();
                let direction = direction(parts.next().unwrap().as_str());
                let path = self.string(parts.next().unwrap());
                let (mut column, mut unit) = (None, None);
                for part in parts {
                    match part.as_rule() {
                        Rule::table_unit => unit = Some(self.table_unit(part)),
                        _ => column = Some(self.string(part)),
                    }
                }
                TargetKind::Table { direction, path, column, unit }
            }
            _ => {
                let mut parts = body.into_inner();
                let direction = direction(parts.next().unwrap().as_str());
                let value = first(parts.next().unwrap());
                match value.as_rule() {
                    Rule::previous_rel => {
                        let mut rel = value.into_inner();
                        let adjust = rel.next().map(|op| {
                            let op = match op.as_str() {
                                "+" => RelOp::Add,
                                "-" => RelOp::Sub,
                                _ => RelOp::Mul,
                            };
                            (op, self.quantity(rel.next().unwrap()))
                        });
                        TargetKind::Previous { direction, adjust }
                    }
                    _ => TargetKind::Fixed { direction, value: self.quantity(value) },
                }
            }
        };
        Target { kind, since, span }
    }

    // ------------------------------------------------------------ scorecards

    fn scorecard(&mut self, pair: P) -> Scorecard {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.name(inner.next().unwrap());
        let by = self.ident(inner.next().unwrap());
        let grain_pair = inner.next().unwrap();
        let grain = (Grain::parse(grain_pair.as_str()).unwrap_or(Grain::Month), self.span(&grain_pair));
        let mut card = Scorecard {
            name,
            by,
            grain,
            weights: Vec::new(),
            cap: None,
            missing: None,
            gates: Vec::new(),
            base: None,
            payout: None,
            span,
        };
        for item in inner {
            self.scorecard_item(&mut card, item);
        }
        card
    }

    fn scorecard_item(&mut self, card: &mut Scorecard, item: P) {
        let span = self.span(&item);
        let seen = match item.as_rule() {
            Rule::sc_cap => card.cap.is_some(),
            Rule::sc_missing => card.missing.is_some(),
            Rule::sc_base => card.base.is_some(),
            Rule::sc_payout => card.payout.is_some(),
            _ => false,
        };
        if seen {
            let word = item.as_str().split_whitespace().next().unwrap_or("").to_string();
            self.report(SyntaxError::RepeatedClause { kind: "scorecard", name: card.name.name.clone(), word, span });
            return;
        }
        match item.as_rule() {
            Rule::sc_weight => {
                let mut parts = item.into_inner();
                let kpi = self.ident(parts.next().unwrap());
                let weight = self.percent(parts.next().unwrap());
                card.weights.push(Weight { kpi, weight, span });
            }
            Rule::sc_cap => card.cap = Some(self.percent(first(item))),
            Rule::sc_missing => {
                let rule = match first(item).as_str() {
                    "zero" => MissingRule::Zero,
                    _ => MissingRule::Exclude,
                };
                card.missing = Some((rule, span));
            }
            Rule::sc_gate => card.gates.push(self.ident(first(item))),
            Rule::sc_base => {
                let mut parts = item.into_inner();
                let part = parts.next().unwrap();
                card.base = Some(match part.as_rule() {
                    Rule::quantity => Base::Amount(self.quantity(part)),
                    _ => Base::Table(self.string(part), parts.next().map(|u| self.table_unit(u))),
                });
            }
            _ => {
                let rules = item.into_inner().map(|r| self.payout_rule(r)).collect();
                card.payout = Some(Payout { rules, span });
            }
        }
    }

    fn payout_rule(&mut self, pair: P) -> PayoutRule {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let range_pair = first(inner.next().unwrap());
        let range = match range_pair.as_rule() {
            Rule::payout_below => PayoutRange::Below(self.percent(first(range_pair)).base_value()),
            Rule::payout_above => PayoutRange::Above(self.percent(first(range_pair)).base_value()),
            _ => {
                let mut parts = range_pair.into_inner();
                let low = self.percent(parts.next().unwrap()).base_value();
                let high = self.percent(parts.next().unwrap()).base_value();
                PayoutRange::Between(low, high)
            }
        };
        let value_pair = first(inner.next().unwrap());
        let value = match value_pair.as_rule() {
            Rule::payout_linear => {
                let mut parts = value_pair.into_inner();
                let a = self.number(&parts.next().unwrap());
                let b = self.number(&parts.next().unwrap());
                PayoutValue::Linear(a, b)
            }
            _ => PayoutValue::Constant(self.number(&value_pair)),
        };
        PayoutRule { range, value, span }
    }

    // ------------------------------------------------------------ cascades

    fn cascade(&mut self, pair: P) -> Cascade {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let kpi = self.ident(inner.next().unwrap());
        let body_pair = inner.next().unwrap();
        let body = match body_pair.as_rule() {
            Rule::cascade_driver => {
                let mut parts = body_pair.into_inner();
                let driver = self.ident(parts.next().unwrap());
                let rate = self.quantity(parts.next().unwrap());
                CascadeBody::Driver { kpi: driver, rate }
            }
            _ => CascadeBody::Levels(self.level(body_pair, 1)),
        };
        Cascade { kpi, body, span }
    }

    /// A chain of levels `by a ... then by b ...`, its first `depth` levels down its
    /// cascade (the top is 1). Levels nest like brackets (every later stage walks
    /// them recursively), so a cascade deeper than [`MAX_DEPTH`] is refused.
    fn level(&mut self, pair: P, depth: usize) -> Level {
        let end = self.span(&pair).end as usize;
        let mut steps: Vec<P> = pair.into_inner().collect();
        if let Some(extra) = steps.get((MAX_DEPTH + 1).saturating_sub(depth)) {
            let start = self.offset + extra.as_span().start();
            let span = Span::new(self.file, start, start + "by".len());
            self.report(SyntaxError::CascadeTooDeep { max: MAX_DEPTH, span });
            steps.truncate((MAX_DEPTH + 1).saturating_sub(depth).max(1));
        }
        let mut then: Option<Box<Level>> = None;
        for (i, step) in steps.into_iter().enumerate().rev() {
            let span = Span::new(self.file, self.offset + step.as_span().start(), end);
            then = Some(Box::new(self.level_step(step, depth + i, then, span)));
        }
        *then.expect("a chain has a first level")
    }

    fn level_step(&mut self, pair: P, depth: usize, then: Option<Box<Level>>, span: Span) -> Level {
        let mut inner = pair.into_inner();
        let dimension = self.ident(inner.next().unwrap());
        let mut next = inner.next().unwrap();
        let mut org = None;
        if next.as_rule() == Rule::org_table {
            org = Some(self.string(first(next)));
            next = inner.next().unwrap();
        }
        let allocation = self.allocation(next, depth);
        Level { dimension, org, allocation, then, span }
    }

    fn allocation(&mut self, pair: P, depth: usize) -> Allocation {
        let inner = first(pair);
        match inner.as_rule() {
            Rule::alloc_inherit => Allocation::Inherit,
            Rule::alloc_evenly => Allocation::Evenly,
            Rule::alloc_proportional => Allocation::Proportional(self.period(first(inner))),
            _ => Allocation::Explicit(inner.into_inner().map(|e| self.alloc_entry(e, depth)).collect()),
        }
    }

    fn alloc_entry(&mut self, pair: P, depth: usize) -> AllocEntry {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let entity = self.string(inner.next().unwrap());
        let amount = self.quantity(inner.next().unwrap());
        let then = inner.next().map(|l| Box::new(self.level(l, depth + 1)));
        AllocEntry { entity, amount, then, span }
    }
}

/// A string's text with its escapes replaced; an escape that names no Unicode
/// character is left out, and the hex digits of each such come back with the rest.
pub(super) fn unescape(raw: &str) -> Result<String, (String, Vec<String>)> {
    let mut out = String::with_capacity(raw.len());
    let mut bad = Vec::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('u') => {
                let hex: String = chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => bad.push(hex),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    if bad.is_empty() {
        Ok(out)
    } else {
        Err((out, bad))
    }
}

/// A number as written (`2_000_000`, `0.5`), if it is finite.
pub(super) fn number_value(text: &str) -> Option<f64> {
    let value = if text.contains('_') { text.replace('_', "").parse::<f64>() } else { text.parse::<f64>() };
    value.ok().filter(|v| v.is_finite())
}

fn first(pair: P) -> P {
    pair.into_inner().next().expect("grammar guarantees a child")
}

/// Consume an optional `not` keyword.
/// Whether an `in` test is negated, and its parts after `in`.
fn negation(mut parts: Pairs<Rule>) -> (bool, Pairs<Rule>) {
    let negated = parts.peek().is_some_and(|p| p.as_rule() == Rule::not_kw);
    if negated {
        parts.next();
    }
    parts.next().filter(|p| p.as_rule() == Rule::in_kw).expect("`in` after the column");
    (negated, parts)
}

pub(super) fn cmp_op(s: &str) -> CmpOp {
    match s {
        "==" => CmpOp::Eq,
        "!=" => CmpOp::Ne,
        ">=" => CmpOp::Ge,
        "<=" => CmpOp::Le,
        ">" => CmpOp::Gt,
        _ => CmpOp::Lt,
    }
}

pub(super) fn direction(s: &str) -> Direction {
    if s == ">=" {
        Direction::AtLeast
    } else {
        Direction::AtMost
    }
}

/// A duration unit the grammar accepted.
pub(super) fn duration_unit(s: &str) -> DurationUnit {
    DurationUnit::parse(s).unwrap_or(DurationUnit::Day)
}

/// `2025`, `2025-Q1`, `2025-03`, `2025-W07`, `2025-03-14` to a grain and first day.
pub fn parse_period(text: &str) -> Option<(Grain, NaiveDate)> {
    let year: i32 = text.get(..4)?.parse().ok()?;
    let rest = &text[4..];
    if rest.is_empty() {
        return Some((Grain::Year, NaiveDate::from_ymd_opt(year, 1, 1)?));
    }
    if let Some(q) = rest.strip_prefix("-Q") {
        let q: u32 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
        return Some((Grain::Quarter, NaiveDate::from_ymd_opt(year, 3 * q - 2, 1)?));
    }
    if let Some(w) = rest.strip_prefix("-W") {
        let w: u32 = w.parse().ok()?;
        return Some((Grain::Week, NaiveDate::from_isoywd_opt(year, w, chrono::Weekday::Mon)?));
    }
    if rest.len() == 3 {
        let m: u32 = rest[1..].parse().ok()?;
        return Some((Grain::Month, NaiveDate::from_ymd_opt(year, m, 1)?));
    }
    let d = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    debug_assert_eq!(d.year(), year);
    Some((Grain::Day, d))
}

/// Length of `text` without trailing whitespace and `//` comments.
pub(super) fn code_len(text: &str) -> usize {
    let last_line = text.rfind('\n').map_or(text, |i| &text[i..]);
    if !text.ends_with(|c: char| c.is_whitespace()) && !last_line.contains("//") {
        return text.len();
    }
    let mut end = text.trim_end().len();
    loop {
        let line_start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        match comment_start(&text[line_start..end]) {
            Some(c) => end = text[..line_start + c].trim_end().len(),
            None => return end,
        }
    }
}

/// Where a `//` comment starts in one line, outside string literals.
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// A flat chain `a op b op c ...` cut into runs joined by the tighter operator
/// `tight`: each run alternates operand and operator, and comes with the looser
/// operator before it (none for the first).
fn runs<'i>(mut chain: Pairs<'i, Rule>, tight: Rule) -> Vec<(Option<P<'i>>, Vec<P<'i>>)> {
    let mut runs = vec![(None, vec![chain.next().unwrap()])];
    while let Some(op) = chain.next() {
        let operand = chain.next().unwrap();
        if op.as_rule() == tight {
            let run = &mut runs.last_mut().unwrap().1;
            run.push(op);
            run.push(operand);
        } else {
            runs.push((Some(op), vec![operand]));
        }
    }
    runs
}

pub(super) fn binary(op: BinOp, lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.to(rhs.span);
    Expr { kind: ExprKind::Binary { op, lhs: Box::new(lhs), rhs: Box::new(rhs) }, span }
}

/// What a refused expression lowers to, so later stages still see an expression.
fn zero(span: Span) -> Expr {
    Expr { kind: ExprKind::Quantity(Quantity { value: 0.0, unit: UnitLit::None, span }), span }
}

pub(super) fn pred_node(kind: fn(Box<Pred>, Box<Pred>) -> PredKind, lhs: Pred, rhs: Pred) -> Pred {
    let span = lhs.span.to(rhs.span);
    Pred { kind: kind(Box::new(lhs), Box::new(rhs)), span }
}
