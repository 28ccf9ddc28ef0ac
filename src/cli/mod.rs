//! The only home of clap: what the user typed, parsed and validated, then resolved into the
//! plain request structs of [`request`] that the rest of the crate consumes.

mod args;
pub mod complete;
pub mod request;
mod resolve;
pub mod target;

pub use args::{Cli, command};
pub use resolve::{ParseOutcome, parse};
