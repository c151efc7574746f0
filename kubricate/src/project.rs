//! The project: your stacks and secret managers, and the operations the CLI runs on them.

use std::ops::ControlFlow;
use std::path::PathBuf;

use indexmap::IndexMap;

use crate::checksum::{ChecksumKeyError, ChecksumKeySource};
use crate::declare::manager::AnySecretManager;
use crate::declare::registry::IntoManagers;
use crate::declare::source::{FnSource, StackRef, StackSource, Stacks};
use crate::declare::stack::{Stack, StackError};
use crate::deliver::apply::{ApplyError, DiffOutcome, KubectlOptions};
use crate::deliver::plan::{plan_secrets, ConflictOptions, SecretError, SecretPlan};
use crate::generate::layout::{OutputMode, RenderError, RenderedFile, Renderer};
use crate::generate::metadata::MetadataOptions;
use crate::generate::rollout::RolloutChecksums;
use crate::generate::spool::Spool;
use crate::generate::write::OutputError;
use crate::generate::BuiltStack;

/// Any failure of a project operation. Messages name stacks, resources, secrets and files, never values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProjectError {
    /// The project itself is misconfigured (duplicate ids, ...).
    #[error("project configuration: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Config(Vec<ConfigProblem>),
    /// One or more stacks failed to build.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Stacks(Vec<StackError>),
    /// A `--filter` matched nothing.
    #[error("{}", filter_message(filters, available))]
    Filter {
        /// The filters that matched nothing.
        filters: Vec<String>,
        /// `stack` and `stack.resource` ids, in declaration order.
        available: Vec<String>,
    },
    /// The stacks cannot be rendered with the chosen metadata.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// Loading, preparing, merging or cross-checking secrets failed.
    #[error(transparent)]
    Secrets(#[from] SecretError),
    /// Writing output failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// kubectl failed.
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// Command-line flags that do not go together (exit status 2, as for clap's own usage errors).
    #[error("{0}")]
    Usage(String),
    /// `generate --secret-checksums` has no usable key.
    #[error("generate --secret-checksums: {0}")]
    ChecksumKey(#[from] ChecksumKeyError),
}

/// A mistake in how the project is put together, found when a command runs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigProblem {
    /// Two stacks under one id.
    #[error("stack id `{id}` is used twice; stack ids must be unique")]
    DuplicateStack {
        /// The id.
        id: String,
    },
    /// Two secret managers under one name.
    #[error("secret manager name `{name}` is used twice; give each manager a unique name (secrets_named, or the registry's names)")]
    DuplicateManager {
        /// The name.
        name: String,
    },
}

fn filter_message(filters: &[String], available: &[String]) -> String {
    let available = if available.is_empty() {
        "none (the project has no stacks)".to_owned()
    } else {
        available.join(", ")
    };
    let quoted: Vec<String> = filters.iter().map(|f| format!("`{f}`")).collect();
    let (noun, verb) = if filters.len() == 1 {
        ("filter", "matches")
    } else {
        ("filters", "match")
    };
    format!(
        "{noun} {} {verb} no stack or resource; use `STACK` or `STACK.RESOURCE` with one of: {available}",
        quoted.join(", ")
    )
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
    /// Replace the output directory as a whole (default) instead of writing files into it. A filtered
    /// run never cleans: it renders only part of the project, so it only writes its own files.
    pub clean: bool,
    /// `STACK` or `STACK.RESOURCE` filters (empty: everything).
    pub filters: Vec<String>,
    /// Add the rollout checksum annotation to every workload that consumes a Secret (loads every
    /// value and needs the checksum key; see [`Project::secret_checksums`]). Off by default: then
    /// `generate` never reads a value.
    pub secret_checksums: bool,
    /// When writing into the directory (`clean: false` or filtered): replace files of the same name that
    /// kubricate did not write (default no: such a run is refused).
    pub force: bool,
}

/// What [`Project::generate`] wrote.
#[derive(Debug, Clone)]
pub struct GenerateReport {
    /// The output directory, resolved.
    pub dir: PathBuf,
    /// Ids of the stacks rendered, in declaration order.
    pub stacks: Vec<String>,
    /// Number of resources rendered.
    pub resources: usize,
    /// The files written, relative to `dir` (their text is on disk, not held here).
    pub files: Vec<WrittenFile>,
    /// Whether the directory was replaced as a whole (false: files were written into it).
    pub cleaned: bool,
}

/// One file [`Project::generate`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenFile {
    /// Path relative to the output directory.
    pub path: PathBuf,
    /// Number of documents (resources) in it.
    pub documents: usize,
    /// Its size in bytes.
    pub bytes: u64,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            out_dir: PathBuf::from("output"),
            mode: OutputMode::Stack,
            metadata: MetadataOptions::default(),
            clean: true,
            filters: Vec::new(),
            secret_checksums: false,
            force: false,
        }
    }
}

/// Whether `filter` selects the stack `id` (at `s`) as a whole, and if not, which of its resources.
fn filter_target<'f>(filter: &'f str, id: &str, s: &StackRef<'_>) -> Option<Option<&'f str>> {
    match Project::filter_candidate(filter, id)? {
        None => Some(None),
        Some(rid) => s.get().has_resource(rid).then_some(Some(rid)),
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
    pub(crate) stacks: Stacks,
    pub(crate) managers: Vec<(String, AnySecretManager)>,
    pub(crate) conflict: ConflictOptions,
    pub(crate) external_secrets: Vec<String>,
    pub(crate) generate: GenerateOptions,
    pub(crate) root: Option<PathBuf>,
    pub(crate) problems: Vec<ConfigProblem>,
    pub(crate) checksum_key: ChecksumKeySource,
}

impl Project {
    /// An empty project.
    pub fn new() -> Self {
        Project::default()
    }

    /// Adds a stack under `id` (used in file names and labels).
    pub fn stack(mut self, id: impl Into<String>, mut stack: Stack) -> Self {
        let id = id.into();
        stack.shrink();
        if !self.stacks.insert(id.clone(), stack) {
            self.problems.push(ConfigProblem::DuplicateStack { id });
        }
        self
    }

    /// Adds `len` stacks declared lazily: stack `i` (`0..len`) has the id `id(i)` and is made by
    /// `stack(i)` only when a command reaches it, then dropped before the next one is made. A
    /// project of any number of stacks so holds one at a time (`generate`, `secret validate`,
    /// `inspect` alike), where [`stack`](Self::stack) keeps every stack until the project ends.
    ///
    /// Everything else is as if each stack had been added with [`stack`](Self::stack) at this
    /// place: order, filters, output and errors (an id used twice is a configuration error), so
    /// both functions must give the same result for the same index every time (a command may make
    /// a stack more than once: `secret validate` builds every stack, then checks their
    /// references). `id` is asked more often than `stack` (duplicate ids, filters): keep it cheap.
    ///
    /// ```no_run
    /// use kubricate::prelude::*;
    /// fn main() -> std::process::ExitCode {
    ///     kubricate::Project::new()
    ///         .stacks_from(
    ///             1000,
    ///             |i| format!("app-{i:04}"),
    ///             |i| {
    ///                 let name = format!("app-{i:04}");
    ///                 Stack::from_template(
    ///                     SimpleApp,
    ///                     SimpleAppInput { name: &name, image_name: &name, ..Default::default() },
    ///                 )
    ///             },
    ///         )
    ///         .main()
    /// }
    /// ```
    pub fn stacks_from(
        self,
        len: usize,
        id: impl Fn(usize) -> String + Send + Sync + 'static,
        stack: impl Fn(usize) -> Stack + Send + Sync + 'static,
    ) -> Self {
        self.stack_source(FnSource { len, id, stack })
    }

    /// Adds the stacks of `source`, declared lazily (see [`stacks_from`](Self::stacks_from), which
    /// is this with two functions).
    pub fn stack_source(mut self, source: impl StackSource + 'static) -> Self {
        self.stacks.add_source(Box::new(source));
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
            self.problems
                .push(ConfigProblem::DuplicateManager { name: name.clone() });
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

    /// Makes `generate` add the rollout checksum annotation by default (`--secret-checksums` does it
    /// for one run), with the HMAC key from `key`: [`ChecksumKeySource::Env`] reads
    /// `KUBRICATE_CHECKSUM_KEY`, [`ChecksumKeySource::secret`] a secret of a connector you choose.
    ///
    /// The annotation (`kubricate.thaitype.dev/secret-checksum` on the pod template) changes when a
    /// value the workload consumes changes, so applying the manifests rolls its pods; it is a keyed
    /// hash, so holding the manifests does not let anyone test guesses of a value.
    pub fn secret_checksums(mut self, key: ChecksumKeySource) -> Self {
        self.generate.secret_checksums = true;
        self.checksum_key = key;
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

    /// The stacks added with [`stack`](Self::stack), by id. Those of [`stacks_from`](Self::stacks_from)
    /// and [`stack_source`](Self::stack_source) are made when a command needs them and are not in
    /// it; [`stack_count`](Self::stack_count) counts both.
    pub fn stacks(&self) -> &IndexMap<String, Stack> {
        self.stacks.held()
    }

    /// The number of stacks, lazily declared ones included.
    pub fn stack_count(&self) -> usize {
        self.stacks.len()
    }

    /// Configuration problems in the order they were made, then ids a lazily declared stack uses again.
    fn check_config(&self) -> Result<(), ProjectError> {
        let repeats = self.stacks.duplicates();
        if self.problems.is_empty() && repeats.is_empty() {
            Ok(())
        } else {
            let mut problems = self.problems.clone();
            problems.extend(
                repeats
                    .iter()
                    .map(|id| ConfigProblem::DuplicateStack { id: id.clone() }),
            );
            Err(ProjectError::Config(problems))
        }
    }

    /// Where the keyed checksum key comes from (default: `KUBRICATE_CHECKSUM_KEY`); read only when
    /// a provider needs it (SealedSecretProvider, to keep unchanged values' ciphertext).
    pub fn checksum_key(mut self, source: crate::checksum::ChecksumKeySource) -> Self {
        self.checksum_key = source;
        self
    }

    /// The project's root: `Project::root`, else the working directory.
    fn root_dir(&self) -> Result<PathBuf, OutputError> {
        match &self.root {
            Some(r) => Ok(r.clone()),
            None => std::env::current_dir().map_err(|source| OutputError::Io {
                path: PathBuf::from("."),
                source,
            }),
        }
    }

    /// Whether `filter` may select the stack `id`: as a whole (`Some(None)`), or the resource
    /// `Some(rid)` if the stack has one of that id (see [`filter_target`]).
    fn filter_candidate<'f>(filter: &'f str, id: &str) -> Option<Option<&'f str>> {
        if filter == id {
            return Some(None);
        }
        // Matched against the stack's ids rather than split at the first '.', so that ids may hold dots.
        filter.strip_prefix(id)?.strip_prefix('.').map(Some)
    }

    /// `stack` and `stack.resource` ids, for messages.
    fn available_targets(&self) -> Vec<String> {
        let mut ids = Vec::new();
        let _ = self.stacks.each(|id, s| {
            ids.push(id.to_owned());
            ids.extend(s.resource_ids().into_iter().map(|r| format!("{id}.{r}")));
            ControlFlow::Continue(())
        });
        ids
    }

    /// Builds every stack (all problems of all stacks reported together), keeping what `filters`
    /// select: `STACK` keeps a whole stack, `STACK.RESOURCE` one resource. Every filter must match.
    pub fn build(&self, filters: &[String]) -> Result<Vec<BuiltStack>, ProjectError> {
        let mut built = Vec::new();
        self.build_each(filters, |b| built.push(b))?;
        Ok(built)
    }

    /// [`build`](Self::build), handing each stack to `each` as soon as it is built. Once a stack
    /// fails, the rest are still built (every problem is reported) but no longer handed over: the
    /// run fails, so their output would be thrown away.
    fn build_each(
        &self,
        filters: &[String],
        mut each: impl FnMut(BuiltStack),
    ) -> Result<(), ProjectError> {
        self.check_config()?;
        let mut unmatched: Vec<&String> = filters.iter().collect();
        if !unmatched.is_empty() {
            let _ = self.stacks.walk(|id, s| {
                unmatched.retain(|f| filter_target(f, id, s).is_none());
                if unmatched.is_empty() {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            });
        }
        if !unmatched.is_empty() {
            return Err(ProjectError::Filter {
                filters: unmatched.into_iter().cloned().collect(),
                available: self.available_targets(),
            });
        }
        let mut errors = Vec::new();
        let _ = self.stacks.walk(|id, s| {
            let candidates: Vec<Option<&str>> = filters
                .iter()
                .filter_map(|f| Self::filter_candidate(f, id))
                .collect();
            if !filters.is_empty() && candidates.is_empty() {
                return ControlFlow::Continue(());
            }
            // Made once, after the cheap test of its id (a lazily declared stack is made here).
            let stack = s.get();
            let targets: Vec<Option<&str>> = candidates
                .into_iter()
                .filter(|t| t.is_none_or(|rid| stack.has_resource(rid)))
                .collect();
            if !filters.is_empty() && targets.is_empty() {
                return ControlFlow::Continue(());
            }
            match stack.build() {
                Ok(_) if !errors.is_empty() => {}
                Ok(mut resources) => {
                    if !filters.is_empty() && !targets.contains(&None) {
                        resources.retain(|rid, _| targets.contains(&Some(rid.as_str())));
                    }
                    let name = if stack.name().is_empty() {
                        id.to_owned()
                    } else {
                        stack.name().to_owned()
                    };
                    each(BuiltStack {
                        id: id.to_owned(),
                        name,
                        resources,
                    });
                }
                Err(mut e) => {
                    e.id = Some(id.to_owned());
                    errors.push(e);
                }
            }
            ControlFlow::Continue(())
        });
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ProjectError::Stacks(errors))
        }
    }

    /// Builds and renders, each stack as soon as it is built (see [`Renderer`]). With a `spool`, each
    /// stack's text moves into it as soon as the stack is rendered and the files returned are empty;
    /// without one, they are returned. Also returns the ids of the stacks rendered and their
    /// resource count.
    fn render_built(
        &self,
        opts: &GenerateOptions,
        mut spool: Option<&mut Spool>,
    ) -> Result<(Vec<String>, usize, Vec<RenderedFile>), ProjectError> {
        // One timestamp for the whole run, and none at all unless asked for: output stays byte-identical.
        let now = opts
            .metadata
            .managed_at
            .then(crate::generate::metadata::now_rfc3339);
        let rollout = if opts.secret_checksums {
            Some(self.rollout_checksums()?)
        } else {
            None
        };
        let mut renderer = Renderer::new(opts.mode, &opts.metadata, now.as_deref());
        if let Some(r) = &rollout {
            renderer = renderer.with_rollout(r);
        }
        let mut ids = Vec::new();
        let mut resources = 0;
        let mut failed: Option<ProjectError> = None;
        // ExternalSecret / SealedSecret objects join the first stack that uses them (whole stacks
        // only: a resource filter selects the stack's own resources).
        let mut extras = if crate::generate::secret_manifests::any(&self.managers) {
            self.check_config()?;
            let out_dir = self.root_dir()?.join(&opts.out_dir);
            crate::generate::secret_manifests::for_stacks(
                &self.managers,
                &self.stacks,
                &out_dir,
                &self.checksum_key,
            )?
        } else {
            IndexMap::new()
        };
        // Problems of the stacks come first (all of them), then the first id that cannot be a label.
        self.build_each(&opts.filters, |mut built| {
            if failed.is_some() {
                return;
            }
            if opts.filters.is_empty() || opts.filters.contains(&built.id) {
                if let Some(more) = extras.shift_remove(&built.id) {
                    built.resources.extend(more);
                }
            }
            ids.push(built.id.clone());
            resources += built.resources.len();
            if let Err(e) = renderer.push(built) {
                failed = Some(e.into());
            } else if let Some(spool) = spool.as_deref_mut() {
                if let Err(e) = renderer.drain_into(spool) {
                    failed = Some(e.into());
                }
            }
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        let files = match spool {
            Some(spool) => {
                renderer.finish_into(spool)?;
                Vec::new()
            }
            None => renderer.finish(),
        };
        Ok((ids, resources, files))
    }

    /// Renders the files `generate` would write (for `--stdout`, join them with
    /// [`generate::to_stream`](crate::generate::to_stream)). Holds every file's text in memory; see
    /// [`render_spooled`](Self::render_spooled) for a run of any size.
    pub fn render(&self, opts: &GenerateOptions) -> Result<Vec<RenderedFile>, ProjectError> {
        Ok(self.render_built(opts, None)?.2)
    }

    /// [`render`](Self::render) into a [`Spool`]: stacks are built, rendered and spooled one at a
    /// time, so memory depends on the largest stack, not on the number of stacks (what
    /// `generate --stdout` runs: [`Spool::stream`] prints it once every stack has rendered).
    pub fn render_spooled(&self, opts: &GenerateOptions) -> Result<Spool, ProjectError> {
        let mut spool = Spool::new();
        self.render_built(opts, Some(&mut spool))?;
        Ok(spool)
    }

    /// Renders and writes the files into `opts.out_dir`, which must be a safe directory (see
    /// [`generate`](crate::generate) and [`OutputError`](crate::generate::OutputError) for what is
    /// refused); a relative one is taken from the project's root. Stacks are rendered one at a time
    /// into a [`Spool`], and written once all of them rendered.
    pub fn generate(&self, opts: &GenerateOptions) -> Result<GenerateReport, ProjectError> {
        let mut spool = Spool::new();
        let (stacks, resources, _) = self.render_built(opts, Some(&mut spool))?;
        let root = self.root_dir()?;
        let dir = crate::generate::write::check_output_dir(&root, &opts.out_dir)?;
        let clean = opts.clean && opts.filters.is_empty();
        if clean {
            crate::generate::write::write_clean(&dir, &spool)?;
        } else {
            crate::generate::write::write_merge(&dir, &spool, opts.force)?;
        }
        let files = spool
            .files()
            .map(|f| WrittenFile {
                path: f.path.to_path_buf(),
                documents: f.documents,
                bytes: f.bytes,
            })
            .collect();
        Ok(GenerateReport {
            dir,
            stacks,
            resources,
            files,
            cleaned: clean,
        })
    }

    /// The rollout checksums of every workload: resolves the key first (a missing key is reported
    /// before any value is loaded), then loads and checks every secret as `secret validate` does.
    /// The stacks are built once more, one at a time, for their checksums.
    pub fn rollout_checksums(&self) -> Result<RolloutChecksums, ProjectError> {
        let key = self.checksum_key.resolve()?;
        let plan = self.secret_plan()?;
        let mut sums = RolloutChecksums::default();
        let _ = self.stacks.each(|id, stack| {
            // Every stack built in `secret_plan`: this cannot fail unless the project changed.
            if let Ok(resources) = stack.build() {
                sums.add(id, &resources, &plan.secrets, &key);
            }
            ControlFlow::Continue(())
        });
        Ok(sums)
    }

    /// Loads, prepares, merges and cross-checks every secret.
    ///
    /// Every stack is built first, one at a time, and dropped (a stack that does not build has no
    /// trustworthy references to check, and its problems come before any value is loaded); the
    /// cross-check builds them again, one at a time, so no more than one stack's references are
    /// held at once.
    pub fn secret_plan(&self) -> Result<SecretPlan, ProjectError> {
        self.check_config()?;
        let managers: Vec<(String, &AnySecretManager)> =
            self.managers.iter().map(|(n, m)| (n.clone(), m)).collect();
        let mut broken: Vec<StackError> = Vec::new();
        let _ = self.stacks.each(|id, stack| {
            if let Err(mut e) = stack.build() {
                e.id = Some(id.to_owned());
                broken.push(e);
            }
            ControlFlow::Continue(())
        });
        if !broken.is_empty() {
            return Err(ProjectError::Stacks(broken));
        }
        Ok(plan_secrets(
            &managers,
            &self.stacks,
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
        let out = crate::deliver::apply::apply(&plan.secrets, &self.kubectl_env_policy(kubectl))?;
        Ok((plan, out))
    }

    /// `kubectl diff -f -` of every Secret against the cluster (what `secret apply` would change).
    /// kubectl masks Secret data in its diff; its output is scrubbed of every value as well.
    pub fn diff_secrets(
        &self,
        kubectl: &KubectlOptions,
    ) -> Result<(SecretPlan, DiffOutcome), ProjectError> {
        let plan = self.secret_plan()?;
        if plan.secrets.is_empty() {
            let none = DiffOutcome {
                changed: false,
                stdout: String::new(),
            };
            return Ok((plan, none));
        }
        let payload = crate::deliver::apply::apply_payload(&plan.secrets);
        let outcome = crate::deliver::apply::diff(
            &payload,
            &plan.secrets,
            &self.kubectl_env_policy(kubectl),
        )?;
        Ok((plan, outcome))
    }

    /// `kubectl diff -f -` of the manifests `generate` renders with `opts` (no value is loaded,
    /// unless `opts.secret_checksums` asks for the rollout annotation).
    pub fn diff_manifests(
        &self,
        opts: &GenerateOptions,
        kubectl: &KubectlOptions,
    ) -> Result<DiffOutcome, ProjectError> {
        let files = self.render(opts)?;
        let stream = crate::generate::layout::to_stream(&files);
        Ok(crate::deliver::apply::diff(
            stream.as_bytes(),
            &[],
            &self.kubectl_env_policy(kubectl),
        )?)
    }

    /// `kubectl` with every variable a connector of this project reads values from added to the
    /// variables removed from kubectl's environment.
    pub fn kubectl_env_policy(&self, kubectl: &KubectlOptions) -> KubectlOptions {
        let mut opts = kubectl.clone();
        for (_, m) in &self.managers {
            for c in m.connectors.values() {
                match c.env_prefix() {
                    Some("") => opts.env_remove_names.extend(m.secrets.keys().cloned()),
                    Some(p) => opts.env_remove_prefixes.push(p.to_owned()),
                    None => {}
                }
            }
        }
        // The rollout checksum key, wherever it comes from, is no business of kubectl's either
        // (KUBRICATE_CHECKSUM_KEY is removed by default).
        if let ChecksumKeySource::Secret { connector, name } = &self.checksum_key {
            match connector.env_prefix() {
                Some("") => opts.env_remove_names.push(name.clone()),
                Some(p) => opts.env_remove_prefixes.push(p.to_owned()),
                None => {}
            }
        }
        opts.env_remove_prefixes.sort();
        opts.env_remove_prefixes.dedup();
        opts.env_remove_names.sort();
        opts.env_remove_names.dedup();
        opts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declare::manager::SecretManager;
    use crate::declare::secret_set::Dynamic;
    use crate::declare::template::{Namespace, NamespaceInput};

    fn ns(name: &'static str) -> Stack {
        Stack::from_template(Namespace, NamespaceInput { name })
    }

    #[test]
    fn configuration_mistakes_are_values_reported_together() {
        let project = Project::new()
            .stack("a", ns("a"))
            .stack("a", ns("b"))
            .secrets_named("team", SecretManager::<Dynamic>::new())
            .secrets_named("team", SecretManager::<Dynamic>::new());
        let err = project.build(&[]).unwrap_err();
        let ProjectError::Config(problems) = &err else {
            panic!("{err:?}");
        };
        assert_eq!(
            problems,
            &[
                ConfigProblem::DuplicateStack { id: "a".into() },
                ConfigProblem::DuplicateManager {
                    name: "team".into()
                }
            ]
        );
        assert_eq!(err.to_string(), "project configuration: stack id `a` is used twice; stack ids must be unique; secret manager name `team` is used twice; give each manager a unique name (secrets_named, or the registry's names)");
        assert!(matches!(
            project.secret_plan(),
            Err(ProjectError::Config(p)) if p.len() == 2
        ));
    }

    #[test]
    fn an_unmatched_filter_lists_what_exists() {
        let project = Project::new().stack("web", ns("web"));
        let err = project.build(&["nope".to_owned()]).unwrap_err();
        assert!(
            matches!(&err, ProjectError::Filter { filters, available }
                if filters == &["nope"] && available == &["web", "web.namespace"]),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "filter `nope` matches no stack or resource; use `STACK` or `STACK.RESOURCE` with one of: web, web.namespace"
        );
        let empty = Project::new().build(&["x".to_owned()]).unwrap_err();
        assert!(
            empty
                .to_string()
                .ends_with("one of: none (the project has no stacks)"),
            "{empty}"
        );
    }
}
