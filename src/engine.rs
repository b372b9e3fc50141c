//! The rule-blind core: run the selected rules over one parsed file, and fix a
//! file by applying non-overlapping edits pass after pass until nothing changes.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use crate::analysis::{scope, std_deps};
use crate::baseline::Baseline;
use crate::finding::{
    self, apply_edits, Applicability, Confidence, Edit, FileEdit, Finding, Fix, Position,
};
use crate::gofile::{parse_error_count, GoFile, GoMatch, GoNode, SyntaxError};
use crate::gomod::Module;
use crate::imports::{self, choose_name, ImportRequest};
use crate::narrow::{Decls, TriggerFn};
use crate::options::RuleOptions;
use crate::outcome::{FixPlan, Outcome};
use crate::package::Files;
use crate::rules::Rule;
use crate::suppress::Suppressions;

/// Fix passes before giving up on convergence (overlapping edits wait for a later pass).
pub const MAX_FIX_PASSES: usize = 8;

#[derive(Debug, Default)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Finding>,
    /// Findings left out because the baseline holds them.
    pub baselined: usize,
    /// Findings left out because their confidence is below the run's bar.
    pub below_confidence: usize,
    /// Where the parser gave up on part of the file; findings there are withheld.
    pub syntax_errors: Vec<SyntaxError>,
    /// Rules not run on this file because its size times their candidate sites
    /// passed [`SITE_WORK_BUDGET`], one line each, to be shown as warnings.
    pub rules_skipped: Vec<String>,
}

/// How much a rule may do in one file, as candidate sites times file bytes.
/// Judging one site may read the whole file (who else writes this map, is this
/// channel ever closed), so a file with thousands of sites of one rule costs
/// the square of its size: a generated file that is not marked as generated
/// took minutes. Past the budget the rule is not run on that file and the run
/// says so; no real file of the audit corpus or GOROOT comes near it.
pub const SITE_WORK_BUDGET: usize = 1 << 28;

#[derive(Debug, Default)]
pub struct FixOutcome {
    pub text: String,
    /// Findings whose fix was applied, as first reported.
    pub fixed: Vec<Finding>,
    /// What `check` would still report on the fixed text.
    pub remaining: Analysis,
    /// Fixes refused because their result did not parse as well as the input.
    pub refused: Vec<Finding>,
    /// Fixes set aside because they overlap a fix applied first: (set aside, applied).
    pub overlapped: Vec<(Finding, Finding)>,
    pub converged: bool,
    /// Edits the applied fixes make to other files, for the run's cross-file stage.
    pub other_files: Vec<FileEdit>,
}

pub struct Engine {
    pub rules: Vec<Rule>,
    /// Settings that tune fixes (see `options`), handed to every parsed file.
    pub options: Arc<RuleOptions>,
    /// Findings a saved baseline holds are neither reported nor fixed.
    pub baseline: Option<Arc<Baseline>>,
    /// Findings below this confidence are neither reported nor fixed (counted).
    pub min_confidence: Confidence,
    /// Only the file at hand may change (stdin mode): a fix that also edits other
    /// files is withheld and its finding says how to apply it.
    pub one_file: bool,
    /// Narrow below the file (see `narrow`): a rule is not run on a test file it
    /// skips, nor on a file none of whose declarations triggers it. Off only to
    /// prove that narrowing changes no finding.
    pub narrow: bool,
    /// [`Engine::fingerprint`], worked out once.
    fingerprint: OnceLock<u64>,
}

/// Per-finding data the engine needs and the report does not show.
struct Candidate {
    finding: Finding,
    code_edits: Vec<Edit>,
    /// The span a template fix rewrites as a whole (its edit only shows the
    /// changed tokens): a fix of another rule touching it clashes with this one.
    claim: Option<Edit>,
    imports: Vec<ImportRequest>,
}

impl Candidate {
    fn clashes_with(&self, other: &Candidate) -> bool {
        let spans = |c: &Candidate| -> Vec<Edit> {
            c.code_edits
                .iter()
                .cloned()
                .chain(c.claim.clone())
                .collect()
        };
        let mine = spans(self);
        spans(other)
            .iter()
            .any(|a| mine.iter().any(|b| a.overlaps(b)))
    }
}

impl Engine {
    pub fn new(rules: Vec<Rule>) -> Self {
        Engine {
            rules,
            options: Arc::default(),
            baseline: None,
            min_confidence: Confidence::High,
            one_file: false,
            narrow: true,
            fingerprint: OnceLock::new(),
        }
    }

    /// A digest of everything about this engine that decides findings: the
    /// binary (version, build), each rule (its id, texts, where it came from and
    /// that file's content), the rule options, the baseline, stdin mode. The
    /// results cache keys entries on it.
    pub fn fingerprint(&self) -> u64 {
        *self.fingerprint.get_or_init(|| self.digest())
    }

    fn digest(&self) -> u64 {
        let exe = std::env::current_exe()
            .ok()
            .and_then(|p| std::fs::metadata(p).ok())
            .map(|m| (m.len(), m.modified().ok()));
        let rules: Vec<_> = self
            .rules
            .iter()
            .map(|r| {
                (
                    &r.id,
                    &r.name,
                    &r.message,
                    &r.docs,
                    r.severity_name(),
                    &r.origin,
                    std::fs::read(&r.origin).ok(),
                    format!("{:?}", r.prefilter),
                    r.meta.skip_tests,
                    r.precision(),
                    r.run.is_some(),
                )
            })
            .collect();
        crate::cache::hash_of((
            env!("CARGO_PKG_VERSION"),
            exe,
            rules,
            format!("{:?}", self.options),
            self.baseline.as_ref().map(|b| b.fingerprint()),
            self.min_confidence,
            self.one_file,
        ))
    }

    pub fn with_options(mut self, options: RuleOptions) -> Self {
        self.options = Arc::new(options);
        self
    }

    fn parse<'a>(
        &self,
        files: &Files,
        path: &'a Path,
        text: &str,
        module: Option<Arc<Module>>,
    ) -> GoFile<'a> {
        let mut file = GoFile::parse_taken(files, path, text, module);
        file.options = self.options.clone();
        file
    }

    /// True when some rule may match these bytes (see `prefilter`).
    pub fn may_match(&self, bytes: &[u8]) -> bool {
        self.rules.iter().any(|r| r.prefilter.may_match(bytes))
    }

    /// For each rule, whether it may fire in the file at `path` holding `bytes`:
    /// its byte test passes and, when narrowing, the file is no test file the rule
    /// skips and some top-level declaration triggers it.
    pub fn live_rules(&self, path: &Path, bytes: &[u8]) -> Vec<bool> {
        let mut decls: Option<Decls> = None;
        (0..self.rules.len())
            .map(|i| match self.gate(i, path, bytes) {
                Gate::Off => false,
                Gate::On => true,
                Gate::Trigger(t) => decls.get_or_insert_with(|| Decls::of(bytes)).any(t),
            })
            .collect()
    }

    /// What decides whether rule `i` may fire in a file, before its trigger.
    fn gate(&self, i: usize, path: &Path, bytes: &[u8]) -> Gate {
        let r = &self.rules[i];
        gate_of(
            &r.prefilter,
            r.meta.skip_tests,
            r.trigger,
            self.narrow,
            path,
            bytes,
        )
    }

    /// [`Engine::may_match_file`] apart from the engine, to hand to a run's
    /// file access (see [`Files::set_takes`]).
    pub fn file_gate(&self) -> FileGate {
        FileGate {
            rules: self
                .rules
                .iter()
                .map(|r| (r.prefilter.clone(), r.meta.skip_tests, r.trigger))
                .collect(),
            narrow: self.narrow,
        }
    }

    /// [`Engine::live_rules`] down to the declaration: a rule with a trigger is
    /// run only on matches inside a top-level declaration that triggers it (the
    /// trigger must hold inside the declaration the rule fires in), so a file
    /// with one recursive function does not have all its functions sized.
    fn live_where(&self, path: &Path, bytes: &[u8]) -> Live {
        let mut decls: Option<Decls> = None;
        let mut rules = vec![];
        let mut parts = vec![];
        for i in 0..self.rules.len() {
            match self.gate(i, path, bytes) {
                Gate::Off => {
                    rules.push(false);
                    parts.push(None);
                }
                Gate::On => {
                    rules.push(true);
                    parts.push(None);
                }
                Gate::Trigger(t) => {
                    let hits = decls.get_or_insert_with(|| Decls::of(bytes)).triggering(t);
                    rules.push(hits.contains(&true));
                    parts.push(Some(hits));
                }
            }
        }
        Live {
            rules,
            parts,
            decls,
        }
    }

    /// True when some rule may fire in the file (see [`Engine::live_rules`]).
    pub fn may_match_file(&self, path: &Path, bytes: &[u8]) -> bool {
        self.live_rules(path, bytes).contains(&true)
    }

    /// Analyses one file on its own (its package and module read from disk afresh).
    pub fn analyze(&self, path: &Path, text: &str, module: Option<Arc<Module>>) -> Analysis {
        self.analyze_in(&Files::default(), path, text, module)
    }

    /// Analyses one file of a run, reading around it through the run's `files`.
    pub fn analyze_in(
        &self,
        files: &Files,
        path: &Path,
        text: &str,
        module: Option<Arc<Module>>,
    ) -> Analysis {
        let file = self.parse(files, path, text, module);
        let (candidates, suppressed, rules_skipped) = self.candidates(&file);
        let (candidates, baselined) = self.without_baselined(candidates);
        let (candidates, below_confidence) = self.without_low_confidence(candidates);
        Analysis {
            baselined,
            below_confidence,
            findings: candidates.into_iter().map(|c| c.finding).collect(),
            suppressed,
            syntax_errors: file.syntax_errors(),
            rules_skipped,
        }
    }

    fn candidates(&self, file: &GoFile) -> (Vec<Candidate>, Vec<Finding>, Vec<String>) {
        let bytes = file.text().as_bytes();
        let mut out = vec![];
        let mut suppressed = vec![];
        let mut suppressions: Option<Suppressions> = None;
        let mut import_facts: Option<(imports::ImportFacts, BTreeSet<String>)> = None;
        let root = file.root.root();
        let live = self.live_where(file.path, bytes);
        let mut all_matches =
            crate::profile::stage("match", || matches_of_rules(&root, &self.rules, &live));
        let mut rules_skipped = vec![];
        for (rule, matches) in self.rules.iter().zip(all_matches.iter_mut()) {
            if matches.len() > 1 && matches.len().saturating_mul(bytes.len()) > SITE_WORK_BUDGET {
                rules_skipped.push(format!(
                    "{} not run: {} candidate sites in a file of {} KiB pass the per-file work \
                     budget (a generated file? mark it `// Code generated ... DO NOT EDIT.`)",
                    rule.id,
                    matches.len(),
                    bytes.len() / 1024
                ));
                matches.clear();
                continue;
            }
            for m in std::mem::take(matches) {
                let judged = crate::profile::stage(&rule.id, || {
                    Some(match self.judge(file, rule, &m)? {
                        Outcome::Silent => return None,
                        Outcome::Template(grounds) => match template_fix(file, rule, &m) {
                            Ok(plan) => (None, plan, grounds),
                            Err(reason) => (Some(reason), None, grounds),
                        },
                        Outcome::Report {
                            message,
                            fix,
                            grounds,
                        } => (message, fix, grounds),
                    })
                });
                let Some((note, fix, grounds)) = judged else {
                    continue;
                };
                let node = m.get_node();
                let r = node.range();
                let mut message = rule.config().get_message(&m);
                if let Some(note) = note {
                    message = format!("{}; {note}", message.trim_end_matches('.'));
                }
                let mut finding = Finding {
                    rule: rule.id.clone(),
                    name: rule.name.clone(),
                    severity: rule.severity_name().to_string(),
                    path: file.path.to_path_buf(),
                    start: r.start,
                    end: r.end,
                    start_pos: Position::of_offset(file.text(), r.start),
                    end_pos: Position::of_offset(file.text(), r.end),
                    message,
                    snippet: node.text().to_string(),
                    fix: None,
                    confidence: grounds.confidence.unwrap_or_else(|| rule.precision()),
                    evidence: grounds.shown_evidence(),
                };
                let sup = suppressions.get_or_insert_with(|| Suppressions::of(file));
                if sup.suppresses(&rule.id, finding.start_pos.line) {
                    suppressed.push(finding);
                    continue;
                }
                let mut plan = fix;
                if self.one_file && plan.as_ref().is_some_and(|p| !p.extra_files.is_empty()) {
                    plan = None;
                    finding.message = format!(
                        "{}; its fix also edits other files: run `gomemfix fix` on the tree to apply it",
                        finding.message.trim_end_matches('.')
                    );
                }
                let (mut code_edits, mut imports, mut claim) = (vec![], vec![], None);
                if let Some(plan) = plan.filter(|p| {
                    finding::well_formed(file.text(), &p.edits)
                        && !file.near_parse_error(r.start, r.end)
                        && edits_clear_of_errors(file, p)
                }) {
                    if let Some(applicability) =
                        plan.applicability.or(rule.fix_safety.applicability())
                    {
                        let (facts, used) = import_facts.get_or_insert_with(|| {
                            let facts = imports::ImportFacts::of(file.text(), &root);
                            let used = facts.used_names();
                            (facts, used)
                        });
                        let import_edits =
                            facts.reconcile(file.text(), &plan.edits, &plan.imports, used);
                        // Import edits in a file the parser only partly read could break it.
                        let importable = import_edits
                            .as_ref()
                            .is_some_and(|edits| edits.is_empty() || file.error_ranges.is_empty());
                        if let Some(import_edits) = import_edits.filter(|_| importable) {
                            let mut edits = plan.edits.clone();
                            edits.extend(import_edits);
                            edits.sort();
                            finding.fix = Some(Fix {
                                applicability,
                                description: plan
                                    .description
                                    .clone()
                                    .or_else(|| rule.meta.fix_description.clone())
                                    .unwrap_or_else(|| "Apply the rule's fix".into()),
                                edits,
                                other_files: plan.extra_files.clone(),
                            });
                            code_edits = plan.edits;
                            imports = plan.imports;
                            claim = plan.claim.map(|(s, e)| Edit::new(s, e, ""));
                        }
                    }
                }
                out.push(Candidate {
                    finding,
                    code_edits,
                    claim,
                    imports,
                });
            }
        }
        out.sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
        (out, suppressed, rules_skipped)
    }

    /// Drops the candidates a baseline holds (they are old debt, not news) and
    /// says how many.
    fn without_baselined(&self, candidates: Vec<Candidate>) -> (Vec<Candidate>, usize) {
        let Some(baseline) = &self.baseline else {
            return (candidates, 0);
        };
        let held = baseline.holds(&candidates.iter().map(|c| &c.finding).collect::<Vec<_>>());
        let before = candidates.len();
        let kept: Vec<Candidate> = candidates
            .into_iter()
            .zip(held)
            .filter_map(|(c, h)| (!h).then_some(c))
            .collect();
        let n = before - kept.len();
        (kept, n)
    }

    /// Drops the candidates below the run's confidence bar and says how many.
    fn without_low_confidence(&self, candidates: Vec<Candidate>) -> (Vec<Candidate>, usize) {
        let before = candidates.len();
        let kept: Vec<Candidate> = candidates
            .into_iter()
            .filter(|c| c.finding.confidence >= self.min_confidence)
            .collect();
        let n = before - kept.len();
        (kept, n)
    }

    /// Applies the conditions every rule file may state (parse errors, tests, the
    /// packages metavariables name), then the rule's own entry point.
    fn judge(&self, file: &GoFile, rule: &Rule, m: &GoMatch) -> Option<Outcome> {
        let node: &GoNode = m.get_node();
        let r = node.range();
        if file
            .error_ranges
            .iter()
            .any(|&(s, e)| s < r.end && r.start < e)
        {
            return None;
        }
        if rule.meta.skip_tests && scope::in_test_code(file, node) {
            return None;
        }
        for (var, path) in &rule.meta.packages {
            let target = m.get_env().get_match(var)?;
            if target.kind() != "identifier"
                || !scope::names_import(file, target, &target.text(), path)
            {
                return None;
            }
        }
        Some(match rule.run {
            Some(run) => run(file, m),
            None => Outcome::template(),
        })
    }

    /// Fixes `text` to a fixpoint: each pass applies every fix that does not overlap
    /// an earlier one, adds and removes imports once, and keeps the result only if
    /// it parses no worse than before.
    pub fn fix(
        &self,
        path: &Path,
        text: &str,
        module: Option<Arc<Module>>,
        unsafe_fixes: bool,
    ) -> FixOutcome {
        self.fix_in(&Files::default(), path, text, module, unsafe_fixes)
    }

    /// [`Engine::fix`] for one file of a run, reading around it through `files`.
    pub fn fix_in(
        &self,
        files: &Files,
        path: &Path,
        text: &str,
        module: Option<Arc<Module>>,
        unsafe_fixes: bool,
    ) -> FixOutcome {
        let allowed = |f: &Finding| {
            f.fix
                .as_ref()
                .is_some_and(|fix| fix.applicability == Applicability::Safe || unsafe_fixes)
        };
        let mut current = text.to_string();
        let mut fixed = vec![];
        let mut refused: Vec<Finding> = vec![];
        let mut overlapped: Vec<(Finding, Finding)> = vec![];
        let mut converged = false;
        for _ in 0..MAX_FIX_PASSES {
            let file = self.parse(files, path, &current, module.clone());
            let (candidates, _, _) = self.candidates(&file);
            let (candidates, _) = self.without_baselined(candidates);
            let (candidates, _) = self.without_low_confidence(candidates);
            let fixable: Vec<&Candidate> = candidates
                .iter()
                .filter(|c| {
                    allowed(&c.finding)
                        && !refused.iter().any(|r| same_site(r, &c.finding))
                        && !only_other_files_done(&fixed, c)
                })
                .collect();
            if fixable.is_empty() {
                converged = true;
                break;
            }
            let mut chosen: Vec<&Candidate> = vec![];
            for c in fixable {
                let clash = chosen.iter().find(|k| k.clashes_with(c));
                match clash {
                    // Waits for the next pass, on the text the winner produced.
                    Some(k) => overlapped.push((c.finding.clone(), k.finding.clone())),
                    None => chosen.push(c),
                }
            }
            let errors_before = file.error_ranges.len();
            let used_before = imports::used_package_names(&file.root.root());
            // Only the candidates are needed from here on: releasing this pass's tree
            // before the attempts parse their results keeps one tree alive at a time
            // (a file near the size limit would otherwise hold two).
            drop(file);
            let attempt = |set: &[&Candidate]| -> Option<String> {
                let edits: Vec<Edit> = set
                    .iter()
                    .flat_map(|c| c.code_edits.iter().cloned())
                    .collect();
                let after = apply_edits(&current, &edits);
                let requests: Vec<ImportRequest> =
                    set.iter().flat_map(|c| c.imports.iter().cloned()).collect();
                let import_edits = imports::reconcile(&after, &requests, &used_before);
                if !finding::well_formed(&current, &edits)
                    || !finding::well_formed(&after, &import_edits)
                {
                    return None;
                }
                let result = apply_edits(&after, &import_edits);
                (parse_error_count(&result) <= errors_before).then_some(result)
            };
            match attempt(&chosen) {
                Some(next) => {
                    fixed.extend(chosen.iter().map(|c| c.finding.clone()));
                    current = next;
                }
                None => {
                    // Find the culprits one by one; keep the fixes that verify alone.
                    let mut good = vec![];
                    for c in &chosen {
                        let mut trial = good.clone();
                        trial.push(*c);
                        if attempt(&trial).is_some() {
                            good.push(*c);
                        } else {
                            refused.push(c.finding.clone());
                        }
                    }
                    if good.is_empty() {
                        continue;
                    }
                    fixed.extend(good.iter().map(|c| c.finding.clone()));
                    current = attempt(&good).expect("verified above");
                }
            }
        }
        let mut remaining = self.analyze_in(files, path, &current, module);
        // A fix that edits other files only is still seen here: those files change later.
        remaining.findings.retain(|r| {
            !fixed.iter().any(|f| {
                same_site(f, r) && f.fix.as_ref().is_some_and(|x| !x.other_files.is_empty())
            })
        });
        let other_files = fixed
            .iter()
            .filter_map(|f| f.fix.as_ref())
            .flat_map(|f| f.other_files.iter().cloned())
            .collect();
        // A fix set aside and applied in a later pass is not worth a word.
        overlapped.retain(|(c, _)| !fixed.iter().any(|f| same_site(f, c)));
        FixOutcome {
            text: current,
            fixed,
            remaining,
            refused,
            overlapped,
            converged,
            other_files,
        }
    }
}

/// Applies another file's share of some fixes to its `text`: for Go files the
/// imports are reconciled and the result must parse no worse than before.
/// Overlapping edits are an error: the caller then leaves the file alone.
pub fn apply_foreign_edits(
    path: &Path,
    text: &str,
    edits: &[Edit],
    imports_needed: &[ImportRequest],
) -> Result<String, String> {
    let mut sorted = edits.to_vec();
    sorted.sort();
    sorted.dedup();
    if sorted.windows(2).any(|w| w[0].overlaps(&w[1])) {
        return Err("two fixes edit the same place".into());
    }
    if sorted.last().is_some_and(|e| e.end > text.len())
        || sorted
            .iter()
            .any(|e| !text.is_char_boundary(e.start) || !text.is_char_boundary(e.end))
    {
        return Err("the file changed since the fix was computed".into());
    }
    let after = apply_edits(text, &sorted);
    if path.extension().is_none_or(|x| x != "go") {
        return Ok(after);
    }
    let before = GoFile::parse(path, text, None);
    let used_before = imports::used_package_names(&before.root.root());
    let import_edits = imports::reconcile(&after, imports_needed, &used_before);
    if !finding::well_formed(&after, &import_edits) {
        return Err("the imports could not be updated cleanly".into());
    }
    let result = apply_edits(&after, &import_edits);
    if parse_error_count(&result) > before.error_ranges.len() {
        return Err("the edited file would not parse".into());
    }
    Ok(result)
}

/// True when `c` edits only other files and was applied in an earlier pass:
/// its own file did not change, so it would be found (and applied) again.
fn only_other_files_done(fixed: &[Finding], c: &Candidate) -> bool {
    c.code_edits.is_empty()
        && c.finding
            .fix
            .as_ref()
            .is_some_and(|x| !x.other_files.is_empty())
        && fixed.iter().any(|f| same_site(f, &c.finding))
}

/// Every rule's matches in one walk of the tree (each rule's own `find_all`
/// would walk it once per rule), in the same pre-order `find_all` gives.
fn matches_of_rules<'r>(root: &GoNode<'r>, rules: &[Rule], live: &Live) -> Vec<Vec<GoMatch<'r>>> {
    use ast_grep_core::matcher::{Matcher, MatcherExt};
    let mut out: Vec<Vec<GoMatch>> = rules.iter().map(|_| vec![]).collect();
    if !live.rules.contains(&true) {
        return out;
    }
    // Only a live rule is ever visited (`Live::at`): a rule the file's bytes
    // rule out keeps its patterns uncompiled (see `Rule::config`).
    let matchers: Vec<_> = rules
        .iter()
        .zip(&live.rules)
        .map(|(r, live)| live.then(|| &r.config().matcher))
        .collect();
    let kinds: Vec<_> = matchers
        .iter()
        .map(|m| m.and_then(|m| m.potential_kinds()))
        .collect();
    let mut visit = |node: GoNode<'r>, here: &[bool]| {
        let kind = usize::from(node.kind_id());
        for i in 0..rules.len() {
            let Some(matcher) = matchers[i].filter(|_| here[i]) else {
                continue;
            };
            if kinds[i].as_ref().is_some_and(|k| !k.contains(kind)) {
                continue;
            }
            if let Some(m) = matcher.match_node(node.clone()) {
                out[i].push(m);
            }
        }
    };
    // The same pre-order as `root.dfs()`: the file node, then each top-level
    // node's subtree with the rules live in it (none: the subtree is skipped).
    visit(root.clone(), &live.rules);
    for top in root.children() {
        let r = top.range();
        let here: Vec<bool> = (0..rules.len())
            .map(|i| live.at(i, r.start, r.end))
            .collect();
        if !here.contains(&true) {
            continue;
        }
        for node in top.dfs() {
            visit(node, &here);
        }
    }
    out
}

/// The engine's test of a file's bytes before it parses the file
/// ([`Engine::may_match_file`]), owned: each rule's byte test, whether it
/// skips test files, and its trigger.
#[derive(Clone)]
pub struct FileGate {
    rules: Arc<[(crate::prefilter::Prefilter, bool, Option<TriggerFn>)]>,
    narrow: bool,
}

impl FileGate {
    /// [`Engine::may_match_file`] of the engine this gate was made from.
    pub fn may_match_file(&self, path: &Path, bytes: &[u8]) -> bool {
        let mut decls: Option<Decls> = None;
        self.rules.iter().any(|(prefilter, skip_tests, trigger)| {
            match gate_of(prefilter, *skip_tests, *trigger, self.narrow, path, bytes) {
                Gate::Off => false,
                Gate::On => true,
                Gate::Trigger(t) => decls.get_or_insert_with(|| Decls::of(bytes)).any(t),
            }
        })
    }
}

/// One rule's [`Gate`] in the file at `path` holding `bytes`: its byte test
/// passes and, when narrowing, the file is no test file the rule skips; then
/// its trigger decides, if it has one.
fn gate_of(
    prefilter: &crate::prefilter::Prefilter,
    skip_tests: bool,
    trigger: Option<TriggerFn>,
    narrow: bool,
    path: &Path,
    bytes: &[u8],
) -> Gate {
    if !prefilter.may_match(bytes) {
        return Gate::Off;
    }
    if !narrow {
        return Gate::On;
    }
    let is_test = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with("_test.go"));
    if skip_tests && is_test {
        return Gate::Off;
    }
    trigger.map_or(Gate::On, Gate::Trigger)
}

/// What decides a rule's liveness in a file, before its trigger is tried.
enum Gate {
    Off,
    On,
    Trigger(crate::narrow::TriggerFn),
}

/// Where in one file each rule may fire (see [`Engine::live_where`]).
struct Live {
    /// Per rule: anywhere in the file.
    rules: Vec<bool>,
    /// Per rule with a trigger: which parts of `decls` trigger it.
    parts: Vec<Option<Vec<bool>>>,
    decls: Option<Decls>,
}

impl Live {
    /// Whether rule `i` may fire in the top-level node spanning `start..end`:
    /// some part it overlaps triggers the rule (parts and nodes coincide in
    /// gofmt'd code; overlap keeps a node that straddles parts, as in broken code).
    fn at(&self, i: usize, start: usize, end: usize) -> bool {
        if !self.rules[i] {
            return false;
        }
        match (&self.parts[i], &self.decls) {
            (Some(hits), Some(decls)) => decls.overlapping(start, end).any(|p| hits[p]),
            _ => true,
        }
    }
}

fn same_site(a: &Finding, b: &Finding) -> bool {
    a.rule == b.rule && a.snippet == b.snippet && a.start_pos.line == b.start_pos.line
}

fn edits_clear_of_errors(file: &GoFile, plan: &FixPlan) -> bool {
    plan.edits
        .iter()
        .all(|e| !file.near_parse_error(e.start, e.end.max(e.start)))
}

/// The rule file's `fix:` template applied to the match, with the imports that
/// `metadata.imports` names: a package name the file already uses for something
/// else is imported under another, and the template's qualifier follows it.
/// `Ok(None)`: the rule has no template; `Err`: why this file cannot take it.
fn template_fix(file: &GoFile, rule: &Rule, m: &GoMatch) -> Result<Option<FixPlan>, String> {
    let Some(fixer) = rule.config().fixer.first() else {
        return Ok(None);
    };
    let edit = m.make_edit(&rule.config().matcher, fixer);
    let mut content = String::from_utf8_lossy(&edit.inserted_text).into_owned();
    let mut imports = vec![];
    for (name, path) in &rule.meta.imports {
        if !std_deps::can_import(file, path) {
            return Err(format!(
                "report only: this package is a dependency of {path}, which it cannot import"
            ));
        }
        let (local, alias) = choose_name(&file.root, path, &file.imports);
        if &local != name {
            content = requalify(&content, name, &local);
        }
        imports.push(ImportRequest {
            path: path.clone(),
            alias,
        });
    }
    let (start, end) = (edit.position, edit.position + edit.deleted_length);
    Ok(Some(FixPlan {
        edits: vec![narrowed(file.text(), start, end, &content)],
        imports,
        claim: Some((start, end)),
        ..FixPlan::default()
    }))
}

/// The edit replacing `text[start..end]` by `content`, without the unchanged
/// tokens at either end (`runtime.GC()` → `debug.FreeOSMemory()` edits only the
/// callee), so reports and SARIF replacements show what really changes.
fn narrowed(text: &str, start: usize, end: usize, content: &str) -> Edit {
    let old = &text[start..end];
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut prefix = old
        .char_indices()
        .zip(content.chars())
        .take_while(|((_, a), b)| a == b)
        .last()
        .map_or(0, |((i, c), _)| i + c.len_utf8());
    // Stop after a non-identifier character, never inside a name.
    while prefix > 0 && old[..prefix].chars().last().is_some_and(is_ident) {
        prefix -= old[..prefix].chars().last().map_or(1, char::len_utf8);
    }
    let (old_rest, new_rest) = (&old[prefix..], &content[prefix..]);
    let mut suffix = old_rest
        .chars()
        .rev()
        .zip(new_rest.chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum::<usize>();
    while suffix > 0
        && old_rest[old_rest.len() - suffix..]
            .chars()
            .next()
            .is_some_and(is_ident)
    {
        suffix -= old_rest[old_rest.len() - suffix..]
            .chars()
            .next()
            .map_or(1, char::len_utf8);
    }
    Edit::new(
        start + prefix,
        end - suffix,
        &content[prefix..content.len() - suffix],
    )
}

/// `text` with each `name.` qualifier (not part of a longer identifier) spelled `local.`.
fn requalify(text: &str, name: &str, local: &str) -> String {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let pattern = format!("{name}.");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(&pattern) {
        let before = out.chars().last().or_else(|| rest[..i].chars().last());
        let before = if i > 0 {
            rest[..i].chars().last()
        } else {
            before
        };
        out.push_str(&rest[..i]);
        if before.is_some_and(|c| is_ident(c) || c == '.') {
            out.push_str(&pattern);
        } else {
            out.push_str(local);
            out.push('.');
        }
        rest = &rest[i + pattern.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-declaration narrowing runs GM009 only where a declaration calls
    /// itself, and finds what running it everywhere finds.
    #[test]
    fn rules_with_triggers_run_only_in_triggering_declarations() {
        let text = "package p\n\nfunc walk(n int) {\n\tvar buf [8192]byte\n\tbuf[0] = byte(n)\n\tif n > 0 {\n\t\twalk(n - 1)\n\t}\n}\n\nfunc flat(n int) {\n\tvar buf [8192]byte\n\tbuf[0] = byte(n)\n\tprintln(buf[0])\n}\n";
        let narrowed = Engine::new(crate::rules::bundled());
        let gm009 = narrowed.rules.iter().position(|r| r.id == "GM009").unwrap();
        let live = narrowed.live_where(Path::new("p.go"), text.as_bytes());
        let at = |name: &str| {
            let s = text.find(&format!("func {name}")).unwrap();
            let e = s + text[s..].find("\n}\n").unwrap() + 3;
            live.at(gm009, s, e)
        };
        assert!(at("walk"));
        assert!(!at("flat"));
        let mut whole = Engine::new(crate::rules::bundled());
        whole.narrow = false;
        let show = |a: Analysis| {
            a.findings
                .iter()
                .map(|f| format!("{} {} {}", f.rule, f.start, f.message))
                .collect::<Vec<_>>()
        };
        let a = show(narrowed.analyze(Path::new("p.go"), text, None));
        assert!(a.iter().any(|f| f.starts_with("GM009")), "{a:?}");
        assert_eq!(a, show(whole.analyze(Path::new("p.go"), text, None)));
    }

    #[test]
    fn foreign_edits_manage_imports_and_refuse_overlaps() {
        let text = "package p\n\nfunc caller() {\n\twork()\n}\n";
        let at = text.find("work()").unwrap() + "work(".len();
        let edits = vec![Edit::new(at, at, "context.TODO()")];
        let imports = vec![ImportRequest {
            path: "context".into(),
            alias: None,
        }];
        let out = apply_foreign_edits(Path::new("c.go"), text, &edits, &imports).unwrap();
        assert_eq!(
            out,
            "package p\n\nimport \"context\"\n\nfunc caller() {\n\twork(context.TODO())\n}\n"
        );
        let clash = vec![Edit::new(at, at + 1, "x"), Edit::new(at, at + 1, "y")];
        assert!(apply_foreign_edits(Path::new("c.go"), text, &clash, &[]).is_err());
        let broken = vec![Edit::new(at, at, "((")];
        assert!(apply_foreign_edits(Path::new("c.go"), text, &broken, &[]).is_err());
    }

    #[test]
    fn template_edits_keep_unchanged_tokens_out() {
        let text = "x := runtime.GC()";
        let e = narrowed(text, 5, text.len(), "debug.FreeOSMemory()");
        assert_eq!(
            (e.start, e.end, e.content.as_str()),
            (5, 15, "debug.FreeOSMemory")
        );
        // A shared start inside a name does not split it.
        let e = narrowed("abc(1)", 0, 6, "abd(1)");
        assert_eq!((e.start, e.end, e.content.as_str()), (0, 3, "abd"));
        let e = narrowed("f(a)", 0, 4, "f(a)");
        assert_eq!(e.start, e.end);
    }

    #[test]
    fn requalify_renames_whole_qualifiers_only() {
        assert_eq!(
            requalify("debug.FreeOSMemory()", "debug", "rtdebug"),
            "rtdebug.FreeOSMemory()"
        );
        assert_eq!(
            requalify("mydebug.X(debug.Y)", "debug", "d2"),
            "mydebug.X(d2.Y)"
        );
        assert_eq!(requalify("a.debug.X", "debug", "d2"), "a.debug.X");
    }

    #[test]
    fn foreign_edits_to_other_files_are_plain_text() {
        let out = apply_foreign_edits(
            Path::new("Dockerfile"),
            "FROM x\nCMD [\"/s\"]\n",
            &[Edit::new(7, 7, "ENV GOMEMLIMIT=900MiB\n")],
            &[],
        )
        .unwrap();
        assert_eq!(out, "FROM x\nENV GOMEMLIMIT=900MiB\nCMD [\"/s\"]\n");
    }
}
