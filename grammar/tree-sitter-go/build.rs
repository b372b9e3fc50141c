//! Compiles the generated parser (src/parser.c); the grammar has no external scanner.

use std::path::Path;

fn main() {
    let src = Path::new("src");
    let parser = src.join("parser.c");
    println!("cargo:rerun-if-changed={}", parser.display());
    let mut build = cc::Build::new();
    build.std("c11").include(src).file(&parser);
    #[cfg(target_env = "msvc")]
    build.flag("-utf-8");
    build.compile("tree-sitter-go");
}
