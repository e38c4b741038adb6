//! `kpic dump STAGE SPEC`: show what a compiler stage makes of a spec.

use super::{EXIT_ERRORS, EXIT_OK};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The stage to print.
    #[arg(value_enum)]
    stage: Stage,
    /// The spec file.
    spec: PathBuf,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Stage {
    /// The syntax tree of each file, as JSON.
    Ast,
    /// The resolved, typed model, as JSON.
    Model,
    /// The backend-neutral plan (queries, KPI expressions, planning tables), as JSON.
    Ir,
    /// What the backends return for the plan: each query's rows of periods, keys and aggregate values, as JSON.
    Aggregates,
}

pub fn run(args: Args) -> u8 {
    let checked = match super::load(&args.spec) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let json = match args.stage {
        Stage::Ast => serde_json::to_string_pretty(&checked.modules),
        Stage::Model | Stage::Ir | Stage::Aggregates if checked.has_errors() => {
            super::emit::spec_diagnostics(super::emit::DiagFormat::Human, &checked);
            return EXIT_ERRORS;
        }
        Stage::Model => serde_json::to_string_pretty(&checked.model),
        Stage::Ir => {
            let plan = crate::lower(&checked, &crate::Selection::default()).expect("no selection to refuse");
            serde_json::to_string_pretty(&plan)
        }
        Stage::Aggregates => {
            let plan = crate::lower(&checked, &crate::Selection::default()).expect("no selection to refuse");
            let results = match crate::run(&plan, &crate::eval::Quiet) {
                Ok(r) => r,
                Err(d) => {
                    super::emit::one(super::emit::DiagFormat::Human, &d, &checked.sources);
                    return EXIT_ERRORS;
                }
            };
            serde_json::to_string_pretty(&aggregates(&plan, &results.aggregates))
        }
    };
    outln!("{}", json.expect("the syntax tree, model and plan serialize"));
    EXIT_OK
}

/// Each query's table as JSON: its source, grain and keys, and per row the
/// period's first day, the keys and every aggregate's value (sorted, so that
/// another engine's rows compare line by line).
fn aggregates(plan: &crate::ir::Plan, tables: &[crate::ir::AggTable]) -> serde_json::Value {
    let queries = plan.queries.iter().zip(tables).enumerate().map(|(i, (q, t))| {
        let mut rows: Vec<serde_json::Value> = (0..t.periods.len())
            .map(|r| {
                let values: serde_json::Map<String, serde_json::Value> =
                    q.aggs.iter().map(|a| (a.alias.clone(), serde_json::json!(t.values[&a.alias][r]))).collect();
                serde_json::json!({
                    "period": t.periods[r].format("%Y-%m-%d").to_string(),
                    "keys": t.keys.iter().map(|k| k[r].clone()).collect::<Vec<_>>(),
                    "values": values,
                })
            })
            .collect();
        rows.sort_by_key(|r| (r["period"].to_string(), r["keys"].to_string()));
        serde_json::json!({
            "query": i,
            "source": plan.scans[q.scan].name,
            "grain": q.grain.as_str(),
            "keys": q.keys,
            "aggregates": q.aggs.iter().map(|a| serde_json::json!({
                "alias": a.alias,
                "func": a.func.as_str(),
                "column": a.column,
                "exact": a.is_exact(&plan.scans[q.scan]),
            })).collect::<Vec<_>>(),
            "rows": rows,
        })
    });
    serde_json::json!({"version": 1, "queries": queries.collect::<Vec<_>>()})
}
