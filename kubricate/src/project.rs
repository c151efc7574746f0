//! The project: your stacks and secret managers, and the operations the CLI runs on them.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use indexmap::IndexMap;

use crate::apply::{ApplyError, KubectlOptions};
use crate::orchestrator::{plan_secrets, SecretError};
use crate::output::OutputError;
use crate::render::{BuiltStack, MetadataOptions, OutputMode, RenderedFile};
use crate::{AnySecretManager, ConflictOptions, IntoManagers, SecretPlan, Stack, StackError};

/// Any failure of a project operation. Messages name stacks, resources, secrets and files, never values.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// The project itself is misconfigured (duplicate ids, ...).
    #[error("project configuration: {}", .0.join("; "))]
    Config(Vec<String>),
    /// One or more stacks failed to build.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Stacks(Vec<StackError>),
    /// A `--filter` matched nothing.
    #[error("filter `{filter}` matches no stack or resource; available: {available}")]
    Filter {
        /// The filter.
        filter: String,
        /// `stack` and `stack.resource` ids.
        available: String,
    },
    /// Loading, preparing, merging or cross-checking secrets failed.
    #[error(transparent)]
    Secrets(#[from] SecretError),
    /// Writing output failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// kubectl failed.
    #[error(transparent)]
    Apply(#[from] ApplyError),
}

/// Options of `generate`.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Output directory, relative to the working directory (default `output`).
    pub out_dir: PathBuf,
    /// File layout.
    pub mode: OutputMode,
    /// Metadata to add.
    pub metadata: MetadataOptions,
    /// Replace the output directory as a whole (default) instead of writing files into it.
    pub clean: bool,
    /// `STACK` or `STACK.RESOURCE` filters (empty: everything).
    pub filters: Vec<String>,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            out_dir: PathBuf::from("output"),
            mode: OutputMode::Stack,
            metadata: MetadataOptions::default(),
            clean: true,
            filters: Vec::new(),
        }
    }
}

/// Stacks and secret managers of one project.
///
/// ```no_run
/// use kubricate::prelude::*;
/// # fn api_service() -> Stack { Stack::from_template(SimpleApp, SimpleAppInput::default()) }
/// fn main() -> std::process::ExitCode {
///     kubricate::Project::new().stack("apiService", api_service()).main()
/// }
/// ```
#[derive(Debug, Default)]
pub struct Project {
    pub(crate) stacks: IndexMap<String, Stack>,
    pub(crate) managers: Vec<(String, AnySecretManager)>,
    pub(crate) conflict: ConflictOptions,
    pub(crate) external_secrets: Vec<String>,
    pub(crate) generate: GenerateOptions,
    pub(crate) root: Option<PathBuf>,
    pub(crate) problems: Vec<String>,
}

impl Project {
    /// An empty project.
    pub fn new() -> Self {
        Project::default()
    }

    /// Adds a stack under `id` (used in file names and labels).
    pub fn stack(mut self, id: impl Into<String>, stack: Stack) -> Self {
        let id = id.into();
        if self.stacks.contains_key(&id) {
            self.problems.push(format!(
                "stack id `{id}` is used twice; stack ids must be unique"
            ));
        }
        self.stacks.insert(id, stack);
        self
    }

    /// Adds a secret manager, named after its secret set (`AppSecrets`; `default` for a dynamic one).
    pub fn secrets(self, manager: impl Into<AnySecretManager>) -> Self {
        let manager = manager.into();
        let name = if manager.set_name == "Dynamic" {
            "default".to_owned()
        } else {
            manager.set_name.to_owned()
        };
        self.secrets_named(name, manager)
    }

    /// Adds a secret manager under `name` (used in messages and conflict reports).
    pub fn secrets_named(
        mut self,
        name: impl Into<String>,
        manager: impl Into<AnySecretManager>,
    ) -> Self {
        let name = name.into();
        if self.managers.iter().any(|(n, _)| *n == name) {
            self.problems.push(format!(
                "secret manager name `{name}` is used twice; give each manager a unique name (secrets_named, or the registry's names)"
            ));
        }
        self.managers.push((name, manager.into()));
        self
    }

    /// Adds every manager of a registry under its name: a [`SecretRegistry`](crate::SecretRegistry),
    /// or your own struct of managers implementing [`IntoManagers`].
    ///
    /// A name used twice (in the registry, or by another manager of the project) is a configuration
    /// error reported by every command.
    pub fn registry(self, registry: impl IntoManagers) -> Self {
        registry
            .into_managers()
            .into_iter()
            .fold(self, |project, (name, manager)| {
                project.secrets_named(name, manager)
            })
    }

    /// Declares a Secret created outside kubricate (by an operator, cert-manager, by hand): references
    /// to it in the generated manifests are not checked by `secret validate` and `secret apply`.
    pub fn external_secret(mut self, name: impl Into<String>) -> Self {
        self.external_secrets.push(name.into());
        self
    }

    /// Conflict strategies for merging Secrets.
    pub fn conflict(mut self, options: ConflictOptions) -> Self {
        self.conflict = options;
        self
    }

    /// Default output mode of `generate` (the CLI's `--output-mode` overrides it).
    pub fn output_mode(mut self, mode: OutputMode) -> Self {
        self.generate.mode = mode;
        self
    }

    /// Default output directory of `generate`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.generate.out_dir = dir.into();
        self
    }

    /// Default metadata of `generate`.
    pub fn metadata(mut self, metadata: MetadataOptions) -> Self {
        self.generate.metadata = metadata;
        self
    }

    /// Whether `generate` cleans its output directory (default yes).
    pub fn clean_output(mut self, clean: bool) -> Self {
        self.generate.clean = clean;
        self
    }

    /// The directory output must stay inside (default: the current directory).
    pub fn root(mut self, dir: impl Into<PathBuf>) -> Self {
        self.root = Some(dir.into());
        self
    }

    /// The default generate options (as configured on the project).
    pub fn generate_options(&self) -> GenerateOptions {
        self.generate.clone()
    }

    /// Stacks by id.
    pub fn stacks(&self) -> &IndexMap<String, Stack> {
        &self.stacks
    }

    fn check_config(&self) -> Result<(), ProjectError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(ProjectError::Config(self.problems.clone()))
        }
    }

    /// Builds every stack (all problems of all stacks reported together), applying `filters`.
    pub fn build(&self, filters: &[String]) -> Result<Vec<BuiltStack>, ProjectError> {
        self.check_config()?;
        let available = || {
            let mut ids = Vec::new();
            for (id, s) in &self.stacks {
                ids.push(id.clone());
                ids.extend(s.resource_ids().into_iter().map(|r| format!("{id}.{r}")));
            }
            ids.join(", ")
        };
        for f in filters {
            let (sid, rid) = match f.split_once('.') {
                Some((s, r)) => (s, Some(r)),
                None => (f.as_str(), None),
            };
            let found = self
                .stacks
                .get(sid)
                .is_some_and(|s| rid.is_none_or(|r| s.resources().contains_key(r)));
            if !found {
                return Err(ProjectError::Filter {
                    filter: f.clone(),
                    available: available(),
                });
            }
        }
        let mut built = Vec::new();
        let mut errors = Vec::new();
        for (id, stack) in &self.stacks {
            let wanted_stack = filters.is_empty()
                || filters
                    .iter()
                    .any(|f| f == id || f.split_once('.').is_some_and(|(s, _)| s == id));
            if !wanted_stack {
                continue;
            }
            match stack.build() {
                Ok(mut resources) => {
                    let whole = filters.is_empty() || filters.iter().any(|f| f == id);
                    if !whole {
                        resources
                            .retain(|rid, _| filters.iter().any(|f| *f == format!("{id}.{rid}")));
                    }
                    let name = if stack.name().is_empty() {
                        id.clone()
                    } else {
                        stack.name().to_owned()
                    };
                    built.push(BuiltStack {
                        id: id.clone(),
                        name,
                        resources,
                    });
                }
                Err(mut e) => {
                    if e.stack != *id {
                        e.stack = if e.stack.is_empty() {
                            id.clone()
                        } else {
                            format!("{id}` (`{}", e.stack)
                        };
                    }
                    errors.push(e);
                }
            }
        }
        if errors.is_empty() {
            Ok(built)
        } else {
            Err(ProjectError::Stacks(errors))
        }
    }

    /// Renders the files `generate` would write.
    pub fn render(&self, opts: &GenerateOptions) -> Result<Vec<RenderedFile>, ProjectError> {
        let built = self.build(&opts.filters)?;
        let now = opts.metadata.managed_at.then(crate::render::now_rfc3339);
        Ok(crate::render::render(
            &built,
            opts.mode,
            &opts.metadata,
            now.as_deref(),
        ))
    }

    /// Renders and writes the files; returns them and the directory written.
    pub fn generate(
        &self,
        opts: &GenerateOptions,
    ) -> Result<(Vec<RenderedFile>, PathBuf), ProjectError> {
        let files = self.render(opts)?;
        let root = match &self.root {
            Some(r) => r.clone(),
            None => std::env::current_dir().map_err(|source| OutputError::Io {
                path: PathBuf::from("."),
                source,
            })?,
        };
        let dir = crate::output::check_output_dir(&root, &opts.out_dir)?;
        if opts.clean {
            crate::output::write_clean(&dir, &files)?;
        } else {
            crate::output::write_merge(&dir, &files)?;
        }
        Ok((files, dir))
    }

    /// Loads, prepares, merges and cross-checks every secret.
    pub fn secret_plan(&self) -> Result<SecretPlan, ProjectError> {
        self.check_config()?;
        let managers: Vec<(String, &AnySecretManager)> =
            self.managers.iter().map(|(n, m)| (n.clone(), m)).collect();
        let stacks: Vec<(String, &Stack)> =
            self.stacks.iter().map(|(id, s)| (id.clone(), s)).collect();
        // A stack that does not build has no trustworthy references to check.
        let broken: Vec<StackError> = self
            .stacks
            .values()
            .filter_map(|s| s.build().err())
            .collect();
        if !broken.is_empty() {
            return Err(ProjectError::Stacks(broken));
        }
        Ok(plan_secrets(
            &managers,
            &stacks,
            &self.conflict,
            &self.external_secrets,
        )?)
    }

    /// Applies every Secret with one `kubectl apply -f -`.
    pub fn apply_secrets(
        &self,
        kubectl: &KubectlOptions,
    ) -> Result<(SecretPlan, String), ProjectError> {
        let plan = self.secret_plan()?;
        // kubectl rejects an empty apply; nothing to deliver is not a failure.
        if plan.secrets.is_empty() {
            return Ok((plan, String::new()));
        }
        let out = crate::apply::apply(&plan.secrets, kubectl)?;
        Ok((plan, out))
    }

    /// Runs the CLI with the process's arguments; returns the exit code.
    pub fn main(self) -> ExitCode {
        let code = self.run(
            std::env::args_os(),
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        );
        ExitCode::from(code)
    }

    /// Runs the CLI with `args` (the first is the program name), writing to `out` and `err`.
    pub fn run<I, T>(&self, args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        crate::cli::run(self, args, out, err)
    }
}
