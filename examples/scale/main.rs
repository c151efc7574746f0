//! The scale fixture as a binary, for end-to-end figures (see BENCHMARKS.md):
//!
//! ```sh
//! cargo run --example scale -- generate --stdout                 # 3 stacks, 20 secrets each
//! cargo build --release --example scale
//! SCALE_STACKS=2000 /usr/bin/time -v target/release/examples/scale generate --stdout > /dev/null
//! ```
//!
//! `SCALE_STACKS` (default 3, small so that the schema test of every example stays quick),
//! `SCALE_SECRETS` (secrets per stack, default 20) and `SCALE_SHAPE` (`one-manager` or `registry`)
//! choose the fixture. Values are placeholders held in memory.

#[path = "../../tests/benches/fixture/mod.rs"]
mod fixture;

use std::process::ExitCode;

fn env_usize(name: &str, default: usize) -> Result<usize, String> {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .map_err(|_| format!("{name} must be a number, got `{v}`")),
        Err(_) => Ok(default),
    }
}

fn main() -> ExitCode {
    let shape = match std::env::var("SCALE_SHAPE").as_deref() {
        Ok("registry") => fixture::Shape::Registry,
        Ok("one-manager") | Err(_) => fixture::Shape::OneManager,
        Ok(other) => {
            eprintln!("SCALE_SHAPE must be `one-manager` or `registry`, got `{other}`");
            return ExitCode::from(2);
        }
    };
    let sizes =
        env_usize("SCALE_STACKS", 3).and_then(|n| Ok((n, env_usize("SCALE_SECRETS", fixture::K)?)));
    let (n, k) = match sizes {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    fixture::project(shape, n, k).main()
}
