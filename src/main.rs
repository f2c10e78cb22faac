// prost's decoding of parse trees allocates many small nodes; mimalloc is markedly faster at
// that than the system allocator (see scripts/bench.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    rollsafe::cli::main()
}
