//! The `ublflow` binary: parses flags and runs the command.

fn main() -> std::process::ExitCode {
    ublflow::cli::run()
}
