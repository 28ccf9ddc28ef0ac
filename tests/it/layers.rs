//! Integration tests: layers. Real tar layers built here with the tar crate (files, dirs,
//! links, whiteouts, owners, setuid, odd names), compressed with flate2 and zstd, listed
//! through the public API and rendered; plus the secret scan in the same pass and the
//! Dockerfile diff. This file holds the shared builders; topics live in `layers/`.

mod buildah;
mod decode;
mod diff;
mod listing;
mod secrets;

use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use kubectl_dfimage::image::diff::{compare_layers, render_dockerfile_diff, render_layer_table};
use kubectl_dfimage::image::layer::{
    Compression, EntryKind, Keep, LayerError, LayerListing, LayerNote, ListOptions, list_layer,
};
use kubectl_dfimage::image::listing::{ListingStyle, render_listing};
use kubectl_dfimage::image::secrets::{Location, Rule, SecretFinding};
use sha2::Digest;

const GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
const ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
const TAR: &str = "application/vnd.oci.image.layer.v1.tar";
const MTIME: u64 = 1_700_000_000;

/// Builds a layer tar in memory, entry by entry.
struct LayerTar(tar::Builder<Vec<u8>>);

impl LayerTar {
    fn new() -> Self {
        Self(tar::Builder::new(Vec::new()))
    }

    fn header(kind: tar::EntryType, mode: u32, owner: (u64, u64)) -> tar::Header {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_mode(mode);
        header.set_uid(owner.0);
        header.set_gid(owner.1);
        header.set_mtime(MTIME);
        header.set_size(0);
        header
    }

    fn add(mut self, mut header: tar::Header, path: &[u8], data: &[u8]) -> Self {
        header.set_size(data.len() as u64);
        self.0
            .append_data(&mut header, Path::new(OsStr::from_bytes(path)), data)
            .expect("append");
        self
    }

    fn file(self, path: &str, data: &[u8]) -> Self {
        self.file_as(path.as_bytes(), data, 0o644, (0, 0))
    }

    fn file_as(self, path: &[u8], data: &[u8], mode: u32, owner: (u64, u64)) -> Self {
        self.add(
            Self::header(tar::EntryType::Regular, mode, owner),
            path,
            data,
        )
    }

    fn dir(self, path: &str) -> Self {
        self.dir_as(path, 0o755, (0, 0))
    }

    fn dir_as(self, path: &str, mode: u32, owner: (u64, u64)) -> Self {
        self.add(
            Self::header(tar::EntryType::Directory, mode, owner),
            path.as_bytes(),
            b"",
        )
    }

    fn link(mut self, kind: tar::EntryType, path: &str, target: &str) -> Self {
        let mut header = Self::header(kind, 0o777, (0, 0));
        self.0
            .append_link(&mut header, path, target)
            .expect("append link");
        self
    }

    fn special(self, kind: tar::EntryType, path: &str, device: (u32, u32)) -> Self {
        let mut header = Self::header(kind, 0o666, (0, 0));
        header.set_device_major(device.0).expect("major");
        header.set_device_minor(device.1).expect("minor");
        self.add(header, path.as_bytes(), b"")
    }

    fn finish(self) -> Vec<u8> {
        self.0.into_inner().expect("finish tar")
    }
}

/// One PAX record, `"<len> key=value\n"`, where the length counts the whole record.
fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while format!("{len}{body}").len() != len {
        len += 1;
    }
    format!("{len}{body}").into_bytes()
}

fn pax_header(records: &[u8]) -> (tar::Header, Vec<u8>) {
    let header = LayerTar::header(tar::EntryType::XHeader, 0o644, (0, 0));
    (header, records.to_vec())
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).expect("gzip");
    encoder.finish().expect("gzip")
}

fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(data)))
}

fn list(data: &[u8], media_type: &str, options: ListOptions) -> LayerListing {
    list_layer(data, media_type, &options).expect("list layer")
}

fn text(listing: &LayerListing, options: ListingStyle) -> String {
    render_listing(listing, &options).join("\n")
}

/// The layer most tests share: what a COPY of a small app tree looks like.
fn app_layer() -> Vec<u8> {
    LayerTar::new()
        .dir("app")
        .file("app/main.py", b"print('hi')\n")
        .file_as(
            b"app/run.sh",
            b"#!/bin/sh\nexec python main.py\n",
            0o750,
            (0, 0),
        )
        .link(tar::EntryType::Symlink, "app/current", "/opt/app-1.2")
        .link(tar::EntryType::Link, "app/main-copy.py", "app/main.py")
        .file_as(b"usr/bin/helper", &[0u8; 2048], 0o4755, (0, 0))
        .file("app/file with spaces.txt", b"x")
        .finish()
}
