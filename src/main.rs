fn main() -> std::process::ExitCode {
    rollsafe::cli::main()
}
