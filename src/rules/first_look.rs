//! Each rule's measured precision on code nobody had read (patterns/first-look.tsv),
//! for `gomemfix rules` and `explain`: a user deciding whether to trust a rule sees
//! how often it was right the first time it met real code, and when that was.

/// One row of patterns/first-look.tsv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstLook {
    pub rule: String,
    /// The confidence bar the row counts (`high`, ... or `all`).
    pub level: String,
    pub findings: usize,
    pub true_findings: usize,
    /// Fixes offered and labelled worth merging, when the batch recorded them.
    pub fixes: Option<(usize, usize)>,
    pub measured: String,
    pub commit: String,
    pub batch: String,
}

const TABLE: &str = include_str!("../../patterns/first-look.tsv");

impl FirstLook {
    /// "4 of 5 findings true (0.80); 2 of 3 fixes worth merging; 2026-12-06 at abc1234, 16 repositories"
    pub fn summary(&self) -> String {
        let precision = if self.findings == 0 {
            "no finding".to_string()
        } else {
            format!(
                "{} of {} finding{} true ({:.2})",
                self.true_findings,
                self.findings,
                if self.findings == 1 { "" } else { "s" },
                self.true_findings as f64 / self.findings as f64
            )
        };
        let level = if self.level == "all" {
            String::new()
        } else {
            format!(" at confidence {}", self.level)
        };
        let fixes = match self.fixes {
            Some((0, _)) => "; no fix offered".to_string(),
            Some((n, m)) => format!("; {m} of {n} fixes worth merging"),
            None => String::new(),
        };
        format!(
            "{precision}{level}{fixes}; measured {} at {} on {}",
            self.measured, self.commit, self.batch
        )
    }

    /// The short form for `gomemfix rules`: "4/5 true".
    pub fn short(&self) -> String {
        format!("{}/{} true", self.true_findings, self.findings)
    }
}

/// Every row, in file order; a malformed row is a build-time mistake in the
/// table and is left out (the unit test below fails on it).
fn rows() -> Vec<FirstLook> {
    TABLE
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#') && !l.starts_with("rule\t"))
        .filter_map(parse_row)
        .collect()
}

fn parse_row(line: &str) -> Option<FirstLook> {
    let cells: Vec<&str> = line.split('\t').collect();
    let [rule, level, findings, true_findings, fixes, merge, measured, commit, batch] =
        cells.as_slice()
    else {
        return None;
    };
    let fixes = match (fixes.parse().ok(), merge.parse().ok()) {
        (Some(f), Some(m)) => Some((f, m)),
        _ => None,
    };
    Some(FirstLook {
        rule: rule.to_string(),
        level: level.to_string(),
        findings: findings.parse().ok()?,
        true_findings: true_findings.parse().ok()?,
        fixes,
        measured: measured.to_string(),
        commit: commit.to_string(),
        batch: batch.to_string(),
    })
}

/// The latest measurement of rule `id` (the last row naming it), if any.
pub fn of(id: &str) -> Option<FirstLook> {
    rows().into_iter().filter(|r| r.rule == id).last()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_of_the_table_parses() {
        let data_rows = TABLE
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#') && !l.starts_with("rule\t"))
            .count();
        assert_eq!(
            rows().len(),
            data_rows,
            "a row of patterns/first-look.tsv is malformed"
        );
        for r in rows() {
            assert!(r.true_findings <= r.findings, "{r:?}");
            if let Some((n, m)) = r.fixes {
                assert!(m <= n, "{r:?}");
            }
        }
    }

    #[test]
    fn summary_says_precision_fixes_and_when() {
        let r = parse_row("GM004\thigh\t5\t4\t3\t2\t2026-12-06\tabc1234\t16 repositories").unwrap();
        assert_eq!(
            r.summary(),
            "4 of 5 findings true (0.80) at confidence high; 2 of 3 fixes worth merging; measured 2026-12-06 at abc1234 on 16 repositories"
        );
        assert_eq!(r.short(), "4/5 true");
        assert!(parse_row("GM004\thigh\tfive\t4\t-\t-\td\tc\tb").is_none());
    }

    #[test]
    fn the_latest_row_of_a_rule_wins() {
        assert!(of("GM004").is_some());
        assert!(of("ORG001").is_none());
    }
}
