//! `cargo bench --bench scale`: generate and secret preparation at scale (see BENCHMARKS.md).
//!
//! Two parts:
//! - divan benchmarks of each step, for N = 20, 200 and 2000 stacks of K = 20 secrets;
//! - a summary table timed with `Instant` (medians of repeated runs) that prints what the issue's
//!   targets are about: full pipeline / floor (the YAML writer alone on the final documents), and the
//!   cost per injection at each N, so a super-linear step shows.
//!
//! Under `cargo test --all-targets` (no `--bench` flag) divan runs every benchmark once and the summary
//! runs on a tiny fixture, so CI keeps this code compiling and working without paying for figures.

#[path = "fixture/mod.rs"]
mod fixture;

use std::hint::black_box;
use std::time::{Duration, Instant};

use divan::Bencher;
use fixture::Shape;
use kubricate::generate::{
    add_metadata, render, to_stream, BuiltStack, MetadataOptions, OutputMode,
};
use kubricate::{GenerateOptions, Project};
use serde_json::Value;

/// `cargo bench` passes `--bench`; `cargo test` does not, and then divan runs each benchmark once.
fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Stack counts: the in bench mode; in test mode a tiny one, as every benchmark then runs
/// once in a debug build inside `cargo test --all-targets`.
fn sizes() -> &'static [usize] {
    if bench_mode() {
        &fixture::NS
    } else {
        &[2]
    }
}

fn main() {
    divan::main();
    let bench_mode = bench_mode();
    // `SCALE_SUMMARY=0` skips the table, e.g. when profiling one divan benchmark.
    if std::env::var_os("SCALE_SUMMARY").is_some_and(|v| v == "0") {
        return;
    }
    if bench_mode {
        summary(&fixture::NS, 7);
    } else {
        summary(&[2], 1);
    }
}

fn opts() -> GenerateOptions {
    GenerateOptions::default()
}

fn built(project: &Project) -> Vec<BuiltStack> {
    project.build(&[]).expect("the fixture builds")
}

/// The documents `generate` writes, fully formed (injections and metadata in), ready to serialize.
fn final_documents(stacks: &[BuiltStack]) -> Vec<Value> {
    let metadata = opts().metadata;
    let mut docs = Vec::new();
    for stack in stacks {
        for (rid, manifest) in &stack.resources {
            let mut body = manifest.body().clone();
            add_metadata(&mut body, stack, rid, &metadata, None);
            docs.push(body);
        }
    }
    docs
}

/// What `generate --stdout` computes: build, render, one stream.
fn full(project: &Project) -> String {
    to_stream(&project.render(&opts()).expect("the fixture renders"))
}

fn render_only(stacks: &[BuiltStack]) -> String {
    let metadata: MetadataOptions = opts().metadata;
    to_stream(&render(stacks, OutputMode::Stack, &metadata, None).expect("renders"))
}

fn floor(docs: &[Value]) -> String {
    kubricate::yaml::to_string_multi(docs)
}

mod generate {
    use super::*;

    /// Building every stack: template resources cloned, every injection written in.
    #[divan::bench(args = sizes(), sample_count = 10, sample_size = 1)]
    fn build(bencher: Bencher, n: usize) {
        let project = fixture::project(Shape::OneManager, n, fixture::K);
        bencher.bench(|| built(black_box(&project)));
    }

    /// Rendering built stacks: metadata, resource hash, YAML, one stream.
    #[divan::bench(args = sizes(), sample_count = 10, sample_size = 1)]
    fn render(bencher: Bencher, n: usize) {
        let stacks = built(&fixture::project(Shape::OneManager, n, fixture::K));
        bencher.bench(|| render_only(black_box(&stacks)));
    }

    /// Build and render: `generate --stdout` without the process and the write.
    #[divan::bench(args = sizes(), sample_count = 10, sample_size = 1)]
    fn full(bencher: Bencher, n: usize) {
        let project = fixture::project(Shape::OneManager, n, fixture::K);
        bencher.bench(|| super::full(black_box(&project)));
    }

    /// The floor: the same YAML writer on the final documents, already built.
    #[divan::bench(args = sizes(), sample_count = 10, sample_size = 1)]
    fn floor(bencher: Bencher, n: usize) {
        let docs = final_documents(&built(&fixture::project(Shape::OneManager, n, fixture::K)));
        bencher.bench(|| super::floor(black_box(&docs)));
    }
}

mod registry {
    use super::*;

    /// Building with the secrets spread over several managers of a registry.
    #[divan::bench(args = sizes(), sample_count = 10, sample_size = 1)]
    fn build(bencher: Bencher, n: usize) {
        let project = fixture::project(Shape::Registry, n, fixture::K);
        bencher.bench(|| built(black_box(&project)));
    }

    #[divan::bench(args = sizes(), sample_count = 10, sample_size = 1)]
    fn full(bencher: Bencher, n: usize) {
        let project = fixture::project(Shape::Registry, n, fixture::K);
        bencher.bench(|| super::full(black_box(&project)));
    }
}

/// Load → prepare → merge → cross-check of 10,000 secrets (50 providers, 5 managers).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn secret_plan(bencher: Bencher) {
    let project = fixture::prep_project();
    bencher.bench(|| {
        black_box(&project)
            .secret_plan()
            .expect("the fixture plans")
    });
}

/// `EnvConnector` reading a `.env` of 10,000 variables (600 KB) and loading every one.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn dotenv_load(bencher: Bencher) {
    use kubricate::{Connector, EnvConnector};
    let n = if bench_mode() { 10_000 } else { 10 };
    let dir = tempfile::tempdir().expect("a scratch directory");
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "KUBRICATE_SECRET_K{i}=\"value-{i}-$NOT_EXPANDED\" # comment\n"
        ));
    }
    std::fs::write(dir.path().join(".env"), text).expect("write .env");
    let names: Vec<String> = (0..n).map(|i| format!("K{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let connector = EnvConnector::new()
        .working_dir(dir.path())
        .environment(std::iter::empty::<(String, String)>());
    bencher.bench(|| {
        black_box(&connector)
            .load(black_box(&names))
            .expect("the file loads")
    });
}

/// Median wall time of `runs` calls of `f`, after one warm-up call.
fn median<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    black_box(f());
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let out = f();
            let t = start.elapsed();
            drop(black_box(out));
            t
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// What the full pipeline spends beyond the floor, in parts that each measure one necessary step
/// alone: allocating and freeing the built trees (a copy of the build's output, one stack at a
/// time: no build that produces them can cost less), hashing every resource for the `resource-hash` annotation, and the
/// whole pipeline with that annotation off.
fn breakdown(ns: &[usize], runs: usize) {
    println!();
    println!("Breakdown (one-manager): parts of `full`, each timed alone");
    println!();
    println!("| N | floor ms | copy + free built trees ms | hash every resource ms | build ms | full ms | full without resource-hash ms | its ratio to floor |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &n in ns {
        let project = fixture::project(Shape::OneManager, n, fixture::K);
        let stacks = built(&project);
        let docs = final_documents(&stacks);
        let no_hash = GenerateOptions {
            metadata: MetadataOptions {
                resource_hash: false,
                ..MetadataOptions::default()
            },
            ..GenerateOptions::default()
        };
        let t_floor = median(runs, || floor(&docs));
        // The least any build that produces these trees does: allocate them, and free them later.
        // One stack at a time, as generate renders each stack as soon as it is built.
        let t_copy = median(runs, || {
            for stack in &stacks {
                drop(black_box(stack.resources.clone()));
            }
        });
        let t_hash = median(runs, || {
            stacks
                .iter()
                .flat_map(|s| s.resources.values())
                .map(|m| kubricate::generate::resource_hash(m.body()))
                .collect::<Vec<_>>()
        });
        let t_build = median(runs, || built(&project));
        let t_full = median(runs, || full(&project));
        let t_no_hash = median(runs, || {
            to_stream(&project.render(&no_hash).expect("the fixture renders"))
        });
        println!(
            "| {n} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            ms(t_floor),
            ms(t_copy),
            ms(t_hash),
            ms(t_build),
            ms(t_full),
            ms(t_no_hash),
            t_no_hash.as_secs_f64() / t_floor.as_secs_f64()
        );
    }
}

/// The figures the issue asks for, printed as a Markdown table.
fn summary(ns: &[usize], runs: usize) {
    let k = fixture::K;
    println!();
    println!("Summary: medians of {runs} run(s), K = {k} secrets per stack, Instant-timed");
    println!();
    println!("| shape | N | injections | build ms | ns / injection | ns / injection, one stack kept at a time | render ms | full ms | floor ms | full / floor | output MiB |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for shape in [Shape::OneManager, Shape::Registry] {
        for &n in ns {
            let project = fixture::project(shape, n, k);
            let stacks = built(&project);
            let docs = final_documents(&stacks);
            let out_len = full(&project).len();
            assert_eq!(
                out_len,
                floor(&docs).len(),
                "the floor must write the same bytes as generate"
            );
            let t_build = median(runs, || built(&project));
            let t_render = median(runs, || render_only(&stacks));
            let t_full = median(runs, || full(&project));
            let t_floor = median(runs, || floor(&docs));
            // The same builds, each result dropped at once: the working set stays one stack, so a
            // per-injection cost that still grows with N would be the code's, not the memory's.
            let t_each = median(runs, || {
                for stack in project.stacks().values() {
                    drop(black_box(stack.build().expect("the fixture builds")));
                }
            });
            let injections = n * k;
            println!(
                "| {} | {n} | {injections} | {:.2} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} |",
                shape.name(),
                ms(t_build),
                t_build.as_secs_f64() * 1e9 / injections as f64,
                t_each.as_secs_f64() * 1e9 / injections as f64,
                ms(t_render),
                ms(t_full),
                ms(t_floor),
                t_full.as_secs_f64() / t_floor.as_secs_f64(),
                out_len as f64 / (1024.0 * 1024.0),
            );
        }
    }
    breakdown(ns, runs);
    let project = fixture::prep_project();
    let plan = project.secret_plan().expect("the fixture plans");
    let t_plan = median(runs.min(5), || project.secret_plan().expect("plans"));
    println!();
    println!(
        "secret_plan: {} secrets, {} providers, {} managers -> {} Secrets, {} references checked: {:.1} ms (median of {})",
        fixture::PREP_SECRETS,
        fixture::PREP_PROVIDERS,
        fixture::PREP_MANAGERS,
        plan.secrets.len(),
        plan.references_checked,
        ms(t_plan),
        runs.min(5)
    );
}
