//! Rules as data: loading `patterns/GMxxx-name.yml` files with ast-grep-config,
//! plus the gomemfix fields each rule keeps under `metadata:`.
//!
//! A rule file is an ordinary ast-grep rule. What ast-grep's rule language does not
//! cover (which import a metavariable must name, test exemptions, the imports a
//! template fix needs) lives under `metadata:`, and the rule's documentation lives in
//! `note:`. A built-in rule's Rust module, if it has one, is found by its id.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ast_grep_config::{
    from_yaml_string, GlobalRules, RuleConfig, SerializableRuleConfig, Severity,
};
use serde::Deserialize;

use super::{entry_point, trigger_of, RunFn};
use crate::finding::{Applicability, Confidence};
use crate::lang::Go;
use crate::narrow::TriggerFn;
use crate::prefilter::Prefilter;

include!(concat!(env!("OUT_DIR"), "/bundled_rules.rs"));

/// What a rule promises about its fix, as written in its YAML (`fix-safety`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FixSafety {
    Safe,
    Unsafe,
    /// Safe in some cases and unsafe in others: each finding's fix says which,
    /// and its `## Fix safety` section says when (`fix-safety: by-case`).
    #[serde(rename = "by-case")]
    ByCase,
    None,
}

impl FixSafety {
    pub fn applicability(self) -> Option<Applicability> {
        match self {
            FixSafety::Safe => Some(Applicability::Safe),
            // A fix that did not say which case it is in is trusted least.
            FixSafety::Unsafe | FixSafety::ByCase => Some(Applicability::Unsafe),
            FixSafety::None => None,
        }
    }
}

impl fmt::Display for FixSafety {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FixSafety::Safe => "safe",
            FixSafety::Unsafe => "unsafe",
            FixSafety::ByCase => "safe or unsafe",
            FixSafety::None => "none (report only)",
        })
    }
}

/// The gomemfix part of a rule file, under `metadata:`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RuleMeta {
    /// Kebab-case name of the bug, e.g. `gc-in-loop`.
    pub name: Option<String>,
    pub fix_safety: Option<FixSafety>,
    /// Metavariable → import path it must name (`{RT: runtime}` makes `rt.GC()` count
    /// under `import rt "runtime"` and refuses a local variable called `runtime`).
    #[serde(default)]
    pub packages: BTreeMap<String, String>,
    /// Skip `_test.go` files, test-support files (they import `testing` and
    /// declare helpers taking its types) and functions that take `*testing.T`,
    /// `*testing.B` or `testing.TB` (see `analysis::scope::in_test_code`).
    #[serde(default)]
    pub skip_tests: bool,
    /// Package name → import path that the YAML `fix:` template refers to
    /// (`{debug: runtime/debug}`): the import is added with the fix, and the name is
    /// rewritten when the file must import it under another one.
    #[serde(default)]
    pub imports: BTreeMap<String, String>,
    /// One line saying what the fix does, shown with the finding.
    pub fix_description: Option<String>,
    /// Words of which a file must contain at least one, for the prefilter, when
    /// the pattern spells no identifier (`kind: slice_expression`).
    #[serde(default)]
    pub needles: Vec<String>,
    /// How often the rule's findings are right, as CodeQL's `@precision` says it:
    /// the confidence of a finding the rule's Rust did not grade from evidence (a
    /// user's YAML-only rule: all of its findings). Defaults to `high`: a rule
    /// someone wrote for their own code is meant to be shown.
    pub precision: Option<Confidence>,
}

pub struct Rule {
    pub id: String,
    pub name: String,
    pub message: String,
    pub severity: Severity,
    pub fix_safety: FixSafety,
    pub docs: String,
    pub meta: RuleMeta,
    /// The rule as ast-grep runs it (see [`Rule::config`]): built when first
    /// asked for, so a run whose files no prefilter lets through to the rule
    /// never compiles its patterns.
    config: OnceLock<RuleConfig<Go>>,
    /// What `config` is built from, while it is not built yet.
    source: Option<SerializableRuleConfig<Go>>,
    pub prefilter: Prefilter,
    /// The rule's Rust entry point (built-in rules only; see `crate::rules::BUILT_IN`).
    pub run: Option<RunFn>,
    /// What must hold inside one top-level declaration for the rule to fire there
    /// (built-in rules only; see `crate::rules::TRIGGERS` and `crate::narrow`).
    pub trigger: Option<TriggerFn>,
    /// Where the rule came from (`patterns/GM005-gc-in-loop.yml` or a user's file).
    pub origin: PathBuf,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule").field("id", &self.id).finish()
    }
}

impl Rule {
    /// The rule as ast-grep runs it: its matcher and its `fix:` template. A
    /// bundled rule's is built on first use (a unit test builds every one); a
    /// user's rule was built when its file was read, to report its errors there.
    pub fn config(&self) -> &RuleConfig<Go> {
        self.config.get_or_init(|| {
            let source = self.source.clone().expect("a rule keeps what builds it");
            RuleConfig::try_from(source, &GlobalRules::default())
                .unwrap_or_else(|e| panic!("bundled rule {} is broken: {e}", self.id))
        })
    }

    /// The confidence of the rule's findings that carry no grade of their own.
    pub fn precision(&self) -> Confidence {
        self.meta.precision.unwrap_or(Confidence::High)
    }

    pub fn severity_name(&self) -> &'static str {
        match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
            Severity::Off => "off",
        }
    }

    /// The text `gomemfix explain` prints: the rule's docs, which are the product's help.
    pub fn explain(&self) -> String {
        let safety = match self.fix_safety {
            FixSafety::ByCase => "safe or unsafe, by case (see Fix safety below)".to_string(),
            other => other.to_string(),
        };
        let measured = match super::first_look::of(&self.id) {
            Some(m) => format!("First look on real code: {}\n\n", m.summary()),
            None => String::new(),
        };
        format!(
            "# {} {}\n\n{}\n\nFix safety: {safety}\n\n{measured}{}\n",
            self.id,
            self.name,
            summary(&self.message),
            self.docs.trim()
        )
    }
}

/// A rule's message as one line for listings: its first line, with each
/// metavariable (`$OBJ`, `$$$ARGS`) shown as a placeholder (`<obj>`, `<args>`).
pub fn summary(message: &str) -> String {
    let line = message.trim().lines().next().unwrap_or("");
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = rest[at..].trim_start_matches('$');
        let name_len = after
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(after.len());
        if name_len == 0 {
            out.push_str(&rest[at..at + 1]);
            rest = &rest[at + 1..];
            continue;
        }
        out.push('<');
        out.push_str(&after[..name_len].to_ascii_lowercase());
        out.push('>');
        rest = &after[name_len..];
    }
    out.push_str(rest);
    out
}

#[derive(Debug)]
pub struct RuleLoadError {
    pub origin: PathBuf,
    pub message: String,
}

impl fmt::Display for RuleLoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin.display(), self.message)
    }
}

impl std::error::Error for RuleLoadError {}

/// The fields this module reads beside ast-grep-config's own model.
#[derive(Deserialize)]
struct RuleExtras {
    #[serde(default)]
    metadata: Option<RuleMeta>,
    rule: serde_json::Value,
}

/// Parses one user rule file (one YAML document): the YAML is all there is.
pub fn parse_rule(origin: &Path, yaml: &str) -> Result<Rule, RuleLoadError> {
    parse_with_entry_point(origin, yaml, |_| None)
}

/// Parses one rule file, giving it the Rust entry point `entry` finds for its id.
fn parse_with_entry_point(
    origin: &Path,
    yaml: &str,
    entry: impl Fn(&str) -> Option<RunFn>,
) -> Result<Rule, RuleLoadError> {
    let err = |message: String| RuleLoadError {
        origin: origin.to_path_buf(),
        message,
    };
    let mut configs = from_yaml_string::<Go>(yaml, &GlobalRules::default()).map_err(|e| {
        // Plain YAML's errors carry the line and column: read it again only to say
        // where, when it is the YAML that is broken (a start-up cost otherwise).
        if let Err(e) = ast_grep_config::from_str::<serde_json::Value>(yaml) {
            return err(format!("invalid YAML: {e}"));
        }
        let mut msg = format!("invalid rule: {e}");
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            msg.push_str(&format!(": {s}"));
            source = s.source();
        }
        err(msg)
    })?;
    if configs.len() != 1 {
        return Err(err(format!(
            "expected exactly one rule per file, found {}",
            configs.len()
        )));
    }
    let config = configs.remove(0);
    let extras: RuleExtras =
        ast_grep_config::from_str(yaml).map_err(|e| err(format!("invalid metadata: {e}")))?;
    let source = (*config).clone();
    let built = OnceLock::new();
    let _ = built.set(config);
    finish(origin, source, built, extras, entry)
}

/// A bundled rule, from its JSON (its YAML turned into JSON by build.rs, which
/// a JSON parser reads in a tenth of the time), read once into one value both
/// views are read from (ast-grep-config's model and [`RuleExtras`]); its
/// patterns are compiled on first use (see [`Rule::config`]). A unit test
/// checks that each bundled rule comes out of here as its YAML makes it
/// through [`parse_with_entry_point`].
fn parse_bundled(
    origin: &Path,
    json: &str,
    entry: impl Fn(&str) -> Option<RunFn>,
) -> Result<Rule, RuleLoadError> {
    let err = |message: String| RuleLoadError {
        origin: origin.to_path_buf(),
        message,
    };
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| err(format!("invalid JSON: {e}")))?;
    let source = SerializableRuleConfig::<Go>::deserialize(&value)
        .map_err(|e| err(format!("invalid rule: {e}")))?;
    let extras =
        RuleExtras::deserialize(&value).map_err(|e| err(format!("invalid metadata: {e}")))?;
    finish(origin, source, OnceLock::new(), extras, entry)
}

/// A rule from what its file says: ast-grep's model of it (`built` when its
/// patterns are compiled already) and gomemfix's fields.
fn finish(
    origin: &Path,
    source: SerializableRuleConfig<Go>,
    built: OnceLock<RuleConfig<Go>>,
    extras: RuleExtras,
    entry: impl Fn(&str) -> Option<RunFn>,
) -> Result<Rule, RuleLoadError> {
    let err = |message: String| RuleLoadError {
        origin: origin.to_path_buf(),
        message,
    };
    let meta = extras.metadata.unwrap_or(RuleMeta {
        name: None,
        fix_safety: None,
        packages: BTreeMap::new(),
        skip_tests: false,
        imports: BTreeMap::new(),
        fix_description: None,
        needles: vec![],
        precision: None,
    });
    let run = entry(&source.id);
    let trigger = run.and(trigger_of(&source.id));
    let mut rule = Rule {
        id: source.id.clone(),
        name: meta.name.clone().unwrap_or_else(|| source.id.clone()),
        message: source.message.clone(),
        severity: source.severity.clone(),
        fix_safety: FixSafety::None,
        docs: source.note.clone().unwrap_or_default(),
        prefilter: Prefilter::from_rule(&extras.rule, meta.packages.values(), &meta.needles),
        meta,
        config: built,
        source: Some(source),
        trigger,
        run,
        origin: origin.to_path_buf(),
    };
    // A rule with Rust has a fix whatever its YAML says; else its template is it.
    let has_fix = rule.run.is_some() || !rule.config().fixer.is_empty();
    rule.fix_safety = rule.meta.fix_safety.unwrap_or(if has_fix {
        FixSafety::Unsafe
    } else {
        FixSafety::None
    });
    if rule.fix_safety != FixSafety::None && !has_fix {
        return Err(err(format!(
            "fix-safety is `{}` but the rule has no `fix:`",
            rule.fix_safety
        )));
    }
    if rule.config.get().is_some() {
        rule.source = None;
    }
    Ok(rule)
}

/// The rules shipped in the binary, sorted by id.
pub fn bundled() -> Vec<Rule> {
    let mut rules: Vec<Rule> = BUNDLED_RULES
        .iter()
        .map(|(name, _, json)| {
            parse_bundled(&Path::new("patterns").join(name), json, entry_point)
                .unwrap_or_else(|e| panic!("bundled rule is broken: {e}"))
        })
        .collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    rules
}

/// Rules from a user's folder (`--patterns DIR`): every `.yml`/`.yaml` file in it.
pub fn load_dir(dir: &Path) -> Result<Vec<Rule>, RuleLoadError> {
    let entries = std::fs::read_dir(dir).map_err(|e| RuleLoadError {
        origin: dir.to_path_buf(),
        message: format!("cannot read rule folder: {e}"),
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let yaml = std::fs::read_to_string(p).map_err(|e| RuleLoadError {
                origin: p.clone(),
                message: format!("cannot read: {e}"),
            })?;
            parse_rule(p, &yaml)
        })
        .collect()
}

/// The rules a run may use: the bundled ones and those of `--patterns DIR`, whose
/// ids must be usable (not empty, one word) and must not take a bundled rule's
/// id, GM100's, or another file's.
pub fn with_patterns(patterns: Option<&Path>) -> anyhow::Result<Vec<Rule>> {
    let mut all = bundled();
    let Some(dir) = patterns else {
        return Ok(all);
    };
    for rule in load_dir(dir)? {
        let where_ = rule.origin.display();
        let id = rule.id.trim();
        if id.is_empty() {
            anyhow::bail!("{where_}: the rule has no `id`");
        }
        if id.contains(|c: char| c.is_whitespace() || c == ',') {
            anyhow::bail!("{where_}: id `{id}` must be one word (no spaces or commas), as suppressions name it");
        }
        if id.eq_ignore_ascii_case(crate::suppress::UNUSED_ID) {
            anyhow::bail!(
                "{where_}: id `{id}` is gomemfix's own unused-suppression check; choose another"
            );
        }
        if let Some(other) = all.iter().find(|r| r.id.eq_ignore_ascii_case(id)) {
            let whose = if other.run.is_some() {
                "a built-in rule".to_string()
            } else {
                other.origin.display().to_string()
            };
            anyhow::bail!("{where_}: id `{id}` is already taken by {whose}; choose another (built-in ids are GM001-GM099 and GM100)");
        }
        all.push(rule);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_rules_load_and_are_documented() {
        let rules = bundled();
        assert!(!rules.is_empty());
        for rule in &rules {
            let file = rule
                .origin
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            assert_eq!(
                file,
                format!("{}-{}.yml", rule.id, rule.name),
                "file name of {}",
                rule.id
            );
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Fix",
            ] {
                assert!(rule.docs.contains(section), "{} lacks `{section}`", rule.id);
            }
            assert!(rule.meta.name.is_some() && rule.meta.fix_safety.is_some());
        }
    }

    /// The start-up path (the rule's JSON, read once; patterns compiled on
    /// first use) makes each bundled rule exactly as its YAML makes it when
    /// read as a user's file is.
    #[test]
    fn bundled_rules_load_as_user_rules_do() {
        use ast_grep_core::matcher::Matcher;
        for (name, yaml, json) in BUNDLED_RULES {
            let origin = Path::new("patterns").join(name);
            let fast = parse_bundled(&origin, json, entry_point).unwrap();
            assert!(fast.config.get().is_none(), "{name} compiled at load");
            let slow = parse_with_entry_point(&origin, yaml, entry_point).unwrap();
            assert_eq!(fast.id, slow.id);
            assert_eq!(fast.name, slow.name);
            assert_eq!(fast.message, slow.message);
            assert_eq!(fast.severity_name(), slow.severity_name());
            assert_eq!(fast.fix_safety, slow.fix_safety);
            assert_eq!(fast.docs, slow.docs);
            assert_eq!(format!("{:?}", fast.meta), format!("{:?}", slow.meta));
            assert_eq!(fast.prefilter, slow.prefilter, "{name}");
            assert_eq!(fast.run.map(|f| f as usize), slow.run.map(|f| f as usize));
            assert_eq!(
                fast.trigger.map(|f| f as usize),
                slow.trigger.map(|f| f as usize)
            );
            assert_eq!(fast.origin, slow.origin);
            let (a, b) = (fast.config(), slow.config());
            let json = |c: &RuleConfig<Go>| {
                serde_json::json!([
                    c.core,
                    c.fix,
                    c.rewriters,
                    c.id,
                    c.message,
                    c.note,
                    c.severity,
                    c.labels,
                    c.files,
                    c.ignores,
                    c.url,
                    c.metadata
                ])
            };
            assert_eq!(json(a), json(b), "{name}");
            assert_eq!(a.fixer.len(), b.fixer.len());
            assert_eq!(
                a.matcher
                    .potential_kinds()
                    .map(|k| k.iter().collect::<Vec<_>>()),
                b.matcher
                    .potential_kinds()
                    .map(|k| k.iter().collect::<Vec<_>>())
            );
        }
    }

    #[test]
    fn summaries_show_metavariables_as_placeholders() {
        assert_eq!(
            summary("$OBJ goes back; $$$ARGS and $R2 and US$ 5\nsecond line"),
            "<obj> goes back; <args> and <r2> and US$ 5"
        );
    }

    #[test]
    fn bad_yaml_names_the_file_and_line() {
        let e = parse_rule(
            Path::new("mine.yml"),
            "id: X\nlanguage: go\nrule:\n  pattern: [\n",
        )
        .unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("mine.yml: "), "{text}");
        assert!(text.contains("line"), "{text}");
    }

    #[test]
    fn every_built_in_rule_has_its_yaml_and_back() {
        let rules = bundled();
        for (id, _) in super::super::BUILT_IN {
            assert!(rules.iter().any(|r| r.id == *id), "{id} has no YAML");
        }
        assert!(
            rules.iter().all(|r| r.run.is_some()),
            "a bundled rule lost its module"
        );
    }

    #[test]
    fn a_user_rule_never_borrows_a_built_in_entry_point() {
        let yaml = "id: GM005\nlanguage: go\nmessage: m\nrule:\n  kind: call_expression\n";
        let rule = parse_rule(Path::new("x.yml"), yaml).unwrap();
        assert!(rule.run.is_none());
        assert_eq!(rule.fix_safety, FixSafety::None);
    }
}
