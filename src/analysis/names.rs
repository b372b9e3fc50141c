//! Words of a Go identifier, for the rules whose evidence includes what a name
//! says (a teardown method, a comment or helper that talks of freeing memory).
//! A name only ever raises or lowers confidence next to other evidence.

/// The lower-case words of a camelCase, PascalCase or snake_case name:
/// `resetOnClose` → reset, on, close; `HTTPServerStop` → http, server, stop;
/// `freeRSS` → free, rss; `drop_caches` → drop, caches.
pub fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = vec![];
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        // An upper-case letter starts a word after a lower-case one, or before
        // one when it ends an acronym (`HTTPServer`: the S).
        let starts_word = c.is_uppercase()
            && !cur.is_empty()
            && (chars[i - 1].is_lowercase() || chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
        if starts_word {
            words.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn splits_camel_pascal_snake_and_acronyms() {
        assert_eq!(words("resetOnClose"), ["reset", "on", "close"]);
        assert_eq!(words("HTTPServerStop"), ["http", "server", "stop"]);
        assert_eq!(words("onLowMemory"), ["on", "low", "memory"]);
        assert_eq!(words("freeRSS"), ["free", "rss"]);
        assert_eq!(words("drop_caches"), ["drop", "caches"]);
        assert!(words("").is_empty());
    }
}
