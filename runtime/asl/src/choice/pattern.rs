//! `StringMatches` patterns: `*` matches any run of characters (including none), `\*` is a
//! literal star and `\\` a literal backslash. Every other character, including `?` and `[`,
//! stands for itself; so does a backslash before any other character or at the very end.
//!
//! Matching is linear in the length of the string: the pattern is split at its stars into
//! literal segments, the first must start the string, the last must end it, and each middle
//! segment is taken at its leftmost occurrence after the previous one. Leftmost is always
//! safe, because a later segment can only gain room from an earlier match.

/// A parsed `StringMatches` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    source: String,
    /// The literal text between stars; a pattern with `n` stars has `n + 1` segments.
    segments: Vec<String>,
}

impl Pattern {
    /// Parse a pattern. Every string is a valid pattern.
    pub fn new(source: &str) -> Pattern {
        let mut segments = vec![String::new()];
        let mut chars = source.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' => segments.push(String::new()),
                '\\' => {
                    let literal = match chars.peek() {
                        Some(&next @ ('*' | '\\')) => {
                            chars.next();
                            next
                        }
                        _ => '\\',
                    };
                    push_char(&mut segments, literal);
                }
                other => push_char(&mut segments, other),
            }
        }
        Pattern { source: source.to_owned(), segments }
    }

    /// The pattern as written in the definition.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether `text` matches the whole pattern.
    pub fn matches(&self, text: &str) -> bool {
        let (first, rest) = match self.segments.split_first() {
            Some(split) => split,
            None => return text.is_empty(),
        };
        let Some((last, middle)) = rest.split_last() else {
            return text == first;
        };
        let Some(remaining) = text.strip_prefix(first.as_str()) else {
            return false;
        };
        let Some(mut remaining) = remaining.strip_suffix(last.as_str()) else {
            return false;
        };
        for segment in middle {
            match remaining.find(segment.as_str()) {
                Some(at) => match remaining.get(at + segment.len()..) {
                    Some(after) => remaining = after,
                    None => return false,
                },
                None => return false,
            }
        }
        true
    }
}

fn push_char(segments: &mut [String], c: char) {
    if let Some(last) = segments.last_mut() {
        last.push(c);
    }
}
