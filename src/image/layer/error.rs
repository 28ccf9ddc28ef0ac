//! Errors of the layer decoder: what went wrong while streaming one layer blob.
//!
//! Structured fields only; the lead maps these to exit codes in `src/error.rs`.

use super::decode::Compression;

/// Why a layer could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    /// The first bytes (the compression magic) could not be read.
    #[error("read the start of the layer stream")]
    Sniff(#[source] std::io::Error),
    /// The decompressor rejected the stream (corrupt or truncated compressed data).
    #[error("decompress the {compression} layer stream after {uncompressed_bytes} bytes")]
    Decompress {
        /// The compression that was being decoded.
        compression: Compression,
        /// Uncompressed bytes produced before the failure.
        uncompressed_bytes: u64,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },
    /// The tar stream itself is malformed (bad header, checksum, truncated entry).
    #[error("read tar entry {entry} of the layer at offset {offset}")]
    Tar {
        /// Zero-based index of the entry being read.
        entry: u64,
        /// Uncompressed offset reached when the error occurred.
        offset: u64,
        /// The tar reader's error.
        #[source]
        source: std::io::Error,
    },
    /// An entry's headers (GNU long names, PAX records) were larger than the limit; tar
    /// reads them whole into memory, so a hostile layer could otherwise exhaust it.
    #[error("read tar entry {entry}: its header records exceed {limit} bytes")]
    HeaderTooLarge {
        /// Zero-based index of the entry being read.
        entry: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The stream ended without tar's end-of-archive marker: the layer is truncated.
    #[error(
        "find the end-of-archive marker after {entries} entries ({offset} bytes): the layer is truncated"
    )]
    Truncated {
        /// Entries read before the stream ended.
        entries: u64,
        /// Uncompressed bytes read.
        offset: u64,
    },
}
