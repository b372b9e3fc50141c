//! GM008 memprofilerate-every-alloc: `runtime.MemProfileRate` set far below its
//! default. The pattern finds the assignment; this module reads its value and
//! asks whether it is a standing setting (every run pays for it) or a
//! diagnostic mode (a switch, a profiling session that restores the old rate).
//!
//! `high`: a constant rate of at most [`MAX_SUSPICIOUS_RATE`] bytes set
//! unconditionally (a condition on constants and the platform alone is no
//! switch), in `init`, `main` or any function that runs when called: from then
//! on the whole process pays, and nothing sets it back. `medium`: a setting
//! in a function called on demand in a file that also sets the rate back (a
//! mode turned on and off), or under a switch (a flag, the environment, a parameter, program state, each
//! named in the evidence); `low`: one in a file that also reads the rate (a
//! session saving it to restore), or in a file under `testdata/`. Silent: a
//! session that both saves and restores the rate, and rates above
//! [`MAX_SUSPICIOUS_RATE`].

use crate::analysis::exprs::called_name;
use crate::analysis::{constants, decls, scope, statements};
use crate::finding::{Applicability, Confidence};
use crate::gofile::{GoFile, GoMatch, GoNode};
use crate::outcome::{Grounds, Outcome};

/// Rates at or below this sample often enough to be worth a look.
const MAX_SUSPICIOUS_RATE: i64 = 4096;
/// The runtime's default: one sample per 512 KiB allocated.
const DEFAULT_RATE: i64 = 512 * 1024;

pub fn run(file: &GoFile, m: &GoMatch) -> Outcome {
    let Some(rate) = m.get_env().get_match("RATE") else {
        return Outcome::Silent;
    };
    let Some(v) = constants::int_value(file, rate) else {
        return Outcome::Silent;
    };
    if !(1..=MAX_SUSPICIOUS_RATE).contains(&v) {
        return Outcome::Silent;
    }
    let node: &GoNode = m.get_node();
    let Session {
        saves,
        restores,
        sets_back,
    } = session(file, node);
    if saves.is_some() && restores.is_some() {
        return Outcome::Silent;
    }
    let cost = if v == 1 {
        "a stack trace recorded for every allocation".to_string()
    } else {
        format!(
            "one sample per {v} bytes allocated, {}x the default's one per 512 KiB",
            DEFAULT_RATE / v
        )
    };
    let mut grounds = Grounds::default();
    let at = node.range().start;
    grounds.push(file.evidence(at, format!("cost: {cost}")));
    // A condition that reads only constants and the platform (`runtime.GOOS`)
    // switches nothing: every run there pays, as if it were unconditional.
    let raw_condition = condition_of(node);
    let condition = raw_condition
        .clone()
        .and_then(|c| switch_of(file, &c).map(|why| (c, why)));
    if let (Some(c), None) = (&raw_condition, &condition) {
        grounds.push(file.evidence(
            c.range().start,
            "its condition reads only constants and the platform: every run there pays",
        ));
    }
    let func = scope::enclosing_function(node);
    let standing_place = func.as_ref().and_then(|f| {
        let name = f.field("name")?.text().to_string();
        let plain = f.kind() == "function_declaration"
            && f.field("parameters")
                .is_some_and(|p| p.named_children().next().is_none());
        let is_main = name == "main" && file.package_name == "main";
        (plain && (name == "init" || is_main)).then_some(name)
    });
    let mut confidence = match (&condition, &standing_place) {
        (None, Some(name)) => {
            grounds.push(file.evidence(
                at,
                format!(
                    "set {} in `{name}`: every run of the program pays for it",
                    if raw_condition.is_some() {
                        "under no switch"
                    } else {
                        "unconditionally"
                    }
                ),
            ));
            Confidence::High
        }
        (None, None) => {
            grounds.push(file.evidence(
                at,
                "set unconditionally in a function that runs when called: from then on every allocation of the process pays, and nothing here sets it back",
            ));
            Confidence::High
        }
        (Some((_, (line, why))), _) => {
            grounds.push(file.evidence(
                *line,
                format!("set only when {why}: an operator's switch for a diagnostic mode (lowers confidence)"),
            ));
            Confidence::Medium
        }
    };
    // `Fine()` beside `Coarse()`: a function called on demand, in a file that
    // also sets the rate back (to the default, a coarser one or 0), switches a
    // mode on; `init` and `main` still set it for the whole run.
    if let (Some(back), None, Confidence::High) = (sets_back, &standing_place, confidence) {
        confidence = Confidence::Medium;
        grounds.push(file.evidence(
            back,
            "the file also sets the rate back here: a profiling mode turned on and off on demand (lowers confidence)",
        ));
    }
    if let Some(read) = &saves {
        confidence = Confidence::Low;
        grounds.push(file.evidence(
            *read,
            "the file reads the rate back, as a profiling session that restores it does (lowers confidence)",
        ));
    }
    let under_testdata = file.path.components().any(|c| c.as_os_str() == "testdata");
    if under_testdata {
        confidence = Confidence::Low;
        grounds.push(file.evidence(
            at,
            "a program under testdata/, run by tests (lowers confidence)",
        ));
    }
    // A diagnostic mode (a switch, a session, a test program) is there on
    // purpose: deleting it is no edit a reader merges.
    let diagnostic = condition.is_some() || saves.is_some() || under_testdata;
    let mut outcome = if diagnostic {
        Outcome::report_only(Some(
            "no automatic fix: the rate belongs to a diagnostic mode; remove that mode by hand \
             if it should not exist"
                .into(),
        ))
    } else {
        statements::remove_statement(file, m)
    };
    // Deleting a rate someone chose on purpose is only safe where it stands
    // for the whole run from start-up (`init`, `main`) and nothing reads it
    // back; one set by a function when called may belong to a mode.
    if confidence != Confidence::High || standing_place.is_none() {
        if let Outcome::Report {
            fix: Some(plan), ..
        } = &mut outcome
        {
            plan.applicability = Some(Applicability::Unsafe);
        }
    }
    if let Outcome::Report { message, .. } = &mut outcome {
        *message = Some(match message.take() {
            Some(why) => format!("it costs {cost}; {why}"),
            None => format!("it costs {cost}"),
        });
    }
    outcome.graded(grounds.at(confidence))
}

/// The condition the assignment runs under, in its own function: an `if`
/// condition, a `switch` or `select` case.
fn condition_of<'r>(node: &GoNode<'r>) -> Option<GoNode<'r>> {
    node.ancestors()
        .take_while(|a| !scope::is_function(a))
        .find_map(|a| match a.kind().as_ref() {
            "if_statement" => a.field("condition"),
            "expression_case" | "type_case" | "communication_case" | "default_case" => {
                Some(a.clone())
            }
            _ => None,
        })
}

/// What the condition `cond` switches on, and where that shows: a command-line
/// flag (a variable the `flag` or `pflag` package fills, by `flag.String(...)`
/// or `fs.StringVar(&x, ...)` in this file), the environment, a parameter its
/// callers set, or other state of the program. None when the condition reads
/// only constants and the platform (`runtime.GOOS`, `runtime.GOARCH`).
fn switch_of(file: &GoFile, cond: &GoNode) -> Option<(usize, String)> {
    let at = cond.range().start;
    let root = file.root.root();
    // What the condition reads: an `if`'s condition; a case's values and its
    // switch's tag. A `default` or `select` case reads nothing we can weigh.
    let read: Vec<GoNode> = match cond.kind().as_ref() {
        "expression_case" | "type_case" => cond
            .field("value")
            .into_iter()
            .chain(cond.parent().and_then(|sw| sw.field("value")))
            .collect(),
        "default_case" | "communication_case" => {
            return Some((at, "a case of the program's state holds".into()))
        }
        _ => vec![cond.clone()],
    };
    let flag_pkg = |call: &GoNode| {
        call.field("function").is_some_and(|f| {
            f.kind() == "selector_expression"
                && f.field("operand").is_some_and(|o| {
                    o.kind() == "identifier"
                        && ["flag", "github.com/spf13/pflag"]
                            .iter()
                            .any(|p| scope::names_import(file, call, &o.text(), p))
                })
        })
    };
    // Operands read: `x`, `*x`, `opts.x` (the whole selector, not its parts).
    let operands: Vec<GoNode> = read
        .iter()
        .flat_map(|r| r.dfs())
        .filter(|n| {
            let in_selector = n
                .parent()
                .is_some_and(|p| p.kind() == "selector_expression");
            match n.kind().as_ref() {
                "identifier" => !in_selector,
                "selector_expression" => !in_selector,
                _ => false,
            }
        })
        .collect();
    for op in &operands {
        let text = op.text().to_string();
        // `x := flag.String(...)`, `var x = flag.Bool(...)`.
        let declared = root.dfs().find(|n| {
            matches!(n.kind().as_ref(), "short_var_declaration" | "var_spec")
                && n.field("left")
                    .or_else(|| n.field("name"))
                    .is_some_and(|l| l.text() == text)
                && n.field("right")
                    .or_else(|| n.field("value"))
                    .and_then(|v| {
                        if v.kind() == "call_expression" {
                            Some(v)
                        } else {
                            v.named_children().next()
                        }
                    })
                    .is_some_and(|v| v.kind() == "call_expression" && flag_pkg(&v))
        });
        // `flag.StringVar(&x, ...)`, `cmd.Flags().StringVar(&opts.x, ...)`.
        let bound = || {
            root.dfs().find(|n| {
                n.kind() == "call_expression"
                    && called_name(n).is_some_and(|c| c.ends_with("Var") || c.ends_with("VarP"))
                    && n.field("arguments")
                        .and_then(|a| a.named_children().next())
                        .is_some_and(|a| {
                            a.kind() == "unary_expression"
                                && a.field("operand").is_some_and(|o| o.text() == text)
                        })
            })
        };
        if let Some(d) = declared.or_else(bound) {
            let line = crate::finding::Position::of_offset(file.text(), d.range().start).line;
            return Some((
                at,
                format!("`{text}`, a command-line flag (line {line}), is set"),
            ));
        }
    }
    let calls = read
        .iter()
        .flat_map(|r| r.dfs())
        .filter_map(|n| called_name(&n))
        .collect::<Vec<_>>();
    if calls.iter().any(|c| c == "Getenv" || c == "LookupEnv") {
        return Some((at, "the environment asks for it".into()));
    }
    let platform_only = calls.is_empty()
        && operands.iter().all(|op| {
            let t = op.text();
            constants::int_value(file, op).is_some()
                || matches!(t.as_ref(), "true" | "false" | "nil")
                || (op.kind() == "selector_expression"
                    && op
                        .field("field")
                        .is_some_and(|f| f.text() == "GOOS" || f.text() == "GOARCH")
                    && op
                        .field("operand")
                        .is_some_and(|o| scope::names_import(file, op, &o.text(), "runtime")))
                || (op.kind() == "identifier" && is_constant_name(&root, &t))
        });
    if platform_only {
        return None;
    }
    let param = operands.iter().find(|op| {
        op.kind() == "identifier"
            && decls::lookup(op, &op.text()).is_some_and(|d| d.kind == decls::DeclKind::Param)
    });
    Some(match param {
        Some(p) => (
            at,
            format!("`{}`, a parameter its callers set, asks for it", p.text()),
        ),
        None => (at, "a condition of the program's state holds".into()),
    })
}

/// `name` is a constant declared in the file (`const debug = false`).
fn is_constant_name(root: &GoNode, name: &str) -> bool {
    root.dfs()
        .any(|n| n.kind() == "const_spec" && n.field_children("name").any(|c| c.text() == name))
}

/// Where the file reads `runtime.MemProfileRate` as a value (saving it), and
/// where it assigns it something that is not a constant (restoring it).
/// The file's other uses of the rate: where it is read (`saves`), where it
/// is set from a value that is not a constant (`restores`: a session putting
/// the saved rate back), and where it is set to a constant outside the
/// suspicious range (`sets_back`: `= 512 * 1024`, `= 64 << 10`, `= 0`).
struct Session {
    saves: Option<usize>,
    restores: Option<usize>,
    sets_back: Option<usize>,
}

fn session(file: &GoFile, node: &GoNode) -> Session {
    let mut saves = None;
    let mut restores = None;
    let mut sets_back = None;
    for n in file.root.root().dfs() {
        if n.kind() != "selector_expression"
            || !n
                .field("field")
                .is_some_and(|f| f.text() == "MemProfileRate")
            || node.range().contains(&n.range().start)
        {
            continue;
        }
        let Some(operand) = n.field("operand") else {
            continue;
        };
        if operand.kind() != "identifier"
            || !scope::names_import(file, &n, &operand.text(), "runtime")
        {
            continue;
        }
        // On the left of an assignment: a store; its value decides.
        let store = n.parent().and_then(|list| list.parent()).filter(|s| {
            s.kind() == "assignment_statement"
                && s.field("left")
                    .is_some_and(|l| l.range().contains(&n.range().start))
        });
        match store {
            Some(s) => {
                let constant = s
                    .field("right")
                    .and_then(|r| r.named_children().next())
                    .and_then(|v| constants::int_value(file, &v));
                match constant {
                    None if restores.is_none() => restores = Some(s.range().start),
                    Some(v) if sets_back.is_none() && !(1..=MAX_SUSPICIOUS_RATE).contains(&v) => {
                        sets_back = Some(s.range().start);
                    }
                    _ => {}
                }
            }
            None => {
                if saves.is_none() {
                    saves = Some(n.range().start);
                }
            }
        }
    }
    Session {
        saves,
        restores,
        sets_back,
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::Engine;
    use crate::finding::Confidence;
    use std::path::Path;

    fn grades(path: &str, src: &str) -> Vec<(Confidence, bool)> {
        let mut engine = Engine::new(crate::rules::bundled());
        engine.min_confidence = Confidence::Low;
        engine
            .analyze(Path::new(path), src, None)
            .findings
            .iter()
            .filter(|f| f.rule == "GM008")
            .map(|f| (f.confidence, f.fix.is_some()))
            .collect()
    }

    #[test]
    fn a_program_under_testdata_is_low_and_not_fixed() {
        let src = "package main\n\nimport \"runtime\"\n\nfunc main() {\n\truntime.MemProfileRate = 1\n}\n";
        assert_eq!(grades("cmd/x/main.go", src), [(Confidence::High, true)]);
        assert_eq!(
            grades("internal/testdata/allocs/main.go", src),
            [(Confidence::Low, false)]
        );
    }
}
