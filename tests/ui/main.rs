//! Compile-time diagnostics: every mistake the reference reports at run time is a compile error here.
//! Each case under tests/ui/fail has a committed .stderr; tests/ui/pass holds every documented form.
//! tests/ui/common holds what pass cases share, through `include!` (each case is its own crate).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/fail/*.rs");
    t.pass("ui/pass/*.rs");
}
