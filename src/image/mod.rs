//! The pure Dockerfile domain: configs, history dialects, pairing, layer listings, rendering.
//!
//! Synchronous and free of I/O: nothing here opens a file or a socket. Readers handed in by
//! the caller (layer streams) are the only input besides byte slices.

pub mod alignment;
pub mod base;
pub mod builder;
pub mod config;
pub mod descriptor;
pub mod diff;
pub mod error;
mod finals;
pub mod flag;
mod gofmt;
mod header;
mod history;
pub mod instruction;
pub mod layer;
pub mod listing;
pub mod noise;
mod notes;
pub mod pairing;
pub mod platform;
mod record;
pub mod recover;
pub mod reference;
pub mod render;
mod runtext;
pub mod secrets;
mod unexpanded;
pub mod warning;

#[cfg(test)]
mod fixture_tests;

pub use config::{ImageConfig, parse_config};
pub use error::ImageError;
pub use recover::{RecoverInput, Recovery, Step, recover, recover_aligned};
pub use render::{HeaderMeta, RenderOptions, render_dockerfile, render_header, render_json};
