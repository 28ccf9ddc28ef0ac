//! Builds the runtime and routes a parsed request.

/// Entry point used by `lib::run`.
pub fn run<I, T>(_args: I) -> std::process::ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    std::process::ExitCode::from(2)
}
