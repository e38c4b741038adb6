//! Loading a spec and everything it imports into one [`Program`].
//!
//! The loader does not touch the file system itself: the caller passes the function
//! that reads a file, so the library stays free of IO and tests can load from memory.

use crate::diagnostics::{Code, Diagnostic, Label};
use crate::span::{FileId, SourceMap, Span};
use crate::syntax::{self, ast};
use std::io;
use std::path::{Component, Path, PathBuf};

/// Every file of one spec, parsed, with the problems found so far.
#[derive(Debug, Default)]
pub struct Program {
    pub sources: SourceMap,
    pub modules: Vec<ast::Module>,
    pub diagnostics: Vec<Diagnostic>,
    /// The files in the order their imports are done: every file after the
    /// files it imports (the spec's own file last).
    pub imported_first: Vec<FileId>,
}

/// Reads a file's bytes.
pub type Reader<'a> = &'a dyn Fn(&Path) -> io::Result<Vec<u8>>;

/// How the loader reaches spec files: the caller's, so that the loader does no
/// IO of its own (the project layer confines reads to the project root; tests
/// read from memory).
pub trait Files {
    fn read(&self, path: &Path) -> Result<Vec<u8>, ReadError>;
    /// The file a path names, for telling files apart (`sub/spec.kpi` with
    /// `sub` a link to `.` is `spec.kpi`); the path itself by default.
    fn identity(&self, path: &Path) -> PathBuf {
        path.to_path_buf()
    }
}

/// Why a spec file could not be read.
#[derive(Debug)]
pub enum ReadError {
    Io(io::Error),
    /// The project layer refuses a file outside the project root; the reason.
    OutsideProject(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::OutsideProject(why) => f.write_str(why),
        }
    }
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> ReadError {
        ReadError::Io(e)
    }
}

/// A plain reader function: files are told apart by their paths.
struct Plain<'a>(Reader<'a>);

impl Files for Plain<'_> {
    fn read(&self, path: &Path) -> Result<Vec<u8>, ReadError> {
        (self.0)(path).map_err(ReadError::Io)
    }
}

/// Load `root` and, transitively, the files it imports, through `read`. Only a
/// failure to read `root` itself is an error; problems in imports are
/// diagnostics.
pub fn load(root: &Path, read: Reader) -> Result<Program, ReadError> {
    load_files(root, &Plain(read))
}

/// [`load`] through any [`Files`].
pub fn load_files(root: &Path, files: &dyn Files) -> Result<Program, ReadError> {
    let bytes = files.read(root)?;
    let mut loader = Loader { program: Program::default(), files, stack: Vec::new(), loaded: Default::default() };
    loader.file(normalize(root), bytes);
    Ok(loader.program)
}

/// Load one file from memory, without following imports (for tests and fuzzing).
pub fn load_text(path: &str, text: &str) -> Program {
    let mut loader = Loader {
        program: Program::default(),
        files: &Plain(&|_| Err(io::ErrorKind::NotFound.into())),
        stack: Vec::new(),
        loaded: Default::default(),
    };
    loader.file(PathBuf::from(path), text.as_bytes().to_vec());
    loader.program
}

struct Loader<'a> {
    program: Program,
    files: &'a dyn Files,
    /// Files being loaded, innermost last, as named and as resolved: an import of
    /// one of them is a cycle.
    stack: Vec<(PathBuf, PathBuf)>,
    /// Every file loaded so far, as resolved.
    loaded: std::collections::HashSet<PathBuf>,
}

/// The deepest chain of imports kpic follows (E007 beyond).
pub const MAX_IMPORT_DEPTH: usize = 64;

/// The largest spec file kpic reads (E008).
pub const MAX_SPEC_BYTES: usize = 16 << 20;

impl Loader<'_> {
    fn file(&mut self, path: PathBuf, bytes: Vec<u8>) -> FileId {
        if bytes.len() > MAX_SPEC_BYTES {
            let id = self.program.sources.add(path, String::new());
            self.report(LoadError::TooLarge { bytes: bytes.len(), span: Span::new(id, 0, 0) });
            return id;
        }
        let (text, utf8_error) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
            }
        };
        let id = self.program.sources.add(path.clone(), text);
        if let Some(at) = utf8_error {
            // The text keeps a replacement character where the invalid bytes were.
            let span = Span::new(id, at, at + char::REPLACEMENT_CHARACTER.len_utf8());
            self.report(LoadError::NotUtf8 { span });
            return id;
        }
        let text = self.program.sources.get(id).text.clone();
        let (module, diags) = syntax::parse(id, &text);
        self.program.diagnostics.extend(diags);
        if module.decls.is_empty() && self.program.diagnostics.iter().all(|d| d.primary.span.file != id) {
            self.report(LoadError::Empty { span: Span::new(id, 0, 0) });
        }
        let imports: Vec<ast::StrLit> = module
            .decls
            .iter()
            .filter_map(|d| match d {
                ast::Decl::Import(i) => Some(i.path.clone()),
                _ => None,
            })
            .collect();
        self.program.modules.push(module);
        let key = self.files.identity(&path);
        self.loaded.insert(key.clone());
        self.stack.push((path.clone(), key));
        for import in imports {
            self.import(&path, &import);
        }
        self.stack.pop();
        self.program.imported_first.push(id);
        id
    }

    fn import(&mut self, from: &Path, import: &ast::StrLit) {
        let target = normalize(&from.parent().unwrap_or(Path::new("")).join(&import.value));
        if self.stack.len() >= MAX_IMPORT_DEPTH {
            self.report(LoadError::ImportsTooDeep { target, span: import.span });
            return;
        }
        let key = self.files.identity(&target);
        if let Some(pos) = self.stack.iter().position(|(_, k)| *k == key) {
            let mut chain: Vec<String> = self.stack[pos..].iter().map(|(p, _)| p.display().to_string()).collect();
            chain.push(target.display().to_string());
            self.report(LoadError::ImportCycle { chain, span: import.span });
            return;
        }
        if self.loaded.contains(&key) {
            return;
        }
        match self.files.read(&target) {
            Ok(bytes) => {
                self.file(target, bytes);
            }
            Err(e @ ReadError::OutsideProject(_)) => {
                self.report(LoadError::ImportOutside { target, why: e.to_string(), span: import.span })
            }
            Err(e) => self.report(LoadError::ImportUnreadable { target, why: e.to_string(), span: import.span }),
        }
    }

    fn report(&mut self, error: LoadError) {
        self.program.diagnostics.push(error.to_diagnostic());
    }
}

/// What the loader finds wrong with the files of a spec, as data.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadError {
    TooLarge { bytes: usize, span: Span },
    NotUtf8 { span: Span },
    Empty { span: Span },
    ImportsTooDeep { target: PathBuf, span: Span },
    ImportCycle { chain: Vec<String>, span: Span },
    ImportOutside { target: PathBuf, why: String, span: Span },
    ImportUnreadable { target: PathBuf, why: String, span: Span },
}

impl LoadError {
    /// The problem in words.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let diag =
            |code, message: String, span: Span, label: &str| Diagnostic::new(code, message, Label::new(span, label));
        match self {
            LoadError::TooLarge { bytes, span } => diag(
                Code::FileTooLarge,
                format!("the file has {bytes} bytes; specs may have at most {MAX_SPEC_BYTES}"),
                *span,
                "not read",
            )
            .with_help("split the spec into files that import each other"),
            LoadError::NotUtf8 { span } => {
                diag(Code::InvalidUtf8, "the file is not valid UTF-8".into(), *span, "invalid byte here")
                    .with_help("save the file as UTF-8")
            }
            LoadError::Empty { span } => diag(Code::EmptyFile, "the file declares nothing".into(), *span, "empty")
                .with_help("declare a source, metric or KPI, or delete the file"),
            LoadError::ImportsTooDeep { target, span } => diag(
                Code::ImportCycle,
                format!("imports nest more than {MAX_IMPORT_DEPTH} files deep, down to `{}`", target.display()),
                *span,
                "one import too many",
            )
            .with_help("a chain this long is almost certainly a mistake; flatten the imports"),
            LoadError::ImportCycle { chain, span } => diag(
                Code::ImportCycle,
                format!("import cycle: {}", chain.join(" -> ")),
                *span,
                "this import closes the cycle",
            )
            .with_help("move the shared declarations into a file that both import"),
            LoadError::ImportOutside { target, why, span } => diag(
                Code::OutsideProject,
                format!("`{}` is outside the project: {why}", target.display()),
                *span,
                "imported here",
            )
            .with_help("imports stay inside the project root; pass --allow-outside-project if you trust this spec"),
            LoadError::ImportUnreadable { target, why, span } => {
                diag(Code::ImportNotFound, format!("cannot read `{}`: {why}", target.display()), *span, "imported here")
                    .with_help("import paths are relative to the importing file")
            }
        }
    }
}

/// `a/./b/../c.kpi` to `a/c.kpi`, without asking the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
