//! String comparison in const context (`==` and `cmp` on `str` are not `const fn`): the `stack!`
//! resource checks and the workload table run in the const evaluator.

/// `a == b`, in const context.
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
