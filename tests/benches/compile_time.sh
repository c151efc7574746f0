#!/usr/bin/env bash
# Compile-time cost of the macros: `cargo check` of one user crate written three ways.
#
#   macro  #[derive(SecretSet)] with SECRETS variants, STACKS stacks written with stack!
#   typed  the same derived set, the same stacks as plain functions calling Stack::use_secrets
#   plain  no macro at all: SecretManager::<Dynamic>::new().add_secret(..) and Stack::use_secrets
#
# Each stack injects PER_STACK secrets and lives in its own file (src/stacks/sNNN.rs).
#
# What is measured (wall time of the `cargo check -p <crate>` command, cargo's own start-up
# included), each RUNS times, medians reported:
#   clean  the user crate checked with nothing of its own compiled before, and every dependency
#          (kubricate, kubricate-macros, serde, syn, ...) already built: a target directory is
#          warmed once by checking a crate that only depends on kubricate, and each run starts
#          from a fresh copy of it. This is what a user's first build costs beyond the
#          dependencies, which are built once and do not depend on how the crate is written.
#   edit   then one stack's file is changed (a string literal in it, so the source really
#          differs) and the crate is checked again: incremental, as while editing. The proc
#          macros expand every stack again on each check, whatever was edited.
#
# Usage: tests/benches/compile_time.sh           (RUNS=3 SECRETS=200 STACKS=100 PER_STACK=20)
#        KEEP=1 tests/benches/compile_time.sh     keeps the generated crates (path printed)
#        INSTRUCTIONS=1 tests/benches/compile_time.sh
#          also counts the instructions rustc executes for the user crate (valgrind's cachegrind on
#          the exact rustc command cargo runs; clean: non-incremental, edit: incremental after the
#          same one-file edit). Wall times of a 0.3 s check move by tens of percent on a shared
#          machine; instruction counts repeat to 0.1 %, so they rank changes that wall time cannot.
#        OPT_MACROS=1 tests/benches/compile_time.sh
#          the generated workspace builds kubricate-macros optimised
#          (`[profile.dev.package.kubricate-macros] opt-level = 3`, the setting README's "Faster checks"
#          offers): cargo builds proc macros unoptimised by default, and the macros run on every check.
# Runs offline from the local cargo cache; nothing outside a temporary directory is written.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
exec python3 - "$root" <<'PY'
import os, shutil, statistics, subprocess, sys, tempfile, time

root = sys.argv[1]
RUNS = int(os.environ.get("RUNS", "3"))
SECRETS = int(os.environ.get("SECRETS", "200"))
STACKS = int(os.environ.get("STACKS", "100"))
PER_STACK = int(os.environ.get("PER_STACK", "20"))
KEEP = os.environ.get("KEEP") == "1"
INSTRUCTIONS = os.environ.get("INSTRUCTIONS") == "1"
OPT_MACROS = os.environ.get("OPT_MACROS") == "1"
if INSTRUCTIONS and shutil.which("valgrind") is None:
    sys.exit("INSTRUCTIONS=1 counts with valgrind, which is not installed (Debian: apt-get install valgrind)")

work = tempfile.mkdtemp(prefix="kubricate-compile-time-")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def secret(i):
    return f"SECRET{i:03}"


def injections(s):
    return [secret((s * PER_STACK + j) % SECRETS) for j in range(PER_STACK)]


def stack_fn(s, param_type):
    lines = "\n".join(f'                c.secrets("{n}").inject();' for n in injections(s))
    return f"""    pub fn s{s:03}(secrets: &{param_type}) -> Stack {{
        Stack::from_template(SimpleApp, SimpleAppInput {{ name: "app-{s:03}", image_name: "img-{s:03}", ..Default::default() }})
            .use_secrets(secrets, |c| {{
{lines}
            }})
    }}
"""


def gen_crate(ws, name, kubricate_path):
    d = os.path.join(ws, name)
    write(os.path.join(d, "Cargo.toml"), f"""[package]
name = "{name}"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
kubricate = {{ path = "{kubricate_path}" }}
""")
    if name == "warm":
        write(os.path.join(d, "src/lib.rs"), "pub use kubricate;\n")
        return
    variants = "\n".join(f"    Secret{i:03}," for i in range(SECRETS))
    derived = f"""#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum Big {{
{variants}
}}

pub fn manager() -> SecretManager<Big> {{
    SecretManager::new()
        .connector(InMemoryConnector::default())
        .provider(OpaqueSecretProvider::new("app-secrets"))
}}
"""
    adds = "\n".join(f'        .add_secret("{secret(i)}")' for i in range(SECRETS))
    dynamic = f"""pub fn manager() -> SecretManager {{
    SecretManager::new()
        .connector(InMemoryConnector::default())
        .provider(OpaqueSecretProvider::new("app-secrets"))
{adds}
}}
"""
    param = "SecretManager" if name == "plain" else "SecretManager<Big>"
    mods = "\n".join(f"mod s{s:03};\npub use s{s:03}::s{s:03};" for s in range(STACKS))
    calls = "\n".join(f"        s{s:03}(secrets)," for s in range(STACKS))
    write(os.path.join(d, "src/lib.rs"), f"""//! Generated by benches/compile_time.sh ({name}).
#![allow(dead_code)]
use kubricate::prelude::*;

{dynamic if name == "plain" else derived}
#[path = "stacks/mod.rs"]
mod stacks;
pub use stacks::*;

pub fn all(secrets: &{param}) -> Vec<Stack> {{
    vec![
{calls}
    ]
}}
""")
    write(os.path.join(d, "src/stacks/mod.rs"), mods + "\n")
    for s in range(STACKS):
        body = stack_fn(s, param)
        if name == "macro":
            body = "stack! {\n" + body + "}\n"
        else:
            body = body.replace("    pub fn", "pub fn", 1)
        write(os.path.join(d, f"src/stacks/s{s:03}.rs"),
              "use kubricate::prelude::*;\n" + ("use crate::Big;\n" if name != "plain" else "") + "\n" + body)


def gen_workspace(name, kubricate_path, crates):
    ws = os.path.join(work, name)
    write(os.path.join(ws, "Cargo.toml"),
          "[workspace]\nresolver = \"2\"\nmembers = [" + ", ".join(f'"{c}"' for c in ["warm"] + crates) + "]\n"
          + ("\n[profile.dev.package.kubricate-macros]\nopt-level = 3\n" if OPT_MACROS else ""))
    # The workspace's own lock file and toolchain, so that the dependencies and the compiler are the
    # ones kubricate is tested with.
    shutil.copy(os.path.join(root, "Cargo.lock"), os.path.join(ws, "Cargo.lock"))
    shutil.copy(os.path.join(root, "rust-toolchain.toml"), os.path.join(ws, "rust-toolchain.toml"))
    for c in ["warm"] + crates:
        gen_crate(ws, c, kubricate_path)
    return ws


def cargo_check(ws, target, crate):
    env = dict(os.environ, CARGO_TARGET_DIR=target, CARGO_TERM_COLOR="never")
    start = time.perf_counter()
    p = subprocess.run(["cargo", "check", "--offline", "-p", crate], cwd=ws, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"cargo check -p {crate} failed:\n{p.stderr}")
    compiled = [l.split()[1] for l in p.stderr.splitlines() if l.strip().startswith(("Checking", "Compiling"))]
    return elapsed, compiled


def warm(ws):
    target = os.path.join(ws, "target-warm")
    cargo_check(ws, target, "warm")
    return target


def edited(original, tag):
    """The edited stack file's text: a string literal in it changed, so the source really differs."""
    return original.replace(f'"img-{STACKS // 2:03}"', f'"img-{STACKS // 2:03}-{tag}"')


def measure(ws, warm_target, crate):
    clean, edit = [], []
    stack_file = os.path.join(ws, crate, f"src/stacks/s{STACKS // 2:03}.rs")
    original = open(stack_file).read()
    for run in range(RUNS):
        target = os.path.join(ws, f"target-{crate}-{run}")
        shutil.copytree(warm_target, target, symlinks=True)
        t, compiled = cargo_check(ws, target, crate)
        # Only the user crate may be compiled: anything else means the warm copy was not reused.
        if compiled != [crate]:
            sys.exit(f"expected only {crate} to be checked, cargo compiled {compiled}")
        clean.append(t)
        write(stack_file, edited(original, f"edit{run}"))
        t, compiled = cargo_check(ws, target, crate)
        if compiled != [crate]:
            sys.exit(f"expected only {crate} to be re-checked, cargo compiled {compiled}")
        edit.append(t)
        write(stack_file, original)
        shutil.rmtree(target)
    return clean, edit


def rustc_command(ws, target, crate, incremental):
    """The rustc command cargo runs for `crate` (cargo runs it once here, from scratch)."""
    env = dict(os.environ, CARGO_TARGET_DIR=target, CARGO_TERM_COLOR="never",
               CARGO_INCREMENTAL="1" if incremental else "0")
    p = subprocess.run(["cargo", "check", "--offline", "-v", "-p", crate], cwd=ws, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in p.stderr.splitlines():
        line = line.strip()
        if line.startswith("Running `") and f"--crate-name {crate} " in line:
            return line[len("Running `"):-1]
    sys.exit(f"no rustc command for {crate} in:\n{p.stderr}")


def instructions_of(ws, command):
    p = subprocess.run(f"valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null {command}",
                       shell=True, cwd=ws, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in p.stderr.splitlines():
        if "I" in line and "refs:" in line:
            return int(line.split()[-1].replace(",", ""))
    sys.exit(f"valgrind gave no instruction count:\n{p.stderr[-2000:]}")


def count_instructions(ws, warm_target, crate):
    """(clean, edit) instructions of rustc for the user crate."""
    stack_file = os.path.join(ws, crate, f"src/stacks/s{STACKS // 2:03}.rs")
    original = open(stack_file).read()
    target = os.path.join(ws, f"target-{crate}-instructions")
    try:
        shutil.copytree(warm_target, target, symlinks=True)
        clean = instructions_of(ws, rustc_command(ws, target, crate, incremental=False))
        shutil.rmtree(target)
        shutil.copytree(warm_target, target, symlinks=True)
        cargo_check(ws, target, crate)
        write(stack_file, edited(original, "a"))
        command = rustc_command(ws, target, crate, incremental=True)
        write(stack_file, edited(original, "b"))
        edit = instructions_of(ws, command)
    finally:
        write(stack_file, original)
        shutil.rmtree(target, ignore_errors=True)
    return clean, edit


def fmt(ts):
    return f"{statistics.median(ts):.2f}"


rows = []
try:
    ws = gen_workspace("ws", os.path.join(root, "kubricate"), ["macro", "typed", "plain"])
    warm_target = warm(ws)
    results = {c: measure(ws, warm_target, c) for c in ["macro", "typed", "plain"]}
    plain_clean = statistics.median(results["plain"][0])
    plain_edit = statistics.median(results["plain"][1])
    load = open("/proc/loadavg").read().split()[:3]
    print(f"\n{SECRETS}-variant set, {STACKS} stacks x {PER_STACK} injections; medians of {RUNS} runs;"
          f" load average at the end: {' '.join(load)}"
          + ("; kubricate-macros built with opt-level = 3" if OPT_MACROS else "") + "\n")
    print("| crate | clean check s | after editing one stack s | clean / plain | edit / plain |")
    print("|---|---:|---:|---:|---:|")
    for name, (clean, edit) in results.items():
        print(f"| {name} | {fmt(clean)} | {fmt(edit)} | {statistics.median(clean) / plain_clean:.2f}"
              f" | {statistics.median(edit) / plain_edit:.2f} |")
    print("\nall runs (s):")
    for name, (clean, edit) in results.items():
        print(f"  {name}: clean {[round(t, 2) for t in clean]}, edit {[round(t, 2) for t in edit]}")
    if INSTRUCTIONS:
        counts = {c: count_instructions(ws, warm_target, c) for c in ["macro", "typed", "plain"]}
        pc, pe = counts["plain"]
        print("\ninstructions of rustc for the user crate (valgrind cachegrind):\n")
        print("| crate | clean | after editing one stack | clean / plain | edit / plain |")
        print("|---|---:|---:|---:|---:|")
        for name, (c, e) in counts.items():
            print(f"| {name} | {c / 1e6:.0f} M | {e / 1e6:.0f} M | {c / pc:.2f} | {e / pe:.2f} |")
finally:
    if KEEP:
        print(f"\nkept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
PY
