//! The sole writer of stdout and stderr.
//!
//! stdout carries only the product, written once per product after all work succeeded, so a
//! failed run never leaves half a Dockerfile. stderr carries notices, warnings, skips, the
//! summary and errors with their cause chains. A broken pipe on stdout ends the run quietly
//! with exit 0, so `| head` works.

use std::fmt;
use std::io::{self, IsTerminal, Write};

use crate::cli::request::OutputSettings;

/// Terminal output for one run.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    settings: OutputSettings,
}

/// Writing the product failed for a reason other than a closed pipe.
#[derive(Debug, thiserror::Error)]
#[error("write to stdout")]
pub struct StdoutError(#[source] pub io::Error);

impl Printer {
    /// A printer honouring `-q`/`-v`/`--no-progress`.
    pub fn new(settings: OutputSettings) -> Self {
        Self { settings }
    }

    /// Whether progress bars may be drawn: allowed and stderr is a terminal.
    pub fn progress_enabled(&self) -> bool {
        self.settings.progress && !self.settings.verbose && io::stderr().is_terminal()
    }

    /// Whether `-v` detail is wanted.
    pub fn verbose(&self) -> bool {
        self.settings.verbose
    }

    /// Writes the product. `Ok(false)` means stdout was closed (broken pipe): stop quietly.
    pub fn product(&self, text: &str) -> Result<bool, StdoutError> {
        let mut out = io::stdout().lock();
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
            Err(e) => Err(StdoutError(e)),
        }
    }

    /// A notice (which platform was chosen, which pod was picked); hidden by `-q`.
    pub fn notice(&self, message: &dyn fmt::Display) {
        if !self.settings.quiet {
            self.stderr_line(format_args!("{message}"));
        }
    }

    /// A warning; hidden by `-q`.
    pub fn warn(&self, message: &dyn fmt::Display) {
        if !self.settings.quiet {
            self.stderr_line(format_args!("warning: {message}"));
        }
    }

    /// `-v` detail.
    pub fn detail(&self, message: &dyn fmt::Display) {
        if self.settings.verbose {
            self.stderr_line(format_args!("{message}"));
        }
    }

    /// An error and its cause chain, always shown.
    pub fn error(&self, err: &(dyn std::error::Error + 'static)) {
        let lines = crate::error::cause_lines(err);
        let mut text = format!(
            "error: failed to {}",
            lines.first().map_or("", String::as_str)
        );
        for cause in lines.iter().skip(1) {
            text.push_str(&format!("\n  caused by: {cause}"));
        }
        self.stderr_line(format_args!("{text}"));
    }

    /// Help, version or usage text from clap, styled only on a terminal.
    pub fn clap_text(&self, text: &clap::builder::StyledStr, to_stdout: bool) {
        let styled = if to_stdout {
            io::stdout().is_terminal()
        } else {
            io::stderr().is_terminal()
        };
        let rendered = if styled {
            text.ansi().to_string()
        } else {
            text.to_string()
        };
        if to_stdout {
            let _ = self.product(&rendered);
        } else {
            self.stderr_line(format_args!("{}", rendered.trim_end()));
        }
    }

    /// Raw stderr text, for the progress layer's suspended writes.
    pub fn stderr_line(&self, line: fmt::Arguments<'_>) {
        let mut err = io::stderr().lock();
        let _ = writeln!(err, "{line}");
    }
}
