//! A file's settings in the editor: its nearest `gomemfix.toml` (with
//! `extend`, nested configs and `per-file-ignores`, as `check` reads them),
//! over the client's `initializationOptions`, which take the same keys
//! (`select`, `ignore`, `confidence`, `unsafe-fixes`, `[rules.ID]` tables as
//! objects). A key the project's file sets wins, so the editor shows what CI
//! says; the client's settings fill in what the file leaves unset.
//!
//! The config is read again for every analysis (a few hundred bytes), so an
//! edited `gomemfix.toml` counts from the next keystroke; engines are built
//! once per distinct settings and kept.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cli::{settings_of_config, Settings};
use crate::config::{self, Config};

/// Keys the client may set: those that do not name paths of a project.
const CLIENT_KEYS: &[&str] = &["select", "ignore", "confidence", "unsafe-fixes", "rules"];

/// The client's settings, read as a `gomemfix.toml` would be.
pub fn client_config(options: Option<&serde_json::Value>) -> Result<Config, String> {
    let Some(value) = options.filter(|v| !v.is_null()) else {
        return Ok(Config::default());
    };
    // Some clients nest their servers' settings under the server's name.
    let value = value.get("gomemfix").unwrap_or(value);
    let table: toml::Table = serde_json::from_value(value.clone())
        .map_err(|e| format!("initializationOptions: not a table of settings: {e}"))?;
    if let Some(k) = table.keys().find(|k| !CLIENT_KEYS.contains(&k.as_str())) {
        return Err(format!(
            "initializationOptions: `{k}` is not a client setting (known: {}; the rest belong in gomemfix.toml)",
            CLIENT_KEYS.join(", ")
        ));
    }
    let text = toml::to_string(&table).map_err(|e| e.to_string())?;
    let mut c = Config::parse(Path::new("initializationOptions"), &text)
        .map_err(|e| format!("initializationOptions: {}", e.message))?;
    c.path = None;
    Ok(c)
}

/// `file` (a project's config) over `client`, key by key.
fn over(file: Config, client: &Config) -> Config {
    let mut options = client.options.clone();
    options.extend(&file.options);
    Config {
        select: file.select.or_else(|| client.select.clone()),
        ignore: file.ignore.or_else(|| client.ignore.clone()),
        unsafe_fixes: file.unsafe_fixes.or(client.unsafe_fixes),
        confidence: file.confidence.or(client.confidence),
        options,
        ..file
    }
}

/// Engines by the settings they were built from.
pub struct SettingsCache {
    client: Config,
    built: HashMap<u64, Arc<Settings>>,
}

impl SettingsCache {
    pub fn new(client: Config) -> Self {
        SettingsCache {
            client,
            built: HashMap::new(),
        }
    }

    pub fn set_client(&mut self, client: Config) {
        self.client = client;
        self.built.clear();
    }

    /// The settings `check` would use for `file`; Err names a broken config.
    pub fn for_file(&mut self, file: &Path) -> Result<Arc<Settings>, String> {
        let dir = file.parent().unwrap_or(Path::new("."));
        let found: Option<PathBuf> = config::discover(dir);
        let from_file = match &found {
            Some(p) => Config::load(p).map_err(|e| e.to_string())?,
            None => Config::default(),
        };
        let merged = over(from_file, &self.client);
        let key = crate::cache::hash_of((format!("{merged:?}"), merged.ignored_for(file)));
        if let Some(s) = self.built.get(&key) {
            return Ok(s.clone());
        }
        let s = Arc::new(settings_of_config(&merged, file).map_err(|e| e.to_string())?);
        self.built.insert(key, s.clone());
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Confidence;

    #[test]
    fn client_settings_take_the_config_keys_and_yield_to_the_file() {
        let client = client_config(Some(&serde_json::json!({
            "confidence": "low",
            "select": ["GM005"],
            "rules": {"GM009": {"frame-threshold": 4096}}
        })))
        .unwrap();
        assert_eq!(client.confidence, Some(Confidence::Low));
        assert_eq!(client.options.get("frame-threshold"), Some("4096"));
        let file = Config::parse(Path::new("gomemfix.toml"), "confidence = \"medium\"\n").unwrap();
        let merged = over(file, &client);
        assert_eq!(merged.confidence, Some(Confidence::Medium));
        assert_eq!(merged.select, Some(vec!["GM005".to_string()]));
        let nested = client_config(Some(
            &serde_json::json!({"gomemfix": {"unsafe-fixes": true}}),
        ));
        assert_eq!(nested.unwrap().unsafe_fixes, Some(true));
        let e = client_config(Some(&serde_json::json!({"exclude": ["x"]}))).unwrap_err();
        assert!(e.contains("`exclude`"), "{e}");
        let e = client_config(Some(&serde_json::json!({"confidence": "sure"}))).unwrap_err();
        assert!(e.contains("confidence"), "{e}");
    }
}
