//! Syntax tree to typed model: name resolution, types, units, additivity, and every
//! static check of the language. Like the parser, checking never stops at the first
//! problem: it returns the model it could build and all diagnostics.

mod cascade;
mod errors;
mod expansion;
mod expr;
mod kpi;
pub mod model;
mod scorecard;
mod spec_test;

use crate::diagnostics::{did_you_mean, Code, Diagnostic};
use crate::load::Program;
use crate::span::{SourceMap, Span};
use crate::syntax::ast::{self, Decl};
use crate::vocab::*;
use errors::SemaError;
use model::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Check a loaded program. The model is complete only when no error was reported.
pub fn check(program: &Program, connections: &Connections) -> (Model, Vec<Diagnostic>) {
    let mut checker = Checker::new(&program.sources, connections);
    checker.broken = program.modules.iter().flat_map(|m| m.broken.iter().cloned()).collect();
    checker.import_rank = program.imported_first.iter().enumerate().map(|(rank, file)| (*file, rank)).collect();
    for module in &program.modules {
        for decl in &module.decls {
            checker.declare(decl);
        }
    }
    checker.sources();
    checker.filters();
    checker.metrics();
    checker.check_expansion();
    checker.kpis();
    checker.scorecards();
    checker.cascades();
    checker.tests();
    (checker.model, checker.diags)
}

/// Where a filter or metric is in its resolution: cycles are found by meeting a
/// declaration that is still in progress.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Todo,
    InProgress,
    Done,
}

/// A namespace of one kind of declaration.
struct Names<'a, T> {
    decls: Vec<&'a T>,
    spans: Vec<Span>,
    index: HashMap<&'a str, usize>,
}

impl<'a, T> Names<'a, T> {
    fn new() -> Self {
        Names { decls: Vec::new(), spans: Vec::new(), index: HashMap::new() }
    }

    fn get(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    fn names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.index.keys().copied()
    }
}

pub(crate) struct Checker<'a> {
    sources_map: &'a SourceMap,
    /// The connections `kpic.toml` declares, for table sources.
    connections: &'a Connections,
    sources: Names<'a, ast::Source>,
    filters: Names<'a, ast::FilterDecl>,
    metrics: Names<'a, ast::MetricDecl>,
    kpis: Names<'a, ast::Kpi>,
    scorecards: Names<'a, ast::Scorecard>,
    cascade_decls: Vec<&'a ast::Cascade>,
    tests: Names<'a, ast::TestDecl>,
    filter_state: Vec<State>,
    metric_state: Vec<State>,
    /// Resolved filters and metrics, filled in on demand (in dependency order).
    filter_defs: Vec<Option<FilterDef>>,
    metric_defs: Vec<Option<MetricDef>>,
    /// The chain of metrics being resolved, for the cycle message.
    metric_stack: Vec<usize>,
    filter_stack: Vec<usize>,
    pub(crate) model: Model,
    pub(crate) diags: Vec<Diagnostic>,
    /// Names of declarations that did not parse (see `ast::Module::broken`).
    pub(crate) broken: std::collections::HashSet<String>,
    /// Written-out sizes of filters and metrics, once they are resolved.
    expansion: Option<expansion::Sizes>,
    /// Each file's place in [`Program::imported_first`].
    import_rank: HashMap<crate::span::FileId, usize>,
}

impl<'a> Checker<'a> {
    fn new(sources_map: &'a SourceMap, connections: &'a Connections) -> Self {
        Checker {
            sources_map,
            connections,
            sources: Names::new(),
            filters: Names::new(),
            metrics: Names::new(),
            kpis: Names::new(),
            scorecards: Names::new(),
            cascade_decls: Vec::new(),
            tests: Names::new(),
            filter_state: Vec::new(),
            metric_state: Vec::new(),
            filter_defs: Vec::new(),
            metric_defs: Vec::new(),
            metric_stack: Vec::new(),
            filter_stack: Vec::new(),
            model: Model::default(),
            diags: Vec::new(),
            broken: Default::default(),
            expansion: None,
            import_rank: HashMap::new(),
        }
    }

    pub(crate) fn report(&mut self, error: SemaError) {
        self.diags.push(error.to_diagnostic());
    }

    /// The directory that relative paths in the file of `span` are resolved against.
    pub(crate) fn resolve_path(&self, span: Span, path: &str) -> PathBuf {
        let file = &self.sources_map.get(span.file).path;
        crate::load::normalize(&file.parent().unwrap_or(Path::new("")).join(path))
    }

    fn declare(&mut self, decl: &'a Decl) {
        match decl {
            Decl::Import(_) => {}
            Decl::Source(s) => declare_in(&mut self.sources, &mut self.diags, &self.import_rank, s, &s.name, "source"),
            Decl::Filter(f) => declare_in(&mut self.filters, &mut self.diags, &self.import_rank, f, &f.name, "filter"),
            Decl::Metric(m) => declare_in(&mut self.metrics, &mut self.diags, &self.import_rank, m, &m.name, "metric"),
            Decl::Kpi(k) => declare_in(&mut self.kpis, &mut self.diags, &self.import_rank, k, &k.name, "KPI"),
            Decl::Scorecard(s) => {
                declare_in(&mut self.scorecards, &mut self.diags, &self.import_rank, s, &s.name, "scorecard")
            }
            Decl::Cascade(c) => self.cascade_decls.push(c),
            Decl::Test(t) => declare_in(&mut self.tests, &mut self.diags, &self.import_rank, t, &t.name, "test"),
        }
    }

    // ------------------------------------------------------------ sources

    fn sources(&mut self) {
        let decls = self.sources.decls.clone();
        for src in decls {
            let def = self.source(src);
            self.model.sources.push(def);
        }
    }

    fn source(&mut self, src: &ast::Source) -> SourceDef {
        let location = self.location(src);
        let on_table = matches!(location, SourceLocation::Table { .. });
        let mut columns: Vec<ColumnDef> = Vec::new();
        let mut time_columns = Vec::new();
        for col in &src.columns {
            if let Some(first) = columns.iter().find(|c| c.name == col.name.name) {
                let first = first.span;
                self.report(SemaError::DuplicateColumn { name: col.name.name.clone(), span: col.name.span, first });
                continue;
            }
            let ty = match ColType::parse(&col.ty.name.name, col.ty.arg.as_ref().map(|a| a.name.as_str())) {
                Ok(ty) => ty,
                Err(why) => {
                    self.report(SemaError::UnknownType { why, span: col.ty.span });
                    ColType::Text
                }
            };
            if let Some(format) = col.format.as_ref().filter(|_| !ty.is_temporal()) {
                self.report(SemaError::FormatOnNonDate { span: format.span });
            } else if let Some(format) = col.format.as_ref().filter(|_| on_table) {
                self.report(SemaError::FormatOnTable { column: col.name.name.clone(), span: format.span });
            }
            if col.is_time {
                time_columns.push((columns.len(), col));
            }
            columns.push(ColumnDef {
                name: col.name.name.clone(),
                ty,
                format: col.format.as_ref().map(|f| f.value.clone()),
                span: col.span,
            });
        }
        let time_column = match time_columns.as_slice() {
            [] => {
                self.report(SemaError::NoTimeColumn { source: src.name.name.clone(), span: src.name.span });
                0
            }
            [(index, col), rest @ ..] => {
                for (_, other) in rest {
                    let source = src.name.name.clone();
                    self.report(SemaError::SecondTimeColumn { source, span: other.span, first: col.span });
                }
                if !columns[*index].ty.is_temporal() {
                    let ty = columns[*index].ty.clone();
                    self.report(SemaError::TimeColumnNotTemporal {
                        column: col.name.name.clone(),
                        ty,
                        span: col.ty.span,
                    });
                }
                *index
            }
        };
        SourceDef {
            name: src.name.name.clone(),
            location,
            columns,
            time_column,
            span: src.span,
            name_span: src.name.span,
            path_span: src.from.span(),
        }
    }

    /// A file (its format from its extension), or a table in a connection
    /// `kpic.toml` declares (`in NAME`, or the default one).
    fn location(&mut self, src: &ast::Source) -> SourceLocation {
        match &src.from {
            ast::SourceFrom::File(path) => {
                let resolved = self.resolve_path(src.span, &path.value);
                let format = FileFormat::from_path(&resolved).unwrap_or_else(|| {
                    self.report(SemaError::UnknownFileType { path: path.value.clone(), span: path.span });
                    FileFormat::Csv
                });
                SourceLocation::File { path: path.value.clone(), resolved, format }
            }
            ast::SourceFrom::Table { table, connection } => {
                let path = TablePath::parse(&table.value).unwrap_or_else(|why| {
                    self.report(SemaError::BadTablePath { why, span: table.span });
                    TablePath(vec![table.value.clone()])
                });
                let connection = self.connection(src, connection.as_ref());
                SourceLocation::Table { table: path, connection }
            }
        }
    }

    /// The connection a table source names, or the default one.
    fn connection(&mut self, src: &ast::Source, named: Option<&ast::Ident>) -> Connection {
        let known = || self.connections.list.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        let name = match named {
            Some(n) => n.name.clone(),
            None => match &self.connections.default {
                Some(d) => d.clone(),
                None => {
                    self.report(SemaError::NoConnection { known: known(), span: src.from.span() });
                    return Connection::of_engine("", Engine::Duckdb);
                }
            },
        };
        match self.connections.get(&name) {
            Some(c) => c.clone(),
            None => {
                let span = named.map_or(src.from.span(), |n| n.span);
                let suggestion = did_you_mean(&name, self.connections.list.iter().map(|c| c.name.as_str()));
                self.report(SemaError::UnknownConnection { name: name.clone(), known: known(), suggestion, span });
                Connection::of_engine(&name, Engine::Duckdb)
            }
        }
    }

    /// Resolve `source` to its id, with "did you mean" when it is unknown.
    pub(crate) fn source_id(&mut self, ident: &ast::Ident) -> Option<SourceId> {
        if let Some(i) = self.sources.get(&ident.name) {
            return Some(SourceId(i));
        }
        if self.broken.contains(&ident.name) {
            return None;
        }
        let suggestion = did_you_mean(&ident.name, self.sources.names());
        self.report(SemaError::UnknownSource { name: ident.name.clone(), span: ident.span, suggestion });
        None
    }

    /// Resolve `source.column`.
    pub(crate) fn column_id(&mut self, col: &ast::ColumnRef) -> Option<ColumnId> {
        let source = self.source_id(&col.source)?;
        let def = &self.model.sources[source.0];
        if let Some(index) = def.column_index(&col.column.name) {
            return Some(ColumnId { source, index });
        }
        let columns: Vec<String> = def.columns.iter().map(|c| c.name.clone()).collect();
        let suggestion = did_you_mean(&col.column.name, columns.iter().map(String::as_str));
        let error = SemaError::UnknownColumn {
            source: def.name.clone(),
            column: col.column.name.clone(),
            span: col.column.span,
            source_span: def.name_span,
            suggestion,
            columns,
        };
        self.report(error);
        None
    }

    /// Check that `dimension` is a column of every source in `sources`.
    pub(crate) fn check_dimension(&mut self, dimension: &ast::Ident, sources: &[SourceId], code: Code) -> bool {
        let mut ok = true;
        for &sid in sources {
            let def = &self.model.sources[sid.0];
            if def.column_index(&dimension.name).is_some() {
                continue;
            }
            ok = false;
            let columns: Vec<String> = def.columns.iter().map(|c| c.name.clone()).collect();
            let suggestion = did_you_mean(&dimension.name, columns.iter().map(String::as_str));
            let error = SemaError::NotADimension {
                code,
                source: def.name.clone(),
                dimension: dimension.name.clone(),
                span: dimension.span,
                source_span: def.name_span,
                suggestion,
                columns,
            };
            self.report(error);
        }
        ok
    }
}

fn declare_in<'a, T>(
    names: &mut Names<'a, T>,
    diags: &mut Vec<Diagnostic>,
    import_rank: &HashMap<crate::span::FileId, usize>,
    decl: &'a T,
    name: &'a ast::Ident,
    kind: &'static str,
) {
    if let Some(&first) = names.index.get(name.name.as_str()) {
        let first = names.spans[first];
        // The declaration in an imported file was there first: the one in the
        // file that imports it is the duplicate, whichever was read first.
        let rank = |span: Span| import_rank.get(&span.file).copied().unwrap_or(usize::MAX);
        let (span, first) = if rank(name.span) < rank(first) { (first, name.span) } else { (name.span, first) };
        diags.push(SemaError::Duplicate { kind, name: name.name.clone(), span, first }.to_diagnostic());
        return;
    }
    names.index.insert(name.name.as_str(), names.decls.len());
    names.decls.push(decl);
    names.spans.push(name.span);
}
