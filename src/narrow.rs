//! Narrowing below the file: a byte scan splits a Go file into its top-level
//! declarations (gofmt starts each at column 0), and a rule may carry a
//! trigger, a test that must hold inside one declaration for the rule to fire
//! there. A file none of whose declarations triggers a rule is not a candidate
//! for it, though the rule's words occur in the file (GM009 needs a function
//! that names itself again, not just any `func`).
//!
//! The scan sees code only: strings, runes, raw strings and comments are blanked
//! first (a `func` at column 0 inside a raw string starts nothing), and a
//! column-0 keyword splits only where every bracket opened before it is
//! closed, so code gofmt never touched still yields whole declarations (a
//! declaration may then share a part with the next, which only widens the test).

use memchr::memmem;

/// A file's code with strings, runes, raw strings and comments blanked to
/// spaces (newlines kept), split into top-level parts.
pub struct Decls {
    code: Vec<u8>,
    /// Start offsets of the parts; the first part is the header before the
    /// first declaration.
    starts: Vec<usize>,
}

/// A rule's trigger: true when it may fire inside this part of the code.
pub type TriggerFn = fn(&[u8]) -> bool;

const KEYWORDS: &[&[u8]] = &[b"func", b"type", b"var", b"const", b"import"];

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// `bytes` with every string, rune, raw string and comment replaced by spaces,
/// newlines kept (so offsets and lines are the file's).
pub fn blank_non_code(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mut i = 0;
    let n = bytes.len();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for b in &mut out[from..to.min(n)] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    };
    while i < n {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = memchr::memchr(b'\n', &bytes[i..]).map_or(n, |e| i + e);
                blank(&mut out, i, end);
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = memmem::find(&bytes[i + 2..], b"*/").map_or(n, |e| i + 2 + e + 2);
                blank(&mut out, i, end);
                i = end;
            }
            b'`' => {
                let end = memchr::memchr(b'`', &bytes[i + 1..]).map_or(n, |e| i + 1 + e + 1);
                blank(&mut out, i, end);
                i = end;
            }
            q @ (b'"' | b'\'') => {
                let mut j = i + 1;
                while j < n && bytes[j] != q && bytes[j] != b'\n' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                let end = (j + 1).min(n);
                blank(&mut out, i, end);
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

impl Decls {
    pub fn of(bytes: &[u8]) -> Decls {
        let code = blank_non_code(bytes);
        let mut starts = vec![0];
        let mut depth: i64 = 0;
        let mut line_start = true;
        for (i, &b) in code.iter().enumerate() {
            if line_start
                && depth <= 0
                && i > 0
                && KEYWORDS.iter().any(|k| {
                    code[i..].starts_with(k)
                        && !code.get(i + k.len()).copied().is_some_and(is_ident)
                })
            {
                starts.push(i);
            }
            line_start = b == b'\n';
            match b {
                b'{' | b'(' | b'[' => depth += 1,
                b'}' | b')' | b']' => depth -= 1,
                _ => {}
            }
        }
        Decls { code, starts }
    }

    /// The parts' code, header first.
    pub fn parts(&self) -> impl Iterator<Item = &[u8]> {
        let ends = self.starts.iter().skip(1).copied().chain([self.code.len()]);
        self.starts.iter().zip(ends).map(|(&s, e)| &self.code[s..e])
    }

    /// True when some part triggers `trigger`.
    pub fn any(&self, trigger: TriggerFn) -> bool {
        self.parts().any(trigger)
    }

    /// For each part, whether it triggers `trigger`.
    pub fn triggering(&self, trigger: TriggerFn) -> Vec<bool> {
        self.parts().map(trigger).collect()
    }

    /// The indexes of the parts that overlap `start..end` (the part holding
    /// `start` when the range is empty).
    pub fn overlapping(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        let first = self
            .starts
            .partition_point(|&s| s <= start)
            .saturating_sub(1);
        let last = self.starts.partition_point(|&s| s < end.max(start + 1));
        first..last.max(first + 1)
    }
}

/// A Go file without its function bodies, for what reads declarations only
/// (the package index): each top-level function's body is replaced by `{}`,
/// everything else kept as written, so a declaration's text is the same and the
/// parse costs the signatures' bytes, not the bodies' (about three quarters of a
/// file). Offsets map back to the file with [`Skeleton::original`].
pub struct Skeleton {
    pub text: String,
    /// Where each verbatim piece starts: (offset in `text`, offset in the file).
    pieces: Vec<(usize, usize)>,
    /// Offsets in `text` of the `{}` standing for a body.
    bodies: Vec<usize>,
}

impl Skeleton {
    /// None when a function's body cannot be told apart by bytes (an
    /// unbalanced brace): such a file is parsed whole.
    pub fn of(text: &str) -> Option<Skeleton> {
        let decls = Decls::of(text.as_bytes());
        let code = &decls.code;
        let ends = decls.starts.iter().skip(1).copied().chain([code.len()]);
        let mut out = Skeleton {
            text: String::with_capacity(text.len() / 3),
            pieces: vec![],
            bodies: vec![],
        };
        let copy = |out: &mut Skeleton, from: usize, to: usize| {
            out.pieces.push((out.text.len(), from));
            out.text.push_str(&text[from..to]);
        };
        for (&s, e) in decls.starts.iter().zip(ends) {
            let is_func =
                code[s..e].starts_with(b"func") && !code.get(s + 4).copied().is_some_and(is_ident);
            if !is_func && e - s > LARGE_VALUE && code[s..e].starts_with(b"var") {
                let mut from = s;
                for (open, close) in literal_bodies(code, s, e)? {
                    copy(&mut out, from, open + 1);
                    from = close;
                }
                copy(&mut out, from, e);
                continue;
            }
            match is_func.then(|| body_of(code, s + 4, e)) {
                None | Some(Ok(None)) => copy(&mut out, s, e),
                Some(Ok(Some((open, close)))) => {
                    copy(&mut out, s, open);
                    out.bodies.push(out.text.len());
                    out.text.push_str("{}");
                    copy(&mut out, close + 1, e);
                }
                Some(Err(())) => return None,
            }
        }
        Some(out)
    }

    /// The file offset of `at`, an offset in `text` outside a `{}` body (the
    /// end of one maps to the end of the body it stands for).
    pub fn original(&self, at: usize) -> usize {
        let i = self.pieces.partition_point(|&(t, _)| t <= at).max(1) - 1;
        let (t, o) = self.pieces[i];
        o + (at - t)
    }

    /// True when `at` is where a `{}` standing for a body starts.
    pub fn is_cut_body(&self, at: usize) -> bool {
        self.bodies.binary_search(&at).is_ok()
    }
}

/// A package-level `var` declaration this long (a generated table: the Go
/// compiler's opcode table is 3.9 MB) keeps its values' types but not their
/// elements in a [`Skeleton`]: the index reads a variable's type, which
/// `T{...}` states without its elements, and the elements' tree cost twenty
/// times their bytes in memory.
const LARGE_VALUE: usize = 64 << 10;

/// The outermost `{`..`}` pairs of `code[from..end]` that are not a `struct`
/// or `interface` type's: composite literal elements and function literal
/// bodies. None when the braces do not balance.
fn literal_bodies(code: &[u8], from: usize, end: usize) -> Option<Vec<(usize, usize)>> {
    let mut out = vec![];
    let mut i = from;
    while i < end {
        if code[i] == b'{' {
            let close = matching_close(code, i, end)?;
            if !opens_type(code, i) {
                out.push((i, close));
            }
            i = close;
        } else if code[i] == b'}' {
            return None;
        }
        i += 1;
    }
    Some(out)
}

/// The offset of the `}` that closes the `{` at `open`, within `code[..end]`.
fn matching_close(code: &[u8], open: usize, end: usize) -> Option<usize> {
    let mut depth = 0i64;
    for (i, &b) in code[open..end].iter().enumerate() {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// True when the `{` at `open` opens a `struct` or `interface` type (the word
/// before it says so), not a body or a literal's elements.
fn opens_type(code: &[u8], open: usize) -> bool {
    let before = prev_code(code, open).map_or(&b""[..], |p| {
        let start = code[..=p]
            .iter()
            .rposition(|&b| !is_ident(b))
            .map_or(0, |q| q + 1);
        &code[start..=p]
    });
    before == b"struct" || before == b"interface"
}

/// The body of the function whose signature starts at `from` (after `func`) in
/// `code[..end]`: the offsets of its `{` and matching `}`; Ok(None) when it has
/// none (a declaration implemented in assembly); Err when the braces do not
/// balance. The body's `{` is the first at bracket depth 0 that does not open a
/// `struct` or `interface` type (a result may be one).
fn body_of(code: &[u8], from: usize, end: usize) -> Result<Option<(usize, usize)>, ()> {
    let mut depth = 0i64;
    let mut i = from;
    while i < end {
        match code[i] {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            b'{' if depth == 0 => {
                let close = matching_close(code, i, end).ok_or(())?;
                if !opens_type(code, i) {
                    return Ok(Some((i, close)));
                }
                i = close;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(None)
}

/// The offsets where `word` occurs in `code` as a whole identifier.
fn words<'c>(code: &'c [u8], word: &'c [u8]) -> impl Iterator<Item = usize> + 'c {
    memmem::find_iter(code, word).filter(move |&at| {
        !(at > 0 && is_ident(code[at - 1]))
            && !code.get(at + word.len()).copied().is_some_and(is_ident)
    })
}

fn has_word(code: &[u8], word: &[u8]) -> bool {
    words(code, word).next().is_some()
}

fn skip_space(code: &[u8], mut i: usize) -> usize {
    while i < code.len() && code[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

fn ident_at(code: &[u8], i: usize) -> &[u8] {
    let end = code[i..]
        .iter()
        .position(|&b| !is_ident(b))
        .map_or(code.len(), |e| i + e);
    &code[i..end]
}

/// GM009: a function or method that calls itself (its name twice in call form,
/// `name(` or `name[`: its declaration and a call), or a function literal assigned
/// with `=` (only an assignment lets a literal call itself).
pub fn self_reference(code: &[u8]) -> bool {
    for at in words(code, b"func") {
        let mut i = skip_space(code, at + 4);
        if code.get(i) == Some(&b'(') {
            // A receiver (or a literal's parameters): the name, if any, follows it.
            let mut depth = 0;
            while i < code.len() {
                match code[i] {
                    b'(' => depth += 1,
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            i = skip_space(code, i + 1);
        }
        let name = ident_at(code, i.min(code.len()));
        if !name.is_empty()
            && !name[0].is_ascii_digit()
            && name != b"func"
            && words(code, name)
                .filter(|&w| {
                    let next = skip_space(code, w + name.len());
                    matches!(code.get(next), Some(b'(' | b'['))
                })
                .nth(1)
                .is_some()
        {
            return true;
        }
        // `f = func(...)`: the `=` right before the literal.
        let before = code[..at].iter().rposition(|b| !b.is_ascii_whitespace());
        if before.is_some_and(|p| code[p] == b'=') {
            return true;
        }
    }
    false
}

/// True when `code` holds an index or slice expression with a `:` directly in
/// its brackets (`b[i:j]`, `b[:n]`).
fn has_slice_expression(code: &[u8]) -> bool {
    let mut stack: Vec<u8> = vec![];
    for &b in code {
        match b {
            b'[' | b'(' | b'{' => stack.push(b),
            b']' | b')' | b'}' => {
                stack.pop();
            }
            b':' if stack.last() == Some(&b'[') => return true,
            _ => {}
        }
    }
    false
}

/// GM001: a slice expression and, in the same declaration, what makes its base
/// worth dropping: `nil`, `make`, `ReadFile` or `ReadAll`.
pub fn subslice_of_dropped_base(code: &[u8]) -> bool {
    has_slice_expression(code)
        && [&b"nil"[..], b"make", b"ReadFile", b"ReadAll"]
            .iter()
            .any(|w| has_word(code, w))
}

/// The offset of the first byte before `i` that is not whitespace.
fn prev_code(code: &[u8], i: usize) -> Option<usize> {
    code[..i].iter().rposition(|b| !b.is_ascii_whitespace())
}

/// True when `name` occurs in `code` called: `name(` (or `name[` for an
/// instantiation), whitespace allowed between; with `selector`, only as a
/// selector's field (`x.name(`, `x.\n\tname (`).
fn called(code: &[u8], name: &[u8], selector: bool) -> bool {
    words(code, name).any(|at| {
        let next = skip_space(code, at + name.len());
        matches!(code.get(next), Some(b'(' | b'['))
            && (!selector || prev_code(code, at).is_some_and(|p| code[p] == b'.'))
    })
}

/// GM002: a `Put` call on a selector (`$POOL.Put($OBJ)`).
pub fn pool_put(code: &[u8]) -> bool {
    called(code, b"Put", true)
}

/// GM007: a `Get` or `Put` call on a selector (`$POOL.Get()`, `$POOL.Put($OBJ)`).
pub fn pool_get_or_put(code: &[u8]) -> bool {
    called(code, b"Get", true) || called(code, b"Put", true)
}

/// GM003: a `go` statement (the keyword is no identifier, so any `go` in code
/// is one), or a call handed `context.TODO()`.
pub fn go_statement_or_todo(code: &[u8]) -> bool {
    has_word(code, b"go") || called(code, b"TODO", true)
}

/// GM004: a `for` statement and a call of `delete`.
pub fn delete_in_loop(code: &[u8]) -> bool {
    has_word(code, b"for") && called(code, b"delete", false)
}

/// GM005, GM010: a `GC` call on a selector (`$RT.GC()`).
pub fn gc_call(code: &[u8]) -> bool {
    called(code, b"GC", true)
}

/// GM006: the declaration of `func main(`.
pub fn main_func(code: &[u8]) -> bool {
    words(code, b"func").any(|at| {
        let i = skip_space(code, at + 4);
        ident_at(code, i.min(code.len())) == b"main"
            && code.get(skip_space(code, i + 4)) == Some(&b'(')
    })
}

/// GM008: `MemProfileRate` as a selector's field (`$RT.MemProfileRate = $RATE`).
pub fn memprofilerate_field(code: &[u8]) -> bool {
    words(code, b"MemProfileRate").any(|at| prev_code(code, at).is_some_and(|p| code[p] == b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skeleton_cuts_function_bodies_only() {
        let text = "package p\n\n// F does { things.\nfunc F(x struct{ a int }) (out struct{ b int }) {\n\ts := \"}\"\n\t_ = '{'\n\treturn\n}\n\nfunc (r *R) M() interface{ N() } { return nil }\n\nfunc asm(x int) int\n\nfunc G[T interface{ ~int }](v T) func() { return func() {} }\n\ntype T struct {\n\tf func() // }\n}\n\nvar v = func() { println(1) }\n";
        let sk = Skeleton::of(text).expect("balanced");
        assert_eq!(
            sk.text,
            "package p\n\n// F does { things.\nfunc F(x struct{ a int }) (out struct{ b int }) {}\n\nfunc (r *R) M() interface{ N() } {}\n\nfunc asm(x int) int\n\nfunc G[T interface{ ~int }](v T) func() {}\n\ntype T struct {\n\tf func() // }\n}\n\nvar v = func() { println(1) }\n"
        );
        // Offsets outside a cut body map back to the file; a body's end to its end.
        for word in ["func F", "func (r", "func asm", "type T", "var v"] {
            let at = sk.text.find(word).unwrap();
            assert_eq!(sk.original(at), text.find(word).unwrap(), "{word}");
        }
        let body = sk.text.find("{}\n\nfunc (r").unwrap();
        assert!(sk.is_cut_body(body));
        assert!(!sk.is_cut_body(body + 1));
        assert_eq!(sk.original(body + 2), text.find("\n\nfunc (r").unwrap());
        assert!(Skeleton::of("package p\n\nfunc f() {\n").is_none());
    }

    #[test]
    fn a_skeleton_cuts_the_elements_of_a_large_table() {
        let mut text = String::from("package p\n\nvar table = [...]info{\n");
        while text.len() < 70 << 10 {
            text.push_str("\t{name: \"op{\", args: []int{1, 2}},\n");
        }
        text.push_str("}\n\nvar small = T{1}\n\ntype S struct{ a int }\n");
        let sk = Skeleton::of(&text).expect("balanced");
        assert_eq!(
            sk.text,
            "package p\n\nvar table = [...]info{}\n\nvar small = T{1}\n\ntype S struct{ a int }\n"
        );
        let at = sk.text.find("var small").unwrap();
        assert_eq!(sk.original(at), text.find("var small").unwrap());
        let typed = "package p\n\nvar big struct{ a [9000]int }\n".repeat(1);
        assert_eq!(Skeleton::of(&typed).unwrap().text, typed);
    }

    fn parts(src: &str) -> Vec<String> {
        Decls::of(src.as_bytes())
            .parts()
            .map(|p| String::from_utf8_lossy(p).trim().to_string())
            .collect()
    }

    #[test]
    fn splits_at_column_zero_outside_strings_and_brackets() {
        let src = "package p\n\nimport \"fmt\"\n\nvar s = `\nfunc inRaw() {}\n`\n\nfunc a() {\n\tfmt.Println(\"}\")\n}\nfunc b() { x := []int{\nvar\n} }\n// func c() {}\ntype T int\n";
        let p = parts(src);
        assert_eq!(p.len(), 6, "{p:?}");
        assert!(p[0].starts_with("package"));
        assert!(p[1].starts_with("import"));
        // The raw string's column-0 `func` starts nothing.
        assert_eq!(p[2], "var s =");
        assert!(p[3].starts_with("func a"));
        // `var` at column 0 inside b's braces does not split b.
        assert!(p[4].starts_with("func b") && p[4].ends_with("} }"));
        // The commented-out `func c` is no declaration.
        assert_eq!(p[5], "type T int");
    }

    #[test]
    fn parts_overlapping_a_range() {
        let src = "package p\n\nfunc a() {}\n\nfunc b() {}\n";
        let d = Decls::of(src.as_bytes());
        let a = src.find("func a").unwrap();
        let b = src.find("func b").unwrap();
        assert_eq!(d.overlapping(a, a + 11), 1..2);
        assert_eq!(d.overlapping(b, src.len()), 2..3);
        assert_eq!(d.overlapping(a + 2, b + 1), 1..3);
        assert_eq!(d.overlapping(b, b), 2..3);
        assert_eq!(d.overlapping(0, 1), 0..1);
    }

    #[test]
    fn blanks_strings_runes_and_comments() {
        let code = blank_non_code(b"x := \"a\\\"b\" + 'c' /* d\n*/ `e` // f\ny");
        assert_eq!(
            String::from_utf8(code).unwrap(),
            "x :=        +         \n           \ny"
        );
    }

    #[test]
    fn gm009_needs_the_name_twice_or_an_assigned_literal() {
        let t = |s: &str| self_reference(&blank_non_code(s.as_bytes()));
        assert!(t("func walk(n *N) { walk(n.l) }"));
        assert!(t("func (t *T) visit() { t.visit() }"));
        assert!(t("func f() { var g func(); g = func() { g() } }"));
        assert!(t(
            "func (n *N) walk() { for _, k := range n.kids { k.walk() } }"
        ));
        assert!(t("func walk[T any](n *N[T]) { walk[T](n.l) }"));
        assert!(!t("func walk(n *N) { visit(n) }"));
        assert!(!t("func walk(n *N) { apply(walk) }"));
        assert!(!t("func walk(n *N) { // walk(n)\n}"));
        assert!(!t("func walk(n *N) { s := \"walk\" }"));
    }

    #[test]
    fn gm001_needs_a_slice_and_a_dropped_or_large_base() {
        let t = |s: &str| subslice_of_dropped_base(&blank_non_code(s.as_bytes()));
        assert!(t("func f() { b := make([]byte, n); return b[:4] }"));
        assert!(t("func f() { x := s.buf[i:j]; s.buf = nil }"));
        assert!(!t("func f() { b := make([]byte, n); return b[4] }"));
        assert!(!t(
            "func f() { m := map[string]int{\"a\": 1}; _ = make(chan int) }"
        ));
        assert!(!t("func f() { return b[:4] }"));
    }

    #[test]
    fn call_triggers_see_calls_in_code_only() {
        let t = |f: TriggerFn, s: &str| f(&blank_non_code(s.as_bytes()));
        assert!(t(pool_put, "func f() { p.Put(b) }"));
        assert!(t(pool_put, "func f() { s.pool.\n\tPut (b) }"));
        assert!(!t(pool_put, "func (c *C) Put(k string) { Put(k) }"));
        assert!(!t(pool_put, "func f() { // p.Put(b)\n}"));
        assert!(t(pool_get_or_put, "func f() { b := p.Get().(*T) }"));
        assert!(t(pool_get_or_put, "func f() { p.Put(b) }"));
        assert!(!t(pool_get_or_put, "func f() { m.Get }"));
        assert!(t(go_statement_or_todo, "func f() { go run() }"));
        assert!(t(go_statement_or_todo, "func f() { go func() {}() }"));
        assert!(t(go_statement_or_todo, "func f() { work(context.TODO()) }"));
        assert!(!t(
            go_statement_or_todo,
            "func f() { s := \"go on\" /* go */ }"
        ));
        assert!(!t(go_statement_or_todo, "func f() { gopher() }"));
        assert!(t(
            delete_in_loop,
            "func f() { for k := range m { delete(m, k) } }"
        ));
        assert!(!t(delete_in_loop, "func f() { delete(m, k) }"));
        assert!(!t(delete_in_loop, "func f() { for { s.delete = 1 } }"));
        assert!(t(gc_call, "func f() { runtime.GC() }"));
        assert!(t(gc_call, "func f() { rt . GC ( ) }"));
        assert!(!t(gc_call, "func f() { GC() }"));
        assert!(!t(gc_call, "func f() { debug.SetGCPercent(1) }"));
        assert!(t(main_func, "func main() {\n}"));
        assert!(t(main_func, "func  main ( ) {}"));
        assert!(!t(main_func, "func mainLoop() {}"));
        assert!(!t(main_func, "func (s *S) main() {}"));
        assert!(t(
            memprofilerate_field,
            "func init() { runtime.MemProfileRate = 1 }"
        ));
        assert!(!t(memprofilerate_field, "func f() { MemProfileRate := 1 }"));
    }
}
