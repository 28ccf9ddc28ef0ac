//! The synchronous cp core: specs, plans, safe unpack, pack, remote diagnostics, outcomes.
//!
//! Uses only std, tar, walkdir and `crate::report` (docs/DESIGN.md §5); no runtime, no kube.

mod dest_tree;
pub mod error;
mod extract;
pub mod safe_path;
pub mod spec;
mod stream_guard;
pub mod unpack;

pub use error::TransferError;
pub use spec::{
    CopySpecs, FileSpec, LocalSpec, RemotePath, RemoteSpec, parse_copy_specs, parse_file_spec,
};
pub use unpack::{UnpackOptions, UnpackSummary, WhiteoutMode, unpack, unpack_into};
