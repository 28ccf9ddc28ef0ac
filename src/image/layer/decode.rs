//! Choosing and running the decompressor for one layer stream, and hashing what comes out.
//!
//! The magic bytes decide (`1f 8b` gzip, `28 b5 2f fd` zstd, anything else plain tar); the
//! manifest's media type is only a hint, because real registries serve plain tars labelled
//! `tar+gzip` (test-components.md §11.4). Gzip is decoded multi-member (pigz, eStargz).
//! Nothing here buffers more than a fixed-size read buffer; no I/O besides the given reader.

use std::cell::Cell;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::rc::Rc;

use sha2::{Digest, Sha256};

/// Read buffer between the raw blob and the decoder, and between the decoder and tar.
const BUF_SIZE: usize = 64 * 1024;

/// A layer's compression, as detected from its bytes or declared by its media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// An uncompressed tar stream.
    None,
    /// gzip, possibly several concatenated members.
    Gzip,
    /// zstd, possibly several frames.
    Zstd,
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "uncompressed",
            Self::Gzip => "gzip",
            Self::Zstd => "zstd",
        })
    }
}

impl Compression {
    /// What a layer media type claims, or `None` when it says nothing about compression
    /// (an empty string, as docker-archives have, or an unknown type).
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        // Strip parameters (`; foo=bar`) and compare the subtype's suffix.
        let essence = media_type.split(';').next().unwrap_or("").trim();
        let essence = essence.to_ascii_lowercase();
        if essence.ends_with("+zstd") || essence.ends_with(".zstd") {
            Some(Self::Zstd)
        } else if essence.ends_with("+gzip") || essence.ends_with(".gzip") {
            Some(Self::Gzip)
        } else if essence.ends_with(".tar")
            || essence.ends_with("/tar")
            || essence.ends_with("x-tar")
        {
            Some(Self::None)
        } else {
            None
        }
    }

    /// What the first bytes of a stream say. Fewer than four bytes are read as plain tar.
    pub fn sniff(prefix: &[u8]) -> Self {
        match prefix {
            [0x1f, 0x8b, ..] => Self::Gzip,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Self::Zstd,
            _ => Self::None,
        }
    }
}

/// Reads up to four bytes, retrying short reads, so the magic can be checked on any reader.
fn read_prefix<R: Read>(reader: &mut R) -> io::Result<([u8; 4], usize)> {
    let mut prefix = [0u8; 4];
    let mut filled = 0;
    while filled < prefix.len() {
        match reader.read(&mut prefix[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok((prefix, filled))
}

/// The raw blob with its sniffed prefix put back in front.
type Raw<R> = BufReader<io::Chain<io::Cursor<Vec<u8>>, R>>;

/// A decompressing reader over the raw blob.
pub enum Decoder<R: Read> {
    /// Plain tar: bytes pass through.
    Plain(Raw<R>),
    /// Multi-member gzip.
    Gzip(Box<flate2::bufread::MultiGzDecoder<Raw<R>>>),
    /// zstd (all frames).
    Zstd(Box<zstd::stream::read::Decoder<'static, Raw<R>>>),
}

impl<R: Read> Decoder<R> {
    /// Sniffs the stream and builds the matching decoder; returns it with what was detected.
    pub fn open(mut reader: R) -> io::Result<(Self, Compression)> {
        let (prefix, filled) = read_prefix(&mut reader)?;
        let detected = Compression::sniff(&prefix[..filled]);
        let raw = BufReader::with_capacity(
            BUF_SIZE,
            io::Cursor::new(prefix[..filled].to_vec()).chain(reader),
        );
        let decoder = match detected {
            Compression::None => Self::Plain(raw),
            Compression::Gzip => Self::Gzip(Box::new(flate2::bufread::MultiGzDecoder::new(raw))),
            Compression::Zstd => {
                Self::Zstd(Box::new(zstd::stream::read::Decoder::with_buffer(raw)?))
            }
        };
        Ok((decoder, detected))
    }
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(r) => r.read(buf),
            Self::Gzip(r) => r.read(buf),
            Self::Zstd(r) => r.read(buf),
        }
    }
}

/// Counters shared between the digesting reader (owned by tar) and the walk, which reads
/// them between entries to place errors.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    bytes: Cell<u64>,
    inner_failed: Cell<bool>,
    /// While tar looks for the next entry: the byte count at which reading must stop.
    header_limit: Cell<Option<u64>>,
    header_overflow: Cell<bool>,
}

impl Progress {
    /// Starts a window in which tar may read at most `limit` bytes: headers, GNU long
    /// names and PAX records, which tar reads whole into memory. The walk drains each
    /// entry's data itself, so nothing else is read while the window is open.
    pub(crate) fn open_header_window(&self, limit: u64) {
        self.header_limit
            .set(Some(self.bytes.get().saturating_add(limit)));
    }

    /// Ends the window.
    pub(crate) fn close_header_window(&self) {
        self.header_limit.set(None);
    }

    /// Whether a read failed because a header window overflowed.
    pub(crate) fn header_overflow(&self) -> bool {
        self.header_overflow.get()
    }

    /// Uncompressed bytes tar has consumed so far.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes.get()
    }

    /// Whether a read error came from the decoder (or the raw stream under it) rather than
    /// from tar's own parsing.
    pub(crate) fn inner_failed(&self) -> bool {
        self.inner_failed.get()
    }
}

/// What tar reads: the decoder behind a buffer (tar reads headers 512 bytes at a time),
/// hashed and counted above the buffer, so the count is exactly what tar consumed.
pub(crate) struct Digesting<R: Read> {
    inner: BufReader<Decoder<R>>,
    hasher: Sha256,
    progress: Rc<Progress>,
}

impl<R: Read> Digesting<R> {
    /// Wraps a decoder; the returned [`Progress`] can be read while tar owns the reader.
    pub(crate) fn new(decoder: Decoder<R>) -> (Self, Rc<Progress>) {
        let progress = Rc::new(Progress::default());
        let reader = Self {
            inner: BufReader::with_capacity(BUF_SIZE, decoder),
            hasher: Sha256::new(),
            progress: Rc::clone(&progress),
        };
        (reader, progress)
    }

    /// Reads the rest of the stream (tar stops at the first zero block; the diff_id covers
    /// the padding after it too) and returns `sha256:<hex>` of everything and its length.
    pub(crate) fn finish(mut self) -> io::Result<(String, u64)> {
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.progress.inner_failed.set(true);
                    return Err(e);
                }
            };
            if chunk.is_empty() {
                break;
            }
            let n = chunk.len();
            self.hasher.update(chunk);
            self.inner.consume(n);
            self.progress
                .bytes
                .set(self.progress.bytes.get() + n as u64);
        }
        let digest = self.hasher.finalize();
        let mut hex = String::with_capacity(7 + 64);
        hex.push_str("sha256:");
        for byte in digest.iter() {
            hex.push(char::from(HEX[usize::from(byte >> 4)]));
            hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        Ok((hex, self.progress.bytes()))
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl<R: Read> Read for Digesting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let buf = match self.progress.header_limit.get() {
            Some(limit) => {
                let room = limit.saturating_sub(self.progress.bytes());
                if room == 0 && !buf.is_empty() {
                    self.progress.header_overflow.set(true);
                    return Err(io::Error::other("tar header records exceed the size limit"));
                }
                let room = usize::try_from(room).unwrap_or(usize::MAX);
                let len = buf.len().min(room);
                &mut buf[..len]
            }
            None => buf,
        };
        match self.inner.read(buf) {
            Ok(n) => {
                self.hasher.update(&buf[..n]);
                self.progress
                    .bytes
                    .set(self.progress.bytes.get() + n as u64);
                Ok(n)
            }
            Err(e) => {
                if e.kind() != io::ErrorKind::Interrupted {
                    self.progress.inner_failed.set(true);
                }
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_map_to_their_declared_compression() {
        let cases = [
            (
                "application/vnd.oci.image.layer.v1.tar",
                Some(Compression::None),
            ),
            (
                "application/vnd.oci.image.layer.v1.tar+gzip",
                Some(Compression::Gzip),
            ),
            (
                "application/vnd.oci.image.layer.v1.tar+zstd",
                Some(Compression::Zstd),
            ),
            (
                "application/vnd.docker.image.rootfs.diff.tar.gzip",
                Some(Compression::Gzip),
            ),
            (
                "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
                Some(Compression::Gzip),
            ),
            (
                "application/vnd.docker.image.rootfs.diff.tar",
                Some(Compression::None),
            ),
            (
                "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
                Some(Compression::Gzip),
            ),
            (
                "Application/VND.OCI.image.layer.v1.tar+GZIP; x=y",
                Some(Compression::Gzip),
            ),
            ("", None),
            ("application/octet-stream", None),
        ];
        for (media_type, expected) in cases {
            assert_eq!(
                Compression::from_media_type(media_type),
                expected,
                "{media_type}"
            );
        }
    }

    #[test]
    fn sniffing_reads_gzip_and_zstd_magic_and_defaults_to_tar() {
        assert_eq!(Compression::sniff(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
        assert_eq!(
            Compression::sniff(&[0x28, 0xb5, 0x2f, 0xfd]),
            Compression::Zstd
        );
        assert_eq!(Compression::sniff(b"bin/"), Compression::None);
        assert_eq!(Compression::sniff(&[0x28, 0xb5]), Compression::None);
        assert_eq!(Compression::sniff(&[]), Compression::None);
    }

    /// A reader that hands out one byte per call, to prove sniffing copes with short reads.
    struct OneByte<'a>(&'a [u8]);
    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((b, rest)), Some(slot)) => {
                    *slot = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn sniffing_survives_one_byte_reads_and_puts_the_prefix_back() {
        let data = [0x28u8, 0xb5, 0x2f, 0xfd, 1, 2, 3];
        let mut reader = OneByte(&data);
        let (prefix, n) = read_prefix(&mut reader).expect("prefix");
        assert_eq!(
            (&prefix[..n], Compression::sniff(&prefix[..n])),
            (&data[..4], Compression::Zstd)
        );
        let (mut plain, detected) = Decoder::open(OneByte(b"abcdefg")).expect("open");
        assert_eq!(detected, Compression::None);
        let mut all = Vec::new();
        plain.read_to_end(&mut all).expect("read");
        assert_eq!(all, b"abcdefg");
    }

    #[test]
    fn digest_covers_every_byte_and_matches_sha256() {
        let (decoder, _) = Decoder::open(&b"hello world"[..]).expect("open");
        let (mut digesting, progress) = Digesting::new(decoder);
        let mut first = [0u8; 3];
        digesting.read_exact(&mut first).expect("read");
        assert_eq!(progress.bytes(), 3);
        let (digest, bytes) = digesting.finish().expect("finish");
        assert_eq!((bytes, progress.bytes()), (11, 11));
        assert_eq!(
            digest,
            "sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
    }
}
