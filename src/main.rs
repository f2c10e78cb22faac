// prost's decoding of parse trees allocates many small nodes; mimalloc is markedly faster at
// that than the system allocator (see scripts/bench.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Parse trees are read and analysed recursively, and rollsafe reads statements nested up to
/// `MAX_DEPTH` (1,000) levels deep: that takes more stack than the 2 MB a thread gets by
/// default (about 2.6 KB a level just to read the tree). Untouched stack costs no memory.
const STACK_BYTES: usize = 256 << 20;

fn main() -> std::process::ExitCode {
    // The error case (a pool already built) cannot happen this early; rayon then keeps its
    // default pool, which only limits how deep a statement can be read.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_BYTES)
        .build_global();
    match std::thread::Builder::new()
        .name("rollsafe".to_string())
        .stack_size(STACK_BYTES)
        .spawn(rollsafe::cli::main)
    {
        Ok(thread) => thread.join().unwrap_or(std::process::ExitCode::from(2)),
        // No thread: run on this one.
        Err(_) => rollsafe::cli::main(),
    }
}
