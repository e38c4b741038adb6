//! A hand-written reading of the most common declarations: imports, sources,
//! filters, metrics and KPIs.
//!
//! `grammar/kpi.pest` defines the language, and pest parses every declaration
//! this module does not. pest's bookkeeping per rule (attempts kept for error
//! messages, a token queue, a call per literal) made parsing four fifths of
//! `kpic check` on large specs; this reader goes through a declaration once,
//! byte by byte, and builds the syntax tree directly.
//!
//! It only ever answers with the tree pest and [`super::lower`] would build, or
//! gives up: on anything it is not sure of (a syntax error, a declaration kind it
//! does not read, a value that needs a diagnostic such as a keyword as a name or a
//! date not in the calendar) it returns `None`, and pest parses the declaration and
//! reports what is wrong. Where the grammar chooses between alternatives, the
//! reader takes the one pest takes (the first that matches) or gives up.
//! `tests/hand_reader.rs` checks, on every fixture, every example and generated
//! specs (also with random edits), that whenever it gives a tree, that tree is
//! pest's.

use super::ast::*;
use super::chunk::MAX_DEPTH;
use super::lower::{
    binary, cmp_op, direction, duration_unit, number_value, parse_period, pred_node, unescape, MAX_OPERANDS,
};
use crate::span::{FileId, Span};
use crate::vocab::keywords::{is_currency, DURATION_WORDS, GRAIN_WORDS, KEYWORDS, TABLE_SCALE_WORDS};
use crate::vocab::*;
use chrono::{NaiveDate, NaiveDateTime};

/// The reader is not sure: pest parses the declaration instead.
struct GiveUp;

type R<T> = Result<T, GiveUp>;

/// The declaration in `source` (a chunk starting at byte `offset` of its file), if
/// the reader is sure of it.
pub(super) fn declaration(file: FileId, offset: usize, source: &str) -> Option<Decl> {
    let mut r = HandReader { text: source, bytes: source.as_bytes(), pos: 0, end: 0, file, offset };
    r.skip();
    let decl = r.declaration().ok()?;
    (r.pos == r.bytes.len()).then_some(decl)
}

struct HandReader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// Where the next token starts: whitespace and comments are always skipped.
    pos: usize,
    /// Where the last token read ends: a node's span ends here.
    end: usize,
    file: FileId,
    offset: usize,
}

/// A byte of a name or keyword.
pub(crate) fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> HandReader<'a> {
    // ------------------------------------------------------------ tokens

    /// Past whitespace and `//` comments, as pest's implicit rules skip them.
    fn skip(&mut self) {
        let b = self.bytes;
        loop {
            while self.pos < b.len() && matches!(b[self.pos], b' ' | b'\t' | b'\r' | b'\n') {
                self.pos += 1;
            }
            if b[self.pos..].starts_with(b"//") {
                while self.pos < b.len() && b[self.pos] != b'\n' {
                    self.pos += 1;
                }
            } else {
                return;
            }
        }
    }

    /// Take the next `n` bytes as a token.
    fn bump(&mut self, n: usize) {
        self.pos += n;
        self.end = self.pos;
        self.skip();
    }

    fn at(&self, i: usize) -> u8 {
        self.bytes.get(i).copied().unwrap_or(0)
    }

    fn peek(&self) -> u8 {
        self.at(self.pos)
    }

    fn span(&self, start: usize) -> Span {
        Span::new(self.file, self.offset + start, self.offset + self.end)
    }

    /// The word (letters, digits, `_`, not starting with a digit) at the cursor,
    /// maybe empty.
    fn word(&self) -> &'a str {
        self.word_at(self.pos)
    }

    fn word_at(&self, at: usize) -> &'a str {
        let b = self.bytes;
        if !(self.at(at).is_ascii_alphabetic() || self.at(at) == b'_') {
            return "";
        }
        let len = b[at..].iter().take_while(|c| is_ident_char(**c)).count();
        &self.text[at..at + len]
    }

    /// Take the word `w` if it is the next word.
    fn keyword(&mut self, w: &str) -> bool {
        if self.word() == w {
            self.bump(w.len());
            true
        } else {
            false
        }
    }

    fn expect_keyword(&mut self, w: &str) -> R<()> {
        if self.keyword(w) {
            Ok(())
        } else {
            Err(GiveUp)
        }
    }

    fn punct(&mut self, p: &str) -> bool {
        if self.bytes[self.pos..].starts_with(p.as_bytes()) {
            self.bump(p.len());
            true
        } else {
            false
        }
    }

    fn expect(&mut self, p: &str) -> R<()> {
        if self.punct(p) {
            Ok(())
        } else {
            Err(GiveUp)
        }
    }

    /// Any word, keywords included (the grammar's `name` in columns and types).
    fn raw_name(&mut self) -> R<Ident> {
        self.take_name(self.word())
    }

    /// The word `w` at the cursor as a name.
    fn take_name(&mut self, w: &'a str) -> R<Ident> {
        if w.is_empty() {
            return Err(GiveUp);
        }
        let start = self.pos;
        self.bump(w.len());
        Ok(Ident { name: w.to_string(), span: self.span(start) })
    }

    /// A word that is not a keyword: a reference, or a declared name (which the
    /// front end would refuse with a diagnostic if it were a keyword).
    fn ident(&mut self) -> R<Ident> {
        let w = self.word();
        // Every keyword is lowercase letters only: most names are told apart by that.
        if w.bytes().all(|c| c.is_ascii_lowercase()) && KEYWORDS.contains(&w) {
            return Err(GiveUp);
        }
        self.take_name(w)
    }

    fn string(&mut self) -> R<StrLit> {
        let b = self.bytes;
        let start = self.pos;
        if self.peek() != b'"' {
            return Err(GiveUp);
        }
        let mut i = start + 1;
        let mut escaped = false;
        loop {
            if i >= b.len() {
                return Err(GiveUp);
            }
            match b[i] {
                b'"' => break,
                b'\n' => return Err(GiveUp),
                b'\\' => {
                    escaped = true;
                    i += match self.at(i + 1) {
                        b'"' | b'\\' | b'n' | b't' | b'r' => 2,
                        b'u' if self.at(i + 2) == b'{' => {
                            let digits = b[i + 3..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
                            if !(1..=6).contains(&digits) || self.at(i + 3 + digits) != b'}' {
                                return Err(GiveUp);
                            }
                            4 + digits
                        }
                        _ => return Err(GiveUp),
                    };
                }
                _ => i += 1,
            }
        }
        let raw = &self.text[start + 1..i];
        let value = if escaped { unescape(raw).map_err(|_| GiveUp)? } else { raw.to_string() };
        self.bump(i + 1 - start);
        Ok(StrLit { value, span: self.span(start) })
    }

    /// The length of the grammar's `number` at `at` (digits and `_`, an optional
    /// fraction), 0 if there is none.
    fn number_len(&self, at: usize) -> usize {
        let b = self.bytes;
        if !self.at(at).is_ascii_digit() {
            return 0;
        }
        let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit() || **c == b'_').count();
        let mut len = 1 + digits(at + 1);
        if self.at(at + len) == b'.' && self.at(at + len + 1).is_ascii_digit() {
            len += 2 + digits(at + len + 2);
        }
        len
    }

    fn number(&mut self) -> R<(f64, Span)> {
        let start = self.pos;
        let len = self.number_len(start);
        let value = number_value(&self.text[start..start + len]).ok_or(GiveUp)?;
        self.bump(len);
        Ok((value, self.span(start)))
    }

    /// `3000`, `-5`, `40%`, `2_000 RUB`, `3 days`.
    fn quantity(&mut self) -> R<Quantity> {
        let start = self.pos;
        let negative = self.peek() == b'-';
        let at = start + usize::from(negative);
        let len = self.number_len(at);
        let value = number_value(&self.text[at..at + len]).ok_or(GiveUp)?;
        let mut end = at + len;
        let mut unit = UnitLit::None;
        if self.at(end) == b'%' {
            unit = UnitLit::Percent;
            end += 1;
        } else {
            let spaces = self.bytes[end..].iter().take_while(|c| **c == b' ').count();
            let w = if spaces > 0 { self.word_at(end + spaces) } else { "" };
            if is_currency(w) {
                unit = UnitLit::Currency(w.to_string());
                end += spaces + 3;
            } else if DURATION_WORDS.contains(&w) {
                unit = UnitLit::Duration(duration_unit(w));
                end += spaces + w.len();
            }
        }
        self.bump(end - start);
        Ok(Quantity { value: if negative { -value } else { value }, unit, span: self.span(start) })
    }

    /// Whether the bytes at `at` are `DDDD-DD-DD` (the grammar's `date`).
    fn is_date(&self, at: usize) -> bool {
        let digit = |i: usize| self.at(at + i).is_ascii_digit();
        (0..4).all(digit)
            && self.at(at + 4) == b'-'
            && digit(5)
            && digit(6)
            && self.at(at + 7) == b'-'
            && digit(8)
            && digit(9)
    }

    /// The length of a `datetime` at `at`, 0 if there is none.
    fn datetime_len(&self, at: usize) -> usize {
        let digit = |i: usize| self.at(at + i).is_ascii_digit();
        let clock = self.is_date(at)
            && matches!(self.at(at + 10), b'T' | b' ')
            && digit(11)
            && digit(12)
            && self.at(at + 13) == b':'
            && digit(14)
            && digit(15);
        match clock {
            false => 0,
            true if self.at(at + 16) == b':' && digit(17) && digit(18) => 19,
            true => 16,
        }
    }

    fn date(&mut self) -> R<(NaiveDate, Span)> {
        let start = self.pos;
        let date = NaiveDate::parse_from_str(&self.text[start..start + 10], "%Y-%m-%d").map_err(|_| GiveUp)?;
        self.bump(10);
        Ok((date, self.span(start)))
    }

    /// `datetime | date | quantity | string | bool_lit`, in the grammar's order.
    fn literal(&mut self) -> R<Literal> {
        let start = self.pos;
        let c = self.peek();
        let kind = if c.is_ascii_digit() {
            let len = self.datetime_len(start);
            if len > 0 {
                let text = self.text[start..start + len].replace(' ', "T");
                let format = if len == 19 { "%Y-%m-%dT%H:%M:%S" } else { "%Y-%m-%dT%H:%M" };
                let moment = NaiveDateTime::parse_from_str(&text, format).map_err(|_| GiveUp)?;
                self.bump(len);
                LitKind::DateTime(moment)
            } else if self.is_date(start) {
                LitKind::Date(self.date()?.0)
            } else {
                LitKind::Quantity(self.quantity()?)
            }
        } else if c == b'-' {
            LitKind::Quantity(self.quantity()?)
        } else if c == b'"' {
            LitKind::Str(self.string()?.value)
        } else if self.keyword("true") {
            LitKind::Bool(true)
        } else if self.keyword("false") {
            LitKind::Bool(false)
        } else {
            return Err(GiveUp);
        };
        Ok(Literal { kind, span: self.span(start) })
    }

    fn grain(&mut self) -> R<Grain> {
        let w = self.word();
        if !GRAIN_WORDS.contains(&w) {
            return Err(GiveUp);
        }
        self.bump(w.len());
        Grain::parse(w).ok_or(GiveUp)
    }

    // ------------------------------------------------------------ declarations

    fn declaration(&mut self) -> R<Decl> {
        let start = self.pos;
        Ok(match self.word() {
            "import" => {
                self.bump(6);
                let path = self.string()?;
                Decl::Import(Import { path, span: self.span(start) })
            }
            "source" => Decl::Source(self.source()?),
            "filter" => {
                self.bump(6);
                let name = self.ident()?;
                self.expect("=")?;
                let pred = self.predicate()?;
                Decl::Filter(FilterDecl { name, pred, span: self.span(start) })
            }
            "metric" => {
                self.bump(6);
                let name = self.ident()?;
                let label = self.label()?;
                self.expect("=")?;
                let expr = self.expr()?;
                let filter = self.where_clause()?;
                Decl::Metric(MetricDecl { name, label, expr, filter, span: self.span(start) })
            }
            "kpi" => Decl::Kpi(self.kpi()?),
            _ => return Err(GiveUp),
        })
    }

    fn label(&mut self) -> R<Option<StrLit>> {
        if self.peek() == b'"' {
            self.string().map(Some)
        } else {
            Ok(None)
        }
    }

    fn where_clause(&mut self) -> R<Option<Pred>> {
        if self.keyword("where") {
            self.predicate().map(Some)
        } else {
            Ok(None)
        }
    }

    fn source(&mut self) -> R<Source> {
        let start = self.pos;
        self.bump(6);
        let name = self.ident()?;
        self.expect_keyword("from")?;
        let from = if self.keyword("table") {
            let table = self.string()?;
            let connection = if self.keyword("in") { Some(self.ident()?) } else { None };
            SourceFrom::Table { table, connection }
        } else {
            SourceFrom::File(self.string()?)
        };
        self.expect("{")?;
        let mut columns = Vec::new();
        while !self.punct("}") {
            columns.push(self.column()?);
        }
        Ok(Source { name, from, columns, span: self.span(start) })
    }

    fn column(&mut self) -> R<Column> {
        let start = self.pos;
        let is_time = self.keyword("time");
        let name = self.raw_name()?;
        self.expect(":")?;
        let type_start = self.pos;
        let type_name = self.raw_name()?;
        let arg = if self.punct("(") {
            let w = self.word();
            if !(is_currency(w) || DURATION_WORDS.contains(&w)) {
                return Err(GiveUp);
            }
            let arg = self.raw_name()?;
            self.expect(")")?;
            Some(arg)
        } else {
            None
        };
        let ty = TypeExpr { name: type_name, arg, span: self.span(type_start) };
        // `format` then a string, or a column named `format...` that follows.
        let mut format = None;
        if self.word() == "format" {
            let (pos, end) = (self.pos, self.end);
            self.bump(6);
            if self.peek() == b'"' {
                format = Some(self.string()?);
            } else {
                (self.pos, self.end) = (pos, end);
            }
        }
        Ok(Column { name, is_time, ty, format, span: self.span(start) })
    }

    // ------------------------------------------------------------ conditions

    /// `and` binds tighter than `or`; each chain folds to the left.
    fn predicate(&mut self) -> R<Pred> {
        let mut disjuncts = vec![vec![self.condition()?]];
        loop {
            if self.keyword("and") {
                let rhs = self.condition()?;
                disjuncts.last_mut().expect("a first run").push(rhs);
            } else if self.keyword("or") {
                disjuncts.push(vec![self.condition()?]);
            } else {
                break;
            }
        }
        if disjuncts.len() > MAX_OPERANDS || disjuncts.iter().any(|run| run.len() > MAX_OPERANDS) {
            return Err(GiveUp);
        }
        let fold = |run: Vec<Pred>, kind: fn(Box<Pred>, Box<Pred>) -> PredKind| {
            run.into_iter().reduce(|lhs, rhs| pred_node(kind, lhs, rhs)).expect("a run has an operand")
        };
        let conjunctions: Vec<Pred> = disjuncts.into_iter().map(|run| fold(run, PredKind::And)).collect();
        Ok(fold(conjunctions, PredKind::Or))
    }

    fn condition(&mut self) -> R<Pred> {
        let mut nots = Vec::new();
        while self.word() == "not" {
            let start = self.pos;
            self.bump(3);
            nots.push(self.span(start));
        }
        if nots.len() > MAX_DEPTH {
            return Err(GiveUp);
        }
        let mut pred = self.atom_pred()?;
        for not in nots.into_iter().rev() {
            let span = not.to(pred.span);
            pred = Pred { kind: PredKind::Not(Box::new(pred)), span };
        }
        Ok(pred)
    }

    /// `( .. )`, a test on a column, a comparison with a value first, `true`,
    /// `false` or a filter's name.
    fn atom_pred(&mut self) -> R<Pred> {
        let start = self.pos;
        let c = self.peek();
        let kind = if c == b'(' {
            self.bump(1);
            let inner = self.predicate()?;
            self.expect(")")?;
            PredKind::Paren(Box::new(inner))
        } else if c.is_ascii_digit() || c == b'-' || c == b'"' {
            self.comparison()?
        } else {
            let w = self.word();
            if w.is_empty() {
                return Err(GiveUp);
            }
            if self.at(self.pos + w.len()) == b'.' {
                self.column_test()?
            } else if w == "true" || w == "false" {
                let (pos, end) = (self.pos, self.end);
                self.bump(w.len());
                if self.cmp_op().is_some() {
                    (self.pos, self.end) = (pos, end);
                    self.comparison()?
                } else {
                    PredKind::Bool(w == "true")
                }
            } else {
                let name = self.ident()?;
                if matches!(self.peek(), b'.' | b'(') {
                    return Err(GiveUp);
                }
                PredKind::FilterRef(name)
            }
        };
        Ok(Pred { kind, span: self.span(start) })
    }

    fn comparison(&mut self) -> R<PredKind> {
        let lhs = Operand::Literal(self.literal()?);
        let op = self.take_cmp_op()?;
        let rhs = self.operand()?;
        Ok(PredKind::Compare { lhs, op, rhs })
    }

    fn cmp_op(&self) -> Option<&'static str> {
        let rest = &self.bytes[self.pos..];
        ["==", "!=", ">=", "<=", ">", "<"].into_iter().find(|op| rest.starts_with(op.as_bytes()))
    }

    fn take_cmp_op(&mut self) -> R<CmpOp> {
        let op = self.cmp_op().ok_or(GiveUp)?;
        self.bump(op.len());
        Ok(cmp_op(op))
    }

    /// `literal | column_ref`: of the words, only `true` and `false` are values.
    fn operand(&mut self) -> R<Operand> {
        let w = self.word();
        if w.is_empty() || w == "true" || w == "false" {
            Ok(Operand::Literal(self.literal()?))
        } else {
            Ok(Operand::Column(self.column_ref()?))
        }
    }

    /// `orders.amount`, with nothing between the names and the dot.
    fn column_ref(&mut self) -> R<ColumnRef> {
        let start = self.pos;
        let source = self.word();
        let column = self.word_at(self.pos + source.len() + 1);
        if source.is_empty() || self.at(self.pos + source.len()) != b'.' || column.is_empty() {
            return Err(GiveUp);
        }
        let source_span = Span::new(self.file, self.offset + start, self.offset + start + source.len());
        let column_start = start + source.len() + 1;
        self.bump(source.len() + 1 + column.len());
        Ok(ColumnRef {
            source: Ident { name: source.to_string(), span: source_span },
            column: Ident { name: column.to_string(), span: self.span(column_start) },
            span: self.span(start),
        })
    }

    /// A column, then `is [not] null`, `[not] in [..]`, `[not] in a .. b` or a
    /// comparison.
    fn column_test(&mut self) -> R<PredKind> {
        let column = self.column_ref()?;
        if self.keyword("is") {
            let negated = self.keyword("not");
            self.expect_keyword("null")?;
            return Ok(PredKind::IsNull { column, negated });
        }
        if self.cmp_op().is_some() {
            let op = self.take_cmp_op()?;
            let rhs = self.operand()?;
            return Ok(PredKind::Compare { lhs: Operand::Column(column), op, rhs });
        }
        let negated = self.keyword("not");
        self.expect_keyword("in")?;
        if self.punct("[") {
            let mut items = Vec::new();
            while !self.punct("]") {
                items.push(self.literal()?);
                if !self.punct(",") {
                    self.expect("]")?;
                    break;
                }
            }
            Ok(PredKind::InList { column, negated, items })
        } else {
            let low = self.literal()?;
            self.expect("..")?;
            let high = self.literal()?;
            Ok(PredKind::InRange { column, negated, low, high })
        }
    }

    // ------------------------------------------------------------ expressions

    /// `*` and `/` bind tighter than `+` and `-`; each chain folds to the left.
    fn expr(&mut self) -> R<Expr> {
        // Each term with the operator before it and how many factors it has.
        let mut terms: Vec<(Option<BinOp>, Expr, usize)> = vec![(None, self.factor()?, 1)];
        loop {
            let op = match self.peek() {
                b'+' => BinOp::Add,
                b'-' => BinOp::Sub,
                b'*' => BinOp::Mul,
                b'/' => BinOp::Div,
                _ => break,
            };
            self.bump(1);
            let rhs = self.factor()?;
            if matches!(op, BinOp::Mul | BinOp::Div) {
                let (before, lhs, factors) = terms.pop().expect("a first term");
                terms.push((before, binary(op, lhs, rhs), factors + 1));
            } else {
                terms.push((Some(op), rhs, 1));
            }
        }
        if terms.len() > MAX_OPERANDS || terms.iter().any(|(_, _, factors)| *factors > MAX_OPERANDS) {
            return Err(GiveUp);
        }
        let mut terms = terms.into_iter();
        let (_, mut acc, _) = terms.next().expect("a first term");
        for (op, term, _) in terms {
            acc = binary(op.expect("an operator before every later term"), acc, term);
        }
        Ok(acc)
    }

    /// `-x[-1 month]` is the negation of the offset value.
    fn factor(&mut self) -> R<Expr> {
        let start = self.pos;
        let negated = self.punct("-");
        let mut value = self.primary()?;
        let offset_start = self.pos;
        if self.punct("[") {
            self.expect("-")?;
            let (periods, _) = self.number()?;
            let grain = self.grain()?;
            self.expect("]")?;
            if periods.fract() != 0.0 || !(1.0..=1000.0).contains(&periods) {
                return Err(GiveUp);
            }
            let span = value.span.to(self.span(offset_start));
            value = Expr { kind: ExprKind::Offset { expr: Box::new(value), periods: periods as u32, grain }, span };
        }
        if negated {
            value = Expr { kind: ExprKind::Neg(Box::new(value)), span: self.span(start) };
        }
        Ok(value)
    }

    /// `( .. )`, `change( .. )`, an aggregate, a quantity or a metric's name.
    fn primary(&mut self) -> R<Expr> {
        let start = self.pos;
        let c = self.peek();
        let kind = if c == b'(' {
            self.bump(1);
            let inner = self.expr()?;
            self.expect(")")?;
            ExprKind::Paren(Box::new(inner))
        } else if c.is_ascii_digit() || c == b'-' {
            ExprKind::Quantity(self.quantity()?)
        } else {
            let w = self.word();
            let (pos, end) = (self.pos, self.end);
            if w == "change" {
                self.bump(w.len());
                self.expect("(")?;
                let inner = self.expr()?;
                self.expect(")")?;
                ExprKind::Change(Box::new(inner))
            } else if let Some(func) = AggFn::parse(w) {
                self.bump(w.len());
                let func_span = self.span(start);
                if self.punct("(") {
                    ExprKind::Aggregate(self.aggregate(func, func_span, start)?)
                } else {
                    (self.pos, self.end) = (pos, end);
                    ExprKind::MetricRef(self.ident()?)
                }
            } else {
                ExprKind::MetricRef(self.ident()?)
            }
        };
        Ok(Expr { kind, span: self.span(start) })
    }

    /// After `sum(`: the column or source, its `where`, the rank and `)`.
    fn aggregate(&mut self, func: AggFn, func_span: Span, start: usize) -> R<Aggregate> {
        let w = self.word();
        let arg = if !w.is_empty() && self.at(self.pos + w.len()) == b'.' {
            AggArg::Column(self.column_ref()?)
        } else {
            AggArg::Source(self.ident()?)
        };
        let filter = self.where_clause()?;
        let param = if self.punct(",") { Some(self.number()?) } else { None };
        self.expect(")")?;
        Ok(Aggregate { func, func_span, arg, filter, param, span: self.span(start) })
    }

    // ------------------------------------------------------------ KPIs

    fn kpi(&mut self) -> R<Kpi> {
        let start = self.pos;
        self.bump(3);
        let name = self.ident()?;
        let label = self.label()?;
        self.expect("{")?;
        let mut kpi = Kpi::new(name, label, Span::default());
        while !self.punct("}") {
            self.kpi_clause(&mut kpi)?;
        }
        kpi.span = self.span(start);
        Ok(kpi)
    }

    /// One clause; a repeated one (which the front end reports) gives up.
    fn kpi_clause(&mut self, kpi: &mut Kpi) -> R<()> {
        let start = self.pos;
        let word = self.word();
        let seen = match word {
            "metric" => kpi.metric.is_some(),
            "per" => kpi.grain.is_some(),
            "by" => !kpi.by.is_empty(),
            "warn" => kpi.warn.is_some(),
            "owner" => kpi.owner.is_some(),
            "description" => kpi.description.is_some(),
            "target" => false,
            _ => return Err(GiveUp),
        };
        if seen {
            return Err(GiveUp);
        }
        self.bump(word.len());
        match word {
            "metric" => {
                let expr = self.expr()?;
                let filter = self.where_clause()?;
                kpi.metric = Some(KpiMetric { expr, filter, span: self.span(start) });
            }
            "per" => {
                let grain = self.grain()?;
                kpi.grain = Some((grain, self.span(start)));
            }
            "by" => {
                kpi.by.push(self.ident()?);
                while self.punct(",") {
                    kpi.by.push(self.ident()?);
                }
            }
            "warn" => {
                self.expect_keyword("within")?;
                kpi.warn = Some(self.quantity()?);
            }
            "owner" => kpi.owner = Some(self.string()?),
            "description" => kpi.description = Some(self.string()?),
            _ => {
                let kind = self.target_kind()?;
                let since = if self.keyword("from") { Some(self.since()?) } else { None };
                kpi.targets.push(Target { kind, since, span: self.span(start) });
            }
        }
        Ok(())
    }

    /// `in minutes`, `in percent`, `in fraction`, `in RUB` after a table.
    fn table_unit(&mut self) -> R<Option<TableUnit>> {
        let start = self.pos;
        if !self.keyword("in") {
            return Ok(None);
        }
        let w = self.word();
        let kind = if is_currency(w) {
            TableUnitKind::Currency(w.to_string())
        } else if DURATION_WORDS.contains(&w) {
            TableUnitKind::Duration(duration_unit(w))
        } else if w == TABLE_SCALE_WORDS[0] {
            TableUnitKind::Percent
        } else if w == TABLE_SCALE_WORDS[1] {
            TableUnitKind::Fraction
        } else {
            return Err(GiveUp);
        };
        self.bump(w.len());
        Ok(Some(TableUnit { kind, span: self.span(start) }))
    }

    fn target_kind(&mut self) -> R<TargetKind> {
        if self.keyword("between") {
            let low = self.quantity()?;
            self.expect_keyword("and")?;
            let high = self.quantity()?;
            return Ok(TargetKind::Between { low, high });
        }
        let direction = if self.punct(">=") {
            direction(">=")
        } else if self.punct("<=") {
            direction("<=")
        } else {
            return Err(GiveUp);
        };
        if self.keyword("table") {
            let path = self.string()?;
            let column = if self.keyword("column") { Some(self.string()?) } else { None };
            let unit = self.table_unit()?;
            return Ok(TargetKind::Table { direction, path, column, unit });
        }
        if self.keyword("previous") {
            let op = match self.peek() {
                b'+' => Some(RelOp::Add),
                b'-' => Some(RelOp::Sub),
                b'*' => Some(RelOp::Mul),
                _ => None,
            };
            let adjust = match op {
                Some(op) => {
                    self.bump(1);
                    Some((op, self.quantity()?))
                }
                None => None,
            };
            return Ok(TargetKind::Previous { direction, adjust });
        }
        Ok(TargetKind::Fixed { direction, value: self.quantity()? })
    }

    /// After `from`: a date or a period.
    fn since(&mut self) -> R<PeriodLit> {
        let start = self.pos;
        if self.is_date(start) {
            let (date, span) = self.date()?;
            return Ok(PeriodLit {
                grain: Grain::Day,
                start: date,
                text: self.text[start..start + 10].to_string(),
                span,
            });
        }
        let digit = |i: usize| self.at(start + i).is_ascii_digit();
        if !(0..4).all(digit) {
            return Err(GiveUp);
        }
        let len = match (self.at(start + 4), self.at(start + 5)) {
            (b'-', _) if digit(5) && digit(6) => {
                if self.at(start + 7) == b'-' && digit(8) && digit(9) {
                    10
                } else {
                    7
                }
            }
            (b'-', b'Q') if digit(6) => 7,
            (b'-', b'W') if digit(6) && digit(7) => 8,
            _ => 4,
        };
        if is_ident_char(self.at(start + len)) {
            return Err(GiveUp);
        }
        let text = &self.text[start..start + len];
        let (grain, first_day) = parse_period(text).ok_or(GiveUp)?;
        self.bump(len);
        Ok(PeriodLit { grain, start: first_day, text: text.to_string(), span: self.span(start) })
    }
}
