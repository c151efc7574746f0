//! The command line your binary gets from [`Project::main`](crate::Project::main).

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::apply::KubectlOptions;
use crate::project::{GenerateOptions, Project, ProjectError};
use crate::render::OutputMode;

#[derive(Debug, Parser)]
#[command(
    about = "Generate Kubernetes manifests from this project's stacks and deliver their secrets",
    long_about = "Generate Kubernetes manifests from this project's stacks and deliver their secrets.\n\n\
                  Manifests only ever reference Secrets; values are loaded by connectors (e.g. KUBRICATE_SECRET_* \
                  variables and .env) and sent to the cluster only by `secret apply`.",
    disable_help_subcommand = true
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
    /// List stacks, their resource ids and planned secret injections (for debugging)
    Inspect,
}

#[derive(Debug, Args)]
struct GenerateArgs {
    /// Output directory, relative to the working directory [default: the project's, else `output`]
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// Print the YAML to stdout instead of writing files
    #[arg(long)]
    stdout: bool,
    /// File layout: `stack` (<out>/<stackId>.yml), `flat` (<out>/stacks.yml), `resource` (<out>/<stackId>/<Kind>_<id>.yml)
    #[arg(long, value_enum, value_name = "MODE")]
    output_mode: Option<OutputMode>,
    /// Only this stack (`STACK`) or resource (`STACK.RESOURCE`); repeatable
    #[arg(long, value_name = "STACK[.RESOURCE]")]
    filter: Vec<String>,
    /// Print nothing on success
    #[arg(long, short)]
    quiet: bool,
    /// Write into the output directory without removing files from earlier runs
    #[arg(long)]
    no_clean: bool,
    /// Do not add the kubricate.thaitype.dev labels
    #[arg(long)]
    no_labels: bool,
    /// Do not add the stack-name annotation
    #[arg(long)]
    no_stack_name: bool,
    /// Do not add the version annotation
    #[arg(long)]
    no_version: bool,
    /// Do not add the resource-hash annotation
    #[arg(long)]
    no_resource_hash: bool,
    /// Add no kubricate labels or annotations at all
    #[arg(long)]
    no_metadata: bool,
    /// Add the managed-at timestamp annotation (output then differs between runs)
    #[arg(long)]
    managed_at: bool,
}

#[derive(Debug, Subcommand)]
enum SecretCommand {
    /// Load every secret, merge the Secrets and check every reference the manifests make; apply nothing
    Validate,
    /// Create or update the Secrets with one `kubectl apply -f -`
    Apply(ApplyArgs),
}

#[derive(Debug, Args)]
struct ApplyArgs {
    /// Print the Secrets that would be applied (values redacted) instead of applying them
    #[arg(long)]
    dry_run: bool,
    /// With --dry-run: print the base64 values too. They are secrets: mind your terminal and logs
    #[arg(long, requires = "dry_run")]
    show_values: bool,
    /// The kubectl binary
    #[arg(long, value_name = "PATH", default_value = "kubectl")]
    kubectl: PathBuf,
    /// kubectl --context
    #[arg(long, value_name = "NAME")]
    context: Option<String>,
    /// kubectl --namespace (each Secret keeps its own namespace)
    #[arg(long, value_name = "NAME")]
    namespace: Option<String>,
}

/// Runs the CLI; returns the exit code (0 ok, 1 failure, 2 usage error).
pub(crate) fn run<I, T>(project: &Project, args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let text = e.render().to_string();
            let _ = if code == 0 {
                out.write_all(text.as_bytes())
            } else {
                err.write_all(text.as_bytes())
            };
            return code;
        }
    };
    let result = match cli.command {
        Command::Generate(args) => generate(project, args, out, err),
        Command::Secret {
            command: SecretCommand::Validate,
        } => validate(project, out, err),
        Command::Secret {
            command: SecretCommand::Apply(args),
        } => apply(project, args, out, err),
        Command::Inspect => inspect(project, out),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            1
        }
    }
}

fn generate(
    project: &Project,
    args: GenerateArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), ProjectError> {
    let mut opts: GenerateOptions = project.generate_options();
    if let Some(d) = args.out_dir {
        opts.out_dir = d;
    }
    if let Some(m) = args.output_mode {
        opts.mode = m;
    }
    opts.filters = args.filter;
    opts.clean = opts.clean && !args.no_clean;
    let m = &mut opts.metadata;
    if args.no_metadata {
        *m = crate::render::MetadataOptions::none();
    }
    m.labels &= !args.no_labels;
    m.stack_name &= !args.no_stack_name;
    m.version &= !args.no_version;
    m.resource_hash &= !args.no_resource_hash;
    m.managed_at |= args.managed_at;
    if args.stdout {
        let files = project.render(&opts)?;
        let mut first = true;
        for f in &files {
            if f.content.is_empty() {
                continue;
            }
            if !first {
                let _ = out.write_all(b"---\n");
            }
            first = false;
            let _ = out.write_all(f.content.as_bytes());
        }
        return Ok(());
    }
    let (files, dir) = project.generate(&opts)?;
    if !args.quiet {
        let stacks: std::collections::BTreeSet<_> = files
            .iter()
            .map(|f| f.path.components().next().map(|c| c.as_os_str().to_owned()))
            .collect();
        let docs: usize = files.iter().map(|f| f.documents).sum();
        let _ = writeln!(
            err,
            "Generated {docs} resource(s) from {} stack(s) into {}:",
            project.stacks().len().min(stacks.len().max(1)),
            dir.display()
        );
        for f in &files {
            let _ = writeln!(
                err,
                "  {} ({} document(s))",
                dir.join(&f.path).display(),
                f.documents
            );
        }
    }
    Ok(())
}

fn validate(
    project: &Project,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), ProjectError> {
    let plan = project.secret_plan()?;
    for w in &plan.warnings {
        let _ = writeln!(err, "warning: {w}");
    }
    let _ = writeln!(
        out,
        "secret validate: OK: {} Secret(s) from {} secret manager(s) ready to apply; {} Secret reference(s) in {} stack(s) checked",
        plan.secrets.len(),
        project.managers.len(),
        plan.references_checked,
        project.stacks().len()
    );
    for s in &plan.secrets {
        let keys: Vec<&str> = s.data.keys().map(String::as_str).collect();
        let _ = writeln!(
            out,
            "  {}/{} ({}): {}",
            s.namespace,
            s.name,
            s.secret_type,
            keys.join(", ")
        );
    }
    Ok(())
}

fn apply(
    project: &Project,
    args: ApplyArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), ProjectError> {
    if args.dry_run {
        let plan = project.secret_plan()?;
        for w in &plan.warnings {
            let _ = writeln!(err, "warning: {w}");
        }
        let docs: Vec<serde_json::Value> = plan
            .secrets
            .iter()
            .map(|s| s.to_manifest(args.show_values))
            .collect();
        let header = if args.show_values {
            "# secret apply --dry-run --show-values: these are real secret values\n"
        } else {
            "# secret apply --dry-run: values redacted (add --show-values to print them)\n"
        };
        let mut text = zeroize::Zeroizing::new(String::from(header));
        text.push_str(&crate::yaml::to_string_multi(&docs));
        let _ = out.write_all(text.as_bytes());
        return Ok(());
    }
    let opts = KubectlOptions {
        kubectl: args.kubectl,
        context: args.context,
        namespace: args.namespace,
    };
    let (plan, stdout) = project.apply_secrets(&opts)?;
    for w in &plan.warnings {
        let _ = writeln!(err, "warning: {w}");
    }
    if plan.secrets.is_empty() {
        let _ = writeln!(err, "No Secrets to apply; kubectl was not run");
        return Ok(());
    }
    let _ = out.write_all(stdout.as_bytes());
    let _ = writeln!(
        err,
        "Applied {} Secret(s) with one kubectl apply",
        plan.secrets.len()
    );
    Ok(())
}

fn inspect(project: &Project, out: &mut dyn Write) -> Result<(), ProjectError> {
    for (id, stack) in project.stacks() {
        let _ = writeln!(
            out,
            "stack {id} (name: {})",
            if stack.name().is_empty() {
                id
            } else {
                stack.name()
            }
        );
        for (rid, r) in stack.resources() {
            let _ = writeln!(out, "  resource {rid}: {}", r.kind());
        }
        for inj in stack.injections() {
            let container = inj
                .strategy
                .container()
                .map(|c| format!(", {c}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  inject {} as {} via {} ({}) into {}{container} -> Secret {}",
                inj.secret,
                inj.target_name,
                inj.strategy.kind(),
                inj.provider_id,
                inj.resource_id,
                inj.provider().secret_name()
            );
        }
    }
    Ok(())
}
