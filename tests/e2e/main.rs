//! End-to-end tests against real components (registries, builders, kubectl), set up by
//! `tests/e2e/world.sh`. Run through the README's test command.
