//! The secret flow: connectors load values, providers prepare Secret entries, entries are grouped by
//! target Secret and merged under the conflict strategies, and the result is checked against what the
//! stacks reference.
//!
//! A *source* is one provider instance of one manager. Several secrets of one source writing distinct
//! keys is the normal case, not a conflict. Conflicts are:
//! - `intraProvider`: two secrets of one source write the same key;
//! - `crossProvider`: two sources of one manager deliver the same Secret (provider kind, namespace, name);
//! - `crossManager`: sources of different managers deliver the same Secret.
//!
//! Each level has a strategy (see [`ConflictOptions`]). `autoMerge` merges the keys of both sides; the
//! same key from both sides is still an error. `overwrite` keeps the *last declared* side: the later
//! secret in its manager's declaration order, the later provider in its manager's registration order,
//! the later manager in the project's order. Within one Secret, sources of one manager are merged
//! first (crossProvider), then the managers (crossManager).
//!
//! A provider with an explicit namespace delivers its Secret there. Otherwise it delivers into the
//! namespace of every workload its secrets are injected into, so a provider used from two namespaces
//! delivers one Secret into each. A workload without `metadata.namespace` gets a Secret without one
//! (and so does a provider injected nowhere): both land in whatever namespace they are applied to
//! (`kubectl -n X`), which is the only way a pod and its Secret stay together.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::ControlFlow;
use std::rc::Rc;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::connector::ConnectorError;
use crate::declare::manager::{AnySecretManager, ManagerProblem};
use crate::declare::source::EachStack;
use crate::declare::stack::StackError;
use crate::deliver::check::{ReferenceCheck, ReferenceProblem};
use crate::deliver::secret::{DroppedKeys, MergedSecret};
use crate::model::secret_value::{SecretBytes, SecretValue};
use crate::provider::{Delivery, ManifestRequest, Provider, ProviderError, SecretEntry};

/// What to do when a conflict is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConflictStrategy {
    /// Fail, naming both sides.
    #[default]
    Error,
    /// Keep the last declared side, with a warning naming what was dropped.
    Overwrite,
    /// Merge the data keys; the same key from two sides is still an error.
    AutoMerge,
}

impl fmt::Display for ConflictStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConflictStrategy::Error => "error",
            ConflictStrategy::Overwrite => "overwrite",
            ConflictStrategy::AutoMerge => "autoMerge",
        })
    }
}

/// Conflict strategies per level, and strict mode.
///
/// ```
/// use kubricate::{ConflictOptions, ConflictStrategy};
/// let o = ConflictOptions::default();
/// assert_eq!(o.effective().unwrap(), [ConflictStrategy::AutoMerge, ConflictStrategy::Error, ConflictStrategy::Error]);
/// let strict = ConflictOptions { strict: true, ..Default::default() };
/// assert_eq!(strict.effective().unwrap(), [ConflictStrategy::Error; 3]);
/// let bad = ConflictOptions { strict: true, cross_manager: Some(ConflictStrategy::AutoMerge), ..Default::default() };
/// assert!(bad.effective().unwrap_err().to_string().contains("crossManager = autoMerge"));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConflictOptions {
    /// Same key from two secrets of one provider (default `autoMerge`).
    pub intra_provider: Option<ConflictStrategy>,
    /// One Secret from two providers of one manager (default `error`).
    pub cross_provider: Option<ConflictStrategy>,
    /// One Secret from two managers (default `error`).
    pub cross_manager: Option<ConflictStrategy>,
    /// Every level `error`; relaxed settings are rejected.
    pub strict: bool,
}

/// Strict mode together with a relaxed strategy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("conflict strateg{} {} not allowed in strict mode (strict makes every level `error`); remove {} or turn strict off",
    if relaxed.len() == 1 { "y" } else { "ies" },
    relaxed.iter().map(|(l, s)| format!("{l} = {s}")).collect::<Vec<_>>().join(", ") + if relaxed.len() == 1 { " is" } else { " are" },
    if relaxed.len() == 1 { "it" } else { "them" })]
pub struct StrictModeError {
    /// Each relaxed level and its strategy.
    pub relaxed: Vec<(ConflictLevel, ConflictStrategy)>,
}

impl ConflictOptions {
    /// `[intraProvider, crossProvider, crossManager]` after defaults and strict mode.
    pub fn effective(&self) -> Result<[ConflictStrategy; 3], StrictModeError> {
        use ConflictStrategy::*;
        let levels = [
            (ConflictLevel::IntraProvider, self.intra_provider, AutoMerge),
            (ConflictLevel::CrossProvider, self.cross_provider, Error),
            (ConflictLevel::CrossManager, self.cross_manager, Error),
        ];
        let mut out = [Error; 3];
        let mut relaxed = Vec::new();
        for (i, (level, set, default)) in levels.into_iter().enumerate() {
            out[i] = match (self.strict, set) {
                (true, Some(s)) if s != Error => {
                    relaxed.push((level, s));
                    Error
                }
                (true, _) => Error,
                (false, s) => s.unwrap_or(default),
            };
        }
        if relaxed.is_empty() {
            Ok(out)
        } else {
            Err(StrictModeError { relaxed })
        }
    }
}

/// A conflict level; the discriminant indexes the result of [`ConflictOptions::effective`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConflictLevel {
    /// Two secrets of one provider instance write the same key.
    IntraProvider = 0,
    /// Two provider instances of one manager deliver the same Secret.
    CrossProvider = 1,
    /// Two managers deliver the same Secret.
    CrossManager = 2,
}

impl ConflictLevel {
    /// The level's name as the options spell it: `intraProvider`, `crossProvider`, `crossManager`.
    pub fn name(self) -> &'static str {
        match self {
            ConflictLevel::IntraProvider => "intraProvider",
            ConflictLevel::CrossProvider => "crossProvider",
            ConflictLevel::CrossManager => "crossManager",
        }
    }

    /// How to avoid a conflict at this level when its strategy is `error`.
    fn fix(self) -> &'static str {
        match self {
            ConflictLevel::CrossManager => "give each manager's provider its own Secret name (prefix it with the team: `frontend-app-secrets`, `backend-app-secrets`)",
            _ => "give each provider its own Secret name",
        }
    }
}

impl fmt::Display for ConflictLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How to resolve a conflict, in the words of the current settings.
fn hint(level: ConflictLevel, strict: bool) -> String {
    if strict {
        "strict mode makes every conflict an error".to_owned()
    } else if level == ConflictLevel::IntraProvider {
        "or set intraProvider to overwrite".to_owned()
    } else {
        format!("or set the {level} strategy to autoMerge or overwrite")
    }
}

/// One problem of a secret run. Each names the secret, Secret, manager, provider or stack involved
/// and the fix; [`SecretError`] reports them all together.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretProblem {
    /// Strict mode together with a relaxed strategy.
    #[error(transparent)]
    StrictMode(#[from] StrictModeError),
    /// A stack injects a secret of a manager the project does not hold.
    #[error("stack `{stack}` injects secret `{secret}` (Secret `{secret_name}`) from a secret manager that is not part of the project; add that manager with Project::secrets(..), secrets_named(..) or registry(..)")]
    ManagerNotInProject {
        /// The stack id.
        stack: String,
        /// The logical secret.
        secret: String,
        /// The Kubernetes Secret it is delivered in.
        secret_name: String,
    },
    /// A manager is misconfigured.
    #[error("manager `{manager}`: {problem}")]
    Manager {
        /// The manager's name.
        manager: String,
        /// What is wrong.
        #[source]
        problem: ManagerProblem,
    },
    /// A connector failed to load values.
    #[error("manager `{manager}`, connector `{connector}`: {}", error.to_string().replace('\n', "\n  "))]
    Load {
        /// The manager's name.
        manager: String,
        /// The connector id.
        connector: String,
        /// Why (names variables and files, never values).
        #[source]
        error: ConnectorError,
    },
    /// A provider refused a value or its own configuration (names fields, never values).
    #[error("manager `{manager}`: {error}")]
    Provider {
        /// The manager's name.
        manager: String,
        /// What the provider reported.
        #[source]
        error: ProviderError,
    },
    /// A provider that needs no values cannot write its manifests.
    #[error(transparent)]
    Manifests(ProviderError),
    /// A Secret's data that Kubernetes would refuse (a bad key, over 1 MiB).
    #[error(transparent)]
    Data(crate::provider::value::DataProblem),
    /// A problem of the manifests `generate` writes for GitOps providers, in their wording.
    #[error("{0}")]
    Generated(String),
    /// Two secrets of one provider instance write one key (intraProvider `error`).
    #[error("Secret `{secret_name}` {entry} is written by secret `{first}` and by secret `{second}` of {origin}: intraProvider conflict; one Secret key holds one value: give each secret its own provider (Secret name), {}", hint(ConflictLevel::IntraProvider, *strict))]
    SameKey {
        /// The Kubernetes Secret.
        secret_name: String,
        /// How messages name the data entry: ``key `K` ``, or a label without the key where the key
        /// comes from a value (a docker registry host); see `Provider::key_label`.
        entry: String,
        /// The secret declared first.
        first: String,
        /// The secret declared second.
        second: String,
        /// `provider `id` of manager `m``.
        origin: String,
        /// Whether strict mode made it an error.
        strict: bool,
    },
    /// One Secret name delivered by different provider kinds or Secret types.
    #[error("Secret `{}` is delivered by different provider kinds or types: {}; one Secret has one type and cannot be merged across kinds: give one provider another Secret name", crate::deliver::secret::place(namespace.as_deref(), secret_name), deliveries.join("; "))]
    MixedTypes {
        /// The namespace, if it has one.
        namespace: Option<String>,
        /// The Kubernetes Secret's name.
        secret_name: String,
        /// `ProviderType (type `t`) from provider ...`, one per provider type and Secret type.
        deliveries: Vec<String>,
    },
    /// One Secret delivered by two sides whose level's strategy is `error`.
    #[error("Secret `{}` is delivered by {first} and by {second}: {level} conflict; {}, {hint}", crate::deliver::secret::place(namespace.as_deref(), secret_name), level.fix())]
    Conflict {
        /// The level.
        level: ConflictLevel,
        /// The Secret's namespace, if it has one.
        namespace: Option<String>,
        /// The Kubernetes Secret's name.
        secret_name: String,
        /// The side declared first.
        first: String,
        /// The side declared second.
        second: String,
        /// How to resolve it under the current settings: the strategy that would work for these
        /// two sides (or that strict mode forbids relaxing).
        hint: String,
    },
    /// autoMerge, but a provider does not allow its Secret to be merged.
    #[error("Secret `{}` is delivered by {first} and by {second}: {level} conflict; {level} is autoMerge but the provider does not allow merging: give each provider its own Secret name", crate::deliver::secret::place(namespace.as_deref(), secret_name))]
    MergeNotAllowed {
        /// The level.
        level: ConflictLevel,
        /// The Secret's namespace, if it has one.
        namespace: Option<String>,
        /// The Kubernetes Secret's name.
        secret_name: String,
        /// The side declared first.
        first: String,
        /// The side declared second.
        second: String,
    },
    /// autoMerge of two sides that write the same key.
    #[error("Secret `{}` {entry} is written twice: by secret `{first}` ({first_origin}) and by secret `{second}` ({second_origin}); one Secret key holds one value: rename one secret or give one provider another Secret name", crate::deliver::secret::place(namespace.as_deref(), secret_name))]
    KeyWrittenTwice {
        /// The Secret's namespace, if it has one.
        namespace: Option<String>,
        /// The Kubernetes Secret's name.
        secret_name: String,
        /// How messages name the data entry: ``key `K` ``, or a label without the key where the key
        /// comes from a value (a docker registry host); see `Provider::key_label`.
        entry: String,
        /// The first secret.
        first: String,
        /// Where it comes from.
        first_origin: String,
        /// The second secret.
        second: String,
        /// Where it comes from.
        second_origin: String,
    },
    /// A stack failed to build for the cross-check.
    #[error(transparent)]
    Stack(#[from] StackError),
    /// A reference of the manifests that the delivered Secrets do not satisfy.
    #[error(transparent)]
    Reference(#[from] ReferenceProblem),
}

/// A finding that does not stop a secret run; `secret validate` and `secret apply` print each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretWarning {
    /// A connector's finding while loading (a `.env` key set twice), naming lines, never values.
    #[error("manager `{manager}`, connector `{connector}`: {warning}")]
    Connector {
        /// The manager's name.
        manager: String,
        /// The connector's id.
        connector: String,
        /// The connector's words.
        warning: String,
    },
    /// A secret of a manager that no stack injects.
    #[error("manager `{manager}`: secret `{secret}` is registered but injected into no stack")]
    NotInjected {
        /// The manager's name.
        manager: String,
        /// The logical secret.
        secret: String,
    },
    /// intraProvider `overwrite`: the later secret's value is kept for a key.
    #[error("Secret `{secret_name}` {entry} is written by secret `{dropped}` and by secret `{kept}` of {origin}: intraProvider conflict; overwrite keeps secret `{kept}`")]
    KeyOverwritten {
        /// The Kubernetes Secret's name.
        secret_name: String,
        /// How messages name the data entry: ``key `K` ``, or a label without the key where the key
        /// comes from a value (a docker registry host); see `Provider::key_label`.
        entry: String,
        /// The secret whose value was dropped (declared first).
        dropped: String,
        /// The secret whose value is kept (declared last).
        kept: String,
        /// `provider `id` of manager `m``.
        origin: String,
    },
    /// crossProvider or crossManager `overwrite`: the later side is kept whole.
    #[error("Secret `{}` is delivered by {dropped} and by {kept}: {level} conflict; overwrite keeps {kept} and drops {dropped}", crate::deliver::secret::place(namespace.as_deref(), secret_name))]
    SideOverwritten {
        /// The level.
        level: ConflictLevel,
        /// The Secret's namespace, if it has one.
        namespace: Option<String>,
        /// The Kubernetes Secret's name.
        secret_name: String,
        /// The side kept (declared last).
        kept: String,
        /// The side dropped.
        dropped: String,
    },
}

/// The outcome of a secret run: Secrets to apply and warnings.
#[derive(Debug, Default)]
pub struct SecretPlan {
    /// Merged Secrets to apply, ordered by namespace then name.
    pub secrets: Vec<MergedSecret>,
    /// Secrets a controller makes from the manifests `generate` writes (ExternalSecret,
    /// SealedSecret); nothing to apply. Ordered by namespace then name.
    pub generated: Vec<GeneratedSecret>,
    /// Non-fatal findings (dropped sources, unused secrets).
    pub warnings: Vec<SecretWarning>,
    /// How many Secret references of the generated manifests were checked.
    pub references_checked: usize,
}

/// A Secret delivered through manifests written by `generate` (see
/// [`Delivery::GeneratedManifests`](crate::provider::Delivery)). Holds names only, never values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedSecret {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// `type`.
    pub secret_type: String,
    /// The provider kind whose manifests make it (`ExternalSecretProvider`).
    pub provider: &'static str,
    /// Its `data` keys.
    pub keys: Vec<String>,
}

/// Every problem found, reported together, with the warnings of the same run: a warning (a side
/// dropped by an `overwrite`) is often the cause of a problem (a reference to a dropped key).
#[derive(Debug, thiserror::Error)]
#[error("{} secret problem(s):\n{}{}", problems.len(), problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"), show_warnings(warnings))]
pub struct SecretError {
    /// Each problem.
    pub problems: Vec<SecretProblem>,
    /// The warnings of the failed run (the same as [`SecretPlan::warnings`] of a run that succeeds).
    pub warnings: Vec<SecretWarning>,
}

fn show_warnings(warnings: &[SecretWarning]) -> String {
    if warnings.is_empty() {
        return String::new();
    }
    let list: Vec<String> = warnings.iter().map(|w| format!("  - {w}")).collect();
    format!("\nand {} warning(s):\n{}", warnings.len(), list.join("\n"))
}

/// One `data` entry and where it came from (for messages: names only).
#[derive(Clone)]
struct Entry {
    value: SecretBytes,
    secret: String,
    /// The label of its source, shared by all its entries: thousands of secrets are thousands of
    /// entries, and the label only appears in messages.
    source: Rc<str>,
}

/// One provider instance of one manager, with the entries its secrets prepared.
#[derive(Clone)]
struct Source<'a> {
    manager: &'a str,
    manager_id: u64,
    provider_id: &'a str,
    provider: Arc<dyn Provider>,
    entries: IndexMap<String, Entry>,
    /// `provider `p` of manager `m``, for messages.
    label: Rc<str>,
}

impl Source<'_> {
    fn label(&self) -> &str {
        &self.label
    }
}

/// Sources merged so far for one Secret.
struct Side {
    labels: Vec<String>,
    sources: Vec<String>,
    entries: IndexMap<String, Entry>,
    allow_merge: bool,
    /// The first source's provider, which names keys in messages.
    provider: Arc<dyn Provider>,
}

impl Side {
    fn of(source: Source<'_>) -> Side {
        Side {
            labels: vec![source.label().to_owned()],
            sources: vec![format!("{}/{}", source.manager, source.provider_id)],
            allow_merge: source.provider.allow_merge(),
            provider: Arc::clone(&source.provider),
            entries: source.entries,
        }
    }
    fn describe(&self) -> String {
        self.labels.join(" and ")
    }
}

/// `(provider kind, Secret type, namespace, name)`.
type GroupKey = (&'static str, String, Option<String>, String);

struct Run {
    strategies: [ConflictStrategy; 3],
    strict: bool,
    problems: Vec<SecretProblem>,
    warnings: Vec<SecretWarning>,
    dropped: DroppedKeys,
}

impl Run {
    fn strategy(&self, level: ConflictLevel) -> ConflictStrategy {
        self.strategies[level as usize]
    }

    /// How to resolve a conflict between `prev` and `next`, in the words of the current settings:
    /// the strategy that would work for these two sides, not every strategy there is.
    fn hint(&self, level: ConflictLevel, prev: &Side, next: &Side) -> String {
        if self.strict {
            return "strict mode makes every conflict an error".to_owned();
        }
        let shared: Vec<String> = next
            .entries
            .keys()
            .filter(|k| prev.entries.contains_key(*k))
            .map(|k| format!("`{k}`"))
            .collect();
        let level = level.name();
        if shared.is_empty() {
            format!(
                "or set the {level} strategy to autoMerge: the two sides write different keys, which autoMerge delivers together (overwrite would keep only {} and drop the keys of {})",
                next.describe(),
                prev.describe()
            )
        } else {
            format!(
                "or set the {level} strategy to overwrite to keep only {}: both sides write key(s) {}, which autoMerge refuses",
                next.describe(),
                shared.join(", ")
            )
        }
    }
}

/// Loads, prepares, merges and cross-checks the secrets of `managers` used by `stacks`.
///
/// References to the Secret names in `external` (created outside kubricate) are not checked.
/// Users reach this through [`Project::secret_plan`](crate::Project::secret_plan); the unit tests call it
/// directly.
///
/// `stacks` is walked twice, one stack at a time: for what they use (their declarations), then for
/// the cross-check (each stack built, its references checked, then dropped), so that memory does
/// not grow with the number of stacks.
pub(crate) fn plan_secrets<S: EachStack + ?Sized>(
    managers: &[(String, &AnySecretManager)],
    stacks: &S,
    conflict: &ConflictOptions,
    external: &[String],
) -> Result<SecretPlan, SecretError> {
    let strategies = conflict.effective().map_err(|e| SecretError {
        problems: vec![e.into()],
        warnings: Vec::new(),
    })?;
    let mut run = Run {
        strategies,
        strict: conflict.strict,
        problems: Vec::new(),
        warnings: Vec::new(),
        dropped: IndexMap::new(),
    };
    let usage = Usage::of(managers, stacks, &mut run);

    let mut groups: IndexMap<GroupKey, Vec<Source<'_>>> = IndexMap::new();
    for (name, manager) in managers {
        for source in load_sources(name, manager, &usage, &mut run) {
            let provider = Arc::clone(&source.provider);
            let namespaces = match provider.namespace() {
                Some(ns) => vec![Some(ns.to_owned())],
                None => usage
                    .namespaces
                    .get(&(manager.id, source.provider_id.to_owned()))
                    .cloned()
                    .unwrap_or_else(|| vec![None]),
            };
            // A copy per extra namespace only: the source holds every prepared value.
            let count = namespaces.len();
            let mut source = Some(source);
            for (i, ns) in namespaces.into_iter().enumerate() {
                let key = (
                    provider.info().kind,
                    provider.secret_type().to_owned(),
                    ns,
                    provider.secret_name().to_owned(),
                );
                let this = if i + 1 < count {
                    source.clone()
                } else {
                    source.take()
                };
                groups.entry(key).or_default().extend(this);
            }
        }
    }
    one_kind_per_secret(&groups, &mut run);

    // Delivery kinds: applied Secrets are merged for `secret apply`; the others are only checked
    // against (their values, if any were loaded, are dropped here).
    let mut secrets: Vec<MergedSecret> = Vec::new();
    let mut generated: Vec<MergedSecret> = Vec::new();
    let mut generated_by: Vec<&'static str> = Vec::new();
    for (key, sources) in groups {
        let Some(provider) = sources.first().map(|s| Arc::clone(&s.provider)) else {
            continue;
        };
        // Secret names, for the configuration check below (not needed for applied Secrets).
        let names: Vec<String> = if provider.delivery() == Delivery::AppliedSecret {
            Vec::new()
        } else {
            sources
                .iter()
                .flat_map(|s| s.entries.values().map(|e| e.secret.clone()))
                .collect()
        };
        let Some(mut merged) = merge_group(key, sources, &mut run) else {
            continue;
        };
        match provider.delivery() {
            Delivery::AppliedSecret => secrets.push(merged),
            _ => {
                // Configuration errors show here too, not only in `generate`: render the
                // manifests of providers that need no values and throw them away.
                if !provider.delivery().needs_values() {
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    let empty = BTreeMap::new();
                    let ns = merged.namespace.as_deref().unwrap_or("default");
                    let request = ManifestRequest::new(ns, &names, &empty);
                    if let Err(e) = provider.manifests(&request) {
                        run.problems.push(SecretProblem::Manifests(e));
                    }
                }
                for v in merged.data.values_mut() {
                    *v = SecretBytes::from(Vec::new());
                }
                generated_by.push(provider.info().kind);
                generated.push(merged);
            }
        }
    }
    secrets.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    for s in &secrets {
        let id = s.place();
        run.problems.extend(
            crate::provider::value::check_secret_data(&id, &s.data)
                .into_iter()
                .map(SecretProblem::Data),
        );
    }
    let applied = secrets.len();

    // A reference check against Secrets that failed to load would only repeat those failures.
    let mut references_checked = 0;
    if run.problems.is_empty() {
        // Every delivered Secret answers references, whoever makes it; External providers that
        // do not know their keys are trusted by name, like Project::external_secret.
        let mut external = external.to_vec();
        external.extend(usage.unchecked_external.iter().cloned());
        secrets.extend(generated.iter().map(|g| {
            MergedSecret {
                name: g.name.clone(),
                namespace: g.namespace.clone(),
                secret_type: g.secret_type.clone(),
                data: g
                    .data
                    .keys()
                    .map(|k| (k.clone(), SecretBytes::from(Vec::new())))
                    .collect(),
                sources: g.sources.clone(),
            }
        }));
        // Stacks that do not build are reported first, then the references of those that do.
        let mut broken: Vec<SecretProblem> = Vec::new();
        let mut check = ReferenceCheck::new(&secrets, &external, &run.dropped);
        let _ = stacks.each_stack(&mut |id, stack| {
            match stack.build() {
                Ok(resources) => check.stack(id, &resources),
                Err(mut e) => {
                    e.id = Some(id.to_owned());
                    broken.push(e.into());
                }
            }
            ControlFlow::Continue(())
        });
        let (dangling, checked) = check.finish();
        secrets.truncate(applied);
        run.problems.extend(broken);
        run.problems
            .extend(dangling.into_iter().map(SecretProblem::from));
        references_checked = checked;
    }
    let mut generated: Vec<GeneratedSecret> = generated
        .into_iter()
        .zip(generated_by)
        .map(|(g, provider)| GeneratedSecret {
            keys: g.data.into_keys().collect(),
            name: g.name,
            // `generate` writes objects for a controller (ExternalSecret, SealedSecret) into `default`
            // for workloads without a namespace (a SealedSecret is sealed for its namespace).
            namespace: g.namespace.unwrap_or_else(|| "default".to_owned()),
            secret_type: g.secret_type,
            provider,
        })
        .collect();
    generated.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    if run.problems.is_empty() {
        Ok(SecretPlan {
            secrets,
            generated,
            warnings: run.warnings,
            references_checked,
        })
    } else {
        Err(SecretError {
            problems: run.problems,
            warnings: run.warnings,
        })
    }
}

/// What the stacks use: namespaces per (manager, provider), injected secrets per manager, and the
/// Secret names resources other than workloads reference (an Ingress's TLS Secret is used though no
/// secret of it is injected).
struct Usage {
    namespaces: IndexMap<(u64, String), Vec<Option<String>>>,
    injected: IndexMap<(u64, String), ()>,
    referenced: std::collections::HashSet<String>,
    /// Secret names of External providers that do not declare their keys: trusted by name.
    unchecked_external: Vec<String>,
}

impl Usage {
    fn of<S: EachStack + ?Sized>(
        managers: &[(String, &AnySecretManager)],
        stacks: &S,
        run: &mut Run,
    ) -> Usage {
        let mut usage = Usage {
            namespaces: IndexMap::new(),
            injected: IndexMap::new(),
            referenced: Default::default(),
            unchecked_external: Vec::new(),
        };
        for (_, manager) in managers {
            for (name, _) in &manager.secrets {
                if let Ok((_, p)) = manager.provider_for(name) {
                    if p.delivery() == Delivery::External
                        && p.declared_keys(name).is_none()
                        && !usage
                            .unchecked_external
                            .iter()
                            .any(|n| n == p.secret_name())
                    {
                        usage.unchecked_external.push(p.secret_name().to_owned());
                    }
                }
            }
        }
        let _ = stacks.each_stack(&mut |stack_id, stack| {
            for r in stack.non_workload_resources() {
                usage.referenced.extend(
                    crate::deliver::check::resource_references(&r)
                        .into_iter()
                        .map(|r| r.secret_name),
                );
            }
            let mut reported = Vec::new();
            for inj in stack.injections() {
                if !managers.iter().any(|(_, m)| m.id == inj.manager_id()) {
                    if !reported.contains(&inj.manager_id()) {
                        reported.push(inj.manager_id());
                        run.problems.push(SecretProblem::ManagerNotInProject {
                            stack: stack_id.to_owned(),
                            secret: inj.secret().to_owned(),
                            secret_name: inj.provider().secret_name().to_owned(),
                        });
                    }
                    continue;
                }
                let ns = stack
                    .resource_namespace(inj.resource_id())
                    .map(str::to_owned);
                let list = usage
                    .namespaces
                    .entry((inj.manager_id(), inj.provider_id().to_owned()))
                    .or_default();
                if !list.contains(&ns) {
                    list.push(ns);
                }
                usage
                    .injected
                    .insert((inj.manager_id(), inj.secret().to_owned()), ());
            }
            ControlFlow::Continue(())
        });
        usage
    }
}

/// Loads a manager's secrets (one pass per connector) and prepares them into sources, in provider
/// registration order, resolving intraProvider conflicts.
fn load_sources<'a>(
    manager_name: &'a str,
    manager: &'a AnySecretManager,
    usage: &Usage,
    run: &mut Run,
) -> Vec<Source<'a>> {
    if let Err(problems) = manager.validate() {
        run.problems
            .extend(problems.into_iter().map(|problem| SecretProblem::Manager {
                manager: manager_name.to_owned(),
                problem,
            }));
        return Vec::new();
    }
    for provider in manager.providers.values() {
        if let Err(error) = provider.check_config() {
            run.problems.push(SecretProblem::Provider {
                manager: manager_name.to_owned(),
                error,
            });
        }
    }
    let mut to_load = Vec::new();
    for name in manager.secrets.keys() {
        if manager.needs_values(name) {
            to_load.push(name.as_str());
        }
        let referenced = || {
            manager
                .provider_for(name)
                .is_ok_and(|(_, p)| usage.referenced.contains(p.secret_name()))
        };
        if !usage.injected.contains_key(&(manager.id, name.clone())) && !referenced() {
            run.warnings.push(SecretWarning::NotInjected {
                manager: manager_name.to_owned(),
                secret: name.clone(),
            });
        }
    }
    let values = load_values_reporting(
        manager_name,
        manager,
        &to_load,
        &mut run.problems,
        &mut run.warnings,
    );

    let mut sources: IndexMap<&str, Source<'a>> = IndexMap::new();
    // Declaration order, not load order: "last declared" must not depend on which connector loads.
    for secret in manager.secrets.keys() {
        let Ok((pid, provider)) = manager.provider_for(secret) else {
            continue;
        };
        let entries = if provider.delivery().needs_values() {
            let Some(value) = values.get(secret) else {
                continue;
            };
            match provider.prepare(secret, value) {
                Ok(e) => e,
                Err(error) => {
                    run.problems.push(SecretProblem::Provider {
                        manager: manager_name.to_owned(),
                        error,
                    });
                    continue;
                }
            }
        } else {
            // No value: the entries are the keys the provider declares (empty placeholders).
            let Some(keys) = provider.declared_keys(secret) else {
                continue;
            };
            keys.into_iter()
                .map(|key| SecretEntry {
                    key,
                    value: SecretBytes::from(Vec::new()),
                })
                .collect()
        };
        let source = sources.entry(pid).or_insert_with(|| Source {
            manager: manager_name,
            manager_id: manager.id,
            provider_id: pid,
            provider: Arc::clone(provider),
            entries: IndexMap::new(),
            label: format!("provider `{pid}` of manager `{manager_name}`").into(),
        });
        for entry in entries {
            let Some(first) = source.entries.get(&entry.key) else {
                source.entries.insert(
                    entry.key,
                    Entry {
                        value: entry.value,
                        secret: secret.clone(),
                        source: Rc::clone(&source.label),
                    },
                );
                continue;
            };
            let entry_label = provider.key_label(&entry.key);
            match run.strategy(ConflictLevel::IntraProvider) {
                ConflictStrategy::Overwrite => {
                    run.warnings.push(SecretWarning::KeyOverwritten {
                        secret_name: provider.secret_name().to_owned(),
                        entry: entry_label,
                        dropped: first.secret.clone(),
                        kept: secret.clone(),
                        origin: source.label().to_owned(),
                    });
                    let label = Rc::clone(&source.label);
                    source.entries.insert(
                        entry.key,
                        Entry {
                            value: entry.value,
                            secret: secret.clone(),
                            source: label,
                        },
                    );
                }
                ConflictStrategy::Error | ConflictStrategy::AutoMerge => {
                    run.problems.push(SecretProblem::SameKey {
                        secret_name: provider.secret_name().to_owned(),
                        entry: entry_label,
                        first: first.secret.clone(),
                        second: secret.clone(),
                        origin: source.label().to_owned(),
                        strict: run.strict,
                    });
                }
            }
        }
    }
    let mut out: Vec<Source<'a>> = sources.into_values().collect();
    out.sort_by_key(|s| manager.providers.get_index_of(s.provider_id));
    out
}

/// Loads the values of `names` (one pass per connector); every connector failure becomes a problem.
pub(crate) fn load_values(
    manager_name: &str,
    manager: &AnySecretManager,
    names: &[&str],
    problems: &mut Vec<SecretProblem>,
) -> IndexMap<String, SecretValue> {
    load_values_reporting(manager_name, manager, names, problems, &mut Vec::new())
}

/// [`load_values`], also collecting the connectors' warnings (a `.env` key set twice).
pub(crate) fn load_values_reporting(
    manager_name: &str,
    manager: &AnySecretManager,
    names: &[&str],
    problems: &mut Vec<SecretProblem>,
    warnings: &mut Vec<SecretWarning>,
) -> IndexMap<String, SecretValue> {
    let mut by_connector: IndexMap<&str, Vec<&str>> = IndexMap::new();
    for name in names {
        if let Ok((cid, _)) = manager.connector_for(name) {
            by_connector.entry(cid).or_default().push(name);
        }
    }
    let mut values = IndexMap::new();
    for (cid, names) in &by_connector {
        let Some(connector) = manager.connectors.get(*cid) else {
            continue;
        };
        let mut found = Vec::new();
        let loaded = connector.load_reporting(names, &mut found);
        warnings.extend(found.into_iter().map(|warning| SecretWarning::Connector {
            manager: manager_name.to_owned(),
            connector: (*cid).to_owned(),
            warning,
        }));
        match loaded {
            Ok(v) => values.extend(v),
            Err(error) => problems.push(SecretProblem::Load {
                manager: manager_name.to_owned(),
                connector: (*cid).to_owned(),
                error,
            }),
        }
    }
    values
}

/// One Secret name in one namespace can come from one provider kind with one type only.
fn one_kind_per_secret(groups: &IndexMap<GroupKey, Vec<Source<'_>>>, run: &mut Run) {
    let mut seen: IndexMap<(Option<&str>, &str), Vec<String>> = IndexMap::new();
    for ((kind, ty, ns, name), sources) in groups {
        let label = format!(
            "{kind} (type `{ty}`) from {}",
            sources
                .iter()
                .map(Source::label)
                .collect::<Vec<_>>()
                .join(" and ")
        );
        seen.entry((ns.as_deref(), name)).or_default().push(label);
    }
    for ((ns, name), kinds) in seen {
        if kinds.len() > 1 {
            run.problems.push(SecretProblem::MixedTypes {
                namespace: ns.map(str::to_owned),
                secret_name: name.to_owned(),
                deliveries: kinds,
            });
        }
    }
}

/// Merges the sources of one Secret: sources of one manager first (crossProvider), then managers
/// (crossManager).
fn merge_group(
    (_, secret_type, ns, name): GroupKey,
    sources: Vec<Source<'_>>,
    run: &mut Run,
) -> Option<MergedSecret> {
    let provider = Arc::clone(&sources.first()?.provider);
    let mut by_manager: IndexMap<u64, Option<Side>> = IndexMap::new();
    for source in sources {
        let slot = by_manager.entry(source.manager_id).or_default();
        merge_side(
            slot,
            Side::of(source),
            ConflictLevel::CrossProvider,
            (&ns, &name),
            run,
        );
    }
    let mut merged: Option<Side> = None;
    for side in by_manager.into_values().flatten() {
        merge_side(
            &mut merged,
            side,
            ConflictLevel::CrossManager,
            (&ns, &name),
            run,
        );
    }
    if let (Some(m), Some(keys)) = (
        merged.as_ref(),
        run.dropped.get_mut(&(ns.clone(), name.clone())),
    ) {
        // A key one overwrite dropped and a later side wrote again is not missing.
        keys.retain(|key, _| !m.entries.contains_key(key));
    }
    let merged = merged?;
    let entries: IndexMap<String, SecretBytes> = merged
        .entries
        .into_iter()
        .map(|(k, e)| (k, e.value))
        .collect();
    Some(MergedSecret {
        data: provider.encode(&entries),
        name,
        namespace: ns,
        secret_type,
        sources: merged.sources,
    })
}

fn merge_side(
    acc: &mut Option<Side>,
    next: Side,
    level: ConflictLevel,
    (namespace, secret_name): (&Option<String>, &str),
    run: &mut Run,
) {
    let Some(prev) = acc else {
        *acc = Some(next);
        return;
    };
    match run.strategy(level) {
        ConflictStrategy::Error => {
            let hint = run.hint(level, prev, &next);
            run.problems.push(SecretProblem::Conflict {
                level,
                namespace: namespace.clone(),
                secret_name: secret_name.to_owned(),
                first: prev.describe(),
                second: next.describe(),
                hint,
            });
        }
        ConflictStrategy::Overwrite => {
            run.warnings.push(SecretWarning::SideOverwritten {
                level,
                namespace: namespace.clone(),
                secret_name: secret_name.to_owned(),
                kept: next.describe(),
                dropped: prev.describe(),
            });
            let dropped = run
                .dropped
                .entry((namespace.clone(), secret_name.to_owned()))
                .or_default();
            for (key, entry) in &prev.entries {
                if !next.entries.contains_key(key) {
                    dropped.insert(
                        key.clone(),
                        format!(
                            "the {} overwrite dropped it: Secret `{}` is delivered by {} and by {}, and overwrite keeps only {}, which does not write key `{key}` (secret `{}` of {} does); set {} to autoMerge to keep the keys of both sides, or give each side's provider its own Secret name",
                            level.name(),
                            crate::deliver::secret::place(namespace.as_deref(), secret_name),
                            prev.describe(),
                            next.describe(),
                            next.describe(),
                            entry.secret,
                            entry.source,
                            level.name()
                        ),
                    );
                }
            }
            *prev = next;
        }
        ConflictStrategy::AutoMerge if !(prev.allow_merge && next.allow_merge) => {
            run.problems.push(SecretProblem::MergeNotAllowed {
                level,
                namespace: namespace.clone(),
                secret_name: secret_name.to_owned(),
                first: prev.describe(),
                second: next.describe(),
            });
        }
        ConflictStrategy::AutoMerge => {
            for (key, entry) in next.entries {
                match prev.entries.get(&key) {
                    Some(first) => run.problems.push(SecretProblem::KeyWrittenTwice {
                        namespace: namespace.clone(),
                        secret_name: secret_name.to_owned(),
                        entry: prev.provider.key_label(&key),
                        first: first.secret.clone(),
                        first_origin: first.source.to_string(),
                        second: entry.secret,
                        second_origin: entry.source.to_string(),
                    }),
                    None => {
                        prev.entries.insert(key, entry);
                    }
                }
            }
            prev.labels.extend(next.labels);
            prev.sources.extend(next.sources);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    fn stack_using(manager: &SecretManager, secrets: &[&str]) -> Stack {
        Stack::from_template(
            SimpleApp,
            SimpleAppInput {
                name: "web",
                image_name: "web",
                ..Default::default()
            },
        )
        .use_secrets(manager, |c| {
            for s in secrets {
                c.secrets(*s).inject();
            }
        })
    }

    #[test]
    fn distinct_keys_of_one_source_are_not_a_conflict_even_when_strict() {
        let m = SecretManager::new()
            .connector(InMemoryConnector::new([("A", "1"), ("B", "2")]))
            .provider(OpaqueSecretProvider::new("app"))
            .add_secret("A")
            .add_secret("B");
        let s = stack_using(&m, &["A", "B"]);
        let strict = ConflictOptions {
            strict: true,
            ..Default::default()
        };
        let plan = plan_secrets(
            &[("m".into(), m.as_any())],
            &[("web".into(), &s)],
            &strict,
            &[],
        )
        .unwrap();
        assert_eq!(plan.secrets.len(), 1);
        assert_eq!(plan.secrets[0].data.keys().collect::<Vec<_>>(), ["A", "B"]);
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
        assert_eq!(plan.references_checked, 2);
        // The plan reads the stack's declarations without keeping them unpacked in it (a held
        // stack would grow by its resources on every `secret validate`).
        assert!(!s.is_unpacked());
    }

    #[test]
    fn overwrite_follows_declaration_order_not_connector_order() {
        // Loading goes connector by connector (A and C, then B); "last declared" must still mean C.
        let m = SecretManager::new()
            .connector_as(
                "c1",
                InMemoryConnector::new([("A", r#"{"other":"a"}"#), ("C", r#"{"token":"from-c"}"#)]),
            )
            .connector_as(
                "c2",
                InMemoryConnector::new([("B", r#"{"token":"from-b"}"#)]),
            )
            .default_connector("c1")
            .provider(CustomTypeSecretProvider::new("creds", "example.com/creds"))
            .add_secret("A")
            .add_secret(crate::SecretSpec::new("B").connector("c2"))
            .add_secret("C");
        let s = Stack::from_template(
            SimpleApp,
            SimpleAppInput {
                name: "web",
                image_name: "web",
                ..Default::default()
            },
        )
        .use_secrets(&m, |c| {
            c.secrets("A")
                .inject_as(crate::model::strategy::env().key("token"));
        });
        let o = ConflictOptions {
            intra_provider: Some(ConflictStrategy::Overwrite),
            ..Default::default()
        };
        let plan =
            plan_secrets(&[("m".into(), m.as_any())], &[("web".into(), &s)], &o, &[]).unwrap();
        assert_eq!(plan.secrets[0].data["token"].expose(), b"from-c");
        let overwritten: Vec<&SecretWarning> = plan
            .warnings
            .iter()
            .filter(|w| {
                matches!(w, SecretWarning::KeyOverwritten { entry, dropped, kept, .. }
                if entry == "key `token`" && dropped == "B" && kept == "C")
            })
            .collect();
        assert_eq!(overwritten.len(), 1, "{:?}", plan.warnings);
        let text = overwritten[0].to_string();
        assert!(
            text.contains("written by secret `B` and by secret `C`")
                && text.ends_with("overwrite keeps secret `C`"),
            "{text}"
        );
    }

    #[test]
    fn a_manager_missing_from_the_project_is_named() {
        let m = SecretManager::new()
            .connector(InMemoryConnector::new([("A", "1")]))
            .provider(OpaqueSecretProvider::new("app"))
            .add_secret("A");
        let s = stack_using(&m, &["A"]);
        let err =
            plan_secrets(&[], &[("web".into(), &s)], &ConflictOptions::default(), &[]).unwrap_err();
        assert_eq!(err.problems.len(), 1, "{err}");
        assert!(
            matches!(&err.problems[0], SecretProblem::ManagerNotInProject { stack, secret, secret_name }
                if stack == "web" && secret == "A" && secret_name == "app"),
            "{err}"
        );
        assert!(err.problems[0].to_string().starts_with(
            "stack `web` injects secret `A` (Secret `app`) from a secret manager that is not part of the project"
        ));
    }

    #[test]
    fn one_name_from_two_provider_kinds_is_an_error_whatever_the_strategy() {
        let m = SecretManager::new()
            .connector(InMemoryConnector::new([("A", "1"), ("B", r#"{"k":"v"}"#)]))
            .provider(OpaqueSecretProvider::new("shared"))
            .provider(CustomTypeSecretProvider::new("shared", "Opaque"))
            .default_provider("OpaqueSecretProvider")
            .add_secret("A")
            .add_secret(crate::SecretSpec::new("B").provider("CustomTypeSecretProvider"));
        let s = stack_using(&m, &["A"]);
        let o = ConflictOptions {
            cross_provider: Some(ConflictStrategy::AutoMerge),
            ..Default::default()
        };
        let err =
            plan_secrets(&[("m".into(), m.as_any())], &[("web".into(), &s)], &o, &[]).unwrap_err();
        assert!(
            matches!(&err.problems[0], SecretProblem::MixedTypes { namespace, secret_name, deliveries }
                if namespace.is_none() && secret_name == "shared" && deliveries.len() == 2),
            "{err}"
        );
        assert!(err.problems[0]
            .to_string()
            .starts_with("Secret `shared` is delivered by different provider kinds"));
    }
}
