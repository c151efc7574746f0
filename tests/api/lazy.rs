//! Stacks declared lazily (`Project::stacks_from`, `Project::stack_source`) behave as the same stacks
//! added one by one with `Project::stack`: every command prints the same bytes, filters select the
//! same stacks and resources, and the same mistakes give the same errors.

use std::sync::{Arc, Mutex};

use kubricate::prelude::*;
use kubricate::strategy::env;
use kubricate::{ConfigProblem, Project, ProjectError, StackSource};

use crate::common::run_project;

fn opaque() -> SecretManager {
    SecretManager::new()
        .connector(InMemoryConnector::new([("A", "a-value"), ("B", "b-value")]))
        .provider(OpaqueSecretProvider::new("app-secrets"))
        .add_secret("A")
        .add_secret("B")
}

fn external() -> SecretManager {
    SecretManager::new()
        .provider(
            ExternalSecretProvider::new("ext-secrets", SecretStoreRef::cluster("vault"))
                .remote("X", RemoteRef::new("shop/x").property("x")),
        )
        .add_secret("X")
}

fn id(i: usize) -> String {
    format!("app-{i}")
}

/// Stack `i`: a SimpleApp using `A` (and `B` on odd stacks, `X` on every third).
fn stack(i: usize, a: &SecretManager, x: &SecretManager) -> Stack {
    let name = id(i);
    let mut s = crate::common::simple_app(&name, &name).use_secrets(a, |c| {
        c.secrets("A").inject();
        if i % 2 == 1 {
            c.secrets("B").inject_as(env().container_index(0));
        }
    });
    if i.is_multiple_of(3) {
        s = s.use_secrets(x, |c| {
            c.secrets("X").inject_as(env().key("X"));
        });
    }
    s
}

fn namespace() -> Stack {
    Stack::from_template(Namespace, NamespaceInput { name: "shop" })
}

/// `n` stacks added one by one, between a Namespace stack before and after.
fn eager(n: usize) -> Project {
    let (a, x) = (opaque(), external());
    let mut project = Project::new().stack("ns", namespace());
    for i in 0..n {
        project = project.stack(id(i), stack(i, &a, &x));
    }
    project
        .stack("last", namespace())
        .secrets_named("team", a)
        .secrets_named("ext", x)
}

/// The same, the `n` stacks declared lazily (the managers shared through an `Arc`).
fn lazy(n: usize) -> Project {
    let (a, x) = (Arc::new(opaque()), Arc::new(external()));
    let (sa, sx) = (Arc::clone(&a), Arc::clone(&x));
    Project::new()
        .stack("ns", namespace())
        .stacks_from(n, id, move |i| stack(i, &sa, &sx))
        .stack("last", namespace())
        .secrets_named("team", a)
        .secrets_named("ext", x)
}

fn same(args: &[&str], eager: &Project, lazy: &Project) {
    let (e, l) = (run_project(eager, args), run_project(lazy, args));
    assert_eq!(e, l, "{args:?}");
}

#[test]
fn every_command_prints_the_same_for_lazy_stacks() {
    let (e, l) = (eager(7), lazy(7));
    assert_eq!(l.stack_count(), 9);
    assert_eq!(
        l.stacks().len(),
        2,
        "only the stacks added one by one are held"
    );
    for args in [
        &["generate", "--stdout"][..],
        &["generate", "--stdout", "--output-mode", "flat"],
        &["generate", "--stdout", "--output-mode", "resource"],
        &[
            "generate",
            "--stdout",
            "--filter",
            "app-3",
            "--filter",
            "app-4.service",
            "--filter",
            "last",
        ],
        &[
            "generate",
            "--stdout",
            "--filter",
            "app-3.nope",
            "--filter",
            "zz",
        ],
        &["secret", "validate"],
        &["secret", "validate", "-o", "json"],
        &["inspect"],
        &["inspect", "-o", "json"],
        &["inspect", "--graph=dot"],
        &["inspect", "--graph=mermaid"],
    ] {
        same(args, &e, &l);
    }
    let validate = run_project(&l, &["secret", "validate"]);
    assert_eq!(validate.0, 0, "{}", validate.2);
    let (code, out, _) = run_project(&l, &["generate", "--stdout"]);
    assert_eq!(code, 0);
    assert!(out.contains("kind: ExternalSecret"), "{out}");
}

#[test]
fn generate_writes_the_same_files_for_lazy_stacks() {
    let mut trees = Vec::new();
    for project in [eager(5), lazy(5)] {
        let dir = crate::common::tempdir();
        let project = project.root(dir.path());
        let (code, _, err) = run_project(&project, &["generate", "--out-dir", "out"]);
        assert_eq!(code, 0, "{err}");
        let mut files: Vec<(String, String)> = crate::common::walk(&dir.path().join("out"))
            .into_iter()
            .map(|p| {
                let text = std::fs::read_to_string(&p).expect("read");
                let rel = p
                    .strip_prefix(dir.path())
                    .expect("inside")
                    .display()
                    .to_string();
                (rel, text)
            })
            .collect();
        files.sort();
        trees.push(files);
    }
    assert_eq!(trees[0], trees[1]);
    assert!(trees[0].len() > 5);
}

#[test]
fn a_lazy_stack_that_does_not_build_fails_as_a_held_one() {
    let broken = |i: usize| {
        let name = id(i);
        let s = crate::common::simple_app(&name, &name);
        if i == 1 {
            s.use_secrets(&opaque(), |c| {
                c.secrets("A").inject_as(env().container_name("nope"));
            })
        } else {
            s
        }
    };
    let held = (0..3).fold(Project::new(), |p, i| p.stack(id(i), broken(i)));
    let made = Project::new().stacks_from(3, id, broken);
    for args in [
        &["generate", "--stdout"][..],
        &["secret", "validate"],
        &["inspect"],
    ] {
        let (e, l) = (run_project(&held, args), run_project(&made, args));
        assert_eq!(e, l, "{args:?}");
    }
    assert_ne!(run_project(&made, &["generate", "--stdout"]).0, 0);
}

#[test]
fn an_id_used_twice_is_a_configuration_error_wherever_it_is() {
    let ids = ["a", "b", "a", "c", "b"];
    let made = Project::new().stacks_from(ids.len(), move |i| ids[i].to_owned(), |_| namespace());
    let err = made.build(&[]).unwrap_err();
    let ProjectError::Config(problems) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(
        problems,
        &[
            ConfigProblem::DuplicateStack { id: "a".into() },
            ConfigProblem::DuplicateStack { id: "b".into() }
        ]
    );
    let held = ids
        .iter()
        .fold(Project::new(), |p, id| p.stack(*id, namespace()));
    assert_eq!(err.to_string(), held.build(&[]).unwrap_err().to_string());
    // Between a held stack and a lazy one, in either order.
    let before =
        Project::new()
            .stack("x", namespace())
            .stacks_from(1, |_| "x".to_owned(), |_| namespace());
    let after = Project::new()
        .stacks_from(1, |_| "x".to_owned(), |_| namespace())
        .stack("x", namespace());
    for p in [before, after] {
        assert!(
            matches!(p.secret_plan(), Err(ProjectError::Config(c)) if c == [ConfigProblem::DuplicateStack { id: "x".into() }])
        );
    }
}

/// A source that counts the stacks it makes: each command makes each stack a known number of
/// times, never holding them (it cannot: they are handed out by value and dropped).
struct Counting {
    made: Mutex<Vec<usize>>,
}

impl StackSource for Counting {
    fn len(&self) -> usize {
        4
    }

    fn id(&self, index: usize) -> String {
        id(index)
    }

    fn stack(&self, index: usize) -> Stack {
        self.made.lock().expect("lock").push(index);
        crate::common::simple_app(&id(index), "img")
    }
}

#[test]
fn a_source_is_asked_for_each_stack_in_order() {
    let source = Arc::new(Counting {
        made: Mutex::new(Vec::new()),
    });
    struct Shared(Arc<Counting>);
    impl StackSource for Shared {
        fn len(&self) -> usize {
            self.0.len()
        }
        fn id(&self, index: usize) -> String {
            self.0.id(index)
        }
        fn stack(&self, index: usize) -> Stack {
            self.0.stack(index)
        }
    }
    let project = Project::new().stack_source(Shared(Arc::clone(&source)));
    let (code, _, err) = run_project(&project, &["generate", "--stdout"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(*source.made.lock().expect("lock"), [0, 1, 2, 3]);
    source.made.lock().expect("lock").clear();
    // A filter by stack id makes only the stacks it selects.
    let (code, _, err) = run_project(&project, &["generate", "--stdout", "--filter", "app-2"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(*source.made.lock().expect("lock"), [2]);
}
