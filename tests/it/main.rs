//! The integration-test binary: one module per topic, all against in-process fakes or
//! temporary files. No Docker, root or cluster needed. New tests go in the module of their
//! topic; a new topic gets a new module here.

mod alignment;
mod cli;
mod cp;
mod extract;
mod layers;
mod plugin_manifest;
mod registry;
mod unpack;
