// prost's decoding of parse trees allocates many small nodes; mimalloc is markedly faster at
// that than the system allocator (see scripts/bench.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // On a thread with a stack deep statements fit in (see `rollsafe::threads`).
    match std::thread::Builder::new()
        .name("rollsafe".to_string())
        .stack_size(rollsafe::threads::STACK_BYTES)
        .spawn(rollsafe::cli::main)
    {
        Ok(thread) => thread.join().unwrap_or(std::process::ExitCode::from(2)),
        Err(_) => rollsafe::cli::main(),
    }
}
