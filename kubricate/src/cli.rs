//! The command line your binary gets from [`Project::main`](crate::Project::main).

use std::ffi::OsString;
use std::io::{self, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::{json, Value};

use crate::deliver::apply::{ApplyError, ApplyMode, DiffOutcome, DryRun, KubectlOptions, Stream};
use crate::deliver::plan::{SecretPlan, SecretWarning};
use crate::generate::layout::OutputMode;
use crate::graph::GraphFormat;
use crate::project::{GenerateOptions, Project, ProjectError};

#[derive(Debug, Parser)]
#[command(
    about = "Generate Kubernetes manifests from this project's stacks and deliver their secrets",
    long_about = "Generate Kubernetes manifests from this project's stacks and deliver their secrets.\n\n\
                  Manifests only ever reference Secrets; values are loaded by connectors (e.g. KUBRICATE_SECRET_* \
                  variables and .env) and sent to the cluster only by `secret apply`.",
    version,
    after_help = NO_COLOUR
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render every stack to YAML (secret references only, never values)
    Generate(GenerateArgs),
    /// Validate or apply the Secrets the stacks use
    Secret {
        #[command(subcommand)]
        command: SecretCommand,
    },
    /// Show what `kubectl apply` of the generated manifests would change (`kubectl diff`; exit 0: no
    /// change, 1: changes, 2 or more: error)
    Diff(DiffArgs),
    /// List stacks, their resource ids and planned secret injections (for debugging), or draw them
    Inspect(InspectArgs),
    /// Print a shell completion script for this program (e.g. `completions bash > /etc/bash_completion.d/app`)
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// `-o`: a machine-readable form instead of the text for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// JSON (one document, described in the README)
    Json,
    /// The same document as YAML
    Yaml,
}

/// kubectl's `--dry-run` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DryRunArg {
    /// Really apply
    None,
    /// Print the Secrets that would be applied, values redacted; kubectl is not run
    Client,
    /// `kubectl apply --dry-run=server`: the API server checks and admits, and stores nothing
    Server,
}

/// How to run kubectl (shared by `secret apply`, `secret diff` and `diff`).
#[derive(Debug, Args)]
struct KubectlArgs {
    /// The kubectl binary
    #[arg(long, value_name = "PATH", default_value = "kubectl")]
    kubectl: PathBuf,
    /// kubectl --kubeconfig
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// kubectl --context
    #[arg(long, value_name = "NAME")]
    context: Option<String>,
    /// kubectl --namespace: Secrets without a namespace (those of workloads without one) go there; a
    /// Secret with another explicit namespace is an error, as it is for kubectl
    #[arg(long, short = 'n', value_name = "NAME")]
    namespace: Option<String>,
    /// Client-side apply (kubectl's classic mode, which copies every object, values included, into
    /// the last-applied-configuration annotation) instead of server-side apply
    #[arg(long)]
    client_side: bool,
    /// The field manager of server-side apply
    #[arg(long, value_name = "NAME", default_value = crate::deliver::apply::FIELD_MANAGER)]
    field_manager: String,
    /// kubectl --force-conflicts: take over fields another field manager owns (server-side only)
    #[arg(long, conflicts_with = "client_side")]
    force_conflicts: bool,
    /// Stop kubectl (and every process it started) if it has not finished after this long, e.g. 30s,
    /// 5m, 1h30m
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::deliver::apply::parse_duration)]
    timeout: std::time::Duration,
}

impl KubectlArgs {
    fn options(&self) -> KubectlOptions {
        let mut o = KubectlOptions::new(&self.kubectl)
            .context(self.context.clone())
            .namespace(self.namespace.clone())
            .timeout(self.timeout);
        o.kubeconfig.clone_from(&self.kubeconfig);
        o.mode = if self.client_side {
            ApplyMode::ClientSide
        } else {
            ApplyMode::ServerSide
        };
        o.field_manager.clone_from(&self.field_manager);
        o.force_conflicts = self.force_conflicts;
        o
    }
}

#[derive(Debug, Args)]
struct DiffArgs {
    #[command(flatten)]
    kubectl: KubectlArgs,
    /// Only this stack (`STACK`) or resource (`STACK.RESOURCE`); repeatable
    #[arg(long, value_name = "STACK[.RESOURCE]")]
    filter: Vec<String>,
    /// Include the rollout checksum annotation, as `generate --secret-checksums` writes it
    #[arg(long)]
    secret_checksums: bool,
}

#[derive(Debug, Args)]
struct InspectArgs {
    /// Print a machine-readable document instead of text
    #[arg(
        long,
        short = 'o',
        value_enum,
        value_name = "FORMAT",
        conflicts_with = "graph"
    )]
    output: Option<Format>,
    /// Draw the wiring (managers, providers, Secrets, stacks, resources, containers) as Graphviz DOT
    /// (`--graph`, render with `dot -Tsvg`) or a Mermaid flowchart (`--graph=mermaid`)
    #[arg(long, value_enum, value_name = "FORMAT", num_args = 0..=1, require_equals = true, default_missing_value = "dot")]
    graph: Option<GraphFormat>,
}

const NO_COLOUR: &str =
    "kubricate prints plain text without colour on every stream, so NO_COLOR is always honoured.";

const GENERATE_AFTER_HELP: &str = "\
Metadata added to every resource unless switched off: labels kubricate.thaitype.dev: \"true\",
kubricate.thaitype.dev/stack-id and kubricate.thaitype.dev/resource-id; annotations
kubricate.thaitype.dev/stack-name, kubricate.thaitype.dev/version and kubricate.thaitype.dev/resource-hash
(sha256 of the resource serialized with its keys sorted, taken before kubricate's metadata is added).
Without --managed-at the output is byte-identical across runs. --secret-checksums adds
kubricate.thaitype.dev/secret-checksum to each consuming workload's pod template (after the resource hash),
a keyed HMAC-SHA256 of the values it reads: a rotated value rolls its pods.

Safety: the output directory may be any path, inside the working directory or not, but never `/`, the
home directory or the working directory itself (nor a directory containing either). Cleaning replaces
it as a whole, and only when every entry in it was generated by kubricate (listed in its
.kubricate-generated file). --no-clean and --filter never overwrite a file kubricate did not write
unless --force is given. Files are written under temporary names and renamed into place, so a failed
run leaves the previous output intact; nothing is ever written through a symbolic link.

kubricate prints plain text without colour on every stream, so NO_COLOR is always honoured.";

#[derive(Debug, Args)]
#[command(after_help = GENERATE_AFTER_HELP)]
struct GenerateArgs {
    /// Output directory: any path, a relative one taken from the working directory [default: the
    /// project's, else `output`]
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// Print the YAML to stdout instead of writing files (and no summary)
    #[arg(long)]
    stdout: bool,
    /// File layout [default: the project's, else `stack`]
    #[arg(long, value_enum, value_name = "MODE")]
    output_mode: Option<OutputMode>,
    /// Only this stack (`STACK`) or resource (`STACK.RESOURCE`); repeatable. A filter that matches
    /// nothing is an error listing the stacks and resources. A filtered run writes only its own files
    /// and never cleans the output directory
    #[arg(long, value_name = "STACK[.RESOURCE]")]
    filter: Vec<String>,
    /// Print no summary on stderr (errors are still printed)
    #[arg(long, short)]
    quiet: bool,
    /// Write the files into the output directory and keep whatever else it holds, instead of
    /// replacing the directory as a whole
    #[arg(long)]
    no_clean: bool,
    /// With --no-clean or --filter: overwrite files of the same name that kubricate did not write
    /// (without it such a run is refused and changes nothing)
    #[arg(long)]
    force: bool,
    /// Do not add the labels kubricate.thaitype.dev, kubricate.thaitype.dev/stack-id and
    /// kubricate.thaitype.dev/resource-id
    #[arg(long)]
    no_labels: bool,
    /// Do not add the kubricate.thaitype.dev/stack-name annotation
    #[arg(long)]
    no_stack_name: bool,
    /// Do not add the kubricate.thaitype.dev/version annotation
    #[arg(long)]
    no_version: bool,
    /// Do not add the kubricate.thaitype.dev/resource-hash annotation
    #[arg(long)]
    no_resource_hash: bool,
    /// Add no kubricate labels or annotations at all (--managed-at still adds its annotation)
    #[arg(long)]
    no_metadata: bool,
    /// Add the kubricate.thaitype.dev/managed-at annotation (the UTC time of the run); output then
    /// differs between runs
    #[arg(long)]
    managed_at: bool,
    /// Add the kubricate.thaitype.dev/secret-checksum annotation to the pod template of every
    /// workload that consumes a Secret: a keyed hash (HMAC-SHA256, key from KUBRICATE_CHECKSUM_KEY or
    /// the project's key source) of the values it consumes, so a rotated value rolls its pods. Loads
    /// every value
    #[arg(long, conflicts_with = "no_secret_checksums")]
    secret_checksums: bool,
    /// Leave the secret-checksum annotation out even if the project turns it on (no value is read)
    #[arg(long)]
    no_secret_checksums: bool,
}

#[derive(Debug, Subcommand)]
enum SecretCommand {
    /// Load every secret, merge the Secrets and check every reference the manifests make; apply nothing
    Validate {
        /// Print a machine-readable report instead of text (also on failure, with the problems)
        #[arg(long, short = 'o', value_enum, value_name = "FORMAT")]
        output: Option<Format>,
    },
    /// Create or update the Secrets with one `kubectl apply --server-side --field-manager=kubricate -f -`
    Apply(ApplyArgs),
    /// Show what `secret apply` would change (`kubectl diff`, Secret data masked; exit 0: no change,
    /// 1: changes, 2 or more: error)
    Diff(SecretDiffArgs),
}

#[derive(Debug, Args)]
struct ApplyArgs {
    /// `client`: print the Secrets that would be applied (values redacted) and run nothing;
    /// `server`: `kubectl apply --dry-run=server`. `--dry-run` alone means `client`
    #[arg(long, value_enum, value_name = "MODE", num_args = 0..=1, require_equals = true, default_missing_value = "client")]
    dry_run: Option<DryRunArg>,
    /// With --dry-run=client: print the base64 values too. They are secrets: mind your terminal and logs
    #[arg(long)]
    show_values: bool,
    /// With --dry-run=client: print a `v1/List` of the Secrets as JSON or YAML (values redacted)
    #[arg(long, short = 'o', value_enum, value_name = "FORMAT")]
    output: Option<Format>,
    #[command(flatten)]
    kubectl: KubectlArgs,
}

#[derive(Debug, Args)]
struct SecretDiffArgs {
    #[command(flatten)]
    kubectl: KubectlArgs,
}

/// Runs the CLI; returns the exit code (0 ok, 1 failure, 2 usage error).
pub(crate) fn run<I, T>(project: &Project, args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let mut out = Sink::new(out, "stdout");
    let mut err = Sink::new(err, "stderr");
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        // `--help` and `--version` go to stdout (exit 0), usage errors to stderr (exit 2); a failed
        // write is still a failure.
        Err(e) => {
            let text = e.render().to_string();
            let written = if e.use_stderr() {
                err.text(&text).map(|()| 2)
            } else {
                out.text(&text).map(|()| 0)
            };
            return match written {
                Ok(code) => code,
                Err(CliError::Closed) => 141,
                Err(e) => {
                    let _ = err.line(&format!("error: {e}"));
                    1
                }
            };
        }
    };
    // `diff` commands keep kubectl diff's meaning of exit codes: 1 is "changes", so errors are 2 or
    // kubectl's own code above 1.
    let (result, is_diff) = match cli.command {
        Command::Generate(args) => (
            generate(project, args, &mut out, &mut err).map(|()| 0),
            false,
        ),
        Command::Secret {
            command: SecretCommand::Validate { output },
        } => (
            validate(project, output, &mut out, &mut err).map(|()| 0),
            false,
        ),
        Command::Secret {
            command: SecretCommand::Apply(args),
        } => (apply(project, args, &mut out, &mut err).map(|()| 0), false),
        Command::Secret {
            command: SecretCommand::Diff(args),
        } => (secret_diff(project, &args, &mut out, &mut err), true),
        Command::Diff(args) => (diff(project, &args, &mut out, &mut err), true),
        Command::Inspect(args) => (inspect(project, &args, &mut out).map(|()| 0), false),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let name = program_name(args.first(), &cmd);
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, name, &mut script);
            (out.emit(&script).map(|()| 0), false)
        }
    };
    match result {
        Ok(code) => code,
        // The reader went away (`| head -1`): nobody is left to read a message. Exit as a tool killed
        // by SIGPIPE does (128 + 13), so `set -o pipefail` still sees the output was cut short.
        Err(CliError::Closed) => 141,
        Err(e) => {
            // If stderr itself fails there is nowhere left to report; the exit status still says it.
            let _ = err.line(&format!("error: {e}"));
            e.exit_code(is_diff)
        }
    }
}

/// The name completions are generated for: the program's file name (the first argument), as the
/// shell sees it.
fn program_name(argv0: Option<&OsString>, cmd: &clap::Command) -> String {
    argv0
        .map(PathBuf::from)
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| cmd.get_name().to_owned())
}

/// A usage error (exit status 2) found after parsing: flags that only make sense together.
fn usage(message: impl Into<String>) -> CliError {
    CliError::Project(ProjectError::Usage(message.into()))
}

/// Writes `doc` in `format` (JSON pretty-printed with a final newline; YAML with kubricate's emitter).
///
/// `secret apply --dry-run=client -o json --show-values` prints real values, so the text is built the
/// way every text holding values is: measured first, then written into a zeroizing buffer that never
/// grows (a growing buffer leaves its old copy in freed memory).
fn write_doc(out: &mut Sink<'_>, doc: &Value, format: Format) -> Result<(), CliError> {
    match format {
        Format::Json => {
            struct Count(usize);
            impl Write for Count {
                fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                    self.0 += b.len();
                    Ok(b.len())
                }
                fn flush(&mut self) -> io::Result<()> {
                    Ok(())
                }
            }
            let mut count = Count(1);
            // Serializing a `Value` cannot fail: its keys are strings.
            let _ = serde_json::to_writer_pretty(&mut count, doc);
            let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(count.0));
            let _ = serde_json::to_writer_pretty(&mut *buf, doc);
            buf.push(b'\n');
            out.emit(&buf)
        }
        Format::Yaml => out.text(&crate::yaml::to_zeroizing_string_multi("", [doc])),
    }
}

/// Why a command failed: its operation, or writing what it prints.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// Writing to stdout or stderr failed (a full disk, `/dev/full`, a revoked terminal): the output is
    /// incomplete, which a pipeline such as `generate --stdout > m.yaml && kubectl apply --prune` must
    /// not mistake for success.
    #[error("cannot write to {target}: {source}; the output is incomplete")]
    Write {
        target: &'static str,
        #[source]
        source: io::Error,
    },
    /// kubectl failed after its output (scrubbed) was streamed, which the message does not repeat.
    #[error("{error}{}", if *.shown { "; kubectl's output (scrubbed) is shown above" } else { "; kubectl printed nothing" })]
    Streamed {
        #[source]
        error: ApplyError,
        /// Whether kubectl printed anything.
        shown: bool,
    },
    /// The reader of stdout or stderr closed it (EPIPE): end quietly.
    #[error("output closed by its reader")]
    Closed,
}

impl CliError {
    /// 1 for a failure, 2 for a usage error; for `diff` commands, whose 1 means "changes", 2 or
    /// kubectl's own code above 1.
    fn exit_code(&self, is_diff: bool) -> u8 {
        let failed = match self {
            CliError::Project(ProjectError::Usage(_)) => return 2,
            CliError::Project(ProjectError::Apply(ApplyError::Failed { code, .. }))
            | CliError::Streamed {
                error: ApplyError::Failed { code, .. },
                ..
            } => *code,
            _ => None,
        };
        match failed {
            Some(c) if is_diff && c > 1 => u8::try_from(c).unwrap_or(2),
            _ if is_diff => 2,
            _ => 1,
        }
    }
}

/// One output stream of the CLI, every write checked and flushed, so a failed write is an error
/// instead of a truncated output with exit status 0.
/// A spooled `generate --stdout` that could not read its temporary file back.
impl From<crate::generate::write::OutputError> for CliError {
    fn from(e: crate::generate::write::OutputError) -> Self {
        CliError::Project(ProjectError::Output(e))
    }
}

pub(crate) struct Sink<'a> {
    w: &'a mut dyn Write,
    name: &'static str,
}

impl<'a> Sink<'a> {
    fn new(w: &'a mut dyn Write, name: &'static str) -> Self {
        Sink { w, name }
    }

    /// Writes all of `bytes` and flushes them (a buffered error only shows on flush).
    fn emit(&mut self, bytes: &[u8]) -> Result<(), CliError> {
        let result = self.w.write_all(bytes).and_then(|()| self.w.flush());
        result.map_err(|source| {
            if source.kind() == io::ErrorKind::BrokenPipe {
                CliError::Closed
            } else {
                CliError::Write {
                    target: self.name,
                    source,
                }
            }
        })
    }

    fn text(&mut self, s: &str) -> Result<(), CliError> {
        self.emit(s.as_bytes())
    }

    fn line(&mut self, s: &str) -> Result<(), CliError> {
        let mut l = String::with_capacity(s.len() + 1);
        l.push_str(s);
        l.push('\n');
        self.emit(l.as_bytes())
    }
}

fn generate(
    project: &Project,
    args: GenerateArgs,
    out: &mut Sink<'_>,
    err: &mut Sink<'_>,
) -> Result<(), CliError> {
    let mut opts: GenerateOptions = project.generate_options();
    if let Some(d) = args.out_dir {
        opts.out_dir = d;
    }
    if let Some(m) = args.output_mode {
        opts.mode = m;
    }
    opts.filters = args.filter;
    opts.clean = opts.clean && !args.no_clean;
    opts.force = args.force;
    let m = &mut opts.metadata;
    if args.no_metadata {
        *m = crate::generate::metadata::MetadataOptions::none();
    }
    m.labels &= !args.no_labels;
    m.stack_name &= !args.no_stack_name;
    m.version &= !args.no_version;
    m.resource_hash &= !args.no_resource_hash;
    m.managed_at |= args.managed_at;
    opts.secret_checksums =
        (opts.secret_checksums || args.secret_checksums) && !args.no_secret_checksums;
    if args.stdout {
        // Spooled, so that memory does not grow with the number of stacks; printed only once every
        // stack has rendered, so that a failing stack leaves stdout empty.
        let spool = project.render_spooled(&opts)?;
        return spool.stream(|chunk| out.emit(chunk));
    }
    let report = project.generate(&opts)?;
    if !args.quiet {
        err.text(&summary(&report, &opts))?;
    }
    Ok(())
}

/// The few lines `generate` prints on stderr: what was rendered and where it went. Paths are shown as
/// the user gave the output directory, which is what they will type next.
fn summary(report: &crate::project::GenerateReport, opts: &GenerateOptions) -> String {
    let mut s = format!(
        "Generated {} resource(s) from {} stack(s) ({}), {} mode.\n",
        report.resources,
        report.stacks.len(),
        report.stacks.join(", "),
        opts.mode.name(),
    );
    let dir = opts.out_dir.display();
    let n = report.files.len();
    s.push_str(&if report.cleaned {
        format!("Replaced {dir} with {n} file(s):\n")
    } else {
        format!("Wrote {n} file(s) into {dir} (other files kept):\n")
    });
    for f in &report.files {
        s.push_str(&format!(
            "  {} ({} resource(s))\n",
            opts.out_dir.join(&f.path).display(),
            f.documents
        ));
    }
    s
}

fn validate(
    project: &Project,
    output: Option<Format>,
    out: &mut Sink<'_>,
    err: &mut Sink<'_>,
) -> Result<(), CliError> {
    let _core = crate::model::secret_value::CoreDumpsOff::new();
    let plan = match project.secret_plan() {
        Ok(plan) => plan,
        Err(e) => {
            if let Some(format) = output {
                // The warnings of the failed run go with its problems: an overwrite's warning is
                // often the cause of a problem (a reference to a dropped key).
                let (problems, warnings): (Vec<String>, Vec<String>) = match &e {
                    ProjectError::Secrets(s) => (
                        s.problems.iter().map(ToString::to_string).collect(),
                        s.warnings.iter().map(ToString::to_string).collect(),
                    ),
                    other => (vec![other.to_string()], Vec::new()),
                };
                let doc = json!({ "ok": false, "problems": problems, "warnings": warnings });
                write_doc(out, &doc, format)?;
            }
            return Err(e.into());
        }
    };
    warnings(err, &plan.warnings)?;
    if let Some(format) = output {
        return write_doc(out, &validate_report(project, &plan), format);
    }
    let mut text = format!(
        "secret validate: OK: {} Secret(s) from {} secret manager(s) ready to apply; {} Secret reference(s) in {} stack(s) checked\n",
        plan.secrets.len(),
        project.managers.len(),
        plan.references_checked,
        project.stack_count()
    );
    for s in &plan.secrets {
        let keys: Vec<&str> = s.data.keys().map(String::as_str).collect();
        text.push_str(&format!(
            "  {} ({}): {}\n",
            s.place(),
            s.secret_type,
            keys.join(", ")
        ));
    }
    for g in &plan.generated {
        text.push_str(&format!(
            "  {}/{} ({}): {} (made in the cluster from the {} manifests `generate` writes; nothing to apply)\n",
            g.namespace,
            g.name,
            g.secret_type,
            g.keys.join(", "),
            g.provider
        ));
    }
    out.text(&text)
}

/// `secret validate -o json`: names, types, keys and sizes, never a value.
fn validate_report(project: &Project, plan: &SecretPlan) -> Value {
    let secrets: Vec<Value> = plan
        .secrets
        .iter()
        .map(|s| {
            json!({
                "name": s.name,
                "namespace": s.namespace,
                "type": s.secret_type,
                "keys": s.data.iter().map(|(k, v)| json!({ "name": k, "bytes": v.len() })).collect::<Vec<_>>(),
                "sources": s.sources,
            })
        })
        .collect();
    json!({
        "ok": true,
        "managers": project.managers.len(),
        "stacks": project.stack_count(),
        "referencesChecked": plan.references_checked,
        "secrets": secrets,
        "warnings": plan.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

fn warnings(err: &mut Sink<'_>, warnings: &[SecretWarning]) -> Result<(), CliError> {
    for w in warnings {
        err.line(&format!("warning: {w}"))?;
    }
    Ok(())
}

fn apply(
    project: &Project,
    args: ApplyArgs,
    out: &mut Sink<'_>,
    err: &mut Sink<'_>,
) -> Result<(), CliError> {
    let dry_run = args.dry_run.unwrap_or(DryRunArg::None);
    if dry_run != DryRunArg::Client {
        if args.show_values {
            return Err(usage(
                "--show-values only goes with --dry-run=client (kubricate's local print)",
            ));
        }
        if args.output.is_some() {
            return Err(usage("-o/--output only goes with --dry-run=client; kubectl's own output is shown as it is"));
        }
    }
    let _core = crate::model::secret_value::CoreDumpsOff::new();
    let mut opts = project.kubectl_env_policy(&args.kubectl.options());
    let plan = project.secret_plan()?;
    warnings(err, &plan.warnings)?;
    if dry_run == DryRunArg::Client {
        // What kubectl would be sent: --namespace fills in Secrets without one, and contradicts none.
        crate::deliver::apply::check_options(&plan.secrets, &opts).map_err(ProjectError::Apply)?;
        let docs: Vec<crate::model::secret_value::ZeroizingJson> = plan
            .secrets
            .iter()
            .map(|s| {
                let mut doc = s.to_manifest(args.show_values);
                if let (None, Some(ns)) = (&s.namespace, &opts.namespace) {
                    doc["metadata"]["namespace"] = Value::from(ns.as_str());
                }
                crate::model::secret_value::ZeroizingJson(doc)
            })
            .collect();
        if let Some(format) = args.output {
            let mut list = serde_json::Map::new();
            list.insert("apiVersion".into(), "v1".into());
            list.insert("kind".into(), "List".into());
            list.insert(
                "items".into(),
                Value::Array(docs.into_iter().map(|d| d.0.clone()).collect()),
            );
            let list = crate::model::secret_value::ZeroizingJson(Value::Object(list));
            return write_doc(out, &list.0, format);
        }
        let header = if args.show_values {
            "# secret apply --dry-run --show-values: these are real secret values\n"
        } else {
            "# secret apply --dry-run: values redacted (add --show-values to print them)\n"
        };
        let text = crate::yaml::to_zeroizing_string_multi(header, docs.iter().map(|d| &d.0));
        return out.text(&text);
    }
    if plan.secrets.is_empty() {
        return err.line("No Secrets to apply; kubectl was not run");
    }
    if dry_run == DryRunArg::Server {
        opts.dry_run = DryRun::Server;
    }
    // kubectl's output is passed on line by line as it comes (scrubbed), so a slow apply shows its
    // progress and a hanging one what it printed before it hung. A failed write is kept for later:
    // kubectl is read to the end either way, so it never blocks on a full pipe.
    let mut failed_write: Option<CliError> = None;
    let mut shown = false;
    let result =
        crate::deliver::apply::apply_streaming(&plan.secrets, &opts, &mut |stream, line| {
            shown = true;
            if failed_write.is_none() {
                let written = match stream {
                    Stream::Stdout => out.line(line),
                    _ => err.line(line),
                };
                failed_write = written.err();
            }
        });
    match result {
        Ok(_) => {}
        // Its output was streamed above: the message does not repeat it.
        Err(ApplyError::Failed {
            kubectl,
            command,
            code,
            ..
        }) => {
            return Err(CliError::Streamed {
                shown,
                error: ApplyError::Failed {
                    kubectl,
                    command,
                    code,
                    stderr: String::new(),
                    stdout: String::new(),
                },
            })
        }
        Err(ApplyError::Timeout {
            kubectl,
            command,
            timeout,
            ..
        }) => {
            return Err(CliError::Streamed {
                shown,
                error: ApplyError::Timeout {
                    kubectl,
                    command,
                    timeout,
                    stderr: String::new(),
                    stdout: String::new(),
                },
            })
        }
        Err(e) => return Err(ProjectError::Apply(e).into()),
    }
    if let Some(e) = failed_write {
        return Err(e);
    }
    let n = plan.secrets.len();
    err.line(&match (opts.mode, opts.dry_run) {
        (_, DryRun::Server) => format!(
            "Checked {n} Secret(s) with one kubectl apply --dry-run=server (the API server stored nothing)"
        ),
        (ApplyMode::ClientSide, _) => {
            format!("Applied {n} Secret(s) with one client-side kubectl apply")
        }
        _ => format!("Applied {n} Secret(s) with one server-side kubectl apply"),
    })
}

fn report_diff(
    outcome: &DiffOutcome,
    what: &str,
    out: &mut Sink<'_>,
    err: &mut Sink<'_>,
) -> Result<u8, CliError> {
    out.text(&outcome.stdout)?;
    if outcome.changed {
        err.line(&format!("{what}: the cluster differs (exit status 1)"))?;
        Ok(1)
    } else {
        err.line(&format!("{what}: no change"))?;
        Ok(0)
    }
}

fn secret_diff(
    project: &Project,
    args: &SecretDiffArgs,
    out: &mut Sink<'_>,
    err: &mut Sink<'_>,
) -> Result<u8, CliError> {
    let _core = crate::model::secret_value::CoreDumpsOff::new();
    let (plan, outcome) = project.diff_secrets(&args.kubectl.options())?;
    warnings(err, &plan.warnings)?;
    if plan.secrets.is_empty() {
        err.line("No Secrets to compare; kubectl was not run")?;
        return Ok(0);
    }
    report_diff(&outcome, "secret diff", out, err)
}

fn diff(
    project: &Project,
    args: &DiffArgs,
    out: &mut Sink<'_>,
    err: &mut Sink<'_>,
) -> Result<u8, CliError> {
    let mut opts = project.generate_options();
    opts.filters.clone_from(&args.filter);
    opts.secret_checksums |= args.secret_checksums;
    let outcome = project.diff_manifests(&opts, &args.kubectl.options())?;
    report_diff(&outcome, "diff", out, err)
}

fn inspect(project: &Project, args: &InspectArgs, out: &mut Sink<'_>) -> Result<(), CliError> {
    if let Some(format) = args.graph {
        return out.text(&crate::graph::render(
            &project.stacks,
            &project.managers,
            format,
        ));
    }
    if let Some(format) = args.output {
        return write_doc(out, &inspect_report(project), format);
    }
    let mut text = String::new();
    let _ = project.stacks.each(|id, stack| {
        text.push_str(&format!(
            "stack {id} (name: {})\n",
            if stack.name().is_empty() {
                id
            } else {
                stack.name()
            }
        ));
        for (rid, r) in stack.resources() {
            text.push_str(&format!("  resource {rid}: {}\n", r.kind()));
        }
        for inj in stack.injections() {
            let container = inj
                .strategy()
                .container()
                .map(|c| format!(", {c}"))
                .unwrap_or_default();
            text.push_str(&format!(
                "  inject {} as {} via {} ({}) into {}{container} -> Secret {}\n",
                inj.secret(),
                inj.target_name(),
                inj.strategy().kind(),
                inj.provider_id(),
                inj.resource_id(),
                inj.provider().secret_name()
            ));
        }
        ControlFlow::Continue(())
    });
    out.text(&text)
}

/// `inspect -o json`: the declarations only (no value is loaded).
fn inspect_report(project: &Project) -> Value {
    let mut stacks: Vec<Value> = Vec::with_capacity(project.stack_count());
    let _ = project.stacks.each(|id, stack| {
        stacks.push({
            let resources: Vec<Value> = stack
                .resources()
                .iter()
                .map(|(rid, r)| json!({ "id": rid, "kind": r.kind(), "name": r.name(), "namespace": r.namespace() }))
                .collect();
            let injections: Vec<Value> = stack
                .injections()
                .iter()
                .map(|inj| {
                    json!({
                        "secret": inj.secret(),
                        "as": inj.target_name(),
                        "strategy": inj.strategy().kind().to_string(),
                        "provider": inj.provider_id(),
                        "resource": inj.resource_id(),
                        "container": inj.strategy().container().map(ToString::to_string),
                        "secretName": inj.provider().secret_name(),
                    })
                })
                .collect();
            let name = if stack.name().is_empty() { id } else { stack.name() };
            json!({ "id": id, "name": name, "resources": resources, "injections": injections })
        });
        ControlFlow::Continue(())
    });
    json!({ "stacks": stacks })
}

// The CLI owns the entry points (rather than `project`), so `project` never imports `cli`: the
// configuration does not depend on the command line over it.
impl Project {
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
        run(self, args, out, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every flag of every command has a description, and shows up in that command's `--help`.
    #[test]
    fn help_documents_every_flag_of_every_command() {
        fn check(cmd: &mut clap::Command, path: &str) -> usize {
            let help = cmd.render_long_help().to_string();
            let mut checked = 0;
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if arg.is_hide_set() || id == "help" || id == "version" {
                    continue;
                }
                let described = arg
                    .get_long_help()
                    .or(arg.get_help())
                    .is_some_and(|h| !h.to_string().trim().is_empty());
                assert!(described, "`{path}`: flag `{id}` has no description");
                if let Some(long) = arg.get_long() {
                    assert!(
                        help.contains(&format!("--{long}")),
                        "`{path} --help` does not show --{long}:\n{help}"
                    );
                }
                checked += 1;
            }
            assert!(
                help.contains("Usage:"),
                "`{path} --help` has no usage:\n{help}"
            );
            let mut subs: Vec<clap::Command> = cmd.get_subcommands().cloned().collect();
            for sub in &mut subs {
                let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
                assert!(
                    !about.trim().is_empty(),
                    "`{path} {}` has no description",
                    sub.get_name()
                );
                checked += check(sub, &format!("{path} {}", sub.get_name()));
            }
            checked
        }
        let mut cli = Cli::command();
        cli.build();
        // generate alone has 13 flags; the total guards against the walk silently skipping commands.
        assert!(check(&mut cli, "app") >= 13);
    }

    #[test]
    fn help_says_there_is_no_colour() {
        let mut cli = Cli::command();
        assert!(cli.render_long_help().to_string().contains("NO_COLOR"));
        let generate = cli.find_subcommand_mut("generate");
        assert!(generate.is_some_and(|g| g.render_long_help().to_string().contains("NO_COLOR")));
    }
}
