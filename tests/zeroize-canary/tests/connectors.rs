//! The connectors of issue 15 under the checking allocator: reading `.env` (quoted, escaped and JSON
//! values), files (text, binary, a TLS pair) and a command's output (and its failure, whose stderr
//! echoes the value) frees no buffer that still holds a value. Its own test binary: the allocator is
//! global, and another test running beside this one would free its own values.

use kubricate::{CommandConnector, Connector, EnvConnector, FileConnector};
use zeroize_canary::CanaryAlloc;

#[global_allocator]
static ALLOC: CanaryAlloc = CanaryAlloc::new();

/// Writes `parts` to `path` from a buffer the test wipes afterwards.
fn write(path: &std::path::Path, parts: &[&[u8]]) {
    let mut buf = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        buf.extend_from_slice(p);
    }
    std::fs::write(path, &buf).unwrap();
    buf.iter_mut().for_each(|b| *b = 0);
    std::hint::black_box(&buf);
}

#[test]
fn connectors_free_no_buffer_holding_a_value() {
    const ENV: &str = "CANARY-env-3b8f1d-Zq7x";
    const FILE: &str = "CANARY-file-9a4c2e-Zq7x";
    const CMD: &str = "CANARY-cmd-61f0b7-Zq7x";
    let dir = tempfile_dir();
    let p = |n: &str| dir.join(n);
    // Values are planted before arming; paths and names are not secret.
    write(
        &p(".env"),
        &[
            b"KUBRICATE_SECRET_A=",
            ENV.as_bytes(),
            b"\n",
            b"KUBRICATE_SECRET_B=\"multi\\n",
            ENV.as_bytes(),
            b"\\r\"\n",
            b"KUBRICATE_SECRET_C='{\"password\":\"",
            ENV.as_bytes(),
            b"\"}'\n",
            b"KUBRICATE_SECRET_A=",
            ENV.as_bytes(),
            b"-again\n",
        ],
    );
    write(&p("TEXT"), &[FILE.as_bytes(), b"\n"]);
    write(&p("BIN"), &[b"\xff\xfe", FILE.as_bytes()]);
    write(
        &p("cert"),
        &[b"-----BEGIN CERTIFICATE-----\n", FILE.as_bytes(), b"\n"],
    );
    write(
        &p("key"),
        &[b"-----BEGIN PRIVATE KEY-----\n", FILE.as_bytes(), b"\n"],
    );
    let script = p("tool");
    write(
        &script,
        &[
            b"#!/bin/sh\nif [ \"$1\" = FAIL ]; then printf '%s\\n' ",
            CMD.as_bytes(),
            b"; printf 'echo: %s\\n' ",
            CMD.as_bytes(),
            b" >&2; exit 1; fi\nprintf '%s\\n' ",
            CMD.as_bytes(),
            b"\n",
        ],
    );
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let env = EnvConnector::new()
        .working_dir(&dir)
        .environment(std::iter::empty::<(String, String)>());
    let files = FileConnector::dir(&dir).tls("TLS", p("cert"), p("key"));
    let command =
        CommandConnector::new([script.to_string_lossy().into_owned(), "{name}".to_owned()]);

    ALLOC.arm(vec![
        ENV.as_bytes().to_vec(),
        FILE.as_bytes().to_vec(),
        CMD.as_bytes().to_vec(),
    ]);
    // The detector works.
    drop(format!("x{ENV}"));
    assert_eq!(ALLOC.take_found(), 1, "the checking allocator saw nothing");
    {
        let mut warnings = Vec::new();
        let values = env.load_reporting(&["A", "B", "C"], &mut warnings).unwrap();
        assert_eq!(values.len(), 3);
        assert_eq!(warnings.len(), 1);
        let values = files.load(&["TEXT", "BIN", "TLS"]).unwrap();
        assert_eq!(values.len(), 3);
        let values = command.load(&["OK"]).unwrap();
        assert_eq!(values.len(), 1);
        let err = command.load(&["FAIL"]).unwrap_err().to_string();
        assert!(err.contains("echo: <redacted>"), "{err}");
    }
    let found = ALLOC.take_found();
    ALLOC.disarm();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        found, 0,
        "{found} freed buffer(s) still held a secret value"
    );
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kubricate-canary-connectors-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
