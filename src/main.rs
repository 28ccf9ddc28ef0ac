//! `kubectl-dfimage`: a thin shell over [`kubectl_dfimage::run`].

fn main() -> std::process::ExitCode {
    kubectl_dfimage::run(std::env::args_os())
}
