fn main() {
    std::process::exit(rollsafe::cli::main());
}
