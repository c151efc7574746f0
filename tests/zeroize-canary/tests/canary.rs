//! No copy of a secret value is left in freed memory: every buffer the process frees while kubricate
//! loads, merges, encodes (Opaque and docker config JSON), scrubs, prints (`--dry-run --show-values`)
//! and delivers (the kubectl runner) values is checked by the allocator on deallocation.

use base64::Engine;
use kubricate::prelude::*;
use kubricate::Project;
use zeroize_canary::CanaryAlloc;

#[global_allocator]
static ALLOC: CanaryAlloc = CanaryAlloc::new();

/// A string built in a buffer of exactly its size, so building it frees no partial copy.
fn exact(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .encode(s)
        .into_bytes()
}

/// Overwrites a buffer the test itself filled with a value before it is freed.
fn wipe(mut v: Vec<u8>) {
    v.iter_mut().for_each(|b| *b = 0);
    std::hint::black_box(&v);
}

#[test]
fn no_freed_buffer_holds_a_value() {
    const CANARY: &str = "CANARY-zeroize-7f3a9c1e-Zq7x";
    const PASSWORD: &str = "CANARY-docker-pass-55d2e8b0";
    // Built before arming: building them frees temporaries that hold the canaries.
    let needles = vec![
        CANARY.as_bytes().to_vec(),
        PASSWORD.as_bytes().to_vec(),
        b64(CANARY),
        b64(&exact(&["bot:", PASSWORD])),
    ];
    ALLOC.arm(needles);

    // The detector works: an ordinary String holding the canary is caught when freed.
    drop(exact(&["x", CANARY]));
    assert_eq!(ALLOC.take_found(), 1, "the checking allocator saw nothing");

    let project = || {
        let opaque = SecretManager::new()
            .connector(InMemoryConnector::new([("TOKEN", exact(&[CANARY]))]))
            .provider(OpaqueSecretProvider::new("app-secrets"))
            .add_secret("TOKEN");
        let docker = SecretManager::new()
            .connector(InMemoryConnector::new([(
                "GHCR",
                exact(&[
                    r#"{"username":"bot","password":""#,
                    PASSWORD,
                    r#"","registry":"ghcr.io"}"#,
                ]),
            )]))
            .provider(DockerConfigSecretProvider::new("regcred"))
            .add_secret("GHCR");
        let stack = Stack::from_template(
            SimpleApp,
            SimpleAppInput {
                name: "api",
                image_name: "api",
                ..Default::default()
            },
        )
        .use_secrets(&opaque, |c| {
            c.secrets("TOKEN").inject();
        })
        .use_secrets(&docker, |c| {
            c.secrets("GHCR").inject();
        });
        Project::new()
            .stack("api", stack)
            .secrets_named("app", opaque)
            .secrets_named("registry", docker)
    };

    {
        let project = project();
        // Load, merge, encode.
        let plan = project.secret_plan().unwrap();
        assert_eq!(plan.secrets.len(), 2);
        // Scrubbing text that holds a value.
        let scrubber = kubricate::Scrubber::new(&plan.secrets);
        let text = exact(&["Invalid value: ", CANARY, " and ", PASSWORD, "\n"]);
        let clean = scrubber.scrub(&text);
        assert_eq!(clean, "Invalid value: <redacted> and <redacted>\n");
        wipe(text.into_bytes());
        drop(scrubber);
        drop(plan);

        // The dry run with values shown, through the CLI.
        let mut out = zeroize::Zeroizing::new(Vec::new());
        let mut err = Vec::new();
        let code = project.run(
            ["app", "secret", "apply", "--dry-run", "--show-values"],
            &mut *out,
            &mut err,
        );
        assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
        drop(out);

        // Delivery through a stand-in kubectl that echoes its stdin back (scrubbed by us).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let dir = std::env::temp_dir().join(format!("kubricate-canary-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let kubectl = dir.join("kubectl");
            std::fs::write(&kubectl, "#!/bin/sh\ncat\n").unwrap();
            std::fs::set_permissions(&kubectl, std::fs::Permissions::from_mode(0o755)).unwrap();
            let (_, stdout) = project
                .apply_secrets(&kubricate::KubectlOptions::new(&kubectl))
                .unwrap();
            assert!(stdout.contains("<redacted>"), "{stdout}");
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    let found = ALLOC.take_found();
    ALLOC.disarm();
    assert_eq!(
        found, 0,
        "{found} freed buffer(s) still held a secret value"
    );
}
