//! The only place where the runtime, I/O and the terminal meet.
pub mod dispatch;
