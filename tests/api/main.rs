//! Black-box tests of the library used directly: conflict strategies, property tests, the secret-set
//! order the compile-time checks rely on, and typed authoring (`--features typed`). One binary; each
//! file is a module.

#[path = "../common/mod.rs"]
mod common;

mod conflicts;
mod properties;
mod secret_set_order;
mod typed;
