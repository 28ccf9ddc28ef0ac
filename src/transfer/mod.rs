//! The synchronous cp core: specs, plans, safe unpack, pack, remote diagnostics, outcomes.
//!
//! Uses only std, tar, walkdir and `crate::report` (docs/DESIGN.md §5); no runtime, no kube.

mod dest_tree;
pub mod error;
mod extract;
pub mod filewise;
mod filewise_record;
pub mod filewise_stream;
pub mod flavor;
pub mod glob_match;
pub mod idle;
pub mod linked;
pub mod outcome;
pub mod pack;
pub mod part_files;
pub mod plan;
mod platform;
pub mod prescan;
pub mod remote_stderr;
pub mod resume;
pub mod safe_path;
pub mod source_check;
pub mod spec;
mod stream_guard;
pub mod tally;
pub mod unpack;
pub mod upload_check;
pub mod upload_result;
pub mod verify_sums;
pub mod withdraw;

pub use error::TransferError;
pub use filewise::{WalkProbe, fresh_nonce, parse_probe, walk_argv, walk_continuation};
pub use filewise_stream::FilewiseStream;
pub use flavor::{TarCapabilities, TarFlavor, parse_tar_version};
pub use glob_match::{GlobSource, Matches, glob_source, parse_matches, shown_path};
pub use idle::{DEFAULT_IDLE_TIMEOUT, parse_idle_timeout, render_duration};
pub use linked::{linked_argv, parse_linked};
pub use outcome::{
    CopyOutcome, CopySummary, ErrorLogRecord, FailureCause, RemoteExit, Side, classify_outcome,
    nothing_copied, nothing_written,
};
pub use pack::{PackOptions, PackSummary, SentEntry, SentKind, pack};
pub use plan::{
    DestCheck, DownloadOptions, DownloadPlan, LocalKind, PlanNote, UploadOptions, UploadPlan,
    UploadTarget, parse_dest_check, plan_download, plan_download_named, plan_upload,
};
pub use prescan::{PreScan, parse_prescan, prescan_argv};
pub use remote_stderr::{RemoteMessage, classify_line};
pub use resume::{Continuation, ResumeState, ResumeStrategy};
pub use source_check::{missing_source, names_operand, operand_names};
pub use spec::{
    CopySpecs, FileSpec, LocalSpec, RemotePath, RemoteSpec, parse_copy_specs, parse_file_spec,
};
pub use unpack::{UnpackOptions, UnpackSummary, WhiteoutMode, unpack, unpack_into};
pub use upload_check::ProbeInput;
pub use upload_result::{Landed, OncePerPath, below_root, landed, upload_skip};
pub use withdraw::withdraw_changed;
