//! Black-box tests of the CLI a user's crate gets from `Project::main`: each example runs as a user
//! runs it (`generate`, `secret validate`, `secret apply` through stand-in `kubectl`s), against the
//! goldens in tests/golden. One binary; each file is a module.

#[path = "../common/mod.rs"]
mod common;

mod apply;
mod bad_input;
mod basic;
mod examples;
mod generate;
mod gitops;
mod harden;
mod leaks;
mod ops;
mod overrides;
mod parity;
mod scale;
mod schema;
mod secret_registry;
