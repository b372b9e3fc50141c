//! Import management for every fix, in one place: add what a fix needs, drop
//! what it left unused, in gofmt's layout (sorted within a group, no stray blank
//! lines), so that fixed files compile and `gofmt -l` stays quiet.

use std::collections::{BTreeMap, BTreeSet};

use ast_grep_core::AstGrep;

pub use crate::finding::ImportRequest;

use crate::finding::Edit;
use crate::gofile::{default_package_name, GoDoc, GoNode};
use crate::lang::Go;

/// Package names a file refers to: operands of `x.Y` and qualifiers of `x.T` types,
/// outside import declarations.
pub fn used_package_names(root: &GoNode) -> BTreeSet<String> {
    package_name_uses(root).into_keys().collect()
}

/// Each name used as a package qualifier (operand of `x.Y`, qualifier of `x.T`
/// outside import declarations and the package clause), with the byte ranges of
/// its uses.
fn package_name_uses(root: &GoNode) -> BTreeMap<String, Vec<(usize, usize)>> {
    let mut uses: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
    for node in root.dfs() {
        let used = match node.kind().as_ref() {
            "selector_expression" => node.field("operand").filter(|op| op.kind() == "identifier"),
            "package_identifier" => {
                let in_import = node.ancestors().any(|a| a.kind() == "import_declaration");
                let in_package_clause = node.parent().is_some_and(|p| p.kind() == "package_clause");
                (!in_import && !in_package_clause).then(|| node.clone())
            }
            _ => None,
        };
        if let Some(name) = used {
            let r = name.range();
            uses.entry(name.text().to_string())
                .or_default()
                .push((r.start, r.end));
        }
    }
    uses
}

/// The names Go source `code` (a fragment a fix inserts) uses as qualifiers:
/// identifiers directly followed by `.` and another identifier, outside string
/// and rune literals and comments. The inserted text is gofmt-style code a rule
/// wrote, so `x.Y` is never spelt with spaces around the dot.
fn qualifiers_in(code: &str) -> BTreeSet<String> {
    let b = code.as_bytes();
    let ident = |c: u8| c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80;
    let mut names = BTreeSet::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' | b'\'' => {
                let quote = b[i];
                i += 1;
                while i < b.len() && b[i] != quote && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'`' => i += code[i + 1..].find('`').map_or(b.len(), |n| n + 2),
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i += code[i..].find('\n').unwrap_or(b.len() - i);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += code[i + 2..].find("*/").map_or(b.len(), |n| n + 4);
            }
            c if ident(c) && !c.is_ascii_digit() => {
                let start = i;
                while i < b.len() && ident(b[i]) {
                    i += 1;
                }
                let after_dot = b.get(i + 1).copied();
                if b.get(i) == Some(&b'.')
                    && after_dot.is_some_and(|c| ident(c) && !c.is_ascii_digit())
                {
                    names.insert(code[start..i].to_string());
                }
            }
            _ => i += 1,
        }
    }
    names
}

/// A file's imports as every fix of the file needs them, read once from its
/// tree: reconciling each finding's fix by re-parsing the file after its edits
/// cost a parse and a walk of the whole file per finding (quadratic in a file
/// with many findings).
pub struct ImportFacts {
    decls: Vec<Decl>,
    uses: BTreeMap<String, Vec<(usize, usize)>>,
    /// End of the package clause: where a first import goes.
    package_clause_end: Option<usize>,
    /// Code edits at or after this offset leave the import section, and the
    /// line after it, untouched.
    section_end: usize,
}

impl ImportFacts {
    pub fn of(text: &str, root: &GoNode) -> Self {
        let decls = import_decls(text, root);
        let package_clause_end = root
            .children()
            .find(|c| c.kind() == "package_clause")
            .map(|p| p.range().end);
        // Removing an import line looks at the lines beside it (gofmt's blank
        // lines), so the section ends a line after the last declaration.
        let section_end = decls
            .iter()
            .map(|d| d.line_end)
            .chain(package_clause_end)
            .max()
            .map_or(0, |end| line_end(text, end));
        ImportFacts {
            decls,
            uses: package_name_uses(root),
            package_clause_end,
            section_end,
        }
    }

    /// Every name the file uses as a package qualifier.
    pub fn used_names(&self) -> BTreeSet<String> {
        self.uses.keys().cloned().collect()
    }

    /// The import edits of a fix whose code edits are `edits` (on `text`, the
    /// text these facts were read from): [`reconcile`] on the fixed text,
    /// computed from the uses the edits remove and the qualifiers they insert.
    /// A fix that edits the import section itself is reconciled by re-parsing.
    /// None when the import edits do not fit the text they were made for.
    pub fn reconcile(
        &self,
        text: &str,
        edits: &[Edit],
        add: &[ImportRequest],
        used_before: &BTreeSet<String>,
    ) -> Option<Vec<Edit>> {
        if edits.iter().any(|e| e.start < self.section_end) {
            let after = crate::finding::apply_edits(text, edits);
            let import_edits = reconcile(&after, add, used_before);
            return crate::finding::well_formed(&after, &import_edits).then_some(import_edits);
        }
        let removed = |&(s, e): &(usize, usize)| edits.iter().any(|x| x.start <= s && e <= x.end);
        let mut used_now: BTreeSet<String> = self
            .uses
            .iter()
            .filter(|(_, ranges)| !ranges.iter().all(removed))
            .map(|(name, _)| name.clone())
            .collect();
        for e in edits {
            used_now.extend(qualifiers_in(&e.content));
        }
        // The import section is the same before and after the code edits.
        let import_edits = reconcile_in(text, self, &used_now, add, used_before);
        crate::finding::well_formed(text, &import_edits).then_some(import_edits)
    }
}

struct Spec {
    path: String,
    /// The alias as written, or "" (gofmt sorts by path, then by this).
    alias: String,
    local: String,
    removable: bool,
    /// The spec's own line(s), from line start to after the newline.
    line_start: usize,
    line_end: usize,
}

struct Decl {
    start: usize,
    line_start: usize,
    line_end: usize,
    parenthesized: bool,
    specs: Vec<Spec>,
    /// Byte offset just after `(\n`, for blocks.
    body_start: usize,
}

/// Edits to `text` (the code after a fix) that add `add` and remove every import
/// whose name `used_before` had and the code no longer uses. The edits lie in the
/// import section only, so they also apply to the text before the code edits.
pub fn reconcile(text: &str, add: &[ImportRequest], used_before: &BTreeSet<String>) -> Vec<Edit> {
    let root = AstGrep::new(text, Go);
    let facts = ImportFacts::of(text, &root.root());
    reconcile_in(text, &facts, &facts.used_names(), add, used_before)
}

/// [`reconcile`] with the imports read already (`facts`, whose import section
/// is `text`'s) and the names the fixed code uses (`used_now`).
fn reconcile_in(
    text: &str,
    facts: &ImportFacts,
    used_now: &BTreeSet<String>,
    add: &[ImportRequest],
    used_before: &BTreeSet<String>,
) -> Vec<Edit> {
    let decls = &facts.decls;
    // A blank or dot import does not give the package a name the fix can use.
    let already: BTreeSet<&str> = decls
        .iter()
        .flat_map(|d| {
            d.specs
                .iter()
                .filter(|s| s.removable || s.path == "C")
                .map(|s| s.path.as_str())
        })
        .collect();
    let mut to_add: Vec<&ImportRequest> = add
        .iter()
        .filter(|r| !already.contains(r.path.as_str()))
        .collect();
    to_add.sort();
    to_add.dedup();
    let remove =
        |s: &Spec| s.removable && used_before.contains(&s.local) && !used_now.contains(&s.local);

    let mut edits = vec![];
    // Where additions go: the first parenthesized block, else a lone single import
    // (turned into a block), else after the last import, else after the package clause.
    let block = decls.iter().position(|d| d.parenthesized);
    let lone_single = decls.len() == 1 && !decls[0].parenthesized && decls[0].specs[0].path != "C";
    if !to_add.is_empty() {
        if let Some(i) = block {
            edits.extend(insert_into_block(text, &decls[i], &to_add));
        } else if lone_single {
            let d = &decls[0];
            let mut specs: Vec<(String, String)> = to_add
                .iter()
                .map(|r| (r.path.clone(), r.spec_text()))
                .collect();
            let own = &d.specs[0];
            if !remove(own) {
                let spec_text = text[own.line_start..own.line_end]
                    .trim()
                    .trim_start_matches("import")
                    .trim();
                specs.push((own.path.clone(), spec_text.to_string()));
            }
            specs.sort();
            let new_decl = if specs.len() == 1 {
                format!("import {}", specs[0].1)
            } else {
                let body: String = specs.iter().map(|(_, s)| format!("\t{s}\n")).collect();
                format!("import (\n{body})")
            };
            let end = decl_end_without_newline(text, d);
            edits.push(Edit::new(d.start, end, new_decl));
        } else if let Some(last) = decls.last() {
            let lines: String = to_add
                .iter()
                .map(|r| format!("import {}\n", r.spec_text()))
                .collect();
            edits.push(Edit::new(last.line_end, last.line_end, lines));
        } else if let Some(pkg_end) = facts.package_clause_end {
            let new_decl = if to_add.len() == 1 {
                format!("\n\nimport {}", to_add[0].spec_text())
            } else {
                let body: String = to_add
                    .iter()
                    .map(|r| format!("\t{}\n", r.spec_text()))
                    .collect();
                format!("\n\nimport (\n{body})")
            };
            edits.push(Edit::new(pkg_end, pkg_end, new_decl));
        }
    }
    for (i, d) in decls.iter().enumerate() {
        if lone_single && !to_add.is_empty() {
            continue; // rewritten whole above
        }
        let gone: Vec<&Spec> = d.specs.iter().filter(|s| remove(s)).collect();
        if gone.is_empty() {
            continue;
        }
        let receives_additions = block == Some(i) && !to_add.is_empty();
        if gone.len() == d.specs.len() && !receives_additions {
            edits.push(remove_lines(text, d.line_start, d.line_end));
        } else {
            for s in gone {
                edits.push(remove_lines(text, s.line_start, s.line_end));
            }
        }
    }
    merge_adjacent(edits)
}

fn import_decls(text: &str, top: &GoNode) -> Vec<Decl> {
    let mut decls = vec![];
    for node in top.children().filter(|c| c.kind() == "import_declaration") {
        let r = node.range();
        let parenthesized = node.children().any(|c| c.kind() == "import_spec_list");
        let body_start = text[r.start..r.end]
            .find('(')
            .map_or(r.start, |i| line_end(text, r.start + i));
        let specs = node
            .dfs()
            .filter(|n| n.kind() == "import_spec")
            .filter_map(|spec| {
                let path = spec
                    .field("path")?
                    .text()
                    .trim_matches(|c| c == '"' || c == '`')
                    .to_string();
                let alias = spec.field("name").map(|n| n.text().to_string());
                let removable = !matches!(alias.as_deref(), Some("_" | ".")) && path != "C";
                let local = alias
                    .clone()
                    .unwrap_or_else(|| default_package_name(&path).to_string());
                let sr = spec.range();
                Some(Spec {
                    path,
                    alias: alias.unwrap_or_default(),
                    local,
                    removable,
                    line_start: line_start(text, sr.start),
                    line_end: line_end(text, sr.end),
                })
            })
            .collect();
        decls.push(Decl {
            start: r.start,
            line_start: line_start(text, r.start),
            line_end: line_end(text, r.end),
            parenthesized,
            specs,
            body_start,
        });
    }
    decls
}

fn insert_into_block(text: &str, d: &Decl, to_add: &[&ImportRequest]) -> Vec<Edit> {
    // Groups are runs of specs with no blank line between them.
    let mut groups: Vec<Vec<&Spec>> = vec![];
    for s in &d.specs {
        let blank_before = groups.last().and_then(|g| g.last()).is_some_and(|prev| {
            text[prev.line_end..s.line_start].contains("\n\n")
                || text[prev.line_end..s.line_start]
                    .lines()
                    .any(|l| l.trim().is_empty())
        });
        if groups.is_empty() || blank_before {
            groups.push(vec![s]);
        } else {
            groups.last_mut().unwrap().push(s);
        }
    }
    let is_std = |p: &str| !p.split('/').next().unwrap_or("").contains('.');
    let std_group = groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.iter().any(|s| is_std(&s.path)))
        .max_by_key(|(i, g)| (g.iter().filter(|s| is_std(&s.path)).count(), usize::MAX - i))
        .map(|(i, _)| i);
    let mut edits = vec![];
    match std_group {
        Some(gi) => {
            for r in to_add {
                let group = &groups[gi];
                let key = (r.path.as_str(), r.alias.as_deref().unwrap_or(""));
                let at = group
                    .iter()
                    .find(|s| (s.path.as_str(), s.alias.as_str()) > key)
                    .map_or(group.last().unwrap().line_end, |s| s.line_start);
                edits.push(Edit::new(at, at, format!("\t{}\n", r.spec_text())));
            }
        }
        None => {
            // No standard-library group yet: start one at the top, as goimports does.
            let mut lines: String = to_add
                .iter()
                .map(|r| format!("\t{}\n", r.spec_text()))
                .collect();
            if !d.specs.is_empty() {
                lines.push('\n');
            }
            edits.push(Edit::new(d.body_start, d.body_start, lines));
        }
    }
    edits
}

/// Deletes whole lines `start..end` and keeps gofmt's blank-line rules: no two blank
/// lines in a row, none right after `(` or right before `)`.
fn remove_lines(text: &str, mut start: usize, mut end: usize) -> Edit {
    let prev = prev_line(text, start);
    let next = &text[end..line_end(text, end)];
    let prev_blank = prev.is_some_and(|l| l.trim().is_empty());
    let next_blank = next.trim().is_empty() && end < text.len();
    let prev_opens = prev.is_some_and(|l| l.trim_end().ends_with('('));
    let next_closes = next.trim_start().starts_with(')');
    if (prev_blank || prev_opens) && next_blank {
        end = line_end(text, end);
    } else if prev_blank && (next_closes || end >= text.len()) {
        start = line_start(text, start.saturating_sub(1));
    }
    Edit::new(start, end, "")
}

fn merge_adjacent(mut edits: Vec<Edit>) -> Vec<Edit> {
    edits.sort();
    let mut out: Vec<Edit> = vec![];
    for e in edits {
        if let Some(last) = out.last_mut() {
            if e.start < last.end {
                // Two deletions that both swallowed the same blank line.
                if last.content.is_empty() && e.content.is_empty() {
                    last.end = last.end.max(e.end);
                    continue;
                }
            }
        }
        out.push(e);
    }
    out
}

fn decl_end_without_newline(text: &str, d: &Decl) -> usize {
    let mut end = d.line_end;
    if text[..end].ends_with('\n') {
        end -= 1;
    }
    // Keep a trailing comment on the declaration's line.
    let line = &text[d.start..end];
    match line.find("//") {
        Some(i) if !line[..i].contains('"') || line[..i].matches('"').count() % 2 == 0 => {
            d.start + line[..i].trim_end().len()
        }
        _ => end,
    }
}

pub fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// Offset just past the newline that ends the line holding `offset` (or the text's end).
pub fn line_end(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
}

fn prev_line(text: &str, line_start_offset: usize) -> Option<&str> {
    if line_start_offset == 0 {
        return None;
    }
    let s = line_start(text, line_start_offset - 1);
    Some(&text[s..line_start_offset - 1])
}

/// A name for `path` that nothing in the file already uses for something else.
pub fn choose_name(
    root: &AstGrep<GoDoc>,
    path: &str,
    existing: &[crate::gofile::Import],
) -> (String, Option<String>) {
    if let Some(imp) = existing
        .iter()
        .find(|i| i.path == path && !matches!(i.alias.as_deref(), Some("_" | ".")))
    {
        return (imp.local_name().to_string(), None);
    }
    let default = default_package_name(path);
    let taken = |name: &str| {
        existing.iter().any(|i| i.local_name() == name)
            || root.root().dfs().any(|n| {
                matches!(
                    n.kind().as_ref(),
                    "identifier" | "type_identifier" | "package_identifier"
                ) && n.text() == name
            })
    };
    if !taken(default) {
        return (default.to_string(), None);
    }
    let parent = path.rsplit('/').nth(1).unwrap_or("pkg");
    let mut candidate = format!("{}{}", short(parent), default);
    let mut n = 2;
    while taken(&candidate) {
        candidate = format!("{}{}{}", short(parent), default, n);
        n += 1;
    }
    (candidate.clone(), Some(candidate))
}

/// `runtime` → `rt`, as Go code commonly abbreviates it; else the name itself.
fn short(parent: &str) -> &str {
    match parent {
        "runtime" => "rt",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::apply_edits;

    fn used(text: &str) -> BTreeSet<String> {
        used_package_names(&AstGrep::new(text, Go).root())
    }

    fn run(before: &str, after_code: &str, add: &[(&str, Option<&str>)]) -> String {
        let add: Vec<ImportRequest> = add
            .iter()
            .map(|(p, a)| ImportRequest {
                path: p.to_string(),
                alias: a.map(str::to_string),
            })
            .collect();
        let edits = reconcile(after_code, &add, &used(before));
        apply_edits(after_code, &edits)
    }

    #[test]
    fn adds_to_std_group_sorted_and_drops_unused() {
        let before = "package p\n\nimport (\n\t\"fmt\"\n\t\"runtime\"\n\t\"time\"\n\n\t\"example.com/x\"\n)\n\nfunc f() { runtime.GC(); fmt.Println(time.Now(), x.Y) }\n";
        let after = before.replace("runtime.GC()", "debug.FreeOSMemory()");
        let out = run(before, &after, &[("runtime/debug", None)]);
        assert!(
            out.contains(
                "import (\n\t\"fmt\"\n\t\"runtime/debug\"\n\t\"time\"\n\n\t\"example.com/x\"\n)"
            ),
            "{out}"
        );
    }

    #[test]
    fn single_import_swapped() {
        let before = "package p\n\nimport \"runtime\"\n\nfunc f() { runtime.GC() }\n";
        let after = before.replace("runtime.GC()", "debug.FreeOSMemory()");
        let out = run(before, &after, &[("runtime/debug", None)]);
        assert_eq!(
            out,
            "package p\n\nimport \"runtime/debug\"\n\nfunc f() { debug.FreeOSMemory() }\n"
        );
    }

    #[test]
    fn single_import_becomes_block() {
        let before =
            "package p\n\nimport \"runtime\"\n\nfunc f() { runtime.GC(); runtime.Gosched() }\n";
        let after = before.replace("runtime.GC()", "debug.FreeOSMemory()");
        let out = run(before, &after, &[("runtime/debug", None)]);
        assert!(
            out.starts_with("package p\n\nimport (\n\t\"runtime\"\n\t\"runtime/debug\"\n)\n\nfunc"),
            "{out}"
        );
    }

    #[test]
    fn removing_last_import_of_block_and_group() {
        let before = "package p\n\nimport (\n\t\"runtime\"\n\n\t\"example.com/x\"\n)\n\nfunc f() { runtime.GC(); x.Y() }\n";
        let after = before.replace("runtime.GC(); ", "");
        let out = run(before, &after, &[]);
        assert!(out.contains("import (\n\t\"example.com/x\"\n)\n"), "{out}");
        let before = "package p\n\nimport \"runtime\"\n\nfunc f() { runtime.GC() }\n";
        let out = run(
            before,
            "package p\n\nimport \"runtime\"\n\nfunc f() {}\n",
            &[],
        );
        assert_eq!(out, "package p\n\nfunc f() {}\n");
    }

    #[test]
    fn no_imports_yet_and_alias() {
        let out = run(
            "package p\n\nfunc f() {}\n",
            "package p\n\nfunc f() { rtdebug.FreeOSMemory() }\n",
            &[("runtime/debug", Some("rtdebug"))],
        );
        assert_eq!(out, "package p\n\nimport rtdebug \"runtime/debug\"\n\nfunc f() { rtdebug.FreeOSMemory() }\n");
    }

    #[test]
    fn a_blank_import_does_not_count_as_imported() {
        let before = "package p\n\nimport (\n\t\"runtime\"\n\t_ \"runtime/debug\"\n)\n\nfunc f() { runtime.GC() }\n";
        let after = before.replace("runtime.GC()", "debug.FreeOSMemory()");
        let out = run(before, &after, &[("runtime/debug", None)]);
        assert!(
            out.contains("import (\n\t\"runtime/debug\"\n\t_ \"runtime/debug\"\n)"),
            "{out}"
        );
    }

    #[test]
    fn keeps_imports_still_used_and_blank_ones() {
        let before = "package p\n\nimport (\n\t_ \"embed\"\n\t\"runtime\"\n)\n\nfunc f() { runtime.GC(); runtime.Gosched() }\n";
        let after = before.replace("runtime.GC(); ", "");
        assert_eq!(run(before, &after, &[]), after);
    }

    /// Reconciling from facts read once gives what re-parsing the fixed text gives.
    #[test]
    fn facts_reconcile_as_a_reparse_does() {
        let text = "package p\n\nimport (\n\t\"fmt\"\n\t\"runtime\"\n)\n\nfunc a() { runtime.GC() }\n\nfunc b() { runtime.GC(); fmt.Println() }\n\n// runtime.GC in a comment\nfunc c() {}\n";
        let root = AstGrep::new(text, Go);
        let facts = ImportFacts::of(text, &root.root());
        let used = facts.used_names();
        let first = text.find("runtime.GC()").unwrap();
        let second = text.rfind("runtime.GC();").unwrap();
        let debug = [ImportRequest {
            path: "runtime/debug".into(),
            alias: None,
        }];
        let cases: Vec<(Vec<Edit>, &[ImportRequest])> = vec![
            // One use of two replaced: runtime stays, debug comes.
            (
                vec![Edit::new(first, first + 12, "debug.FreeOSMemory()")],
                &debug,
            ),
            // Both uses gone: runtime goes.
            (
                vec![
                    Edit::new(first, first + 12, ""),
                    Edit::new(second, second + 13, ""),
                ],
                &[],
            ),
            // A qualifier only in a string or comment of the inserted text is no use.
            (
                vec![
                    Edit::new(first, first + 12, "_ = \"runtime.GC\" // runtime.GC"),
                    Edit::new(second, second + 13, ""),
                ],
                &[],
            ),
        ];
        for (edits, add) in cases {
            let after = apply_edits(text, &edits);
            let reparsed = reconcile(&after, add, &used);
            let from_facts = facts.reconcile(text, &edits, add, &used).unwrap();
            assert_eq!(from_facts, reparsed, "{edits:?}");
        }
    }

    #[test]
    fn qualifiers_in_inserted_code_skip_literals_and_comments() {
        let names =
            qualifiers_in("debug.FreeOSMemory() // fmt.Println\ns := \"os.Exit\" + `io.EOF` + x.y");
        assert_eq!(names.into_iter().collect::<Vec<_>>(), vec!["debug", "x"]);
    }
}
