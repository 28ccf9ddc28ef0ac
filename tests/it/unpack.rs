//! Integration tests: the safe unpacker against the tar attack corpus
//! (/work/shared/reference/tar-attack-corpus.md), one named test per case, plus round trips.
//! Streams are crafted byte by byte in `unpack/craft.rs`; `unpack/world.rs` proves that nothing
//! outside the destination changes. New corpus cases go in the file of their group.

mod craft;
mod world;

mod a_names;
mod b_symlinks;
mod c_hardlinks;
mod d_types;
mod e_meta;
mod f_stream;
mod h_resources;
mod i_existing;
mod layers;
mod real_tar;
mod roundtrip;
mod sample_tree;
mod unprivileged;
