#!/usr/bin/env python3
"""Records what rust-analyzer completes inside a `stack!` body (issue 11, requirement 6).

Generates a one-file crate that uses this workspace's `kubricate` by path, starts `rust-analyzer`
(`rustup component add rust-analyzer`) over stdio, waits until it is quiescent, and asks for the
completions at two places inside `stack!` and inside a `#[stack_fn]` function:

  1. `c.|secrets(..)`            -> the injector's methods (secrets, secret, names, set_default_resource_id)
  2. `c.secrets("DATABASE_URL").|inject()` -> the chain's methods (for_name, inject, inject_env, ...)

and, for comparison, the same two places in the same code written outside the macro. Prints a
Markdown table; exits 1 if an expected method is missing inside the macro.

Usage: python3 tests/benches/ra_completion.py      (takes a minute or two: rust-analyzer indexes the crate)
"""
import json, os, shutil, subprocess, sys, tempfile, threading, time

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
work = tempfile.mkdtemp(prefix="kubricate-ra-")

SRC = r'''use kubricate::prelude::*;

#[derive(SecretSet)]
#[secret_set(provider = OpaqueSecretProvider)]
pub enum AppSecrets {
    DatabaseUrl,
    ApiKey,
}

stack! {
    pub fn in_macro(secrets: &SecretManager<AppSecrets>) -> Stack {
        Stack::from_template(SimpleApp, SimpleAppInput { name: "api", image_name: "api", ..Default::default() })
            .use_secrets(secrets, |c| {
                for _ in 0..1 {
                    c.MACRO_INJECTOR_secrets("API_KEY").inject();
                    c.secrets("DATABASE_URL").MACRO_CHAIN_inject();
                }
            })
    }
}

#[stack_fn]
pub fn in_attribute(secrets: &SecretManager<AppSecrets>) -> Stack {
    Stack::from_template(SimpleApp, SimpleAppInput { name: "api", image_name: "api", ..Default::default() })
        .use_secrets(secrets, |c| {
            if true {
                c.ATTR_INJECTOR_secrets("API_KEY").inject();
                c.secrets("DATABASE_URL").ATTR_CHAIN_inject();
            }
        })
}

pub fn plain(secrets: &SecretManager<AppSecrets>) -> Stack {
    Stack::from_template(SimpleApp, SimpleAppInput { name: "api", image_name: "api", ..Default::default() })
        .use_secrets(secrets, |c| {
            c.PLAIN_INJECTOR_secrets("API_KEY").inject();
            c.secrets("DATABASE_URL").PLAIN_CHAIN_inject();
        })
}

pub fn probe(secrets: &SecretManager<AppSecrets>) {
    secrets.PROBE_MANAGER_;
    let s = Stack::from_template(SimpleApp, SimpleAppInput::default());
    s.PROBE_STACK_;
    s.use_secrets(secrets, |c: &mut Injector<AppSecrets>| { c.PROBE_TYPED_; });
    let v: &mut Vec<i32> = &mut Vec::new();
    v.PROBE_VEC_;
}

fn main() {}
'''

# The markers are removed; their positions are where completion is asked.
MARKERS = ["MACRO_INJECTOR_", "MACRO_CHAIN_", "ATTR_INJECTOR_", "ATTR_CHAIN_", "PLAIN_INJECTOR_", "PLAIN_CHAIN_", "PROBE_MANAGER_", "PROBE_STACK_", "PROBE_TYPED_", "PROBE_VEC_"]
EXPECTED = {
    "injector": ["secrets", "secret", "names", "set_default_resource_id"],
    "chain": ["for_name", "inject", "inject_as", "inject_env", "inject_env_from"],
}


def variant(marker, typing=True):
    """The source as the user has it at `marker`: while typing, that line ends at the marker (`c.`);
    while editing, the line is complete and the cursor sits at the marker. Every other marker is
    removed. Returns (text, (line, column))."""
    lines = []
    at = None
    for n, line in enumerate(SRC.split("\n")):
        if marker in line:
            at = (n, line.index(marker))
            line = line[: line.index(marker)] if typing else line
        for m in MARKERS:
            line = line.replace(m, "")
        lines.append(line)
    return "\n".join(lines), at


def main():
    src, _ = variant("no marker")
    os.makedirs(os.path.join(work, "src"))
    with open(os.path.join(work, "Cargo.toml"), "w") as f:
        f.write(f'[package]\nname = "ra-probe"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n'
                f'[dependencies]\nkubricate = {{ path = "{root}/kubricate" }}\nserde_json = "1"\n\n[workspace]\n')
    with open(os.path.join(work, "src/main.rs"), "w") as f:
        f.write(src)
    shutil.copy(os.path.join(root, "rust-toolchain.toml"), work)
    # Resolve offline against the workspace's lock file.
    shutil.copy(os.path.join(root, "Cargo.lock"), work)
    ra = subprocess.run(["rustup", "which", "rust-analyzer"], capture_output=True, text=True).stdout.strip()
    if not ra:
        sys.exit("rust-analyzer is not installed for this toolchain: "
                 "rustup component add rust-analyzer rust-src")
    proc = subprocess.Popen([ra], cwd=work, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=open(os.environ.get("RA_STDERR", os.devnull), "w"), env={**os.environ, "RA_LOG": os.environ.get("RA_LOG", "error")})
    lock = threading.Lock()
    replies, quiescent = {}, threading.Event()

    def send(msg):
        body = json.dumps(msg).encode()
        with lock:
            proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            proc.stdin.flush()

    def reader():
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                ch = proc.stdout.read(1)
                if not ch:
                    return
                header += ch
            n = int([l for l in header.decode().split("\r\n") if l.lower().startswith("content-length")][0].split(":")[1])
            msg = json.loads(proc.stdout.read(n))
            if "id" in msg and "method" in msg:  # a request from the server: accept it
                send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            elif "id" in msg:
                replies[msg["id"]] = msg
            elif msg.get("method") == "experimental/serverStatus":
                if os.environ.get("RA_DEBUG"):
                    print("status", msg["params"], file=sys.stderr)
                if msg["params"].get("quiescent"):
                    quiescent.set()
                else:
                    quiescent.clear()

    threading.Thread(target=reader, daemon=True).start()
    uri = "file://" + os.path.join(work, "src/main.rs")
    send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "processId": os.getpid(), "rootUri": "file://" + work,
        "capabilities": {"experimental": {"serverStatusNotification": True},
                         "textDocument": {"completion": {"completionItem": {"snippetSupport": False}}}},
        "initializationOptions": {"checkOnSave": False, "cargo": {"buildScripts": {"enable": True}, "sysrootQueryMetadata": "none"},
                                  "procMacro": {"enable": True}}}})
    while 1 not in replies:
        time.sleep(0.1)
    send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": uri, "languageId": "rust", "version": 1, "text": src}}})
    started = time.time()
    if not quiescent.wait(600):
        sys.exit("rust-analyzer did not finish indexing in 10 minutes")
    time.sleep(2)
    results = {}
    cases = [(m, typing) for typing in (False, True) for m in MARKERS[:6]]
    for i, (m, typing) in enumerate(cases, start=10):
        text, (line, col) = variant(m, typing)
        quiescent.clear()
        send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": i}, "contentChanges": [{"text": text}]}})
        quiescent.wait(20)
        time.sleep(2)
        for attempt in range(5):
            send({"jsonrpc": "2.0", "id": i * 10 + attempt, "method": "textDocument/completion", "params": {
                "textDocument": {"uri": uri}, "position": {"line": line, "character": col}}})
            while i * 10 + attempt not in replies:
                time.sleep(0.1)
            r = replies[i * 10 + attempt].get("result") or []
            items = r["items"] if isinstance(r, dict) else r
            labels = sorted({it["label"].split("(")[0].strip() for it in items})
            if labels:
                break
            time.sleep(3)
        results[(m, typing)] = labels
        if os.environ.get("RA_DEBUG"):
            print(m, line, col, repr(text.splitlines()[line][:col]), labels[:30], file=sys.stderr)
    proc.kill()
    ok = True
    print(f"rust-analyzer {subprocess.run([ra, '--version'], capture_output=True, text=True).stdout.strip()},"
          f" indexed in {time.time() - started:.0f} s\n")
    print("| where | line | completion at | expected methods offered | other labels |")
    print("|---|---|---|---|---|")
    for m, typing in cases:
        which = "injector" if "INJECTOR" in m else "chain"
        place = "`c.|`" if which == "injector" else '`c.secrets("DATABASE_URL").|`'
        inside = {"MACRO": "inside `stack!`", "ATTR": "inside `#[stack_fn]`"}.get(m.split("_")[0], "plain Rust")
        got = results[(m, typing)]
        missing = [e for e in EXPECTED[which] if e not in got]
        ok &= not (missing and not m.startswith("PLAIN"))
        state = "being typed (ends at the cursor)" if typing else "complete (cursor inside it)"
        shown = ", ".join(e if e in got else f"~~{e}~~" for e in EXPECTED[which])
        others = ", ".join(l for l in got if l not in EXPECTED[which])[:200]
        print(f"| {inside} | {state} | {place} | {shown} | {others} |")
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


main()
