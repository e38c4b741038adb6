//! Stack for recursive walks.

/// Run a step of a recursive walk with enough stack: expression trees are bounded
/// (64 levels of brackets, 1,000 operands a chain) but deep enough to exhaust a
/// small thread stack in a debug build. Grows the stack on the heap when needed.
pub fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(256 * 1024, 8 * 1024 * 1024, f)
}
