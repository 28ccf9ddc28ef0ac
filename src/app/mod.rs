//! The only place where the runtime, I/O and the terminal meet: it wires `cli` requests to
//! the `registry`, `cluster`, `image` and `transfer` cores and prints through `printer`.

mod completion;
pub mod dispatch;
pub mod exit;
pub mod printer;
pub mod progress;
mod recover;
pub mod version;
