//! kpic's own CSV reader. The spec declares every column's type and the time
//! column's exact format, so nothing is guessed and little is done: only the
//! used columns are parsed, each straight into its evaluation type; the layout
//! (field counts, quotes, blank lines) is checked in the same pass; the period of
//! every row is computed from the parsed time; and the work is spread over every
//! core.
//!
//! The file is read in blocks that end at a record boundary. A block is cut into
//! pieces of whole records, parsed in parallel, and the pieces are gathered into
//! batches: a file up to [`WHOLE_BYTES`] is one `DataFrame`, a larger one a
//! sequence of them of a quarter of that each (see `batch.rs`), so memory does
//! not grow with the file.
//!
//! What is accepted is what docs/evaluation.md and docs/bad-inputs.md say: RFC
//! 4180 quoting (a field that holds a quote is quoted, and its quotes doubled),
//! CRLF or LF line ends, a byte order mark before the header; an empty field is
//! a null; numbers without spaces, thousands separators, NaN or infinity.

mod blocks;
mod columns;
mod layout;
pub(crate) mod text;

use super::diagnose;
use super::time::TimeFormat;
use super::SourceFile;
use crate::diagnostics::Diagnostic;
use crate::ir::ScanColumn;
use crate::vocab::ColType;
use crate::vocab::Grain;
use ::polars::prelude::*;
use blocks::{Block, Blocks};
use columns::{Bad, Kind};
use layout::{record_end, Fields};
use rayon::prelude::*;
use std::io::Read;

/// A file up to this size is read whole, as one batch; larger ones in batches
/// of a quarter of it. `KPIC_BATCH_MB` sets it (docs/performance.md).
pub(super) const WHOLE_BYTES: usize = 1 << 30;

/// The batch size for a scan's file: all of it when it is small enough.
pub(super) fn batch_bytes(scan: &SourceFile) -> usize {
    let whole = std::env::var("KPIC_BATCH_MB")
        .ok()
        .and_then(|mb| mb.trim().parse::<usize>().ok())
        .map_or(WHOLE_BYTES, |mb| mb.max(1) << 20);
    let size = std::fs::metadata(&scan.path).map_or(0, |m| m.len() as usize);
    if size <= whole {
        size.max(whole)
    } else {
        whole / 4
    }
}

/// Reads a CSV source batch by batch.
pub(super) struct CsvReader<'s> {
    scan: &'s SourceFile,
    file: std::fs::File,
    parser: Parser<'s>,
    batch_bytes: usize,
    /// The blocks after the header, once it is read.
    blocks: Option<Blocks>,
    /// The next block, read but not parsed.
    pending: Option<Block>,
    /// Bytes read past the header before the blocks start; their file offset.
    carry: Vec<u8>,
    offset: u64,
    /// Data records parsed so far.
    rows: usize,
    eof: bool,
    /// A batch has been returned; the next one is not the first.
    started: bool,
    /// Reading the file failed.
    failed: Option<Diagnostic>,
}

/// What a piece of records is parsed into: shared by the threads that parse.
struct Parser<'s> {
    /// Fields in the header, so in every record.
    fields: usize,
    /// The used columns, in the order of the scan.
    targets: Vec<Target<'s>>,
    /// Index in `targets` of the time column.
    time: usize,
    grains: Vec<Grain>,
}

/// A used column: which field holds it and how to read it.
struct Target<'s> {
    field: usize,
    column: &'s ScanColumn,
    kind: Kind,
}

/// Why a piece could not be read, with where (file offsets and records within
/// the piece); turned into a diagnostic once the failing record is known.
#[derive(Debug)]
enum Problem {
    /// A layout error at a line (given by the file offset of its start).
    Layout { at: u64, what: String },
    /// Invalid UTF-8 at a file offset.
    Utf8 { at: u64 },
    /// A value that does not fit its column, in the piece's `row`th record.
    Value { row: usize, target: usize, value: String },
    /// A money or decimal value too large to be summed exactly.
    TooLarge { row: usize, target: usize, value: String },
    /// A record without a time.
    NullTime { row: usize },
}

impl<'s> CsvReader<'s> {
    /// Open the file, read its header and check the declared columns against it.
    pub(super) fn open(scan: &'s SourceFile, grains: &[Grain]) -> Result<CsvReader<'s>, Diagnostic> {
        Self::with_batch_bytes(scan, grains, batch_bytes(scan))
    }

    /// [`CsvReader::open`] with another batch size (tests use small ones).
    pub(super) fn with_batch_bytes(
        scan: &'s SourceFile,
        grains: &[Grain],
        batch_bytes: usize,
    ) -> Result<CsvReader<'s>, Diagnostic> {
        diagnose::check_file(scan)?;
        let file = std::fs::File::open(&scan.path).map_err(|e| diagnose::io_failure(scan, &e))?;
        let mut reader = CsvReader {
            scan,
            file,
            parser: Parser { fields: 0, targets: Vec::new(), time: 0, grains: grains.to_vec() },
            batch_bytes: batch_bytes.max(1),
            blocks: None,
            pending: None,
            carry: Vec::new(),
            offset: 0,
            rows: 0,
            eof: false,
            started: false,
            failed: None,
        };
        let header = reader.header()?;
        reader.plan(&header)?;
        Ok(reader)
    }

    /// Whether every record has been returned.
    pub(super) fn done(&mut self) -> bool {
        self.pending.is_none() && self.peek().is_none()
    }

    /// The next block, read ahead.
    fn peek(&mut self) -> Option<&Block> {
        if self.pending.is_none() {
            let file = self.file.try_clone();
            let (carry, offset) = (std::mem::take(&mut self.carry), self.offset);
            let blocks = match &mut self.blocks {
                Some(b) => b,
                None => match file {
                    Ok(file) => self.blocks.insert(Blocks::start(file, carry, offset, self.batch_bytes)),
                    Err(e) => {
                        self.failed = Some(diagnose::io_failure(self.scan, &e));
                        return None;
                    }
                },
            };
            match blocks.next() {
                Some(Ok(block)) => self.pending = Some(block),
                Some(Err(e)) => self.failed = Some(diagnose::io_failure(self.scan, &e)),
                None => {}
            }
        }
        self.pending.as_ref()
    }

    /// The next batch of rows: the used columns in their evaluation types and a
    /// `__period_<grain>` date column per grain. The first call always returns
    /// a batch (with no rows for a file with only a header); `None` after the last.
    pub(super) fn next_batch(&mut self) -> Result<Option<DataFrame>, Diagnostic> {
        if self.done() && self.started {
            return Ok(None);
        }
        self.started = true;
        let mut frames: Vec<DataFrame> = Vec::new();
        let mut text = 0;
        while !self.done() && text < self.batch_bytes {
            let (frame, consumed) = self.next_block()?;
            text += consumed;
            frames.extend(frame);
        }
        let mut frames = frames.into_iter();
        let mut batch = match frames.next() {
            Some(first) => first,
            None => self.empty_frame()?,
        };
        for f in frames {
            batch.vstack_mut_owned(f).map_err(|e| diagnose::polars_failure(self.scan, &e))?;
        }
        Ok(Some(batch))
    }

    /// Parse the next block: its whole records, in parallel pieces.
    fn next_block(&mut self) -> Result<(Option<DataFrame>, usize), Diagnostic> {
        self.peek();
        if let Some(failed) = self.failed.take() {
            return Err(failed);
        }
        let block = self.pending.take().expect("called when not done");
        self.parse_block(block)
    }

    /// Read up to `more` bytes onto `buf`; sets `eof` at the end of the file.
    fn fill(&mut self, buf: &mut Vec<u8>, more: usize) -> Result<(), Diagnostic> {
        let read = (&mut self.file).take(more as u64).read_to_end(buf);
        let n = read.map_err(|e| diagnose::io_failure(self.scan, &e))?;
        self.eof = n < more;
        Ok(())
    }

    fn parse_block(&mut self, block: Block) -> Result<(Option<DataFrame>, usize), Diagnostic> {
        let Block { bytes: buf, cuts, offset } = block;
        let consumed = *cuts.last().unwrap_or(&0);
        let mut starts = vec![0];
        starts.extend(&cuts[..cuts.len().saturating_sub(1)]);
        let pieces: Vec<(usize, usize)> = starts.into_iter().zip(cuts.iter().copied()).filter(|(a, b)| b > a).collect();
        let parser = &self.parser;
        let results: Vec<Result<DataFrame, (usize, Problem)>> = pieces
            .par_iter()
            .map(|&(a, b)| parser.parse_piece(&buf[a..b], offset + a as u64).map_err(|p| (a, p)))
            .collect();
        let mut frames = Vec::with_capacity(results.len());
        let mut rows_before = self.rows;
        for result in results {
            match result {
                Ok(frame) => {
                    rows_before += frame.height();
                    frames.push(frame);
                }
                Err((_, problem)) => return Err(self.diagnose(problem, rows_before)),
            }
        }
        self.rows = rows_before;
        drop(buf);
        let mut frames = frames.into_iter();
        let Some(mut frame) = frames.next() else { return Ok((None, consumed)) };
        for f in frames {
            frame.vstack_mut_owned(f).map_err(|e| diagnose::polars_failure(self.scan, &e))?;
        }
        Ok((Some(frame), consumed))
    }

    fn diagnose(&self, problem: Problem, rows_before: usize) -> Diagnostic {
        match problem {
            Problem::Layout { at, what } => diagnose::malformed(self.scan, self.line_of(at), what),
            Problem::Utf8 { at } => {
                let (line, column) = self.position_of(at);
                diagnose::not_utf8(self.scan, line, column)
            }
            Problem::Value { row, target, value } => {
                diagnose::bad_value(self.scan, self.parser.targets[target].column, rows_before + row, &value)
            }
            Problem::TooLarge { row, target, value } => diagnose::too_large_in(
                self.scan,
                &self.parser.targets[target].column.name,
                Some((rows_before + row, &value)),
            ),
            Problem::NullTime { row } => diagnose::null_time_at(self.scan, rows_before + row),
        }
    }

    /// The line (from 1) of a file offset: the file is read again up to it, which
    /// only happens once, for an error.
    fn line_of(&self, at: u64) -> u64 {
        self.position_of(at).0
    }

    /// Line and column (from 1, in characters) of a file offset.
    fn position_of(&self, at: u64) -> (u64, u64) {
        let Ok(file) = std::fs::File::open(&self.scan.path) else { return (0, 0) };
        let mut before = Vec::new();
        if file.take(at).read_to_end(&mut before).is_err() {
            return (0, 0);
        }
        let line = 1 + memchr::memchr_iter(b'\n', &before).count() as u64;
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = 1 + before[line_start..].iter().filter(|&&b| b & 0xC0 != 0x80).count() as u64;
        (line, column)
    }

    /// The header's field names (a byte order mark before it is skipped).
    fn header(&mut self) -> Result<Vec<String>, Diagnostic> {
        let mut buf = Vec::new();
        self.fill(&mut buf, 64 << 10)?;
        if buf.starts_with(b"\xEF\xBB\xBF") {
            self.offset = 3;
            buf.drain(..3);
        }
        loop {
            if let Some(end) = record_end(&buf) {
                let names = self.header_fields(&buf[..end])?;
                self.offset += end as u64;
                self.carry = buf.split_off(end);
                return Ok(names);
            }
            if self.eof {
                let names = self.header_fields(&buf)?;
                self.offset += buf.len() as u64;
                return Ok(names);
            }
            self.fill(&mut buf, 64 << 10)?;
        }
    }

    fn header_fields(&self, record: &[u8]) -> Result<Vec<String>, Diagnostic> {
        let mut names = Vec::new();
        let mut fields = Fields::new(record);
        loop {
            match fields.next_field() {
                Ok(Some((field, _))) => match std::str::from_utf8(&field) {
                    Ok(s) => names.push(s.to_string()),
                    Err(e) => {
                        let at = self.offset + (fields.field_start + e.valid_up_to()) as u64;
                        return Err(self.diagnose(Problem::Utf8 { at }, 0));
                    }
                },
                Ok(None) => break,
                Err((at, what)) => return Err(self.diagnose(Problem::Layout { at: self.offset + at as u64, what }, 0)),
            }
        }
        if names.len() == 1 && names[0].is_empty() {
            return Err(self.diagnose(blank(self.offset), 0));
        }
        Ok(names)
    }

    /// Match the used columns to the header's fields.
    fn plan(&mut self, header: &[String]) -> Result<(), Diagnostic> {
        if let Some(twice) = header.iter().enumerate().find(|(i, n)| header[..*i].contains(n)).map(|(_, n)| n) {
            return Err(diagnose::duplicate_column(self.scan, twice));
        }
        diagnose::check_columns(self.scan, header)?;
        self.parser.fields = header.len();
        for column in self.scan.columns.iter().filter(|c| c.used) {
            let field = header.iter().position(|h| *h == column.name).expect("checked above");
            if column.name == self.scan.time_column {
                self.parser.time = self.parser.targets.len();
            }
            self.parser.targets.push(Target { field, column, kind: kind_of(column) });
        }
        Ok(())
    }

    /// A frame with every output column and no rows.
    pub(super) fn empty_frame(&self) -> Result<DataFrame, Diagnostic> {
        self.parser.parse_piece(&[], self.offset).map_err(|p| self.diagnose(p, 0))
    }
}

impl Parser<'_> {
    /// Parse whole records starting at file offset `at`: their layout first,
    /// then each used column in one loop.
    fn parse_piece(&self, bytes: &[u8], at: u64) -> Result<DataFrame, Problem> {
        let mut feeds = vec![usize::MAX; self.fields];
        for (t, target) in self.targets.iter().enumerate() {
            feeds[target.field] = t;
        }
        let spans = layout::split(bytes, &feeds, self.targets.len(), self.fields)
            .map_err(|(offset, what)| Problem::Layout { at: at + offset as u64, what })?;
        let utf8 = simdutf8::basic::from_utf8(bytes).is_ok();
        let mut columns = Vec::with_capacity(self.targets.len() + self.grains.len());
        // The first bad value by record, as a reader going row by row would meet it.
        let mut first: Option<(usize, Problem)> = None;
        let mut days = None;
        for (t, target) in self.targets.iter().enumerate() {
            match columns::read(&target.column.name, &target.kind, bytes, &spans, t, utf8) {
                Ok(read) => {
                    if t == self.time {
                        days = read.days;
                    }
                    columns.push(read.column);
                }
                Err((row, bad)) => {
                    if first.as_ref().is_none_or(|(r, _)| row < *r) {
                        let value = || String::from_utf8_lossy(spans.get(bytes, row, t).0).into_owned();
                        let problem = match bad {
                            Bad::Value => Problem::Value { row, target: t, value: value() },
                            Bad::TooLarge => Problem::TooLarge { row, target: t, value: value() },
                            Bad::Utf8(offset) => Problem::Utf8 { at: at + offset as u64 },
                        };
                        first = Some((row, problem));
                    }
                }
            }
        }
        let days = days.unwrap_or_default();
        if let Some(row) = days.iter().position(Option::is_none) {
            if first.as_ref().is_none_or(|(r, _)| row < *r) {
                first = Some((row, Problem::NullTime { row }));
            }
        }
        if let Some((_, problem)) = first {
            return Err(problem);
        }
        let days: Vec<i32> = days.into_iter().map(|d| d.unwrap_or_default()).collect();
        for grain in &self.grains {
            columns.push(columns::periods(&days, *grain));
        }
        DataFrame::new(spans.rows, columns).map_err(|e| Problem::Layout { at, what: e.to_string() })
    }
}

fn blank(at: u64) -> Problem {
    let what = "the line is blank; remove it (it would be read as a row of empty values)";
    Problem::Layout { at, what: what.into() }
}

fn kind_of(c: &ScanColumn) -> Kind {
    let format = || TimeFormat::new(c.format.as_deref().unwrap_or(c.ty.default_format()));
    match &c.ty {
        ColType::Int => Kind::Int,
        ColType::Float => Kind::Float { percent: false, scale: 1.0, bounded: false },
        ColType::Decimal | ColType::Money(_) => Kind::Float { percent: false, scale: 1.0, bounded: true },
        ColType::Percent => Kind::Float { percent: true, scale: 1.0, bounded: false },
        ColType::Duration(u) => Kind::Float { percent: false, scale: u.seconds(), bounded: false },
        ColType::Bool => Kind::Bool,
        ColType::Text => Kind::Text,
        ColType::Date => Kind::Date(format()),
        ColType::Datetime => Kind::Datetime(format()),
    }
}
