//! The layout of CSV text: where records end (quote-aware), how a block is cut
//! into pieces of whole records, and where each field of a piece's records lies.
//! Nothing here reads a value; `columns.rs` does, column by column.

use memchr::{memchr, memchr2, memchr2_iter};
use std::borrow::Cow;

/// Smallest piece of a block given to one thread.
const PIECE_BYTES: usize = 1 << 20;

/// How many pieces to cut a block of `len` bytes into: enough for every thread
/// (twice over, so an uneven piece does not leave a core idle).
pub(super) fn pieces_for(len: usize) -> usize {
    let threads = rayon::current_num_threads().max(1);
    (len / PIECE_BYTES).clamp(1, threads * 2)
}

/// Where to cut `buf` into about `pieces` pieces of whole records: the end of
/// each piece, the last being the end of the last whole record (all of `buf`
/// at the end of the file). `None` when `buf` holds no whole record yet.
pub(super) fn cut(buf: &[u8], pieces: usize, eof: bool) -> Option<Vec<usize>> {
    let step = buf.len() / pieces.max(1);
    let mut cuts = Vec::with_capacity(pieces);
    if memchr(b'"', buf).is_none() {
        // No quotes: every line end is a record end.
        let mut from = step;
        while cuts.len() + 1 < pieces && from < buf.len() {
            let Some(nl) = memchr(b'\n', &buf[from..]) else { break };
            let end = from + nl + 1;
            if cuts.last().is_none_or(|&l| end > l) {
                cuts.push(end);
            }
            from = end.max(step * (cuts.len() + 1));
        }
        let last = if eof { buf.len() } else { memchr::memrchr(b'\n', buf).map(|i| i + 1)? };
        cuts.retain(|&c| c < last);
        cuts.push(last);
        return Some(cuts).filter(|c| c.last().is_some_and(|&l| l > 0) || eof);
    }
    // Quotes: line ends inside quoted fields are not record ends. Any quote flips
    // the state (a doubled quote flips it twice); a stray quote in an unquoted
    // field is an error the parser reports before any cut after it matters.
    let mut inside = false;
    let mut last = 0;
    let mut target = step;
    for i in memchr2_iter(b'"', b'\n', buf) {
        if buf[i] == b'"' {
            inside = !inside;
        } else if !inside {
            last = i + 1;
            if last >= target && cuts.len() + 1 < pieces {
                cuts.push(last);
                target = last + step;
            }
        }
    }
    if eof {
        last = buf.len();
    }
    if last == 0 {
        return None;
    }
    cuts.retain(|&c| c < last);
    cuts.push(last);
    Some(cuts)
}

/// The end of the first record of `buf` (just past its line end), if whole.
pub(super) fn record_end(buf: &[u8]) -> Option<usize> {
    let mut inside = false;
    for i in memchr2_iter(b'"', b'\n', buf) {
        if buf[i] == b'"' {
            inside = !inside;
        } else if !inside {
            return Some(i + 1);
        }
    }
    None
}

/// The fields of consecutive records, one at a time.
pub(super) struct Fields<'b> {
    bytes: &'b [u8],
    pub(super) pos: usize,
    /// Where the last field's value starts (after an opening quote).
    pub(super) field_start: usize,
    /// The last field ended its record.
    pub(super) ended_record: bool,
}

impl<'b> Fields<'b> {
    pub(super) fn new(bytes: &'b [u8]) -> Fields<'b> {
        Fields { bytes, pos: 0, field_start: 0, ended_record: true }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }
    /// The next field and whether it was quoted; `None` past the last record.
    /// A malformed field gives the offset of the problem and what it is.
    pub(super) fn next_field(&mut self) -> Result<Option<Field<'b>>, LayoutError> {
        if self.at_end() {
            if self.ended_record {
                return Ok(None);
            }
            // A record ending in a separator has one more, empty, field.
            self.ended_record = true;
            self.field_start = self.pos;
            return Ok(Some((Cow::Borrowed(&[][..]), false)));
        }
        let rest = &self.bytes[self.pos..];
        if rest[0] == b'"' {
            return self.quoted().map(|f| Some((f, true)));
        }
        self.field_start = self.pos;
        let (len, terminator) = match memchr2(b',', b'\n', rest) {
            Some(i) => (i, Some(rest[i])),
            None => (rest.len(), None),
        };
        let mut value = &rest[..len];
        if terminator != Some(b',') && value.last() == Some(&b'\r') {
            value = &value[..value.len() - 1];
        }
        if let Some(q) = memchr(b'"', value) {
            let what = "a quote inside an unquoted field; quote the whole field and double its quotes";
            return Err((self.pos + q, what.into()));
        }
        self.pos += len + terminator.map_or(0, |_| 1);
        self.ended_record = terminator != Some(b',');
        Ok(Some((Cow::Borrowed(value), false)))
    }

    /// A quoted field: its text with doubled quotes made single.
    fn quoted(&mut self) -> Result<Cow<'b, [u8]>, LayoutError> {
        let bytes = self.bytes;
        self.field_start = self.pos + 1;
        let (value, after) = quoted(bytes, self.pos)?;
        let (skip, ended) = after_quote(bytes, after)?;
        self.pos = after + skip;
        self.ended_record = ended;
        Ok(value)
    }
}

/// Where the used fields of a piece's records lie: `rows` × `used` spans, row
/// after row. A span is a range of the piece's bytes, or of `owned` for a
/// quoted field whose doubled quotes had to be made single.
#[derive(Debug)]
pub(super) struct Spans {
    pub rows: usize,
    used: usize,
    spans: Vec<(u32, u32)>,
    flags: Vec<u8>,
    owned: Vec<u8>,
}

const QUOTED: u8 = 1;
const OWNED: u8 = 2;

/// A field's text, and whether it was quoted.
pub(super) type Field<'b> = (Cow<'b, [u8]>, bool);

/// A layout error: the offset in the piece it is at, and what it is.
pub(super) type LayoutError = (usize, String);

impl Spans {
    /// The text of used field `t` of record `row`, and whether it was quoted.
    #[inline]
    pub fn get<'a>(&'a self, bytes: &'a [u8], row: usize, t: usize) -> (&'a [u8], bool) {
        let i = row * self.used + t;
        let (start, end) = self.spans[i];
        let flags = self.flags[i];
        let text = if flags & OWNED != 0 { &self.owned } else { bytes };
        (&text[start as usize..end as usize], flags & QUOTED != 0)
    }

    /// Where field `t` of record `row` starts in the piece (for error positions).
    pub fn start(&self, row: usize, t: usize) -> usize {
        let i = row * self.used + t;
        if self.flags[i] & OWNED != 0 {
            // An unescaped copy: the record's position is close enough.
            0
        } else {
            self.spans[i].0 as usize
        }
    }
}

/// Split a piece of whole records. `feeds[field]` is the used column a field
/// feeds (`usize::MAX` for none); every record must have `fields` fields.
pub(super) fn split(bytes: &[u8], feeds: &[usize], used: usize, fields: usize) -> Result<Spans, LayoutError> {
    let estimate = bytes.len() / 48 + 1;
    let mut out = Spans {
        rows: 0,
        used,
        spans: Vec::with_capacity(estimate * used),
        flags: Vec::with_capacity(estimate * used),
        owned: Vec::new(),
    };
    let mut row = vec![(0u32, 0u32); used];
    let mut row_flags = vec![0u8; used];
    let (mut n, mut field_start, mut record_start) = (0usize, 0usize, 0usize);
    let mut events = Events::new(bytes, 0);
    loop {
        let Some(i) = events.next() else {
            if field_start < bytes.len() || n > 0 {
                // The last record of the file, without a line end.
                let end = strip_cr(bytes, field_start, bytes.len());
                set(&mut row, &mut row_flags, feeds, n, (field_start, end), 0);
                let empty = n == 0 && end == field_start;
                end_record(&mut out, &row, &row_flags, n + 1, fields, empty, record_start)?;
            }
            return Ok(out);
        };
        match bytes[i] {
            b',' => {
                set(&mut row, &mut row_flags, feeds, n, (field_start, i), 0);
                n += 1;
                field_start = i + 1;
            }
            b'\n' => {
                let end = strip_cr(bytes, field_start, i);
                set(&mut row, &mut row_flags, feeds, n, (field_start, end), 0);
                let empty = n == 0 && end == field_start;
                end_record(&mut out, &row, &row_flags, n + 1, fields, empty, record_start)?;
                n = 0;
                field_start = i + 1;
                record_start = i + 1;
            }
            _ if i != field_start => {
                let what = "a quote inside an unquoted field; quote the whole field and double its quotes";
                return Err((i, what.into()));
            }
            _ => {
                let (value, after) = quoted(bytes, i)?;
                let span = match value {
                    Cow::Borrowed(v) => ((i + 1, i + 1 + v.len()), QUOTED),
                    Cow::Owned(v) => {
                        let start = out.owned.len();
                        out.owned.extend_from_slice(&v);
                        ((start, out.owned.len()), QUOTED | OWNED)
                    }
                };
                set(&mut row, &mut row_flags, feeds, n, span.0, span.1);
                let (skip, ended) = after_quote(bytes, after)?;
                let resume = after + skip;
                if ended {
                    end_record(&mut out, &row, &row_flags, n + 1, fields, false, record_start)?;
                    n = 0;
                    record_start = resume;
                } else {
                    n += 1;
                }
                field_start = resume;
                if resume >= bytes.len() && ended {
                    return Ok(out);
                }
                events = Events::new(bytes, resume);
            }
        }
    }
}

#[inline]
fn strip_cr(bytes: &[u8], start: usize, end: usize) -> usize {
    if end > start && bytes[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

#[inline]
fn set(row: &mut [(u32, u32)], flags: &mut [u8], feeds: &[usize], n: usize, span: (usize, usize), flag: u8) {
    if let Some(&t) = feeds.get(n) {
        if t != usize::MAX {
            row[t] = (span.0 as u32, span.1 as u32);
            flags[t] = flag;
        }
    }
}

fn end_record(
    out: &mut Spans,
    row: &[(u32, u32)],
    flags: &[u8],
    n: usize,
    fields: usize,
    empty: bool,
    record_start: usize,
) -> Result<(), LayoutError> {
    if n == 1 && empty {
        let what = "the line is blank; remove it (it would be read as a row of empty values)";
        return Err((record_start, what.into()));
    }
    if n != fields {
        return Err((record_start, format!("{n} fields, but the header has {fields}")));
    }
    out.spans.extend_from_slice(row);
    out.flags.extend_from_slice(flags);
    out.rows += 1;
    Ok(())
}

/// A quoted field starting at the quote `q`: its text (doubled quotes made
/// single) and the offset just after its closing quote.
fn quoted(bytes: &[u8], q: usize) -> Result<(Cow<'_, [u8]>, usize), LayoutError> {
    let start = q + 1;
    let mut i = start;
    let mut owned: Option<Vec<u8>> = None;
    loop {
        let Some(close) = memchr(b'"', &bytes[i..]) else {
            return Err((q, "a quote opened here is never closed".into()));
        };
        let close = i + close;
        if bytes.get(close + 1) == Some(&b'"') {
            owned.get_or_insert_with(Vec::new).extend_from_slice(&bytes[i..=close]);
            i = close + 2;
            continue;
        }
        let value = match owned {
            Some(mut v) => {
                v.extend_from_slice(&bytes[i..close]);
                Cow::Owned(v)
            }
            None => Cow::Borrowed(&bytes[start..close]),
        };
        return Ok((value, close + 1));
    }
}

/// What follows a closing quote at `after`: how many bytes of separator or line
/// end to skip, and whether the record ends.
fn after_quote(bytes: &[u8], after: usize) -> Result<(usize, bool), LayoutError> {
    Ok(match &bytes[after..] {
        [] => (0, true),
        [b',', ..] => (1, false),
        [b'\n', ..] => (1, true),
        [b'\r', b'\n', ..] => (2, true),
        [b'\r'] => (1, true),
        _ => {
            let what = "text after a closing quote; quote the whole field and double its quotes";
            return Err((after, what.into()));
        }
    })
}

/// The offsets of every `,`, line end and `"` of `bytes` from a start, in
/// order: sixteen bytes compared at a time (SSE2, which every x86-64 has), the
/// matches taken from a bit mask.
struct Events<'b> {
    bytes: &'b [u8],
    /// Offset of the sixteen bytes `mask` describes.
    block: usize,
    mask: u32,
}

impl<'b> Events<'b> {
    fn new(bytes: &'b [u8], from: usize) -> Events<'b> {
        Events { bytes, block: from, mask: scan(bytes, from) }
    }
}

impl Iterator for Events<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        loop {
            if self.mask != 0 {
                let i = self.mask.trailing_zeros() as usize;
                self.mask &= self.mask - 1;
                return Some(self.block + i);
            }
            self.block += 16;
            if self.block >= self.bytes.len() {
                return None;
            }
            self.mask = scan(self.bytes, self.block);
        }
    }
}

/// A bit per byte of `bytes[at..at + 16]` that is a `,`, `\n` or `"`.
#[inline]
fn scan(bytes: &[u8], at: usize) -> u32 {
    if at + 16 > bytes.len() {
        let mut mask = 0;
        for (i, b) in bytes.get(at..).unwrap_or(&[]).iter().enumerate() {
            mask |= u32::from(matches!(b, b',' | b'\n' | b'"')) << i;
        }
        return mask;
    }
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of x86-64; the load reads 16 bytes inside `bytes`.
        unsafe {
            let v = _mm_loadu_si128(bytes.as_ptr().add(at) as *const __m128i);
            let hits = _mm_or_si128(
                _mm_or_si128(
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b',' as i8)),
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\n' as i8)),
                ),
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8)),
            );
            _mm_movemask_epi8(hits) as u32
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut mask = 0;
        for (i, b) in bytes[at..at + 16].iter().enumerate() {
            mask |= u32::from(matches!(b, b',' | b'\n' | b'"')) << i;
        }
        mask
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_fall_after_whole_records() {
        let text = b"a,b\n1,\"x\ny\"\n2,z\n3,w\n";
        let cuts = cut(text, 3, true).unwrap();
        assert_eq!(*cuts.last().unwrap(), text.len());
        for c in &cuts {
            assert!(text[..*c].iter().filter(|&&b| b == b'"').count() % 2 == 0, "cut {c} inside a quote");
            assert_eq!(text[c - 1], b'\n');
        }
        // Without the end of the file, the last partial record stays for the next block.
        assert_eq!(cut(b"a,b\n1,2\n3,", 2, false).unwrap().last(), Some(&8));
        assert_eq!(cut(b"a,b", 2, false), None);
        assert_eq!(cut(b"\"a\nb", 2, false), None);
    }

    #[test]
    fn events_are_every_separator_line_end_and_quote() {
        let text = b"ab,c\n\"d\",,e,f,g,h,i,j,k,l,m,n,o,p\nq\"";
        let expected: Vec<usize> =
            text.iter().enumerate().filter(|(_, b)| matches!(b, b',' | b'\n' | b'"')).map(|(i, _)| i).collect();
        assert_eq!(Events::new(text, 0).collect::<Vec<_>>(), expected);
        let from_7: Vec<usize> = expected.iter().copied().filter(|&i| i >= 7).collect();
        assert_eq!(Events::new(text, 7).collect::<Vec<_>>(), from_7);
        assert_eq!(Events::new(b"", 0).count(), 0);
    }

    #[test]
    fn split_finds_every_used_field() {
        let text = b"1,\"a,\"\"b\"\"\",x\r\n2,,y\n3,\"\",z";
        let spans = split(text, &[0, 1, usize::MAX], 2, 3).unwrap();
        assert_eq!(spans.rows, 3);
        let field = |r, t| {
            let (v, q) = spans.get(text, r, t);
            (String::from_utf8(v.to_vec()).unwrap(), q)
        };
        assert_eq!(field(0, 0), ("1".into(), false));
        assert_eq!(field(0, 1), ("a,\"b\"".into(), true));
        assert_eq!(field(1, 1), ("".into(), false));
        assert_eq!(field(2, 1), ("".into(), true));
        assert_eq!(field(2, 0), ("3".into(), false));
    }

    #[test]
    fn split_reports_layout_errors_where_they_are() {
        let err = |text: &[u8]| split(text, &[0, 1], 2, 2).unwrap_err();
        assert_eq!(err(b"1,2\n3\n"), (4, "1 fields, but the header has 2".into()));
        assert_eq!(err(b"1,2\n3,4,5\n"), (4, "3 fields, but the header has 2".into()));
        assert_eq!(err(b"1,2\n\n3,4\n").0, 4);
        assert_eq!(err(b"1,2\n\r\n").0, 4);
        assert_eq!(err(b"1,\"2\n").0, 2);
        assert_eq!(err(b"1,a\"b\n").0, 3);
        assert_eq!(err(b"1,\"a\"b\n").0, 5);
    }
}
