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
//! choose the fixture. Values are placeholders held in memory. The stacks are declared lazily
//! (`Project::stacks_from`: each is made when the command reaches it, so memory does not grow with
//! their number); `SCALE_DECLARE=eager` adds them one by one with `Project::stack` instead (the
//! same output).
//!
//! `SCALE_FLOOR=1` measures the floor instead of running the CLI: the final documents (built, with
//! their metadata) are made first, untimed, then only the YAML writer runs on them and writes the
//! same bytes as `generate --stdout` to stdout; its time goes to stderr as `floor-seconds: <s>`.
//! `tests/benches/end_to_end.sh` divides the end-to-end time by it.

#[path = "../../tests/benches/fixture/mod.rs"]
mod fixture;

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

/// The writer alone on the final documents (see the module comment).
fn floor(project: &kubricate::Project) -> ExitCode {
    let opts = kubricate::GenerateOptions::default();
    let stacks = match project.build(&[]) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let mut docs = Vec::new();
    for stack in &stacks {
        for (rid, manifest) in &stack.resources {
            let mut body = manifest.body().clone();
            kubricate::generate::add_metadata(&mut body, stack, rid, &opts.metadata, None);
            docs.push(body);
        }
    }
    drop(stacks);
    let start = Instant::now();
    let text = kubricate::yaml::to_string_multi(&docs);
    let written = std::io::stdout().lock().write_all(text.as_bytes());
    let seconds = start.elapsed().as_secs_f64();
    if let Err(e) = written {
        eprintln!("cannot write stdout: {e}");
        return ExitCode::FAILURE;
    }
    eprintln!("floor-seconds: {seconds:.6}");
    ExitCode::SUCCESS
}

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
    let project = match std::env::var("SCALE_DECLARE").as_deref() {
        Ok("lazy") | Err(_) => fixture::project_lazy(shape, n, k),
        Ok("eager") => fixture::project(shape, n, k),
        Ok(other) => {
            eprintln!("SCALE_DECLARE must be `lazy` or `eager`, got `{other}`");
            return ExitCode::from(2);
        }
    };
    if std::env::var_os("SCALE_FLOOR").is_some_and(|v| v == "1") {
        return floor(&project);
    }
    project.main()
}
