//! Integration tests: unpack.
