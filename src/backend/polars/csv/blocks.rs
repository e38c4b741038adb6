//! Blocks of whole records, read ahead on a thread of their own, so that reading
//! the file overlaps parsing the block before.

use super::layout::{cut, pieces_for};
use std::fs::File;
use std::io::Read;
use std::sync::mpsc::{sync_channel, Receiver};

/// Bytes read from the file at a time.
const BLOCK_BYTES: u64 = 32 << 20;
/// Blocks read ahead of the one being parsed.
const AHEAD: usize = 2;

/// Whole records, and where to cut them into pieces.
pub(super) struct Block {
    pub bytes: Vec<u8>,
    /// The end of each piece; the last is `bytes.len()`.
    pub cuts: Vec<usize>,
    /// File offset of `bytes[0]`.
    pub offset: u64,
}

pub(super) struct Blocks {
    blocks: Receiver<std::io::Result<Block>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Blocks {
    /// Read `file` from where it stands, at most `block` bytes at a time (or
    /// [`BLOCK_BYTES`]); `start` holds bytes already read past the header, from
    /// file offset `offset`.
    pub(super) fn start(mut file: File, start: Vec<u8>, offset: u64, block: usize) -> Blocks {
        let block = (block as u64).clamp(1, BLOCK_BYTES);
        let (send, blocks) = sync_channel(AHEAD);
        let reader = std::thread::Builder::new()
            .name("kpic-read".into())
            .spawn(move || {
                let mut buf = start;
                let mut offset = offset;
                loop {
                    let read = (&mut file).take(block).read_to_end(&mut buf);
                    let eof = match read {
                        Ok(n) => (n as u64) < block,
                        Err(e) => {
                            let _ = send.send(Err(e));
                            return;
                        }
                    };
                    // A record longer than the block read so far: read on.
                    let Some(cuts) = cut(&buf, pieces_for(buf.len()), eof) else { continue };
                    let consumed = *cuts.last().unwrap_or(&0);
                    let mut rest = Vec::with_capacity(block as usize + (buf.len() - consumed));
                    rest.extend_from_slice(&buf[consumed..]);
                    buf.truncate(consumed);
                    let block = Block { bytes: std::mem::replace(&mut buf, rest), cuts, offset };
                    offset += consumed as u64;
                    if send.send(Ok(block)).is_err() || eof {
                        return;
                    }
                }
            })
            .expect("a thread starts");
        Blocks { blocks, reader: Some(reader) }
    }

    /// The next block; `None` after the last.
    pub(super) fn next(&mut self) -> Option<std::io::Result<Block>> {
        self.blocks.recv().ok()
    }
}

impl Drop for Blocks {
    fn drop(&mut self) {
        // Stop the reader: it ends at its next send.
        let (_, closed) = sync_channel(0);
        drop(std::mem::replace(&mut self.blocks, closed));
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}
