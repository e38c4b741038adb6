//! The canonical layout of a spec. Formatting prints the syntax tree back, with
//! literals copied from the source as written (`2_000_000 RUB` stays so) and every
//! comment kept next to the code it was written next to: a comment on its own
//! line stays before the item that follows it, a comment after code stays at
//! the end of that line, and a line of the layout (a declaration, a clause, a
//! column) with a comment inside its code, such as a multi-line expression, is
//! kept as written, re-indented (`tests/fmt_properties.rs` counts the words
//! before every comment, before and after formatting).
//!
//! Formatting needs a file without syntax errors; [`format`] returns `None` otherwise.

mod comments;
mod spec_test;

use crate::span::{FileId, Span};
use crate::syntax::ast::*;
use crate::syntax::is_ident_char;
use crate::vocab::*;
use comments::Comments;

const INDENT: &str = "  ";

/// Format a whole file, or `None` when it does not parse.
pub fn format(text: &str) -> Option<String> {
    let (module, diags) = crate::syntax::parse(FileId(0), text);
    if !diags.is_empty() {
        return None;
    }
    let mut p = Printer { text, out: String::new(), comments: Comments::scan(text) };
    p.module(&module);
    Some(p.out)
}

struct Printer<'t> {
    text: &'t str,
    out: String,
    comments: Comments,
}

/// One printed line of a block, with the source range it came from.
struct Line {
    span: Span,
    text: String,
    /// Lines of a nested block printed after this one (already indented).
    block: Vec<Line>,
    /// Text after the nested block's closing brace.
    close: Option<(String, Span)>,
}

impl Line {
    fn new(span: Span, text: String) -> Line {
        Line { span, text, block: Vec::new(), close: None }
    }
}

impl Printer<'_> {
    fn src(&self, span: Span) -> &str {
        &self.text[span.start as usize..span.end as usize]
    }

    fn module(&mut self, module: &Module) {
        let mut prev: Option<&Decl> = None;
        for decl in &module.decls {
            if let Some(prev) = prev {
                let gap = &self.text[prev.span().end as usize..decl.span().start as usize];
                let multi_line = |d: &Decl| !matches!(d, Decl::Import(_) | Decl::Filter(_) | Decl::Metric(_));
                let blank = comments::blank_line_at(gap)
                    || multi_line(prev)
                    || multi_line(decl)
                    || std::mem::discriminant(prev) != std::mem::discriminant(decl);
                if blank {
                    self.out.push('\n');
                }
            }
            self.leading(decl.span().start, 0);
            let lines = self.decl(decl);
            self.lines(&lines, 0);
            prev = Some(decl);
        }
        self.leading(self.text.len() as u32, 0);
    }

    /// Emit the comments that stand before `pos` on their own lines.
    fn leading(&mut self, pos: u32, depth: usize) {
        for (c, blank_after) in self.comments.before(self.text, pos) {
            self.out.push_str(&INDENT.repeat(depth));
            self.out.push_str(&c);
            self.out.push('\n');
            if blank_after && pos < self.text.len() as u32 {
                self.out.push('\n');
            }
        }
    }

    fn lines(&mut self, lines: &[Line], depth: usize) {
        for line in lines {
            self.leading(line.span.start, depth);
            if line.block.is_empty() && line.close.is_none() {
                self.piece(line.span.start, line.span.end, &line.text, depth);
                self.trailing(line.span.end);
                self.out.push('\n');
                continue;
            }
            let close_start = line.close.as_ref().map_or(line.span.end, |(_, s)| s.start);
            let open_end = line.block.first().map_or(close_start, |b| b.span.start);
            let brace = self.open_brace_after(line.span.start).min(open_end);
            self.piece(line.span.start, brace + 1, &line.text, depth);
            // The comment after an opening brace belongs to its line.
            self.trailing_before(open_end);
            self.out.push('\n');
            self.lines(&line.block, depth + 1);
            let (close, close_span) = line.close.clone().unwrap_or(("}".into(), line.span));
            self.leading(close_span.start, depth + 1);
            self.piece(close_span.start, close_span.end, &close, depth);
            self.trailing(close_span.end);
            self.out.push('\n');
        }
    }

    /// The code of `start..end` at `depth`: as `text` prints it, or as
    /// written when a comment stands inside it.
    fn piece(&mut self, start: u32, end: u32, text: &str, depth: usize) {
        if self.comments.inside(start, end) {
            self.verbatim(start, end, depth);
        } else {
            self.out.push_str(&INDENT.repeat(depth));
            self.out.push_str(text);
        }
    }

    /// The source of `start..end` as written, for a line with comments
    /// inside it, so that each comment stays next to the code it was written
    /// next to: the first line at `depth`, the others a level deeper, blank
    /// lines dropped. (Strings end on their line, so trimming lines is safe.)
    fn verbatim(&mut self, start: u32, end: u32, depth: usize) {
        let text = &self.text[start as usize..end as usize];
        let mut first = true;
        for l in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if !first {
                self.out.push('\n');
            }
            self.out.push_str(&INDENT.repeat(if first { depth } else { depth + 1 }));
            self.out.push_str(l);
            first = false;
        }
        self.comments.skip_to(end);
    }

    /// `span` widened back to the clause's `keyword` before it (the spans
    /// of `warn`, `owner`, `description` and `by` start at their values), so
    /// that a comment between the keyword and the value is inside the
    /// clause's line. Only over blank lines, comments and words: anything
    /// else means the keyword is not there, and the span stays.
    fn clause_span(&self, span: Span, keyword: &str) -> Span {
        let rest = &self.text[span.start as usize..];
        // The span starts at the keyword itself (not at a value that begins
        // with it, as `by bytes` does).
        if rest.starts_with(keyword) && !rest.as_bytes().get(keyword.len()).is_some_and(|b| is_ident_char(*b)) {
            return span;
        }
        let mut end = span.start as usize;
        while end > 0 {
            let line_start = self.text[..end].rfind('\n').map_or(0, |i| i + 1);
            let line = &self.text[line_start..end];
            let code = &line[..comments::comment_start(line)];
            let found = code.rmatch_indices(keyword).find(|(pos, _)| {
                let b = code.as_bytes();
                (*pos == 0 || !is_ident_char(b[pos - 1]))
                    && !b.get(pos + keyword.len()).is_some_and(|c| is_ident_char(*c))
            });
            if let Some((pos, _)) = found {
                return Span { start: (line_start + pos) as u32, ..span };
            }
            if !code.bytes().all(|b| b.is_ascii_whitespace() || is_ident_char(b)) || line_start == 0 {
                return span;
            }
            end = line_start - 1;
        }
        span
    }

    /// Position of the first `{` at or after `pos`, outside strings and comments.
    fn open_brace_after(&self, pos: u32) -> u32 {
        comments::find_in_code(self.text, pos as usize, b'{').map_or(self.text.len() as u32, |i| i as u32)
    }

    fn trailing(&mut self, end: u32) {
        if let Some(c) = self.comments.trailing(self.text, end) {
            self.out.push_str("  ");
            self.out.push_str(&c);
        }
    }

    fn trailing_before(&mut self, limit: u32) {
        if let Some(c) = self.comments.first_line_comment_before(self.text, limit) {
            self.out.push_str("  ");
            self.out.push_str(&c);
        }
    }

    fn decl(&self, decl: &Decl) -> Vec<Line> {
        match decl {
            Decl::Import(i) => vec![Line::new(i.span, format!("import {}", self.src(i.path.span)))],
            Decl::Filter(f) => vec![Line::new(f.span, format!("filter {} = {}", f.name.name, self.pred(&f.pred)))],
            Decl::Metric(m) => {
                let label = m.label.as_ref().map_or(String::new(), |l| format!(" {}", self.src(l.span)));
                let filter = m.filter.as_ref().map_or(String::new(), |p| format!(" where {}", self.pred(p)));
                vec![Line::new(m.span, format!("metric {}{label} = {}{filter}", m.name.name, self.expr(&m.expr)))]
            }
            Decl::Source(s) => vec![self.source(s)],
            Decl::Kpi(k) => vec![self.kpi(k)],
            Decl::Scorecard(s) => vec![self.scorecard(s)],
            Decl::Cascade(c) => self.cascade(c),
            Decl::Test(t) => vec![self.test(t)],
        }
    }

    fn block(&self, span: Span, head: String, mut items: Vec<Line>) -> Line {
        items.sort_by_key(|l| l.span.start);
        let close = Span { start: span.end.saturating_sub(1), ..span };
        Line { span, text: format!("{head} {{"), block: items, close: Some(("}".into(), close)) }
    }

    fn source(&self, s: &Source) -> Line {
        let heads: Vec<String> =
            s.columns.iter().map(|c| format!("{}{}:", if c.is_time { "time " } else { "" }, c.name.name)).collect();
        // The time column stands out; the others align their types.
        let width =
            heads.iter().zip(&s.columns).filter(|(_, c)| !c.is_time).map(|(h, _)| h.chars().count()).max().unwrap_or(0);
        let items = s
            .columns
            .iter()
            .zip(heads)
            .map(|(c, head)| {
                let ty = match &c.ty.arg {
                    Some(a) => format!("{}({})", c.ty.name.name, a.name),
                    None => c.ty.name.name.clone(),
                };
                let format = c.format.as_ref().map_or(String::new(), |f| format!(" format {}", self.src(f.span)));
                let width = if c.is_time { 0 } else { width };
                Line::new(c.span, format!("{head:<width$} {ty}{format}"))
            })
            .collect();
        let from = match &s.from {
            SourceFrom::File(path) => self.src(path.span).to_string(),
            SourceFrom::Table { table, connection: Some(c) } => format!("table {} in {}", self.src(table.span), c.name),
            SourceFrom::Table { table, connection: None } => format!("table {}", self.src(table.span)),
        };
        self.block(s.span, format!("source {} from {from}", s.name.name), items)
    }

    fn kpi(&self, k: &Kpi) -> Line {
        let mut items = Vec::new();
        if let Some(m) = &k.metric {
            let filter = m.filter.as_ref().map_or(String::new(), |p| format!(" where {}", self.pred(p)));
            items.push(Line::new(self.clause_span(m.span, "metric"), format!("metric {}{filter}", self.expr(&m.expr))));
        }
        if let Some((g, span)) = k.grain {
            items.push(Line::new(self.clause_span(span, "per"), format!("per {}", g.as_str())));
        }
        if let (Some(first), Some(last)) = (k.by.first(), k.by.last()) {
            let names: Vec<&str> = k.by.iter().map(|b| b.name.as_str()).collect();
            items.push(Line::new(self.clause_span(first.span.to(last.span), "by"), format!("by {}", names.join(", "))));
        }
        for t in &k.targets {
            items.push(Line::new(self.clause_span(t.span, "target"), format!("target {}", self.target(t))));
        }
        if let Some(w) = &k.warn {
            items.push(Line::new(self.clause_span(w.span, "warn"), format!("warn within {}", self.quantity(w))));
        }
        if let Some(o) = &k.owner {
            items.push(Line::new(self.clause_span(o.span, "owner"), format!("owner {}", self.src(o.span))));
        }
        if let Some(d) = &k.description {
            items.push(Line::new(self.clause_span(d.span, "description"), format!("description {}", self.src(d.span))));
        }
        let label = k.label.as_ref().map_or(String::new(), |l| format!(" {}", self.src(l.span)));
        self.block(k.span, format!("kpi {}{label}", k.name.name), items)
    }

    fn target(&self, t: &Target) -> String {
        let body = match &t.kind {
            TargetKind::Fixed { direction, value } => format!("{} {}", direction.as_str(), self.quantity(value)),
            TargetKind::Between { low, high } => format!("between {} and {}", self.quantity(low), self.quantity(high)),
            TargetKind::Previous { direction, adjust } => match adjust {
                None => format!("{} previous", direction.as_str()),
                Some((op, q)) => {
                    let op = match op {
                        RelOp::Add => "+",
                        RelOp::Sub => "-",
                        RelOp::Mul => "*",
                    };
                    format!("{} previous {op} {}", direction.as_str(), self.quantity(q))
                }
            },
            TargetKind::Table { direction, path, column, unit } => {
                let column = column.as_ref().map_or(String::new(), |c| format!(" column {}", self.src(c.span)));
                format!("{} table {}{column}{}", direction.as_str(), self.src(path.span), table_unit(unit))
            }
        };
        match &t.since {
            Some(p) => format!("{body} from {}", p.text),
            None => body,
        }
    }

    fn scorecard(&self, s: &Scorecard) -> Line {
        let width = s.weights.iter().map(|w| w.kpi.name.chars().count()).max().unwrap_or(0);
        let mut items: Vec<Line> = s
            .weights
            .iter()
            .map(|w| Line::new(w.span, format!("{:<width$} {}", w.kpi.name, self.quantity(&w.weight))))
            .collect();
        if let Some(c) = &s.cap {
            items.push(Line::new(self.clause_span(c.span, "cap"), format!("cap {}", self.quantity(c))));
        }
        if let Some((rule, span)) = s.missing {
            let rule = match rule {
                MissingRule::Exclude => "exclude",
                MissingRule::Zero => "zero",
            };
            items.push(Line::new(self.clause_span(span, "missing"), format!("missing {rule}")));
        }
        for g in &s.gates {
            items.push(Line::new(self.clause_span(g.span, "gate"), format!("gate {}", g.name)));
        }
        if let Some(b) = &s.base {
            let (span, text) = match b {
                Base::Amount(q) => (q.span, format!("base {}", self.quantity(q))),
                Base::Table(p, unit) => {
                    let span = unit.as_ref().map_or(p.span, |u| p.span.to(u.span));
                    (span, format!("base table {}{}", self.src(p.span), table_unit(unit)))
                }
            };
            items.push(Line::new(self.clause_span(span, "base"), text));
        }
        if let Some(p) = &s.payout {
            let rules = p.rules.iter().map(|r| Line::new(r.span, self.payout_rule(r))).collect();
            items.push(self.block(self.clause_span(p.span, "payout"), "payout".into(), rules));
        }
        self.block(s.span, format!("scorecard {} by {} per {}", s.name.name, s.by.name, s.grain.0.as_str()), items)
    }

    fn cascade(&self, c: &Cascade) -> Vec<Line> {
        match &c.body {
            CascadeBody::Driver { kpi, rate } => {
                vec![Line::new(c.span, format!("cascade {} from {} at {}", c.kpi.name, kpi.name, self.quantity(rate)))]
            }
            CascadeBody::Levels(level) => vec![self.level(format!("cascade {} ", c.kpi.name), level, c.span)],
        }
    }

    /// `by dim ALLOCATION [then ...]`, prefixed by `head`.
    fn level(&self, head: String, level: &Level, span: Span) -> Line {
        let mut text = format!("{head}by {}", level.dimension.name);
        if let Some(org) = &level.org {
            text.push_str(&format!(" from {}", self.src(org.span)));
        }
        let entries = match &level.allocation {
            Allocation::Inherit => {
                text.push_str(" inherit");
                None
            }
            Allocation::Evenly => {
                text.push_str(" evenly");
                None
            }
            Allocation::Proportional(p) => {
                text.push_str(&format!(" proportional to {}", p.text));
                None
            }
            Allocation::Explicit(entries) => Some(entries),
        };
        let then = level.then.as_ref().map(|t| self.level_text(t));
        match entries {
            None => {
                if let Some(then) = then {
                    text.push_str(&format!(" then {then}"));
                }
                Line::new(span, text)
            }
            Some(entries) => {
                let width = entries.iter().map(|e| self.src(e.entity.span).chars().count()).max().unwrap_or(0);
                let items = entries
                    .iter()
                    .map(|e| {
                        let head = format!("{:<width$} {}", self.src(e.entity.span), self.quantity(&e.amount));
                        match &e.then {
                            Some(next) => self.level(format!("{head} then "), next, e.span),
                            None => Line::new(e.span, head),
                        }
                    })
                    .collect();
                // After the org chart's path, whose text may hold a `}`.
                let head_end = level.org.as_ref().map_or(level.dimension.span.end, |o| o.span.end);
                let after = entries.last().map_or(head_end, |e| e.span.end);
                let brace = self.close_brace_after(after);
                let mut line = self.block(Span { end: brace + 1, ..level.span }, text, items);
                line.span = span;
                if let Some(close) = line.close.as_mut() {
                    if let Some(then) = then {
                        close.0 = format!("}} then {then}");
                        close.1.end = level.then.as_ref().map_or(close.1.end, |t| t.span.end);
                    }
                }
                line
            }
        }
    }

    /// A nested level on one line (only non-explicit levels chain after `then`).
    fn level_text(&self, level: &Level) -> String {
        inline(&self.level(String::new(), level, level.span))
    }

    /// Position of the first `}` at or after `pos`, outside comments.
    fn close_brace_after(&self, pos: u32) -> u32 {
        comments::find_in_code(self.text, pos as usize, b'}').map_or(self.text.len() as u32, |i| i as u32)
    }

    /// A payout rule with its numbers as written (a percent printed back from
    /// its fraction could differ in the last digit). Rules hold no strings, so
    /// dropping comments (printed on their own) and re-spacing tokens is safe.
    fn payout_rule(&self, r: &PayoutRule) -> String {
        let code: Vec<&str> = self.src(r.span).lines().map(|l| l.split("//").next().unwrap_or("")).collect();
        let code = code.join(" ").replace("..", " .. ").replace("=>", " => ");
        code.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn quantity(&self, q: &Quantity) -> String {
        self.src(q.span).split_whitespace().collect::<Vec<_>>().join(" ")
    }

    pub(crate) fn expr(&self, e: &Expr) -> String {
        crate::stack::with_stack(|| self.expr_unguarded(e))
    }

    fn expr_unguarded(&self, e: &Expr) -> String {
        match &e.kind {
            ExprKind::Binary { op, lhs, rhs } => format!("{} {} {}", self.expr(lhs), op.as_str(), self.expr(rhs)),
            ExprKind::Neg(inner) => format!("-{}", self.expr(inner)),
            ExprKind::Paren(inner) => format!("({})", self.expr(inner)),
            ExprKind::Quantity(q) => self.quantity(q),
            ExprKind::MetricRef(name) => name.name.clone(),
            ExprKind::Change(inner) => format!("change({})", self.expr(inner)),
            ExprKind::Offset { expr, periods, grain } => {
                let unit = if *periods == 1 { grain.as_str().to_string() } else { format!("{}s", grain.as_str()) };
                format!("{}[-{periods} {unit}]", self.expr(expr))
            }
            ExprKind::Aggregate(a) => {
                let arg = match &a.arg {
                    AggArg::Source(s) => s.name.clone(),
                    AggArg::Column(c) => format!("{}.{}", c.source.name, c.column.name),
                };
                let filter = a.filter.as_ref().map_or(String::new(), |p| format!(" where {}", self.pred(p)));
                let param = a.param.map_or(String::new(), |(_, span)| format!(", {}", self.src(span)));
                format!("{}({arg}{filter}{param})", a.func.as_str())
            }
        }
    }

    fn pred(&self, p: &Pred) -> String {
        crate::stack::with_stack(|| self.pred_unguarded(p))
    }

    fn pred_unguarded(&self, p: &Pred) -> String {
        match &p.kind {
            PredKind::Or(a, b) => format!("{} or {}", self.pred(a), self.pred(b)),
            PredKind::And(a, b) => format!("{} and {}", self.pred(a), self.pred(b)),
            PredKind::Not(a) => format!("not {}", self.pred(a)),
            PredKind::Paren(a) => format!("({})", self.pred(a)),
            PredKind::Compare { lhs, op, rhs } => {
                format!("{} {} {}", self.operand(lhs), op.as_str(), self.operand(rhs))
            }
            PredKind::InList { column, negated, items } => {
                let items: Vec<String> = items.iter().map(|l| self.literal(l)).collect();
                format!("{} {}in [{}]", column_ref(column), not(*negated), items.join(", "))
            }
            PredKind::InRange { column, negated, low, high } => {
                format!("{} {}in {} .. {}", column_ref(column), not(*negated), self.literal(low), self.literal(high))
            }
            PredKind::IsNull { column, negated } => format!("{} is {}null", column_ref(column), not(*negated)),
            PredKind::Bool(b) => b.to_string(),
            PredKind::FilterRef(name) => name.name.clone(),
        }
    }

    fn operand(&self, o: &Operand) -> String {
        match o {
            Operand::Column(c) => column_ref(c),
            Operand::Literal(l) => self.literal(l),
        }
    }

    fn literal(&self, l: &Literal) -> String {
        match l.kind {
            // Spaces inside a string are its value.
            LitKind::Str(_) => self.src(l.span).to_string(),
            _ => self.src(l.span).split_whitespace().collect::<Vec<_>>().join(" "),
        }
    }
}

/// A line and its nested block on one line: an explicit level after `then`.
fn inline(line: &Line) -> String {
    let mut text = squeeze(&line.text);
    if let Some((close, _)) = &line.close {
        for item in &line.block {
            text.push(' ');
            text.push_str(&inline(item));
        }
        text.push(' ');
        text.push_str(close);
    }
    text
}

/// `text` with each run of spaces outside strings (the alignment of a block)
/// made one space.
fn squeeze(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if c == '"' {
            in_string = true;
        } else if c == ' ' && out.ends_with(' ') {
            continue;
        }
        out.push(c);
    }
    out
}

fn not(negated: bool) -> &'static str {
    if negated {
        "not "
    } else {
        ""
    }
}

fn column_ref(c: &ColumnRef) -> String {
    format!("{}.{}", c.source.name, c.column.name)
}

/// ` in minutes` after a table, or nothing.
fn table_unit(unit: &Option<TableUnit>) -> String {
    unit.as_ref().map_or(String::new(), |u| format!(" in {}", u.kind.word()))
}
