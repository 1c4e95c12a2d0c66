//! The `jirad` binary: see [`jirad::cli`].

fn main() -> std::process::ExitCode {
    jirad::cli::main()
}
