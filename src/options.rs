//! Rule options: settings a user gives on the command line that tune what a
//! rule's fix writes (not what it finds). The engine carries them to every
//! parsed file, so a helper reads them with `file.options.get("memory-limit")`
//! without the engine knowing any rule.
//!
//! Known keys (see `gomemfix explain` of each rule):
//! - `memory-limit`: GM006, the container's memory limit (`1Gi`, `512Mi`, `1g`)
//!   for the `debug.SetMemoryLimit` fix when no deployment file gives it.
//! - `memlimit-from-resource`: GM006, Kubernetes manifests take `GOMEMLIMIT` from
//!   `resourceFieldRef: limits.memory` (the default; accepted for old configs).
//! - `memlimit-fixed`: GM006, present to write a fixed 90% of `limits.memory`
//!   instead.
//! - `include-test-apps`: GM006, present to report test, end-to-end, benchmark,
//!   demo and example apps too (the one option that widens what a rule finds).
//! - `frame-threshold`: GM009, bytes of local arrays that make a stack frame large.
//!
//! `gomemfix.toml` sets the same keys under `[rules.ID]` (see `config`); flags win.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleOptions {
    values: BTreeMap<String, String>,
}

impl RuleOptions {
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.values.insert(key.to_string(), value.into());
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// A numeric option (`frame-threshold`); None when unset or not a number.
    pub fn get_u64(&self, key: &str) -> Option<u64> {
        self.get(key)?.parse().ok()
    }

    /// Sets every key `other` sets (a nearer config over an extended one).
    pub fn extend(&mut self, other: &RuleOptions) {
        for (k, v) in &other.values {
            self.values.insert(k.clone(), v.clone());
        }
    }

    /// True when the key is set (a switch).
    pub fn is_set(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }
}
