//! Completion: clap-generated scripts, the kubectl shim, and kubectl's completion protocol.

use std::path::Path;

use super::exit::ExitStatus;
use super::printer::Printer;
use crate::cli::complete;
use crate::error::Error;

/// Prints the completion script for `shell`.
pub fn print_script(shell: clap_complete::Shell, printer: &Printer) -> Result<ExitStatus, Error> {
    let mut command = crate::cli::command("kubectl-dfimage");
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "kubectl-dfimage", &mut script);
    printer.product(&String::from_utf8_lossy(&script))?;
    Ok(ExitStatus::Complete)
}

/// Answers `__complete WORDS…`.
pub fn answer(words: &[String], printer: &Printer) -> Result<ExitStatus, Error> {
    let text = complete::complete(&crate::cli::command("kubectl dfimage"), words);
    printer.product(&text)?;
    Ok(ExitStatus::Complete)
}

/// Writes `DIR/kubectl_complete-dfimage` (mode 0755).
pub fn install_shim(dir: &Path, printer: &Printer) -> Result<ExitStatus, Error> {
    let path = dir.join("kubectl_complete-dfimage");
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(&path, complete::kubectl_shim())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
        }
        Ok(())
    };
    write().map_err(|source| Error::WriteFile {
        path: path.clone(),
        source,
    })?;
    printer.notice(&format_args!(
        "wrote {}; make sure {} is on PATH, then `kubectl dfimage <TAB>` completes",
        path.display(),
        dir.display()
    ));
    Ok(ExitStatus::Complete)
}
