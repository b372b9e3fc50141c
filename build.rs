//! Embeds every `patterns/*.yml` rule file in the binary, so a new rule is one new file.

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
    let mut out = String::from("/// (file name, YAML text) of each bundled rule, sorted by name.\npub const BUNDLED_RULES: &[(&str, &str)] = &[\n");
    for name in &names {
        println!("cargo:rerun-if-changed={}", dir.join(name).display());
        writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            dir.join(name).display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("bundled_rules.rs");
    std::fs::write(dest, out).unwrap();
}
