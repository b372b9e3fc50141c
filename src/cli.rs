//! Command-line flags (clap), turned into a run and an exit code:
//! 0 nothing found, 1 findings (or, with `fix --diff`, a diff), 2 errors.
//!
//! Settings come from three places, strongest first: the command line,
//! `gomemfix.toml` (see `config`), the defaults.

use std::collections::HashMap;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use crate::baseline::Baseline;
use crate::config::{self, Config};
use crate::engine::Engine;
use crate::filter::{FileFilter, Shard};
use crate::finding::Confidence;
use crate::options::RuleOptions;
use crate::report::{self, ColorChoice, Format, ReportOptions, RuleInfo};
use crate::rules::{self, FixSafety, Rule};
use crate::run::{self, Mode, RunOptions, RunReport};
use crate::source::DEFAULT_MAX_FILE_SIZE;
use crate::suppress;

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
    /// Report findings (exit 1 when there are some); `check --fix` is `fix`.
    Check {
        #[command(flatten)]
        common: CommonArgs,
        /// Apply the fixes, as `gomemfix fix` does.
        #[arg(long)]
        fix: bool,
        #[command(flatten)]
        fixing: FixArgs,
    },
    /// Apply fixes in place, or print them as one unified diff with --diff.
    Fix {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        fixing: FixArgs,
    },
    /// List the rules (with `--patterns DIR`, yours too).
    Rules {
        #[arg(long, value_delimiter = ',')]
        select: Vec<String>,
        /// A folder of extra rule files to list with the bundled ones.
        #[arg(long)]
        patterns: Option<PathBuf>,
        /// `text` (one line a rule) or `json` (an array of objects).
        #[arg(long, value_enum, default_value = "text")]
        format: RulesFormat,
    },
    /// Print a rule's documentation.
    Explain {
        /// A rule id (GM005) or name (gc-in-loop).
        rule: String,
        /// A folder of extra rule files, to explain one of them.
        #[arg(long)]
        patterns: Option<PathBuf>,
    },
    /// Run the tests of your rules: DIR/rule-tests/*.yml, each with an `id` and
    /// `valid` (must not fire) and `invalid` (must fire) Go snippets.
    TestRules {
        /// The rule folder, as given to --patterns.
        dir: PathBuf,
    },
    /// Print a shell completion script: `gomemfix completions zsh > _gomemfix`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Run the language server (LSP over stdin and stdout) for editors.
    Server,
}

#[derive(Args, Debug, Default)]
pub struct FixArgs {
    /// Also apply fixes that may change behaviour or API.
    #[arg(long, overrides_with = "no_unsafe_fixes")]
    pub unsafe_fixes: bool,
    /// Apply safe fixes only, whatever gomemfix.toml says.
    #[arg(long)]
    pub no_unsafe_fixes: bool,
    /// Write nothing; print a unified diff (exit 1 when it is not empty).
    #[arg(long)]
    pub diff: bool,
}

impl FixArgs {
    fn unsafe_flag(&self) -> Option<bool> {
        if self.unsafe_fixes {
            Some(true)
        } else if self.no_unsafe_fixes {
            Some(false)
        } else {
            None
        }
    }
}

/// `--report FORMAT=FILE`: one more view of the same run, written to FILE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraReport {
    /// None: the unified diff of the fixes (`patch=FILE`).
    pub format: Option<Format>,
    pub file: PathBuf,
}

impl std::str::FromStr for ExtraReport {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        use clap::ValueEnum;
        let (name, file) = s
            .split_once('=')
            .ok_or_else(|| format!("`{s}`: expected FORMAT=FILE, e.g. sarif=gomemfix.sarif"))?;
        if file.is_empty() {
            return Err(format!("`{s}`: no file after `=`"));
        }
        let format = if name == "patch" {
            None
        } else {
            Some(Format::from_str(name, true).map_err(|_| {
                format!("`{name}`: not a format (text, json, sarif, github, markdown, patch)")
            })?)
        };
        Ok(ExtraReport {
            format,
            file: PathBuf::from(file),
        })
    }
}

/// `rules --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
}

/// `--confidence`'s values.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ConfidenceArg {
    High,
    Medium,
    Low,
}

impl From<ConfidenceArg> for Confidence {
    fn from(c: ConfidenceArg) -> Self {
        match c {
            ConfidenceArg::High => Confidence::High,
            ConfidenceArg::Medium => Confidence::Medium,
            ConfidenceArg::Low => Confidence::Low,
        }
    }
}

#[derive(Args, Debug)]
pub struct CommonArgs {
    /// Files or folders (default: the current folder); `-` reads one file from stdin.
    pub paths: Vec<PathBuf>,
    /// Only these rules (ids, names or id prefixes, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Leave out these rules.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Show and fix findings of at least this confidence: high (default: what the
    /// tool has positive evidence for), medium, or low (everything).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub confidence: Option<ConfidenceArg>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write the report (the patch, for `fix --diff` in text) to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write another view of this run to FILE: a --format name or `patch`
    /// (the unified diff of the fixes). Repeatable: `--report sarif=out.sarif`.
    #[arg(long, value_name = "FORMAT=FILE")]
    pub report: Vec<ExtraReport>,
    /// List each fix applied (with `fix`), or that `fix` would apply: path:line:col rule.
    #[arg(long)]
    pub show_fixes: bool,
    /// Exit 0 even when there are findings or a diff (errors still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Print findings only: no summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Colours in text output: on a terminal only (auto, honours NO_COLOR), always, never.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
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
    /// limits.memory (resourceFieldRef). The default; kept for scripts that pass it.
    #[arg(long, conflicts_with = "memlimit_fixed")]
    pub memlimit_from_resource: bool,
    /// GM006: in Kubernetes manifests, write GOMEMLIMIT as a fixed 90% of the
    /// container's limits.memory (headroom, but a copy of the limit to keep in step).
    #[arg(long)]
    pub memlimit_fixed: bool,
    /// GM006: also report test, end-to-end, benchmark, demo and example apps
    /// (mains under test/, tests/, e2e/, examples/, bench*/...).
    #[arg(long)]
    pub include_test_apps: bool,
    /// Benchmark floor (bench/run): walk, read and parse every candidate file with
    /// no prefilter and no rules, print the file count, exit 0 (2 on read errors).
    #[arg(long, hide = true)]
    pub parse_only: bool,
    /// Neither read nor write the results cache (`.gomemfix_cache/` at the project
    /// root, or `$GOMEMFIX_CACHE_DIR`): analyse every file afresh.
    #[arg(long)]
    pub no_cache: bool,
    /// Read settings from this file instead of the nearest gomemfix.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Skip files matching these globs (replaces `exclude` of gomemfix.toml).
    #[arg(long, value_delimiter = ',', value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// List findings silenced by `//gomemfix:ignore` or `//nolint` too.
    #[arg(long)]
    pub show_suppressed: bool,
    /// Report `//gomemfix:ignore` comments that silence nothing (GM100).
    #[arg(long)]
    pub report_unused_suppressions: bool,
    /// Read Go source from stdin as if it were PATH; `fix` writes the fixed source to stdout.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Leave out findings a saved `check --format json` (or sarif) output holds.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Process only the K-th of N stable shards of the file list (1-based: 1/4 ... 4/4).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
}

/// Stack for each analysis thread. Analyses walk syntax trees recursively; a
/// deeply nested file (generated tables, long else-if chains) must not overflow
/// a worker's default 2 MiB stack and abort the whole run. Workers get room, as
/// the main thread has (see `run::workers`).
pub(crate) const WORKER_STACK: usize = 64 << 20;

pub fn main_exit_code() -> i32 {
    let cli = Cli::parse();
    crate::profile::init_from_env();
    // The server's writer thread owns stdout: it must not be locked here.
    let result = if matches!(cli.command, Command::Server) {
        crate::server::run()
    } else {
        let stdout = io::stdout();
        let mut out = stdout.lock();
        execute(cli, &mut out)
    };
    crate::profile::report();
    exit_code(result)
}

fn exit_code(result: anyhow::Result<i32>) -> i32 {
    match result {
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
        Command::Rules {
            select,
            patterns,
            format,
        } => {
            let rules = select_rules(rules::with_patterns(patterns.as_deref())?, &select, &[])?;
            let gm100 = unused_suppression_info();
            let with_gm100 = select.is_empty()
                || select
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(&gm100.id) || *k == gm100.name);
            if format == RulesFormat::Json {
                let mut infos: Vec<RuleInfo> = rules.iter().map(RuleInfo::of).collect();
                if with_gm100 {
                    infos.push(gm100);
                }
                let list: Vec<serde_json::Value> = infos
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "id": r.id,
                            "name": r.name,
                            "summary": rules::summary(&r.message),
                            "severity": r.severity,
                            "fix": r.fix_safety.to_string(),
                            "precision": r.precision,
                            "help_uri": r.help_uri,
                            "origin": rules.iter().find(|x| x.id == r.id && x.run.is_none())
                                .map(|x| crate::walk::unix_path(&x.origin)),
                        })
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut *out, &list)?;
                writeln!(out)?;
                return Ok(0);
            }
            let line = |id: &str, name: &str, safety: String, message: &str| {
                format!(
                    "{id:<6} {name:<30} fix: {safety:<18} {}",
                    rules::summary(message)
                )
            };
            for r in &rules {
                let mut text = line(&r.id, &r.name, r.fix_safety.to_string(), &r.message);
                if r.run.is_none() {
                    text.push_str(&format!(" ({})", r.origin.display()));
                } else if let Some(m) = rules::first_look::of(&r.id) {
                    // How often it was right on code nobody had read (`explain` says when).
                    text.push_str(&format!(" [first look: {}]", m.short()));
                }
                writeln!(out, "{}", text.trim_end())?;
            }
            if with_gm100 {
                writeln!(
                    out,
                    "{}",
                    line(
                        &gm100.id,
                        &gm100.name,
                        gm100.fix_safety.to_string(),
                        &gm100.message
                    )
                )?;
            }
            Ok(0)
        }
        Command::Explain { rule, patterns } => {
            if rule.eq_ignore_ascii_case(crate::gofile::SYNTAX_ERROR_ID)
                || rule == crate::gofile::SYNTAX_ERROR_NAME
            {
                write!(
                    out,
                    "# {} {}\n\nThe parser could not read part of a file.\n\n{}",
                    crate::gofile::SYNTAX_ERROR_ID,
                    crate::gofile::SYNTAX_ERROR_NAME,
                    SYNTAX_ERROR_DOCS
                )?;
                return Ok(0);
            }
            let gm100 = unused_suppression_info();
            if rule.eq_ignore_ascii_case(&gm100.id) || rule == gm100.name {
                write!(
                    out,
                    "# {} {}\n\n{}\n\nFix safety: {}\n\n{}\n",
                    gm100.id,
                    gm100.name,
                    gm100.message,
                    gm100.fix_safety,
                    gm100.docs.trim()
                )?;
                return Ok(0);
            }
            let rules = rules::with_patterns(patterns.as_deref())?;
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
        Command::TestRules { dir } => crate::rule_tests::run(&dir, out),
        Command::Server => crate::server::run(),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            // Into a buffer: clap_complete panics on a write error (a closed pipe).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "gomemfix", &mut script);
            out.write_all(&script)?;
            Ok(0)
        }
        Command::Check {
            common,
            fix,
            fixing,
        } => {
            // ruff's spelling: `check --fix`, `check --diff`.
            let mode = if fixing.diff {
                Mode::Fix { write: false }
            } else if fix {
                Mode::Fix { write: true }
            } else {
                Mode::Check
            };
            let common = stdin_dash(common)?;
            let code = run_files(&common, mode, fixing.unsafe_flag(), out)?;
            Ok(exit_zero(code, common.exit_zero))
        }
        Command::Fix { common, fixing } => {
            let mode = Mode::Fix {
                write: !fixing.diff,
            };
            let common = stdin_dash(common)?;
            let code = run_files(&common, mode, fixing.unsafe_flag(), out)?;
            Ok(exit_zero(code, common.exit_zero))
        }
    }
}

/// `-` as the one path reads the source from stdin, as `--stdin-filename -`
/// does (shown as `-`; with `--stdin-filename PATH`, as PATH).
fn stdin_dash(mut common: CommonArgs) -> anyhow::Result<CommonArgs> {
    let dash = Path::new("-");
    if !common.paths.iter().any(|p| p == dash) {
        return Ok(common);
    }
    if common.paths.len() > 1 {
        anyhow::bail!("`-` (the source on stdin) cannot be given with other paths");
    }
    common.paths.clear();
    if common.stdin_filename.is_none() {
        common.stdin_filename = Some(dash.to_path_buf());
    }
    Ok(common)
}

/// `--exit-zero`: findings (1) do not fail the run; errors (2) still do.
fn exit_zero(code: i32, wanted: bool) -> i32 {
    if wanted && code == 1 {
        0
    } else {
        code
    }
}

/// The settings of one run, after the command line and gomemfix.toml are merged.
pub(crate) struct Settings {
    pub(crate) engine: Engine,
    pub(crate) unsafe_fixes: bool,
    pub(crate) files: FileFilter,
    pub(crate) infos: Vec<RuleInfo>,
    /// Every rule id a suppression may name (see `RunOptions::known_rules`).
    pub(crate) known_rules: Vec<String>,
    pub(crate) report_unused_suppressions: bool,
    /// The config file these settings come from, canonical (None: defaults).
    config_path: Option<PathBuf>,
}

/// The settings `gomemfix check FILE` gives a file under `config`, with no
/// flags: the language server's route to the same engine as the command line.
pub(crate) fn settings_of_config(config: &Config, file: &Path) -> anyhow::Result<Settings> {
    let Command::Check { common, .. } = Cli::try_parse_from(["gomemfix", "check"])?.command else {
        unreachable!("`check` parses as Check");
    };
    let base = file.parent().unwrap_or(Path::new("."));
    settings_for(&common, config, &config.ignored_for(file), None, base, None)
}

/// GM100's row in rule listings and reports.
fn unused_suppression_info() -> RuleInfo {
    RuleInfo {
        id: suppress::UNUSED_ID.into(),
        name: suppress::UNUSED_NAME.into(),
        message: suppress::UNUSED_MESSAGE.into(),
        severity: "warning".into(),
        fix_safety: FixSafety::Safe,
        precision: Confidence::High,
        docs: suppress::UNUSED_DOCS.into(),
        help_uri: Some(report::repository_file("src/suppress.rs")),
    }
}

/// What `explain GM000` says: the syntax-error entries every format carries.
const SYNTAX_ERROR_DOCS: &str = "## What it is
Not a rule: a place where the Go parser gave up, in a file gomemfix analysed.
The parser keeps the rest of the file, and gomemfix analyses it: it reports
nothing that overlaps the error and fixes nothing in the top-level declaration
that holds it (nor the file's imports). Each place is said once, in every
format: a `gomemfix: warning: path:line:col: ...` line on stderr, a JSON entry
with `\"rule\": \"GM000\"`, a SARIF `toolExecutionNotifications` entry, a GitHub
`::warning` annotation, a Markdown \"Parsed only in part\" list.

## What to do
Run `gofmt -l` on the file: if gofmt parses it, the parser is wrong and its
grammar (grammar/tree-sitter-go) wants a fix; report it. Else the file is not
valid Go (a merge conflict, a template, code for a newer Go).

## Exit code
A syntax error is a warning: it changes no exit code, is no finding, and a
baseline ignores it. Only files some rule's byte test lets through are parsed:
gomemfix is no syntax checker.
";

fn settings(
    common: &CommonArgs,
    paths: &[PathBuf],
    unsafe_flag: Option<bool>,
    base: &Path,
) -> anyhow::Result<Settings> {
    let config_path = match &common.config {
        Some(p) => Some(p.clone()),
        None => match &common.stdin_filename {
            // The file need not exist: look from its folder.
            Some(name) => config::discover(base.join(name).parent().unwrap_or(base)),
            // Each file uses its nearest config (see `ConfigScopes`); this one, of
            // the first path, gives the run's defaults.
            None => paths
                .iter()
                .find(|p| p.exists())
                .and_then(|p| config::discover(p)),
        },
    };
    let config = match &config_path {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let baseline = match &common.baseline {
        Some(file) => Some(Arc::new(Baseline::load(file, base)?)),
        None => None,
    };
    let mut s = settings_for(common, &config, &[], unsafe_flag, base, baseline)?;
    s.config_path = config_path.map(|p| std::fs::canonicalize(&p).unwrap_or(p));
    Ok(s)
}

/// The settings of files under `config`, with `extra_ignore` (its
/// `per-file-ignores` for them) left out too.
fn settings_for(
    common: &CommonArgs,
    config: &Config,
    extra_ignore: &[String],
    unsafe_flag: Option<bool>,
    base: &Path,
    baseline: Option<Arc<Baseline>>,
) -> anyhow::Result<Settings> {
    let all = rules::with_patterns(common.patterns.as_deref())?;
    let mut known_rules: Vec<String> = all.iter().map(|r| r.id.clone()).collect();
    known_rules.push(suppress::UNUSED_ID.into());
    // A list on the command line replaces the file's.
    let from_file = |cli: &[String], file: &Option<Vec<String>>, key: &str| {
        if cli.is_empty() {
            let list = file.clone().unwrap_or_default();
            // Name the file's key and line when one of its entries is wrong.
            if let Err(e) = check_rule_keys(&all, &list) {
                let msg = e.to_string().replace(" in --select/--ignore", "");
                return Err(anyhow::anyhow!("{}: `{key}`: {msg}", config.locate(key)));
            }
            Ok(list)
        } else {
            Ok(cli.to_vec())
        }
    };
    let is_gm100 = |k: &String| {
        k.trim().eq_ignore_ascii_case(suppress::UNUSED_ID) || k.trim() == suppress::UNUSED_NAME
    };
    let mut select = from_file(&common.select, &config.select, "select")?;
    let mut ignore = from_file(&common.ignore, &config.ignore, "ignore")?;
    // GM100 is no YAML rule: `--ignore GM100` turns it off, `--select GM100` on.
    let gm100_off = ignore.iter().any(is_gm100);
    let gm100_selected = select.iter().any(is_gm100);
    select.retain(|k| !is_gm100(k));
    ignore.retain(|k| !is_gm100(k));
    if !extra_ignore.is_empty() {
        if let Err(e) = check_rule_keys(&all, extra_ignore) {
            let msg = e.to_string().replace(" in --select/--ignore", "");
            anyhow::bail!(
                "{}: `per-file-ignores`: {msg}",
                config.locate("per-file-ignores")
            );
        }
        ignore.extend(extra_ignore.iter().cloned());
    }
    let rules = if gm100_selected && select.is_empty() {
        vec![]
    } else {
        select_rules(all, &select, &ignore)?
    };
    let report_unused = (common.report_unused_suppressions || gm100_selected) && !gm100_off;
    if gm100_off {
        known_rules.clear();
    }
    let mut infos: Vec<RuleInfo> = rules.iter().map(RuleInfo::of).collect();
    if !gm100_off {
        infos.push(unused_suppression_info());
    }
    let mut engine = Engine::new(rules).with_options(rule_options(common, config.options.clone())?);
    engine.baseline = baseline;
    engine.min_confidence = common
        .confidence
        .map(Confidence::from)
        .or(config.confidence)
        .unwrap_or(Confidence::High);
    // From stdin the file is all there is: fixes that edit other files wait for a tree run.
    engine.one_file = common.stdin_filename.is_some();
    let exclude = if common.exclude.is_empty() {
        config.exclude_set()
    } else {
        let cli = Config {
            path: Some(base.join("command-line")),
            exclude: common.exclude.clone(),
            ..Config::default()
        };
        Some(cli.exclude_set().ok_or_else(|| {
            anyhow::anyhow!("--exclude: a glob does not parse: {:?}", common.exclude)
        })?)
    };
    let exclude = exclude.map(|(root, set)| (std::fs::canonicalize(&root).unwrap_or(root), set));
    Ok(Settings {
        engine,
        unsafe_fixes: unsafe_flag.or(config.unsafe_fixes).unwrap_or(false),
        files: FileFilter {
            exclude,
            shard: common.shard,
        },
        infos,
        known_rules,
        report_unused_suppressions: report_unused,
        config_path: config.path.clone(),
    })
}

/// Each file's settings come from its nearest `gomemfix.toml` (as ruff does):
/// one run covers a monorepo whose projects have their own. `--config FILE`
/// names one for every file. A file's `per-file-ignores` leave rules out for it.
/// Flags win everywhere. Files that share a config and a set of ignored rules
/// share one engine.
struct ConfigScopes<'c> {
    common: &'c CommonArgs,
    unsafe_flag: Option<bool>,
    base: PathBuf,
    /// `[0]` is the run's defaults (the first path's config).
    built: Vec<Settings>,
    keys: HashMap<(Option<PathBuf>, Vec<String>), usize>,
    configs: HashMap<PathBuf, Option<Config>>,
    dirs: HashMap<PathBuf, Option<PathBuf>>,
    /// Canonical path → index in `built`, None when its config is broken. Empty
    /// when every file uses `built[0]`.
    of_file: HashMap<PathBuf, Option<usize>>,
}

impl<'c> ConfigScopes<'c> {
    fn new(
        common: &'c CommonArgs,
        primary: Settings,
        unsafe_flag: Option<bool>,
        base: &Path,
    ) -> Self {
        ConfigScopes {
            common,
            unsafe_flag,
            base: base.to_path_buf(),
            built: vec![primary],
            keys: HashMap::new(),
            configs: HashMap::new(),
            dirs: HashMap::new(),
            of_file: HashMap::new(),
        }
    }

    fn primary(&self) -> &Settings {
        &self.built[0]
    }

    /// What reports know of the rules: every rule any file ran.
    fn infos(&self) -> Vec<RuleInfo> {
        let mut out: Vec<RuleInfo> = vec![];
        for s in &self.built {
            for i in &s.infos {
                if !out.iter().any(|o| o.id == i.id) {
                    out.push(i.clone());
                }
            }
        }
        out
    }

    fn config_of(&mut self, file: &Path) -> Result<Option<(PathBuf, Config)>, String> {
        let config_path = match &self.common.config {
            Some(p) => Some(p.clone()),
            None => {
                let dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();
                self.dirs
                    .entry(dir.clone())
                    .or_insert_with(|| config::discover(&dir))
                    .clone()
            }
        };
        let Some(path) = config_path else {
            return Ok(None);
        };
        if !self.configs.contains_key(&path) {
            match Config::load(&path) {
                Ok(c) => {
                    self.configs.insert(path.clone(), Some(c));
                }
                Err(e) => {
                    self.configs.insert(path.clone(), None);
                    return Err(e.to_string());
                }
            }
        }
        match &self.configs[&path] {
            Some(c) => Ok(Some((path.clone(), c.clone()))),
            // Reported once, when it was read.
            None => Err(String::new()),
        }
    }
}

impl run::Scopes for ConfigScopes<'_> {
    fn prepare(&mut self, files: &[PathBuf]) -> Vec<String> {
        let mut errors = vec![];
        self.keys
            .insert((self.built[0].config_path.clone(), vec![]), 0);
        for file in files {
            let canon = std::fs::canonicalize(file).unwrap_or_else(|_| self.base.join(file));
            let idx = match self.config_of(&canon) {
                Err(e) => {
                    if !e.is_empty() {
                        errors.push(e);
                    }
                    None
                }
                Ok(found) => {
                    let ignored = found
                        .as_ref()
                        .map(|(_, c)| c.ignored_for(&canon))
                        .unwrap_or_default();
                    let key_path = found
                        .as_ref()
                        .map(|(p, _)| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()));
                    let key = (key_path, ignored.clone());
                    match self.keys.get(&key) {
                        Some(i) => Some(*i),
                        None => {
                            let config = found.map(|(_, c)| c).unwrap_or_default();
                            let baseline = self.built[0].engine.baseline.clone();
                            match settings_for(
                                self.common,
                                &config,
                                &ignored,
                                self.unsafe_flag,
                                &self.base,
                                baseline,
                            ) {
                                Ok(s) => {
                                    self.built.push(s);
                                    let i = self.built.len() - 1;
                                    self.keys.insert(key, i);
                                    Some(i)
                                }
                                Err(e) => {
                                    let msg = e.to_string();
                                    if !errors.contains(&msg) {
                                        errors.push(msg);
                                    }
                                    None
                                }
                            }
                        }
                    }
                }
            };
            self.of_file.insert(canon, idx);
        }
        if self.of_file.values().all(|i| *i == Some(0)) {
            self.of_file.clear();
        }
        errors
    }

    fn scope(&self, path: &Path) -> Option<run::Scope<'_>> {
        let idx = if self.of_file.is_empty() {
            0
        } else {
            let canon = std::fs::canonicalize(path).unwrap_or_else(|_| self.base.join(path));
            match self.of_file.get(&canon) {
                Some(i) => (*i)?,
                // A file the walk did not yield (a cross-file fix's target).
                None => 0,
            }
        };
        let s = &self.built[idx];
        Some(run::Scope {
            engine: &s.engine,
            unsafe_fixes: s.unsafe_fixes,
            files: &s.files,
        })
    }
}

/// A progress bar only for a person watching: stderr is a terminal and this is not CI.
pub fn want_progress(stderr_is_terminal: bool, ci: Option<&str>) -> bool {
    stderr_is_terminal && ci.is_none_or(|v| v.is_empty() || v == "false" || v == "0")
}

fn run_files(
    common: &CommonArgs,
    mode: Mode,
    unsafe_flag: Option<bool>,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    if common.parse_only {
        let paths = if common.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            common.paths.clone()
        };
        let (parsed, errors) = run::parse_only(&paths, common.max_file_size);
        writeln!(out, "Parsed {parsed} files.")?;
        return Ok(if errors > 0 { 2 } else { 0 });
    }
    let base = std::env::current_dir().unwrap_or_default();
    let paths = if common.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        common.paths.clone()
    };
    let settings = settings(common, &paths, unsafe_flag, &base)?;
    // A report written to a file is coloured only when asked for.
    let color = common.color.enabled(
        common.output.is_none() && io::stdout().is_terminal(),
        std::env::var("NO_COLOR").ok().as_deref(),
    );
    if let Some(name) = &common.stdin_filename {
        return run_stdin(common, name, mode, &settings, &base, color, out);
    }
    let root = crate::walk::repo_root(&base);
    let opts = RunOptions {
        mode,
        unsafe_fixes: settings.unsafe_fixes,
        max_file_size: common.max_file_size,
        base: root.clone(),
        cwd: base.clone(),
        files: settings.files.clone(),
        progress: want_progress(
            io::stderr().is_terminal(),
            std::env::var("CI").ok().as_deref(),
        ),
        report_unused_suppressions: settings.report_unused_suppressions,
        known_rules: settings.known_rules.clone(),
        cache_root: if common.no_cache {
            None
        } else {
            crate::cache::project_root(&paths)
        },
    };
    let mut scopes = ConfigScopes::new(common, settings, unsafe_flag, &base);
    let report = run::run_scoped(&mut scopes, &paths, &opts);
    let settings = scopes.primary();
    let infos = scopes.infos();
    for e in &report.errors {
        eprintln!("gomemfix: {e}");
    }
    for w in &report.warnings {
        eprintln!("gomemfix: warning: {w}");
    }
    for f in &report.files {
        for e in &f.errors {
            eprintln!("gomemfix: {}: {e}", f.path.display());
        }
        for w in &f.warnings {
            eprintln!("gomemfix: warning: {}: {w}", f.path.display());
        }
    }
    print_syntax_errors(&report);
    let mut ropts = ReportOptions::new(&infos, mode);
    ropts.unsafe_fixes = settings.unsafe_fixes;
    ropts.color = color;
    ropts.show_suppressed = common.show_suppressed;
    ropts.baselined = report.baselined();
    ropts.below_confidence = report.below_confidence();
    ropts.quiet = common.quiet;
    ropts.show_fixes = common.show_fixes;
    ropts.root_note = root_note(&base, &root);
    let diff = report.diff();
    emit(out, &report, &diff, common, &ropts)?;
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

/// For a run started below the repository root: where the paths it shows start
/// (as a path from the current folder, the same in every checkout).
fn root_note(cwd: &Path, root: &Path) -> Option<String> {
    let cwd = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    let below = cwd.strip_prefix(root).ok()?;
    let depth = below.components().count();
    if depth == 0 {
        return None;
    }
    Some(vec![".."; depth].join("/"))
}

/// One stderr line per file where the parser gave up, whatever the format: the
/// formats carry every place, but a person reading text output needs the file,
/// the first place and how many more (a broken testdata file has dozens).
fn print_syntax_errors(report: &RunReport) {
    for file in report.files.iter().filter(|f| !f.syntax_errors.is_empty()) {
        let first = &file.syntax_errors[0];
        let more = match file.syntax_errors.len() - 1 {
            0 => String::new(),
            1 => " (and 1 more place in this file)".to_string(),
            n => format!(" (and {n} more places in this file)"),
        };
        eprintln!(
            "gomemfix: warning: {}:{}:{}: {}{more}",
            file.path.display(),
            first.start.line,
            first.start.column,
            first.message
        );
    }
}

/// Prints the run in the chosen format, to stdout or `--output FILE`, and each
/// `--report FORMAT=FILE`. With `fix --diff`, text output is the patch itself
/// (the summary goes to stderr, as ruff does); other formats print their document.
fn emit(
    out: &mut dyn Write,
    report: &RunReport,
    diff: &str,
    common: &CommonArgs,
    ropts: &ReportOptions,
) -> anyhow::Result<()> {
    let write_file = |file: &Path, bytes: &[u8]| {
        std::fs::write(file, bytes)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", file.display()))
    };
    let plain = ReportOptions {
        color: false,
        ..ropts.clone()
    };
    for extra in &common.report {
        let bytes = render(report, diff, extra.format, &plain)?;
        write_file(&extra.file, &bytes)?;
    }
    let diff_text = ropts.mode == (Mode::Fix { write: false }) && common.format == Format::Text;
    let mut primary = render(report, diff, Some(common.format), ropts)?;
    if diff_text && ropts.color && common.output.is_none() {
        primary = crate::diff::colorize(&String::from_utf8_lossy(&primary)).into_bytes();
    }
    match &common.output {
        Some(file) => write_file(file, &primary)?,
        None => out.write_all(&primary)?,
    }
    if diff_text {
        let mut summary = Vec::new();
        if ropts.show_fixes {
            report::text::show_fixes(&mut summary, report, ropts)?;
        }
        if !ropts.quiet {
            report::text::summary(&mut summary, report, ropts)?;
        }
        io::stderr().write_all(&summary)?;
    }
    out.flush()?;
    Ok(())
}

/// One view of the run: a `--format` document, or the patch (None). In text,
/// `fix --diff`'s document is the patch.
fn render(
    report: &RunReport,
    diff: &str,
    format: Option<Format>,
    ropts: &ReportOptions,
) -> anyhow::Result<Vec<u8>> {
    let diff_mode = ropts.mode == (Mode::Fix { write: false });
    Ok(match format {
        None => diff.as_bytes().to_vec(),
        Some(Format::Text) if diff_mode => diff.as_bytes().to_vec(),
        Some(format) => {
            let mut buf = Vec::new();
            report::print(&mut buf, report, format, ropts)?;
            buf
        }
    })
}

/// `--stdin-filename PATH`: the source comes from stdin and is treated as PATH
/// (its module, whether it is a test, how it is shown). `fix` prints the fixed
/// source, `fix --diff` the patch, `check` the report; messages go to stderr.
fn run_stdin(
    common: &CommonArgs,
    name: &Path,
    mode: Mode,
    settings: &Settings,
    base: &Path,
    color: bool,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let mut bytes = vec![];
    io::stdin().read_to_end(&mut bytes)?;
    let root = crate::walk::repo_root(base);
    let opts = RunOptions {
        mode,
        unsafe_fixes: settings.unsafe_fixes,
        max_file_size: common.max_file_size,
        base: root.clone(),
        cwd: base.to_path_buf(),
        files: settings.files.clone(),
        progress: false,
        report_unused_suppressions: settings.report_unused_suppressions,
        known_rules: settings.known_rules.clone(),
        // One file from stdin is analysed afresh: it is no file on disk.
        cache_root: None,
    };
    let report = run::run_source(&settings.engine, name, bytes, &opts);
    for f in &report.files {
        for e in &f.errors {
            eprintln!("gomemfix: {}: {e}", f.path.display());
        }
        for w in &f.warnings {
            eprintln!("gomemfix: warning: {}: {w}", f.path.display());
        }
    }
    print_syntax_errors(&report);
    if report.error_count() > 0 {
        return Ok(2);
    }
    let mut ropts = ReportOptions::new(&settings.infos, mode);
    ropts.unsafe_fixes = settings.unsafe_fixes;
    ropts.color = color;
    ropts.show_suppressed = common.show_suppressed;
    ropts.baselined = report.baselined();
    ropts.below_confidence = report.below_confidence();
    ropts.quiet = common.quiet;
    ropts.show_fixes = common.show_fixes;
    ropts.root_note = root_note(base, &root);
    let remaining = report.findings().next().is_some();
    match mode {
        Mode::Check => {
            emit(out, &report, "", common, &ropts)?;
            Ok(i32::from(remaining))
        }
        Mode::Fix { write: false } => {
            let diff = report.diff();
            emit(out, &report, &diff, common, &ropts)?;
            if common.format == Format::Text {
                // The patch is stdout; what it leaves undone goes to stderr, as with `fix`.
                let mut left = Vec::new();
                for f in report.findings() {
                    report::text::finding(&mut left, f, None, &ropts, false)?;
                }
                io::stderr().write_all(&left)?;
            }
            Ok(i32::from(!diff.is_empty() || remaining))
        }
        Mode::Fix { write: true } => {
            let fixed_bytes = report
                .files
                .first()
                .and_then(|f| f.fixed_text.clone())
                .unwrap_or_default();
            out.write_all(&fixed_bytes)?;
            out.flush()?;
            // What is left goes to stderr: stdout is the file.
            let mut left = Vec::new();
            for f in report.findings() {
                report::text::finding(&mut left, f, None, &ropts, false)?;
            }
            io::stderr().write_all(&left)?;
            Ok(i32::from(remaining))
        }
    }
}

/// Applies `--select` and `--ignore`; each entry is an id, a name or an id prefix.
pub fn select_rules(
    all: Vec<Rule>,
    select: &[String],
    ignore: &[String],
) -> anyhow::Result<Vec<Rule>> {
    check_rule_keys(&all, select)?;
    check_rule_keys(&all, ignore)?;
    Ok(all
        .into_iter()
        .filter(|r| select.is_empty() || select.iter().any(|k| names_rule(r, k)))
        .filter(|r| !ignore.iter().any(|k| names_rule(r, k)))
        .collect())
}

/// Whether a `--select`/`--ignore` key names the rule: its id (any case), its
/// name, or a prefix of its id of at least two characters (`GM00`).
fn names_rule(rule: &Rule, key: &str) -> bool {
    let key = key.trim();
    rule.id.eq_ignore_ascii_case(key)
        || rule.name == key
        || (key.len() >= 2
            && rule
                .id
                .to_ascii_uppercase()
                .starts_with(&key.to_ascii_uppercase()))
}

/// An error naming the first key that names none of `rules` (blank keys are allowed).
fn check_rule_keys(rules: &[Rule], keys: &[String]) -> anyhow::Result<()> {
    for key in keys.iter().filter(|k| !k.trim().is_empty()) {
        if !rules.iter().any(|r| names_rule(r, key)) {
            anyhow::bail!("unknown rule `{key}` in --select/--ignore (see `gomemfix rules`)");
        }
    }
    Ok(())
}

/// The rule options (see `options`): gomemfix.toml's `[rules.ID]` tables, then
/// the flags, which win.
fn rule_options(common: &CommonArgs, from_config: RuleOptions) -> anyhow::Result<RuleOptions> {
    let mut options = from_config;
    if let Some(size) = &common.memory_limit {
        if crate::analysis::deploy::quantity::kubernetes_bytes(size)
            .or_else(|| crate::analysis::deploy::quantity::docker_bytes(size))
            .is_none()
        {
            anyhow::bail!("--memory-limit {size}: not a size (examples: 1Gi, 512Mi, 1g)");
        }
        options.set("memory-limit", size.clone());
    }
    if common.memlimit_from_resource {
        options.set("memlimit-from-resource", "true");
    }
    if common.memlimit_fixed {
        options.set("memlimit-fixed", "true");
    }
    if common.include_test_apps {
        options.set("include-test-apps", "true");
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_only_on_a_terminal_outside_ci() {
        assert!(want_progress(true, None));
        assert!(want_progress(true, Some("false")));
        assert!(!want_progress(true, Some("true")));
        assert!(!want_progress(true, Some("1")));
        assert!(!want_progress(false, None));
    }
}
