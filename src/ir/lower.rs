//! Typed model to plan: inline metrics, resolve columns to names, fuse
//! aggregates, name the planning tables the evaluation reads.

use super::*;
use crate::sema::model::{self, ExprKind, Model, SourceId};
use std::collections::{BTreeSet, HashMap};

/// Lower the KPIs of a checked model (all of them, or those named in `only`).
pub fn lower(model: &Model, only: &[String]) -> Plan {
    let mut l = Lowerer {
        model,
        scans: Vec::new(),
        scan_index: HashMap::new(),
        queries: Vec::new(),
        query_index: HashMap::new(),
    };
    let kpis = model
        .kpis
        .iter()
        .enumerate()
        .filter(|(_, k)| only.is_empty() || only.contains(&k.name))
        .map(|(i, k)| l.kpi(model::KpiId(i), k, &k.by))
        .collect();
    let mut levels = Vec::new();
    for (ci, cascade) in model.cascades.iter().enumerate() {
        let kpi = model.kpi(cascade.kpi);
        if !(only.is_empty() || only.contains(&kpi.name)) {
            continue;
        }
        if let model::CascadeBody::Levels(level) = &cascade.body {
            let mut paths = Vec::new();
            collect_paths(level, &mut Vec::new(), &mut paths);
            for dims in paths {
                let keys: Vec<String> = kpi.by.iter().chain(&dims).cloned().collect();
                let plan = l.kpi(cascade.kpi, kpi, &keys);
                levels.push(LevelPlan { cascade: ci, dims, plan });
            }
        }
    }
    let tables = side_tables(model, only);
    Plan { scans: l.scans, queries: l.queries, kpis, levels, tables }
}

/// A scan of a declared source that reads only its time column so far: every
/// declared column is listed (the reader needs the declared schema).
pub fn scan_of(source: SourceId, def: &model::SourceDef) -> Scan {
    let mut columns: Vec<ScanColumn> = def
        .columns
        .iter()
        .map(|c| ScanColumn {
            name: c.name.clone(),
            ty: c.ty.clone(),
            format: c.format.clone(),
            used: false,
            span: c.span,
        })
        .collect();
    columns[def.time_column].used = true;
    Scan {
        source: source.0,
        name: def.name.clone(),
        location: match &def.location {
            model::SourceLocation::File { resolved, format, .. } => {
                Location::File { path: resolved.clone(), format: *format }
            }
            model::SourceLocation::Table { table, connection } => {
                Location::Table { table: table.clone(), connection: connection.clone() }
            }
        },
        columns,
        time_column: def.columns[def.time_column].name.clone(),
        span: def.path_span,
    }
}

/// The planning tables of the KPIs in `only` (all when empty), of every
/// scorecard and of every cascade of them, each file once.
pub fn side_tables(model: &Model, only: &[String]) -> Vec<SideTable> {
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let mut out: Vec<SideTable> = Vec::new();
    let mut add = |path: &std::path::Path, kind: SideKind, span: Span| {
        if !out.iter().any(|t| t.path == path) {
            out.push(SideTable { path: path.to_path_buf(), kind, span });
        }
    };
    for kpi in model.kpis.iter().filter(|k| wanted(&k.name)) {
        for t in &kpi.targets {
            if let model::TargetSpec::Table { resolved, .. } = &t.spec {
                add(resolved, SideKind::Targets, t.span);
            }
        }
    }
    for card in &model.scorecards {
        if let Some(model::BaseDef::Table { resolved, span, .. }) = &card.base {
            add(resolved, SideKind::BonusBases, *span);
        }
    }
    for cascade in model.cascades.iter().filter(|c| wanted(&model.kpi(c.kpi).name)) {
        if let model::CascadeBody::Levels(level) = &cascade.body {
            for org in level.org_charts() {
                add(org, SideKind::OrgChart, cascade.span);
            }
        }
    }
    out
}

/// Every chain of dimensions a cascade's levels can reach, each once.
fn collect_paths(level: &model::Level, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    prefix.push(level.dimension.clone());
    if !out.contains(prefix) {
        out.push(prefix.clone());
    }
    if let model::Allocation::Shares(entries) | model::Allocation::Amounts(entries) = &level.allocation {
        for e in entries {
            if let Some(next) = &e.then {
                collect_paths(next, prefix, out);
            }
        }
    }
    if let Some(next) = &level.then {
        collect_paths(next, prefix, out);
    }
    prefix.pop();
}

struct Lowerer<'m> {
    model: &'m Model,
    scans: Vec<Scan>,
    scan_index: HashMap<SourceId, usize>,
    queries: Vec<AggQuery>,
    /// (scan, grain, keys) to query index: the fusion key.
    query_index: HashMap<(usize, Grain, Vec<String>), usize>,
}

impl Lowerer<'_> {
    /// A KPI's value grouped by `keys` (its own `by`, or a cascade level's).
    fn kpi(&mut self, id: model::KpiId, kpi: &model::KpiDef, keys: &[String]) -> KpiPlan {
        let mut queries = BTreeSet::new();
        let value = self.value(&kpi.expr, kpi.grain, keys, &mut queries);
        KpiPlan {
            kpi: id.0,
            name: kpi.name.clone(),
            grain: kpi.grain,
            keys: keys.to_vec(),
            unit: kpi.unit.clone(),
            value,
            queries: queries.into_iter().collect(),
        }
    }

    fn value(&mut self, e: &model::Expr, grain: Grain, keys: &[String], queries: &mut BTreeSet<usize>) -> KpiExpr {
        crate::stack::with_stack(|| self.value_unguarded(e, grain, keys, queries))
    }

    fn value_unguarded(
        &mut self,
        e: &model::Expr,
        grain: Grain,
        keys: &[String],
        queries: &mut BTreeSet<usize>,
    ) -> KpiExpr {
        match &e.kind {
            ExprKind::Const(v) => KpiExpr::Const(*v),
            ExprKind::Metric(id) => {
                let expr = &self.model.metric(*id).expr;
                self.value(expr, grain, keys, queries)
            }
            ExprKind::Neg(inner) => KpiExpr::Neg(Box::new(self.value(inner, grain, keys, queries))),
            ExprKind::Change(inner) => KpiExpr::Change(Box::new(self.value(inner, grain, keys, queries))),
            ExprKind::Offset { expr, periods, grain: step } => KpiExpr::Offset {
                value: Box::new(self.value(expr, grain, keys, queries)),
                periods: *periods,
                grain: *step,
            },
            ExprKind::Binary { op, lhs, rhs } => KpiExpr::Binary {
                op: *op,
                lhs: Box::new(self.value(lhs, grain, keys, queries)),
                rhs: Box::new(self.value(rhs, grain, keys, queries)),
                span: e.span,
            },
            ExprKind::Aggregate(agg) => {
                let (query, alias) = self.aggregate(agg, grain, keys);
                queries.insert(query);
                KpiExpr::Agg { query, alias }
            }
        }
    }

    /// Add an aggregate to the query of its source, grain and keys (reusing an
    /// identical aggregate when one is already there).
    fn aggregate(&mut self, agg: &model::Aggregate, grain: Grain, keys: &[String]) -> (usize, String) {
        let scan = self.scan(agg.source);
        let column = agg.column.map(|c| self.use_column(scan, c));
        let filter = agg.filter.as_ref().map(|p| self.pred(scan, p));
        for key in keys {
            let index = self.model.source(agg.source).column_index(key).expect("checked dimension");
            self.scans[scan].columns[index].used = true;
        }
        let fusion_key = (scan, grain, keys.to_vec());
        let query = match self.query_index.get(&fusion_key) {
            Some(&q) => q,
            None => {
                self.queries.push(AggQuery { scan, grain, keys: keys.to_vec(), aggs: Vec::new(), reads: None });
                self.query_index.insert(fusion_key, self.queries.len() - 1);
                self.queries.len() - 1
            }
        };
        let aggs = &mut self.queries[query].aggs;
        if let Some(existing) =
            aggs.iter().find(|a| a.func == agg.func && a.column == column && a.filter == filter && a.param == agg.param)
        {
            return (query, existing.alias.clone());
        }
        let alias = format!("a{}_{}", aggs.len(), agg.func.as_str());
        aggs.push(AggOutput { alias: alias.clone(), func: agg.func, column, filter, param: agg.param, span: agg.span });
        (query, alias)
    }

    fn scan(&mut self, source: SourceId) -> usize {
        if let Some(&i) = self.scan_index.get(&source) {
            return i;
        }
        self.scans.push(scan_of(source, self.model.source(source)));
        self.scan_index.insert(source, self.scans.len() - 1);
        self.scans.len() - 1
    }

    fn use_column(&mut self, scan: usize, col: model::ColumnId) -> String {
        self.scans[scan].columns[col.index].used = true;
        self.scans[scan].columns[col.index].name.clone()
    }

    fn pred(&mut self, scan: usize, p: &model::Pred) -> Pred {
        crate::stack::with_stack(|| self.pred_unguarded(scan, p))
    }

    fn pred_unguarded(&mut self, scan: usize, p: &model::Pred) -> Pred {
        use model::PredKind as K;
        match &p.kind {
            K::And(a, b) => Pred::And(Box::new(self.pred(scan, a)), Box::new(self.pred(scan, b))),
            K::Or(a, b) => Pred::Or(Box::new(self.pred(scan, a)), Box::new(self.pred(scan, b))),
            K::Not(a) => Pred::Not(Box::new(self.pred(scan, a))),
            K::Const(b) => Pred::Const(*b),
            K::Filter(id) => {
                let pred = self.model.filter(*id).pred.clone();
                self.pred(scan, &pred)
            }
            K::IsNull { column, negated } => Pred::IsNull { column: self.use_column(scan, *column), negated: *negated },
            K::InList { column, negated, items } => {
                Pred::InList { column: self.use_column(scan, *column), negated: *negated, items: items.clone() }
            }
            K::InRange { column, negated, low, high } => Pred::InRange {
                column: self.use_column(scan, *column),
                negated: *negated,
                low: low.clone(),
                high: high.clone(),
            },
            K::Compare { lhs, op, rhs } => {
                Pred::Compare { lhs: self.operand(scan, lhs), op: *op, rhs: self.operand(scan, rhs) }
            }
        }
    }

    fn operand(&mut self, scan: usize, o: &model::Operand) -> Operand {
        match o {
            model::Operand::Column(c) => Operand::Column(self.use_column(scan, *c)),
            model::Operand::Constant(v) => Operand::Constant(v.clone()),
        }
    }
}
