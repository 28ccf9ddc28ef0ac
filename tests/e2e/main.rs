//! End-to-end tests against real components (registries, builders, kubectl), set up by
//! `tests/e2e/world.sh`. Run through the README's test command (`scripts/test.sh`), or by hand:
//! `tests/e2e/world.sh up && cargo nextest run --test e2e --run-ignored all`.
//!
//! Every test that needs the world is `#[ignore]`d with the reason, so plain `cargo test` stays
//! free of Docker, root and network; the reader's own unit tests run everywhere.

mod compare;
mod cp_real_tree;
mod dockerfile;
mod failures;
mod items;
mod outputs;
mod pods;
mod pods_commands;
mod pods_errors;
mod pods_partial;
mod provenance;
mod recover;
mod requests;
mod selfcheck;
mod sources;
mod world;
