//! Command-line flags (clap), turned into a run and an exit code:
//! 0 nothing found, 1 findings (or, with `fix --diff`, a diff), 2 errors.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::engine::Engine;
use crate::options::RuleOptions;
use crate::report::{self, Format};
use crate::rules::{self, Rule};
use crate::run::{self, Mode, RunOptions};
use crate::source::DEFAULT_MAX_FILE_SIZE;

#[derive(Parser, Debug)]
#[command(
    name = "gomemfix",
    version,
    about = "Finds Go memory-management bugs and rewrites them to their documented fix"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Report findings (exit 1 when there are some).
    Check(CommonArgs),
    /// Apply fixes in place, or print them as one unified diff with --diff.
    Fix {
        #[command(flatten)]
        common: CommonArgs,
        /// Also apply fixes that may change behaviour or API.
        #[arg(long)]
        unsafe_fixes: bool,
        /// Write nothing; print a unified diff (exit 1 when it is not empty).
        #[arg(long)]
        diff: bool,
    },
    /// List the rules.
    Rules {
        #[arg(long, value_delimiter = ',')]
        select: Vec<String>,
    },
    /// Print a rule's documentation.
    Explain {
        /// A rule id (GM005) or name (gc-in-loop).
        rule: String,
    },
}

#[derive(Args, Debug)]
pub struct CommonArgs {
    /// Files or folders (default: the current folder).
    pub paths: Vec<PathBuf>,
    /// Only these rules (ids, names or id prefixes, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Leave out these rules.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// A folder of extra rule files (ast-grep YAML, one rule per file).
    #[arg(long)]
    pub patterns: Option<PathBuf>,
    /// Skip (and report) files larger than this many bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
    /// GM006: the container's memory limit (1Gi, 512Mi, 1g), for the
    /// debug.SetMemoryLimit fix when no deployment file gives one.
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<String>,
    /// GM006: in Kubernetes manifests, take GOMEMLIMIT from the container's
    /// limits.memory (resourceFieldRef) rather than a fixed 90% of it.
    #[arg(long)]
    pub memlimit_from_resource: bool,
    /// Benchmark floor (bench/run): walk, read and parse every candidate file with
    /// no prefilter and no rules, print the file count, exit 0 (2 on read errors).
    #[arg(long, hide = true)]
    pub parse_only: bool,
}

pub fn main_exit_code() -> i32 {
    let cli = Cli::parse();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match execute(cli, &mut out) {
        Ok(code) => code,
        Err(e)
            if e.downcast_ref::<io::Error>()
                .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe) =>
        {
            0
        }
        Err(e) => {
            eprintln!("gomemfix: {e}");
            2
        }
    }
}

pub fn execute(cli: Cli, out: &mut dyn Write) -> anyhow::Result<i32> {
    match cli.command {
        Command::Rules { select } => {
            let rules = select_rules(rules::bundled(), &select, &[])?;
            for r in &rules {
                writeln!(
                    out,
                    "{}  {:<30} fix: {:<18} {}",
                    r.id,
                    r.name,
                    r.fix_safety.to_string(),
                    first_line(&r.message)
                )?;
            }
            Ok(0)
        }
        Command::Explain { rule } => {
            let rules = rules::bundled();
            let found = rules
                .iter()
                .find(|r| r.id.eq_ignore_ascii_case(&rule) || r.name == rule);
            match found {
                Some(r) => {
                    write!(out, "{}", r.explain())?;
                    Ok(0)
                }
                None => anyhow::bail!("unknown rule `{rule}` (see `gomemfix rules`)"),
            }
        }
        Command::Check(common) => run_files(common, Mode::Check, false, out),
        Command::Fix {
            common,
            unsafe_fixes,
            diff,
        } => run_files(common, Mode::Fix { write: !diff }, unsafe_fixes, out),
    }
}

fn run_files(
    common: CommonArgs,
    mode: Mode,
    unsafe_fixes: bool,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let mut all = rules::bundled();
    if let Some(dir) = &common.patterns {
        all.extend(rules::load_dir(dir)?);
    }
    let rules = select_rules(all, &common.select, &common.ignore)?;
    if common.parse_only {
        let paths = if common.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            common.paths
        };
        let (parsed, errors) = run::parse_only(&paths, common.max_file_size);
        writeln!(out, "Parsed {parsed} files.")?;
        return Ok(if errors > 0 { 2 } else { 0 });
    }
    let engine = Engine::new(rules).with_options(rule_options(&common)?);
    let paths = if common.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        common.paths
    };
    let opts = RunOptions {
        mode,
        unsafe_fixes,
        max_file_size: common.max_file_size,
        base: std::env::current_dir().unwrap_or_default(),
    };
    let report = run::run(&engine, &paths, &opts);
    for e in &report.errors {
        eprintln!("gomemfix: {e}");
    }
    for f in &report.files {
        for e in &f.errors {
            eprintln!("gomemfix: {}: {e}", f.path.display());
        }
        for w in &f.warnings {
            eprintln!("gomemfix: warning: {}: {w}", f.path.display());
        }
    }
    let diff = report.diff();
    if mode == (Mode::Fix { write: false }) {
        write!(out, "{diff}")?;
        if common.format == Format::Json {
            report::print(out, &report, common.format, mode, unsafe_fixes)?;
        }
    } else {
        report::print(out, &report, common.format, mode, unsafe_fixes)?;
    }
    out.flush()?;
    let code = if report.error_count() > 0 {
        2
    } else {
        match mode {
            Mode::Fix { write: false } => i32::from(!diff.is_empty()),
            _ => i32::from(report.findings().next().is_some()),
        }
    };
    Ok(code)
}

/// Applies `--select` and `--ignore`; each entry is an id, a name or an id prefix.
pub fn select_rules(
    all: Vec<Rule>,
    select: &[String],
    ignore: &[String],
) -> anyhow::Result<Vec<Rule>> {
    let hits = |r: &Rule, key: &str| {
        let key = key.trim();
        r.id.eq_ignore_ascii_case(key)
            || r.name == key
            || (key.len() >= 2
                && r.id
                    .to_ascii_uppercase()
                    .starts_with(&key.to_ascii_uppercase()))
    };
    for key in select.iter().chain(ignore).filter(|k| !k.trim().is_empty()) {
        if !all.iter().any(|r| hits(r, key)) {
            anyhow::bail!("unknown rule `{key}` in --select/--ignore (see `gomemfix rules`)");
        }
    }
    Ok(all
        .into_iter()
        .filter(|r| select.is_empty() || select.iter().any(|k| hits(r, k)))
        .filter(|r| !ignore.iter().any(|k| hits(r, k)))
        .collect())
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// The rule options (see `options`) the flags set.
fn rule_options(common: &CommonArgs) -> anyhow::Result<RuleOptions> {
    let mut options = RuleOptions::default();
    if let Some(size) = &common.memory_limit {
        if crate::deploy::quantity::kubernetes_bytes(size)
            .or_else(|| crate::deploy::quantity::docker_bytes(size))
            .is_none()
        {
            anyhow::bail!("--memory-limit {size}: not a size (examples: 1Gi, 512Mi, 1g)");
        }
        options.set("memory-limit", size.clone());
    }
    if common.memlimit_from_resource {
        options.set("memlimit-from-resource", "true");
    }
    Ok(options)
}
