//! `test` declarations: fixture rows per source and the results they must give.

use super::{first, Lowerer, P};
use crate::syntax::ast::*;
use crate::syntax::errors::SyntaxError;
use crate::syntax::Rule;
use crate::vocab::*;

impl Lowerer<'_> {
    pub(super) fn test_decl(&mut self, pair: P) -> TestDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().peekable();
        let (name, label) = self.name_and_label(&mut inner);
        let mut test = TestDecl { name, label, data: Vec::new(), expects: Vec::new(), span };
        for item in inner {
            match item.as_rule() {
                Rule::test_data => test.data.push(self.test_data(item)),
                _ => test.expects.push(self.expect(item)),
            }
        }
        test
    }

    fn test_data(&mut self, pair: P) -> TestData {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let source = self.ident(inner.next().unwrap());
        let body_pair = inner.next().unwrap();
        let body = match body_pair.as_rule() {
            Rule::test_file => TestDataBody::File(self.string(first(body_pair))),
            _ => {
                let mut columns = Vec::new();
                let mut rows = Vec::new();
                for part in body_pair.into_inner() {
                    match part.as_rule() {
                        Rule::name => columns.push(self.ident(part)),
                        _ => rows.push(self.test_row(part)),
                    }
                }
                TestDataBody::Rows { columns, rows }
            }
        };
        TestData { source, body, span }
    }

    fn test_row(&mut self, pair: P) -> TestRow {
        let span = self.span(&pair);
        let values = pair
            .into_inner()
            .map(|v| {
                let value = first(v);
                match value.as_rule() {
                    Rule::null_lit => (None, self.span(&value)),
                    _ => {
                        let lit = self.literal(value);
                        (Some(lit.kind), lit.span)
                    }
                }
            })
            .collect();
        TestRow { values, span }
    }

    fn expect(&mut self, pair: P) -> Expect {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let subject = self.expect_subject(first(inner.next().unwrap()));
        let period = self.period(first(inner.next().unwrap()));
        let checks = inner.map(|c| self.check(c)).collect();
        Expect { subject, period, checks, span }
    }

    fn expect_subject(&mut self, pair: P) -> ExpectSubject {
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next().unwrap());
        let strings: Vec<StrLit> = inner.map(|s| self.string(s)).collect();
        match rule {
            Rule::expect_scorecard => {
                ExpectSubject::Scorecard { card: name, entity: strings.into_iter().next().expect("grammar") }
            }
            Rule::expect_cascade => ExpectSubject::Cascade { kpi: name, path: strings },
            _ => ExpectSubject::Kpi { kpi: name, entity: strings },
        }
    }

    fn check(&mut self, pair: P) -> Check {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let field_pair = inner.next().unwrap();
        let field_span = self.span(&field_pair);
        let field = Field::parse(field_pair.as_str()).unwrap_or(Field::Actual);
        let value_pair = inner.next().unwrap();
        let value = match value_pair.as_rule() {
            Rule::status_word => {
                let word = Status::parse(value_pair.as_str()).unwrap_or(Status::NoData);
                Expected::Status(word, self.span(&value_pair))
            }
            Rule::null_lit => Expected::Null(self.span(&value_pair)),
            _ => Expected::Number(self.quantity(value_pair)),
        };
        if field == Field::Status && !matches!(value, Expected::Status(..)) {
            self.report(SyntaxError::StatusWithoutStatus { span });
        }
        Check { field, field_span, value, span }
    }
}
