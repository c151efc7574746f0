//! Black-box tests of the library used directly: conflict strategies, property tests, the names struct
//! the compile-time checks resolve through, and typed authoring (`--features typed`). One binary; each
//! file is a module.

#[path = "../common/mod.rs"]
mod common;

mod conflicts;
mod errors;
mod lazy;
mod properties;
mod secret_set_names;
mod typed;
