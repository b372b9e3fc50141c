//! Embeds every `patterns/*.yml` rule file in the binary, so a new rule is one new file:
//! its YAML, and the same document as JSON, which start-up reads instead (a
//! JSON parser reads it in a tenth of the time; `src/rules/yaml.rs` has a test
//! that each rule loads from its JSON as from its YAML).

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns");
    println!("cargo:rerun-if-changed={}", dir.display());
    println!(
        "cargo:rerun-if-changed={}",
        dir.join("first-look.tsv").display()
    );
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("patterns/ folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml"))
        .collect();
    names.sort();
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let mut out = String::from("/// (file name, YAML text, the same as JSON) of each bundled rule, sorted by name.\npub const BUNDLED_RULES: &[(&str, &str, &str)] = &[\n");
    for name in &names {
        let path = dir.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        let yaml = std::fs::read_to_string(&path).expect("rule file");
        let value: serde_json::Value = serde_saphyr::from_str_with_options(&yaml, yaml_options())
            .unwrap_or_else(|e| panic!("{}: invalid YAML: {e}", path.display()));
        let json = out_dir.join(format!("{name}.json"));
        std::fs::write(&json, serde_json::to_string(&value).unwrap()).unwrap();
        writeln!(
            out,
            "    ({name:?}, include_str!({:?}), include_str!({:?})),",
            path.display().to_string(),
            json.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    std::fs::write(out_dir.join("bundled_rules.rs"), out).unwrap();
}

/// The YAML reading of ast-grep-config's `from_str` (its private `yaml_options`).
fn yaml_options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options.merge_keys = serde_saphyr::MergeKeyPolicy::AsOrdinary;
    options.non_finite_float_policy = serde_saphyr::NonFiniteFloatPolicy::PassThrough;
    options.reject_unsupported_tags = true;
    options
}
