//! Layer blobs: decoding (gzip, zstd, plain by magic bytes), the streaming tar walk, entries
//! and whiteouts, and the diff_id computed on the way.

mod decode;
mod entry;
mod error;
mod walk;

pub use decode::{Compression, Decoder};
pub use entry::{
    EntryKind, EntryPath, Keep, LayerEntry, LayerListing, LayerNote, LayerStats, ListOptions,
    MAX_NOTABLE, MAX_OWNERS, MAX_SECRET_FINDINGS, escape_bytes,
};
pub use error::LayerError;
pub use walk::{MAX_HEADER_BYTES, list_layer};
