//! Compile-time checks used by the code `stack!` generates. Not a public API: the functions are
//! `const fn`s evaluated in `const _: () = ...;` items, so a failed check is a compile error whose
//! message is built here and whose span is the user's token.

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
