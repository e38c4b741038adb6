//! Random but grammatical specs for property tests.
//!
//! A spec is generated in the grammar's own shapes (sources with typed columns,
//! filters, metrics with every aggregate and derived arithmetic, KPIs with every
//! clause and target form, scorecards with payout curves, cascades) as a list of
//! declarations, each a list of tokens. [`render`] lays the tokens out with varied
//! whitespace, line breaks and comments: any layout the grammar allows means the
//! same spec.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;

/// One declaration: tokens that never contain a layout choice (a string, a column
/// reference, `2_000 RUB` and `40%` are one token each).
pub type Decl = Vec<String>;

fn tok(s: &str) -> Vec<String> {
    vec![s.to_string()]
}

fn cat(parts: Vec<Vec<String>>) -> Vec<String> {
    parts.into_iter().flatten().collect()
}

/// A name: lowercase with an underscore, so never a keyword, unit or currency.
fn name() -> BoxedStrategy<String> {
    ("[a-z]{1,2}_[a-z0-9]{0,3}").prop_map(|s| s).boxed()
}

fn string() -> BoxedStrategy<String> {
    // Escapes, non-ASCII text, and `//` that is not a comment.
    let piece = prop_oneof![
        "[a-zA-Z0-9 .,:/-]{1,6}",
        Just("\\\"".to_string()),
        Just("\\\\".to_string()),
        Just("\\n".to_string()),
        Just("\\t".to_string()),
        Just("\\u{20BD}".to_string()),
        Just("Москва".to_string()),
        Just("// not a comment".to_string()),
    ];
    vec(piece, 0..4).prop_map(|p| format!("\"{}\"", p.concat())).boxed()
}

fn number() -> BoxedStrategy<String> {
    prop_oneof![
        (0u32..100_000).prop_map(|n| n.to_string()),
        (1u32..1000).prop_map(|n| format!("{n}_000")),
        (0u32..1000, 0u32..1000).prop_map(|(a, b)| format!("{a}.{b}")),
    ]
    .boxed()
}

fn percent() -> BoxedStrategy<String> {
    prop_oneof![
        (0u32..200).prop_map(|n| format!("{n}%")),
        (0u32..100, 1u32..100).prop_map(|(a, b)| format!("{a}.{b}%")),
        // More digits than a float prints back exactly after `/ 100`.
        (0u32..100, 0u32..1_000_000_000).prop_map(|(a, b)| format!("{a}.{b:09}%")),
    ]
    .boxed()
}

/// `3000`, `-5`, `2_000 RUB`, `40%`, `3  days`: one token, spaces before the unit.
fn quantity() -> BoxedStrategy<String> {
    let unit = prop_oneof![
        Just(String::new()),
        select(vec!["RUB", "USD", "EUR"]).prop_map(String::from),
        select(vec!["day", "days", "hour", "hours", "minute", "minutes", "second", "seconds"]).prop_map(String::from),
    ];
    let plain = (any::<bool>(), number(), unit, 1usize..3).prop_map(|(neg, n, unit, spaces)| {
        let sign = if neg { "-" } else { "" };
        if unit.is_empty() {
            format!("{sign}{n}")
        } else {
            format!("{sign}{n}{}{unit}", " ".repeat(spaces))
        }
    });
    prop_oneof![3 => plain, 1 => percent()].boxed()
}

fn date() -> BoxedStrategy<String> {
    (2000u32..2100, 1u32..13, 1u32..29).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")).boxed()
}

fn datetime() -> BoxedStrategy<String> {
    (date(), select(vec![" ", "T"]), 0u32..24, 0u32..60, option::of(0u32..60))
        .prop_map(|(d, sep, h, m, s)| match s {
            Some(s) => format!("{d}{sep}{h:02}:{m:02}:{s:02}"),
            None => format!("{d}{sep}{h:02}:{m:02}"),
        })
        .boxed()
}

/// `2025`, `2025-Q1`, `2025-03`, `2025-W07`, `2025-03-14`.
fn period() -> BoxedStrategy<String> {
    prop_oneof![
        (2000u32..2100).prop_map(|y| y.to_string()),
        (2000u32..2100, 1u32..5).prop_map(|(y, q)| format!("{y}-Q{q}")),
        (2000u32..2100, 1u32..13).prop_map(|(y, m)| format!("{y}-{m:02}")),
        (2000u32..2100, 1u32..53).prop_map(|(y, w)| format!("{y}-W{w:02}")),
        date(),
    ]
    .boxed()
}

fn grain() -> BoxedStrategy<String> {
    select(vec!["day", "days", "week", "weeks", "month", "months", "quarter", "quarters", "year", "years"])
        .prop_map(String::from)
        .boxed()
}

fn column_ref() -> BoxedStrategy<String> {
    (name(), name()).prop_map(|(s, c)| format!("{s}.{c}")).boxed()
}

fn literal() -> BoxedStrategy<String> {
    prop_oneof![quantity(), string(), date(), datetime(), select(vec!["true", "false"]).prop_map(String::from)].boxed()
}

// ---------------------------------------------------------------- conditions

fn atom(pred: BoxedStrategy<Vec<String>>) -> BoxedStrategy<Vec<String>> {
    let operand = prop_oneof![column_ref(), literal()];
    let cmp = select(vec!["==", "!=", ">=", "<=", ">", "<"]);
    let not = || any::<bool>().prop_map(|n| if n { tok("not") } else { vec![] });
    prop_oneof![
        pred.prop_map(|p| cat(vec![tok("("), p, tok(")")])),
        (column_ref(), not()).prop_map(|(c, n)| cat(vec![vec![c, "is".into()], n, tok("null")])),
        (column_ref(), not(), vec(literal(), 0..4), any::<bool>()).prop_map(|(c, n, items, trailing)| {
            let mut list = Vec::new();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    list.push(",".to_string());
                }
                list.push(item.clone());
            }
            if trailing && !items.is_empty() {
                list.push(",".into());
            }
            cat(vec![tok(&c), n, tok("in"), tok("["), list, tok("]")])
        }),
        (column_ref(), not(), literal(), literal()).prop_map(|(c, n, lo, hi)| cat(vec![
            tok(&c),
            n,
            tok("in"),
            vec![lo, "..".into(), hi]
        ])),
        (operand.clone(), cmp, operand).prop_map(|(l, op, r)| vec![l, op.to_string(), r]),
        select(vec!["true", "false"]).prop_map(tok),
        name().prop_map(|n| vec![n]),
    ]
    .boxed()
}

/// A condition: `or` of `and` of (`not`*) atoms, the grammar's own layering.
fn predicate() -> BoxedStrategy<Vec<String>> {
    let leaf =
        prop_oneof![column_ref().prop_map(|c| vec![c, "is".into(), "null".into()]), name().prop_map(|n| vec![n])];
    leaf.prop_recursive(3, 24, 3, |inner| {
        let conjunct =
            (0usize..3, atom(inner.boxed())).prop_map(|(nots, a)| cat(vec![vec!["not".to_string(); nots], a]));
        let disjunct = vec(conjunct, 1..3).prop_map(|cs| join(cs, "and"));
        vec(disjunct, 1..3).prop_map(|ds| join(ds, "or"))
    })
    .boxed()
}

fn join(parts: Vec<Vec<String>>, sep: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, p) in parts.into_iter().enumerate() {
        if i > 0 {
            out.push(sep.to_string());
        }
        out.extend(p);
    }
    out
}

fn where_clause() -> BoxedStrategy<Vec<String>> {
    option::of(predicate()).prop_map(|p| p.map_or(vec![], |p| cat(vec![tok("where"), p]))).boxed()
}

// ---------------------------------------------------------------- expressions

fn aggregate() -> BoxedStrategy<Vec<String>> {
    let func = select(vec!["count", "count_distinct", "sum", "avg", "min", "max", "median", "percentile"]);
    let arg = prop_oneof![column_ref(), name()];
    (func, arg, where_clause(), (0u32..101))
        .prop_map(|(f, a, w, rank)| {
            let param = if f == "percentile" { vec![",".to_string(), format!("0.{rank:02}")] } else { vec![] };
            cat(vec![vec![f.to_string(), "(".into(), a], w, param, tok(")")])
        })
        .boxed()
}

/// An expression: sums of products of (`-`) primaries with optional offsets.
fn expr() -> BoxedStrategy<Vec<String>> {
    let leaf = prop_oneof![aggregate(), name().prop_map(|n| vec![n]), number().prop_map(|n| vec![n])];
    leaf.prop_recursive(3, 24, 3, |inner| {
        let primary = prop_oneof![
            3 => aggregate(),
            3 => name().prop_map(|n| vec![n]),
            2 => quantity().prop_map(|q| vec![q.trim_start_matches('-').to_string()]),
            1 => inner.clone().prop_map(|e| cat(vec![tok("("), e, tok(")")])),
            1 => inner.prop_map(|e| cat(vec![tok("change"), tok("("), e, tok(")")])),
        ];
        let offset = option::of((1u32..13, grain()))
            .prop_map(|o| o.map_or(vec![], |(n, g)| vec!["[".into(), "-".into(), n.to_string(), g, "]".into()]));
        let factor = (any::<bool>(), primary, offset)
            .prop_map(|(neg, p, o)| {
                let neg = if neg { tok("-") } else { vec![] };
                cat(vec![neg, p, o])
            })
            .boxed();
        let term = (factor.clone(), vec((select(vec!["*", "/"]), factor.clone()), 0..3))
            .prop_map(|(first, rest)| {
                cat(vec![first, rest.into_iter().flat_map(|(op, f)| cat(vec![tok(op), f])).collect()])
            })
            .boxed();
        (term.clone(), vec((select(vec!["+", "-"]), term), 0..3)).prop_map(|(first, rest)| {
            cat(vec![first, rest.into_iter().flat_map(|(op, t)| cat(vec![tok(op), t])).collect()])
        })
    })
    .boxed()
}

// ---------------------------------------------------------------- declarations

fn import() -> BoxedStrategy<Decl> {
    string().prop_map(|s| vec!["import".into(), s]).boxed()
}

fn source() -> BoxedStrategy<Decl> {
    let ty = prop_oneof![
        select(vec!["int", "float", "decimal", "text", "bool", "date", "datetime", "percent"]).prop_map(tok),
        select(vec!["RUB", "USD"]).prop_map(|c| vec!["money".into(), "(".into(), c.into(), ")".into()]),
        select(vec!["days", "hours", "minute"]).prop_map(|u| vec!["duration".into(), "(".into(), u.into(), ")".into()]),
    ];
    let column = (any::<bool>(), name(), ty, option::of(string())).prop_map(|(time, n, ty, format)| {
        let time = if time { tok("time") } else { vec![] };
        let format = format.map_or(vec![], |f| vec!["format".into(), f]);
        cat(vec![time, vec![n, ":".into()], ty, format])
    });
    (name(), string(), vec(column, 0..5))
        .prop_map(|(n, path, cols)| {
            cat(vec![vec!["source".into(), n, "from".into(), path, "{".into()], cols.concat(), tok("}")])
        })
        .boxed()
}

fn filter() -> BoxedStrategy<Decl> {
    (name(), predicate()).prop_map(|(n, p)| cat(vec![vec!["filter".into(), n, "=".into()], p])).boxed()
}

fn metric() -> BoxedStrategy<Decl> {
    (name(), option::of(string()), expr(), where_clause())
        .prop_map(|(n, label, e, w)| cat(vec![vec!["metric".into(), n], label.into_iter().collect(), tok("="), e, w]))
        .boxed()
}

fn target() -> BoxedStrategy<Vec<String>> {
    let direction = select(vec![">=", "<="]);
    let body = prop_oneof![
        (direction.clone(), quantity()).prop_map(|(d, q)| vec![d.into(), q]),
        (direction.clone(), option::of((select(vec!["+", "-", "*"]), quantity()))).prop_map(|(d, adj)| {
            let adj = adj.map_or(vec![], |(op, q)| vec![op.to_string(), q]);
            cat(vec![vec![d.into(), "previous".into()], adj])
        }),
        (quantity(), quantity()).prop_map(|(lo, hi)| vec!["between".into(), lo, "and".into(), hi]),
        (direction, string(), option::of(string())).prop_map(|(d, path, col)| {
            cat(vec![vec![d.into(), "table".into(), path], col.map_or(vec![], |c| vec!["column".into(), c])])
        }),
    ];
    (body, option::of(prop_oneof![date(), period()]))
        .prop_map(|(b, since)| cat(vec![tok("target"), b, since.map_or(vec![], |s| vec!["from".into(), s])]))
        .boxed()
}

fn kpi() -> BoxedStrategy<Decl> {
    // Each clause at most once (targets repeat), in any order.
    let clauses = (
        option::of((expr(), where_clause()).prop_map(|(e, w)| cat(vec![tok("metric"), e, w]))),
        option::of(grain().prop_map(|g| vec!["per".into(), g])),
        option::of(
            vec(name(), 1..3).prop_map(|ns| cat(vec![tok("by"), join(ns.into_iter().map(|n| vec![n]).collect(), ",")])),
        ),
        vec(target(), 0..3),
        option::of(quantity().prop_map(|q| vec!["warn".into(), "within".into(), q])),
        option::of(string().prop_map(|s| vec!["owner".into(), s])),
        option::of(string().prop_map(|s| vec!["description".into(), s])),
    );
    (name(), option::of(string()), clauses, any::<u64>())
        .prop_map(|(n, label, c, order)| {
            let (m, per, by, targets, warn, owner, description) = c;
            let mut items: Vec<Vec<String>> =
                vec![m, per, by, warn, owner, description].into_iter().flatten().collect();
            items.extend(targets);
            shuffle(&mut items, order);
            cat(vec![vec!["kpi".into(), n], label.into_iter().collect(), tok("{"), items.concat(), tok("}")])
        })
        .boxed()
}

fn payout_rule() -> BoxedStrategy<Vec<String>> {
    let range = prop_oneof![
        percent().prop_map(|p| vec!["below".into(), p]),
        percent().prop_map(|p| vec!["above".into(), p]),
        (percent(), percent()).prop_map(|(a, b)| vec![a, "..".into(), b]),
    ];
    let value = prop_oneof![
        number().prop_map(|n| vec![n]),
        (number(), number()).prop_map(|(a, b)| vec!["linear".into(), a, "..".into(), b])
    ];
    (range, value).prop_map(|(r, v)| cat(vec![r, tok("=>"), v])).boxed()
}

fn scorecard() -> BoxedStrategy<Decl> {
    let items = (
        vec((name(), percent()).prop_map(|(n, p)| vec![n, p]), 0..4),
        option::of(percent().prop_map(|p| vec!["cap".into(), p])),
        option::of(select(vec!["exclude", "zero"]).prop_map(|r| vec!["missing".into(), r.into()])),
        vec(name().prop_map(|n| vec!["gate".into(), n]), 0..2),
        option::of(prop_oneof![
            quantity().prop_map(|q| vec!["base".into(), q]),
            string().prop_map(|s| vec!["base".into(), "table".into(), s]),
        ]),
        option::of(
            vec(payout_rule(), 0..4).prop_map(|rules| cat(vec![tok("payout"), tok("{"), rules.concat(), tok("}")])),
        ),
    );
    (name(), name(), grain(), items, any::<u64>())
        .prop_map(|(n, by, g, items, order)| {
            let (weights, cap, missing, gates, base, payout) = items;
            let mut all: Vec<Vec<String>> = weights;
            all.extend(gates);
            all.extend(vec![cap, missing, base, payout].into_iter().flatten());
            shuffle(&mut all, order);
            cat(vec![vec!["scorecard".into(), n, "by".into(), by, "per".into(), g, "{".into()], all.concat(), tok("}")])
        })
        .boxed()
}

fn level() -> BoxedStrategy<Vec<String>> {
    let simple = prop_oneof![
        Just(tok("inherit")),
        Just(tok("evenly")),
        period().prop_map(|p| vec!["proportional".into(), "to".into(), p]),
    ];
    let head = (name(), option::of(string()))
        .prop_map(|(d, org)| cat(vec![vec!["by".into(), d], org.map_or(vec![], |o| vec!["from".into(), o])]))
        .boxed();
    let leaf = (head.clone(), simple.clone()).prop_map(|(h, a)| cat(vec![h, a]));
    leaf.prop_recursive(3, 12, 3, move |inner| {
        let entry = (string(), quantity(), option::of(inner.clone()))
            .prop_map(|(s, q, then)| cat(vec![vec![s, q], then.map_or(vec![], |t| cat(vec![tok("then"), t]))]));
        let explicit = vec(entry, 0..3).prop_map(|es| cat(vec![tok("{"), es.concat(), tok("}")]));
        let allocation = prop_oneof![simple.clone(), explicit];
        (head.clone(), allocation, option::of(inner))
            .prop_map(|(h, a, then)| cat(vec![h, a, then.map_or(vec![], |t| cat(vec![tok("then"), t]))]))
    })
    .boxed()
}

fn cascade() -> BoxedStrategy<Decl> {
    prop_oneof![
        (name(), level()).prop_map(|(k, l)| cat(vec![vec!["cascade".into(), k], l])),
        (name(), name(), quantity()).prop_map(|(k, d, q)| vec!["cascade".into(), k, "from".into(), d, "at".into(), q]),
    ]
    .boxed()
}

pub fn spec() -> BoxedStrategy<Vec<Decl>> {
    let decl = prop_oneof![
        1 => import(),
        2 => source(),
        2 => filter(),
        3 => metric(),
        3 => kpi(),
        2 => scorecard(),
        2 => cascade(),
    ];
    vec(decl, 1..6).boxed()
}

fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        items.swap(i, (seed >> 33) as usize % (i + 1));
    }
}

// ---------------------------------------------------------------- layout

/// Lay the declarations out: `layout` picks the gap between each pair of tokens
/// (nothing where punctuation allows it, spaces, tabs, line breaks, comments)
/// and between declarations (line breaks, blank lines, comment lines, indent).
pub fn render(decls: &[Decl], layout: &[u8]) -> String {
    let mut choices = layout.iter().copied().cycle();
    let mut next = move || choices.next().unwrap_or(1);
    let mut out = String::new();
    for (i, decl) in decls.iter().enumerate() {
        if i > 0 {
            out.push_str(match next() % 6 {
                0 => "\n\n",
                1 => "\n// between declarations\n",
                2 => "\n\n// a comment\n\n",
                3 => "\n  ",
                _ => "\n",
            });
        }
        for (j, token) in decl.iter().enumerate() {
            if j > 0 {
                let tight = !is_word(decl[j - 1].chars().last()) || !is_word(token.chars().next());
                let gap = match next() % 16 {
                    0 if tight => "",
                    0 | 1 => "  ",
                    2 => "\t",
                    3 => "\n",
                    4 => "\n    ",
                    5 => " // note\n",
                    6 => "  //\n\n  ",
                    _ => " ",
                };
                out.push_str(gap);
            }
            out.push_str(token);
        }
    }
    match next() % 3 {
        0 => out.push_str("\n// the end\n"),
        1 => out.push('\n'),
        _ => {}
    }
    out
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '"' || c == '%')
}
