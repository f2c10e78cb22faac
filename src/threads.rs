//! The threads rollsafe works on. Parse trees are read and analysed recursively, and rollsafe
//! reads statements nested up to `MAX_DEPTH` (1,000) levels deep
//! (`parse::postgres::libpg_query`): that takes more stack than the 2 MB a thread gets by
//! default (about 2.6 KB a level just to read the tree). The binary runs `cli::main` on a
//! thread with [`STACK_BYTES`], and the worker pool is given the same before its first use.
//! Stack that is never touched costs no memory.

pub const STACK_BYTES: usize = 256 << 20;

/// Configure rayon's global pool, once, before the first parallel work. Not at start: one file
/// (the pre-commit case) is read and checked on the calling thread, and starting the pool would
/// cost more than the file.
pub fn ensure_pool() {
    static POOL: std::sync::Once = std::sync::Once::new();
    POOL.call_once(|| {
        // Fails only when a pool was already built (by a library user); that pool then keeps
        // its own stack size.
        let _ = rayon::ThreadPoolBuilder::new()
            .stack_size(STACK_BYTES)
            .build_global();
    });
}
