//! Where image bytes come from: registries (oci-client), OCI layouts, oci- and
//! docker-archives, raw config JSON and stdin.
//!
//! The lead calls [`SourceSpec::parse`] then [`open_image`], gets an [`OpenedImage`] with the
//! config bytes and layer descriptors, and streams layers through [`OpenedImage::open_blob`].
//! Nothing here prints: warnings go through `report::Reporter`.

mod archive;
pub mod attestation;
mod cred_helper;
mod credential_files;
pub mod credentials;
mod detect;
pub mod error;
mod layout;
pub mod manifest;
mod open;
mod open_archive;
mod opened;
mod resolve;
mod source;
mod store;
mod tar_index;
mod transport;
mod verify;

pub use credentials::{
    Credential, CredentialEnv, CredentialSet, find_credentials, lookup_in_document,
};
pub use error::RegistryError;
pub use open::{open_image, open_reader};
pub use opened::{FetchOptions, OpenedImage};
pub use source::SourceSpec;
pub use store::BlobReader;
pub use verify::{VerifyingReader, sha256_digest};
