//! Stacks: a set of resources plus the secrets injected into them.

use std::sync::Arc;

use serde_json::Value;

use crate::declare::inject::{apply_patch, InjectionProblem, Injector, PlannedInjection};
use crate::declare::manager::{AnySecretManager, SecretManager};
use crate::declare::secret_set::{Dynamic, SecretSet};
use crate::declare::template::Template;
use crate::model::names::NameError;
use crate::model::packed::{self, PackedMap};
use crate::model::resource::{Manifest, ResourceMap, Resources};
use crate::model::strategy::Strategy;
use crate::model::workload::is_workload_kind;
use crate::provider::check_static;

/// Everything wrong with a stack, reported together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} has {} problem(s):\n{}", self.label(), problems.len(), problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct StackError {
    /// The stack's name.
    pub stack: String,
    /// The id the project registered the stack under, once known.
    pub id: Option<String>,
    /// Each problem, naming the secret, resource and container involved and the fix.
    pub problems: Vec<StackProblem>,
}

impl StackError {
    /// `stack `apiService` (`api-service`)`, or `stack `api-service`` outside a project.
    fn label(&self) -> String {
        match &self.id {
            Some(id) if *id != self.stack && !self.stack.is_empty() => {
                format!("stack `{id}` (`{}`)", self.stack)
            }
            Some(id) => format!("stack `{id}`"),
            None => format!("stack `{}`", self.stack),
        }
    }
}

/// One problem of a stack: of an injection (found when `use_secrets` plans it or the stack is built),
/// an override, or a name the stack would write. Its `Display` is the message (for injections, the
/// words of the compile-time checks of `stack!`); [`StackError`] lists them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StackProblem {
    /// The secret is not declared in the manager's set (the message lists the declared ones).
    #[error("{message}")]
    UnknownSecret {
        /// The secret.
        secret: String,
        /// The manager's message, with the declared names.
        message: String,
    },
    /// A chain without `.inject()`.
    #[error("no injection strategy defined for secret `{secret}`: the chain `c.secrets(\"{secret}\")` never calls `.inject()`; add `.inject()`")]
    MissingInject {
        /// The secret.
        secret: String,
    },
    /// `.inject()` on a provider with several strategies.
    #[error("secret `{secret}`: `.inject()` needs a strategy because `{provider}` supports several: {supported}; name one, e.g. `.inject({example} {{ .. }})`")]
    StrategyNeeded {
        /// The secret.
        secret: String,
        /// The provider type.
        provider: &'static str,
        /// Its strategies, as `stack!` spells them.
        supported: String,
        /// The first of them.
        example: &'static str,
    },
    /// `.inject()` on a volume-only provider: the mount path is not optional.
    #[error("secret `{secret}`: the volume strategy needs a mount path: use `.inject(volume {{ mount_path: \"/etc/...\" }})`")]
    MountPathNeeded {
        /// The secret.
        secret: String,
    },
    /// The provider refused the secret or its strategy (instance not found, Secret name, unsupported
    /// strategy, `key`, mount path, ...): the provider's message.
    #[error("{message}")]
    Provider {
        /// The secret.
        secret: String,
        /// What the provider or the static checks said.
        message: String,
    },
    /// `.into_resource(..)` names no resource of the stack.
    #[error("secret `{secret}`: cannot inject: {message}")]
    UnknownResource {
        /// The secret.
        secret: String,
        /// Which resource, with the available ids.
        message: String,
    },
    /// The target resource has no pod template.
    #[error("secret `{secret}`: resource `{resource}` of stack `{stack}` is a {kind}, which has no pod template; inject into a workload with .into_resource(..)")]
    NotAWorkload {
        /// The secret.
        secret: String,
        /// The resource id.
        resource: String,
        /// The stack's name.
        stack: String,
        /// The resource's kind.
        kind: String,
    },
    /// No resource was given and the stack has no workload or several.
    #[error("{message}")]
    Unresolved {
        /// The secret.
        secret: String,
        /// Why, with the candidates.
        message: String,
    },
    /// The injection cannot be written into its resource (a container that does not exist, a
    /// variable defined twice, ...).
    #[error("secret `{secret}`: {problem}")]
    Injection {
        /// The secret.
        secret: String,
        /// What the injection engine found, with the site and the fix.
        problem: Box<InjectionProblem>,
    },
    /// An injection's resource was removed by an override (`"id": null`).
    #[error("secret `{secret}`: cannot inject into resource `{resource}` of stack `{stack}`: `.override(..)` removed it (`\"{resource}\": null`); inject into another resource or keep this one")]
    ResourceRemoved {
        /// The secret.
        secret: String,
        /// The resource id.
        resource: String,
        /// The stack's name.
        stack: String,
    },
    /// `set_default_resource_id(..)` names no resource of the stack.
    #[error("set_default_resource_id: {message}")]
    UnknownDefaultResource {
        /// The id given.
        resource: String,
        /// Which resource, with the available ids.
        message: String,
    },
    /// `.override(..)` was not given an object keyed by resource id.
    #[error("override expects an object keyed by resource id, e.g. {{ \"service\": {{ \"spec\": {{ .. }} }} }}")]
    OverrideNotAnObject,
    /// `.override(..)` names no resource of the stack.
    #[error("override: {message}")]
    UnknownOverrideResource {
        /// The id given.
        resource: String,
        /// Which resource, with the available ids.
        message: String,
    },
    /// `.override(..)` patches a resource an earlier override removed.
    #[error("override: resource `{resource}` of stack `{stack}` was removed by an earlier override (`\"{resource}\": null`); remove it last, or not at all")]
    OverrideAfterRemoval {
        /// The resource id.
        resource: String,
        /// The stack's name.
        stack: String,
    },
    /// An override left a resource without a field Kubernetes requires.
    #[error("override: stack `{stack}`, resource `{resource}`: `{field}` is missing after the override, and Kubernetes requires it; add it to the override (containers, env, ports, volumes and volumeMounts merge by `name`, so naming an existing item keeps its other fields)")]
    RequiredFieldRemoved {
        /// The stack's name.
        stack: String,
        /// The resource id.
        resource: String,
        /// The missing field (`spec.template.spec.containers`, ...).
        field: String,
    },
    /// A secret's logical name is not a valid environment variable name.
    #[error("secret name `{secret}` {error}")]
    SecretName {
        /// The secret.
        secret: String,
        /// Why it is refused.
        error: NameError,
    },
    /// The env var an injection defines has an invalid name (`for_name(..)`).
    #[error("secret `{secret}`: env var name `{name}` {error}")]
    EnvName {
        /// The secret.
        secret: String,
        /// The variable's name.
        name: String,
        /// Why it is refused.
        error: NameError,
    },
    /// A resource's `metadata.name` (or namespace) is not a valid Kubernetes name.
    #[error("{message}")]
    ResourceName {
        /// The resource id, its kind, the name and why it is refused.
        message: String,
    },
}

/// Resources and the injections planned into them.
///
/// ```
/// use kubricate::prelude::*;
///
/// let manager = SecretManager::new()
///     .connector(InMemoryConnector::new([("DATABASE_URL", "postgres://db")]))
///     .provider(OpaqueSecretProvider::new("app-secrets"))
///     .add_secret("DATABASE_URL");
/// let stack = Stack::from_template(SimpleApp, SimpleAppInput { name: "api", image_name: "api", ..Default::default() })
///     .use_secrets(&manager, |c| {
///         c.secrets("DATABASE_URL").inject();
///     });
/// let built = stack.build().unwrap();
/// let env = &built["deployment"].body()["spec"]["template"]["spec"]["containers"][0]["env"][0];
/// assert_eq!(env["valueFrom"]["secretKeyRef"]["name"], "app-secrets");
/// ```
#[derive(Clone)]
pub struct Stack {
    name: String,
    /// Packed until the stack is built (see `model::packed`): a project holds every stack.
    resources: PackedMap,
    /// [`resources`](Self::resources) unpacked, for callers that ask.
    unpacked: std::sync::OnceLock<ResourceMap>,
    injections: Vec<PlannedInjection>,
    managers: Vec<u64>,
    problems: Vec<StackProblem>,
    /// Resource ids removed by `.override({ "<id>": null })`, for messages.
    removed: Vec<String>,
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stack")
            .field("name", &self.name)
            .field("resources", &self.resource_ids())
            .field("injections", &self.injections)
            .finish_non_exhaustive()
    }
}

impl Stack {
    /// A stack from a template and its input.
    pub fn from_template<T: Template>(template: T, input: T::Input<'_>) -> Stack {
        let name = template.name().to_owned();
        Stack::from_resources(name, template.create(input).into_resources())
    }

    /// A stack from a statically known set of resources (`#[derive(Resources)]`).
    pub fn from_static(name: impl Into<String>, resources: impl Resources) -> Stack {
        Stack::from_resources(name, resources.into_resources())
    }

    /// A stack from resources built at run time; ids are checked when the stack is built.
    pub fn from_resources(name: impl Into<String>, resources: ResourceMap) -> Stack {
        Stack {
            name: name.into(),
            resources: packed::pack(&resources),
            unpacked: std::sync::OnceLock::new(),
            injections: Vec::new(),
            managers: Vec::new(),
            problems: Vec::new(),
            removed: Vec::new(),
        }
    }

    /// The stack's name: the template's name ([`Template::name`], e.g. `SimpleApp`), or the name given
    /// to `from_static` / `from_resources`, or the one set with [`with_name`](Self::with_name). It is
    /// the `kubricate.thaitype.dev/stack-name` annotation of every resource.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sets the stack's name, e.g. to keep an annotation that named the instance rather than the
    /// template (`.with_name("api-service")`: the input's name, which earlier kubricate-rs versions
    /// wrote for `SimpleApp`).
    /// Messages name the stack by it as well.
    ///
    /// ```
    /// use kubricate::prelude::*;
    /// let stack = Stack::from_template(SimpleApp, SimpleAppInput { name: "api-service", image_name: "api", ..Default::default() });
    /// assert_eq!(stack.name(), "SimpleApp");
    /// assert_eq!(stack.with_name("api-service").name(), "api-service");
    /// ```
    pub fn with_name(mut self, name: impl Into<String>) -> Stack {
        self.name = name.into();
        self
    }

    /// Resource ids in declaration order (the reference's `Object.keys(stack.build())`).
    pub fn resource_ids(&self) -> Vec<&str> {
        self.resources.keys().map(String::as_str).collect()
    }

    /// The resources before injection (unpacked on the first call, then kept).
    pub fn resources(&self) -> &ResourceMap {
        self.unpacked
            .get_or_init(|| packed::unpack(&self.resources))
    }

    /// The resources whose kind has no pod template (Service, Ingress, ...), unpacked for the caller
    /// and not kept: `secret validate` reads their Secret references on every stack, and keeping them
    /// (as [`resources`](Self::resources) does) would make every held stack grow.
    pub(crate) fn non_workload_resources(&self) -> impl Iterator<Item = Manifest> + '_ {
        self.resources
            .values()
            .filter(|r| crate::model::workload::pod_spec_path(r.kind()).is_none())
            .map(|r| r.unpack())
    }

    /// Whether [`resources`](Self::resources) has been unpacked and kept.
    #[cfg(test)]
    pub(crate) fn is_unpacked(&self) -> bool {
        self.unpacked.get().is_some()
    }

    /// Whether the stack has a resource `id`.
    pub fn has_resource(&self, id: &str) -> bool {
        self.resources.contains_key(id)
    }

    /// `metadata.namespace` of the resource `id`, if it has one (without unpacking it).
    pub fn resource_namespace(&self, id: &str) -> Option<&str> {
        self.resources.get(id).and_then(|r| r.namespace())
    }

    /// Every planned injection (the reference's `getTargetInjects()`).
    pub fn injections(&self) -> &[PlannedInjection] {
        &self.injections
    }

    /// Managers (by run-time id) whose secrets this stack uses.
    pub fn manager_ids(&self) -> &[u64] {
        &self.managers
    }

    /// The namespace of the stack's workloads: the first `metadata.namespace` set on a resource.
    pub fn namespace(&self) -> Option<&str> {
        self.resources.values().find_map(|r| r.namespace())
    }

    /// Merges `patch` (`{ "<resource id>": { ...partial object... } }`) into the resources,
    /// strategic-merge style: objects merge key by key; `null` removes a field; the lists
    /// `containers`, `initContainers`, `env`, `ports`, `volumes` and `volumeMounts` merge item by item
    /// on `name` when every item has one (so `containers: [{ name: "web", env: [..] }]` keeps the
    /// container's `image`); other lists and scalars are replaced.
    ///
    /// `"<resource id>": null` removes that resource: it is not rendered (no document, no file), and
    /// a secret injected into it is a build error. An id the stack does not have, and a resource left
    /// without a field Kubernetes requires (a container's `name` or `image`, ...), are build errors
    /// naming the stack, the resource and the field.
    ///
    /// ```
    /// use kubricate::prelude::*;
    /// use serde_json::json;
    ///
    /// // `.override(..)` inside `stack!`; `r#override` or `override_with` outside it.
    /// let stack = Stack::from_template(SimpleApp, SimpleAppInput { name: "web", image_name: "web", ..Default::default() })
    ///     .override_with(json!({
    ///         "deployment": { "spec": { "template": { "spec": { "containers": [
    ///             { "name": "web", "env": [{ "name": "MODE", "value": "production" }] }
    ///         ] } } } },
    ///         "service": null
    ///     }));
    /// let built = stack.build().unwrap();
    /// assert_eq!(built.keys().collect::<Vec<_>>(), ["deployment"]);
    /// let web = &built["deployment"].body()["spec"]["template"]["spec"]["containers"][0];
    /// assert_eq!(web["image"], "web");
    /// assert_eq!(web["env"][0]["value"], "production");
    /// ```
    pub fn r#override(mut self, patch: Value) -> Stack {
        let Value::Object(by_id) = patch else {
            self.problems.push(StackProblem::OverrideNotAnObject);
            return self;
        };
        self.unpacked = std::sync::OnceLock::new();
        for (id, part) in by_id {
            if part.is_null() && self.resources.contains_key(&id) {
                // A documented removal: the resource is neither rendered nor written.
                self.resources.shift_remove(&id);
                self.removed.push(id);
                continue;
            }
            match self.resources.get_mut(&id) {
                Some(resource) => {
                    let mut m = resource.unpack();
                    crate::declare::patch::deep_merge(m.body_mut(), part);
                    *resource = packed::PackedResource::pack(&m);
                    let kind = m.kind().to_owned();
                    if let Some(field) = crate::declare::patch::missing_required(&kind, m.body()) {
                        self.problems.push(StackProblem::RequiredFieldRemoved {
                            stack: self.name.clone(),
                            resource: id.clone(),
                            field: field.to_string(),
                        });
                    }
                }
                None if self.removed.contains(&id) => {
                    self.problems.push(StackProblem::OverrideAfterRemoval {
                        resource: id.clone(),
                        stack: self.name.clone(),
                    });
                }
                None => {
                    let message = self.unknown_resource(&id);
                    self.problems.push(StackProblem::UnknownOverrideResource {
                        resource: id.clone(),
                        message,
                    });
                }
            }
        }
        self
    }

    /// Same as [`override`](Self::override), for callers that prefer not to write `r#override`.
    pub fn override_with(self, patch: Value) -> Stack {
        self.r#override(patch)
    }

    fn unknown_resource(&self, id: &str) -> String {
        format!(
            "resource `{id}` not found in stack `{}`; available resource ids: {}. Use one of them (check `stack.resource_ids()`)",
            self.name,
            self.resource_ids().join(", ")
        )
    }

    /// Registers the injections of `manager`'s secrets declared in `f`.
    ///
    /// Problems (unknown secret, unsupported strategy, unknown resource, ...) are reported by
    /// [`build`](Self::build), all together, with the wording of the compile-time checks of `stack!`.
    pub fn use_secrets<S: SecretSet>(
        self,
        manager: &SecretManager<S>,
        f: impl FnOnce(&mut Injector<S>),
    ) -> Stack {
        let mut injector = Injector::<S>::new();
        f(&mut injector);
        self.plan_all(
            manager.as_any(),
            injector.records,
            injector.default_resource,
        )
    }

    /// [`use_secrets`](Self::use_secrets) with a type-erased manager (e.g. from a registry).
    pub fn use_secrets_any(
        self,
        manager: &AnySecretManager,
        f: impl FnOnce(&mut Injector),
    ) -> Stack {
        let mut injector = Injector::<Dynamic>::new();
        f(&mut injector);
        self.plan_all(manager, injector.records, injector.default_resource)
    }

    /// Plans every recorded injection of one `use_secrets` block, collecting the problems.
    fn plan_all(
        mut self,
        manager: &AnySecretManager,
        records: Vec<crate::declare::inject::Record>,
        default_resource: Option<String>,
    ) -> Stack {
        if !self.managers.contains(&manager.id) {
            self.managers.push(manager.id);
        }
        if let Some(id) = &default_resource {
            if !self.resources.contains_key(id) {
                let message = self.unknown_resource(id);
                self.problems.push(StackProblem::UnknownDefaultResource {
                    resource: id.clone(),
                    message,
                });
            }
        }
        for record in records {
            match self.plan(manager, default_resource.as_deref(), record) {
                Ok(planned) => self.injections.push(planned),
                Err(e) => self.problems.push(e),
            }
        }
        self
    }

    fn plan(
        &self,
        manager: &AnySecretManager,
        default_resource: Option<&str>,
        record: crate::declare::inject::Record,
    ) -> Result<PlannedInjection, StackProblem> {
        let secret = record.secret;
        if !manager.has_secret(&secret) {
            return Err(StackProblem::UnknownSecret {
                message: manager.unknown_secret(&secret),
                secret,
            });
        }
        let Some(strategy) = record.strategy else {
            return Err(StackProblem::MissingInject { secret });
        };
        let by_provider = |message: String| StackProblem::Provider {
            secret: secret.clone(),
            message,
        };
        let (provider_id, provider) = manager
            .provider_for(&secret)
            .map_err(|e| by_provider(e.to_string()))?;
        // The name ends up in every reference the manifests make: refuse it before anything is written.
        crate::model::names::check_dns_subdomain(provider.secret_name()).map_err(|e| {
            by_provider(format!(
                "secret `{secret}`: provider `{provider_id}`: Secret name `{}` {e}",
                provider.secret_name()
            ))
        })?;
        let info = provider.info();
        let explicit_strategy = strategy.is_some();
        let strategy = match strategy {
            Some(s) => s,
            None => match info.default_strategy() {
                Some(crate::model::strategy::StrategyKind::Volume) => {
                    return Err(StackProblem::MountPathNeeded { secret });
                }
                Some(kind) => Strategy::default_of(kind),
                None => {
                    return Err(StackProblem::StrategyNeeded {
                        secret,
                        provider: info.kind,
                        supported: info.strategy_list(),
                        example: info.strategies.first().map_or("env", |k| k.rust_name()),
                    })
                }
            },
        };
        check_static(info, &secret, &strategy).map_err(by_provider)?;
        provider
            .check_strategy(&secret, &strategy)
            .map_err(|e| by_provider(e.to_string()))?;
        let resource_id = match record.resource.as_deref().or(default_resource) {
            Some(id) => {
                if !self.resources.contains_key(id) {
                    return Err(StackProblem::UnknownResource {
                        message: self.unknown_resource(id),
                        secret,
                    });
                }
                id.to_owned()
            }
            None => self
                .default_workload(&secret, info.kind)
                .map_err(|message| StackProblem::Unresolved {
                    secret: secret.clone(),
                    message,
                })?,
        };
        let explicit_path = matches!(&strategy, Strategy::Env(e) if e.target_path.is_some());
        if let Some(resource) = self.resources.get(&resource_id) {
            if !explicit_path && !is_workload_kind(resource.kind()) {
                return Err(StackProblem::NotAWorkload {
                    secret,
                    resource: resource_id,
                    stack: self.name.clone(),
                    kind: resource.kind().to_owned(),
                });
            }
        }
        // Shared parts: the binding (one per secret of the manager), the stack's resource id (one per
        // resource, reused from the injection before), the default strategy; only the record's own
        // name and options are new.
        let binding = manager.binding(&secret, provider_id, provider);
        let resource_id = match self.injections.last() {
            Some(last) if last.resource_id() == resource_id => Arc::clone(last.resource_id_arc()),
            _ => Arc::from(resource_id),
        };
        let strategy = match explicit_strategy {
            true => Arc::new(strategy),
            false => binding.default_strategy(strategy.kind()),
        };
        Ok(PlannedInjection::new(
            binding,
            record.target_name.map(Arc::from),
            resource_id,
            strategy,
        ))
    }

    fn default_workload(&self, secret: &str, provider: &str) -> Result<String, String> {
        let workloads: Vec<&str> = self
            .resources
            .iter()
            .filter(|(_, r)| is_workload_kind(r.kind()))
            .map(|(id, _)| id.as_str())
            .collect();
        match workloads.as_slice() {
            [only] => Ok((*only).to_owned()),
            [] => Err(format!(
                "secret `{secret}`: could not resolve the resource to inject into: stack `{}` has no workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod) for {provider}; resources: {}",
                self.name,
                self.resource_ids().join(", ")
            )),
            several => Err(format!(
                "secret `{secret}`: could not resolve the resource to inject into: stack `{}` has several workloads ({}); choose one with .into_resource(\"...\") or c.set_default_resource_id(\"...\")",
                self.name,
                several.join(", ")
            )),
        }
    }

    /// Names the built stack would write that Kubernetes or a shell would refuse: secret names and
    /// `env` names (environment variable names), resource names and namespaces (RFC 1123).
    fn name_problems(&self, resources: &ResourceMap) -> Vec<StackProblem> {
        let mut problems: Vec<StackProblem> = Vec::new();
        let mut push = |p: StackProblem| {
            if !problems.contains(&p) {
                problems.push(p);
            }
        };
        for inj in &self.injections {
            if let Err(error) = crate::model::names::check_env_name(inj.secret()) {
                push(StackProblem::SecretName {
                    secret: inj.secret().to_owned(),
                    error,
                });
            }
            if inj.strategy().kind() == crate::model::strategy::StrategyKind::Env {
                if let Err(error) = crate::model::names::check_env_name(inj.target_name()) {
                    push(StackProblem::EnvName {
                        secret: inj.secret().to_owned(),
                        name: inj.target_name().to_owned(),
                        error,
                    });
                }
            }
        }
        for message in crate::model::names::resource_name_problems(resources) {
            push(StackProblem::ResourceName { message });
        }
        problems
    }

    /// Gives back the spare capacity of the plan (a project keeps every stack until it ends).
    pub(crate) fn shrink(&mut self) {
        self.injections.shrink_to_fit();
        self.problems.shrink_to_fit();
    }

    /// The resources with every injection written in. Idempotent: building twice gives equal results.
    pub fn build(&self) -> Result<ResourceMap, StackError> {
        let mut problems = self.problems.clone();
        let mut resources = packed::unpack(&self.resources);
        for inj in &self.injections {
            match resources.get_mut(inj.resource_id()) {
                Some(resource) => {
                    // The patch is made here rather than kept in the plan (see `PlannedInjection`).
                    // A provider that cannot make it reports as it did when planning.
                    let patch = match inj.patch() {
                        Ok(p) => p,
                        Err(e) => {
                            let problem = StackProblem::Provider {
                                secret: inj.secret().to_owned(),
                                message: e.to_string(),
                            };
                            problems.push(problem);
                            continue;
                        }
                    };
                    if let Err(problem) =
                        apply_patch(&self.name, inj.resource_id(), resource, &patch)
                    {
                        problems.push(StackProblem::Injection {
                            secret: inj.secret().to_owned(),
                            problem,
                        });
                    }
                }
                // Only an override removes a resource once an injection has been planned into it.
                None => problems.push(StackProblem::ResourceRemoved {
                    secret: inj.secret().to_owned(),
                    resource: inj.resource_id().to_owned(),
                    stack: self.name.clone(),
                }),
            }
        }
        // Every name this stack writes, with the rules and words `secret validate` uses.
        problems.extend(self.name_problems(&resources));
        if problems.is_empty() {
            Ok(resources)
        } else {
            Err(StackError {
                stack: self.name.clone(),
                id: None,
                problems,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declare::template::{SimpleApp, SimpleAppInput};
    use crate::provider::BasicAuthSecretProvider;
    use crate::InMemoryConnector;

    fn plan_one(f: impl FnOnce(&mut Injector)) -> Result<PlannedInjection, StackProblem> {
        let manager = SecretManager::new()
            .connector(InMemoryConnector::default())
            .provider(BasicAuthSecretProvider::new("creds"))
            .add_secret("LOGIN");
        let stack = Stack::from_template(SimpleApp, SimpleAppInput::default());
        let mut injector = Injector::<crate::Dynamic>::new();
        f(&mut injector);
        let record = injector.records.remove(0);
        stack.plan(manager.as_any(), None, record)
    }

    #[test]
    fn plan_problems_are_typed_and_read_as_the_compile_time_checks() {
        let e = plan_one(|c| {
            c.secrets("LOGN").inject();
        })
        .unwrap_err();
        assert!(matches!(&e, StackProblem::UnknownSecret { secret, .. } if secret == "LOGN"));
        let e = plan_one(|c| {
            let _unfinished = c.secrets("LOGIN");
        })
        .unwrap_err();
        assert_eq!(
            e,
            StackProblem::MissingInject {
                secret: "LOGIN".into()
            }
        );
        let e = plan_one(|c| {
            c.secrets("LOGIN").inject();
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "secret `LOGIN`: `.inject()` needs a strategy because `BasicAuthSecretProvider` supports several: env, env_from; name one, e.g. `.inject(env { .. })`");
        let e = plan_one(|c| {
            c.secrets("LOGIN")
                .inject_as(crate::strategy::image_pull_secret());
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "secret `LOGIN`: `BasicAuthSecretProvider` does not support the `image_pull_secret` strategy; it supports: env, env_from");
        let e = plan_one(|c| {
            c.secrets("LOGIN")
                .inject_as(crate::strategy::env_from())
                .into_resource("service");
        })
        .unwrap_err();
        assert!(
            matches!(&e, StackProblem::NotAWorkload { kind, .. } if kind == "Service"),
            "{e}"
        );
    }

    #[test]
    fn build_and_override_problems_are_typed() {
        let manager = SecretManager::new()
            .connector(InMemoryConnector::default())
            .provider(crate::OpaqueSecretProvider::new("app"))
            .add_secret("TOKEN");
        let stack = Stack::from_template(SimpleApp, SimpleAppInput::default())
            .r#override(serde_json::json!({ "servce": { "spec": {} } }))
            .r#override(serde_json::json!([1]))
            .use_secrets(&manager, |c| {
                c.secrets("TOKEN").for_name("BAD-NAME").inject();
                c.secrets("TOKEN")
                    .inject_as(crate::strategy::env().container_index(3));
            });
        let e = stack.build().unwrap_err();
        let p = &e.problems;
        assert!(
            matches!(&p[0], StackProblem::UnknownOverrideResource { resource, message } if resource == "servce" && message.contains("service")),
            "{e}"
        );
        assert_eq!(p[1], StackProblem::OverrideNotAnObject);
        assert!(
            p.iter()
                .any(|x| matches!(x, StackProblem::Injection { secret, .. } if secret == "TOKEN")),
            "{e}"
        );
        assert!(
            p.iter()
                .any(|x| matches!(x, StackProblem::EnvName { name, .. } if name == "BAD-NAME")),
            "{e}"
        );
        // The text is the one the messages always had.
        assert!(e.to_string().contains("override: "), "{e}");
    }
}
