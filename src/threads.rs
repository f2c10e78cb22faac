//! The threads rollsafe works on. Parse trees are read and analysed recursively, and rollsafe
//! reads statements nested up to `MAX_DEPTH` (1,000) levels deep
//! (`parse::postgres::libpg_query`): that takes more stack than the 2 MB a thread gets by
//! default (about 2.6 KB a level just to read the tree). The binary runs `cli::main` on a
//! thread with [`STACK_BYTES`], and the worker pool is given the same before its first use.
//! Stack that is never touched costs no memory.

pub const STACK_BYTES: usize = 256 << 20;

use rayon::prelude::*;

/// `items` mapped by `f`, in order: on the worker pool when there is more than one, else on this
/// thread (one file, the pre-commit case: starting the pool would cost more than the file).
pub fn map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync + Send) -> Vec<R> {
    if items.len() > 1 {
        ensure_pool();
        items.into_par_iter().map(f).collect()
    } else {
        items.into_iter().map(f).collect()
    }
}

/// [`map`] of a slice's items by reference.
pub fn map_ref<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    if items.len() > 1 {
        ensure_pool();
        items.par_iter().map(f).collect()
    } else {
        items.iter().map(f).collect()
    }
}

/// `a` and `b`, at the same time on the worker pool.
pub fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    ensure_pool();
    rayon::join(a, b)
}

/// `f`, run on a worker of the pool (this thread waits).
pub fn on_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    ensure_pool();
    rayon::scope(|_| f())
}

/// Drop `value` on the worker pool, while this thread goes on, when the pool runs already
/// (a large model takes a while to free); else here.
pub fn drop_on_pool<T: Send + 'static>(value: T) {
    if POOL.is_completed() {
        rayon::spawn(move || drop(value));
    } else {
        drop(value);
    }
}

static POOL: std::sync::Once = std::sync::Once::new();

/// Configure rayon's global pool, once, before the first parallel work. Not at start: see
/// [`map`].
fn ensure_pool() {
    POOL.call_once(|| {
        // Fails only when a pool was already built (by a library user); that pool then keeps
        // its own stack size.
        let _ = rayon::ThreadPoolBuilder::new()
            .stack_size(STACK_BYTES)
            .build_global();
    });
}
