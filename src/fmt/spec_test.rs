//! Layout of `test` declarations: one clause a line, fixture rows aligned in
//! columns like the table they are.

use super::{Line, Printer};
use crate::syntax::ast::*;

impl Printer<'_> {
    pub(super) fn test(&self, t: &TestDecl) -> Line {
        let mut items: Vec<Line> = t.data.iter().map(|d| self.test_data(d)).collect();
        items.extend(t.expects.iter().map(|e| Line::new(e.span, self.expect(e))));
        let label = t.label.as_ref().map_or(String::new(), |l| format!(" {}", self.src(l.span)));
        self.block(t.span, format!("test {}{label}", t.name.name), items)
    }

    fn test_data(&self, d: &TestData) -> Line {
        let head = format!("data {}", d.source.name);
        match &d.body {
            TestDataBody::File(path) => Line::new(d.span, format!("{head} from {}", self.src(path.span))),
            TestDataBody::Rows { columns, rows } => {
                let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
                let cells: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        r.values
                            .iter()
                            .map(|(v, span)| match v {
                                None => "null".to_string(),
                                Some(_) => self.src(*span).split_whitespace().collect::<Vec<_>>().join(" "),
                            })
                            .collect()
                    })
                    .collect();
                let count = cells.iter().map(Vec::len).max().unwrap_or(0);
                let widths: Vec<usize> = (0..count)
                    .map(|i| cells.iter().filter_map(|r| r.get(i)).map(|c| c.chars().count()).max().unwrap_or(0))
                    .collect();
                let lines = rows.iter().zip(&cells).map(|(r, row)| Line::new(r.span, aligned(row, &widths))).collect();
                self.block(d.span, format!("{head} ({})", names.join(", ")), lines)
            }
        }
    }

    fn expect(&self, e: &Expect) -> String {
        let strings = |s: &[StrLit], sep: &str| s.iter().map(|l| self.src(l.span)).collect::<Vec<_>>().join(sep);
        let subject = match &e.subject {
            ExpectSubject::Kpi { kpi, entity } if entity.is_empty() => kpi.name.clone(),
            ExpectSubject::Kpi { kpi, entity } => format!("{} for {}", kpi.name, strings(entity, ", ")),
            ExpectSubject::Scorecard { card, entity } => {
                format!("scorecard {} for {}", card.name, self.src(entity.span))
            }
            ExpectSubject::Cascade { kpi, path } if path.is_empty() => format!("cascade {}", kpi.name),
            ExpectSubject::Cascade { kpi, path } => format!("cascade {} at {}", kpi.name, strings(path, " / ")),
        };
        let checks: Vec<String> = e
            .checks
            .iter()
            .map(|c| {
                let value = match &c.value {
                    Expected::Number(q) => self.quantity(q),
                    Expected::Null(_) => "null".to_string(),
                    Expected::Status(word, _) => word.key().to_string(),
                };
                format!("{} {value}", c.field.as_str())
            })
            .collect();
        format!("expect {subject} in {}: {}", e.period.text, checks.join(", "))
    }
}

/// `(a,   b, c)` with every value but the last padded to its column's width.
fn aligned(row: &[String], widths: &[usize]) -> String {
    let last = row.len().saturating_sub(1);
    let parts: Vec<String> = row
        .iter()
        .enumerate()
        .map(
            |(i, cell)| if i == last { cell.clone() } else { format!("{:<w$}", format!("{cell},"), w = widths[i] + 1) },
        )
        .collect();
    format!("({})", parts.join(" "))
}
