//! The path and filter parser. It works on characters so that error positions count characters.

use serde_json::{Number, Value};

use super::{CmpOp, Expr, Operand, PathError, RelStep, Root, Step};

/// How deeply parentheses and `!` may nest inside one filter.
pub(crate) const MAX_FILTER_DEPTH: usize = 32;

/// Word operators of Jayway filters that Step Functions does not support.
const WORD_OPERATORS: &[&str] = &[
    "in", "nin", "subsetof", "anyof", "noneof", "size", "empty", "contains", "all", "matches",
    "type",
];

type Result<T> = std::result::Result<T, PathError>;

/// Parses a whole path into its root and steps.
pub(crate) fn parse_path(src: &str) -> Result<(Root, Vec<Step>)> {
    let mut p = Parser { chars: src.chars().collect(), pos: 0 };
    let root = p.root()?;
    let steps = p.steps()?;
    Ok((root, steps))
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

fn fail<T>(position: usize, message: impl Into<String>) -> Result<T> {
    Err(PathError { position, message: message.into() })
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// Characters that end a dot name inside a filter sub-path.
fn ends_filter_name(c: char) -> bool {
    is_ws(c)
        || matches!(c, '.' | '[' | ']' | '(' | ')' | ',' | '<' | '>' | '=' | '!' | '~' | '&' | '|')
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, at: usize) -> Option<char> {
        self.chars.get(at).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_ws) {
            self.pos += 1;
        }
    }

    fn text(&self, from: usize, to: usize) -> String {
        self.chars.get(from..to).map(|s| s.iter().collect()).unwrap_or_default()
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(i, c)| self.peek_at(self.pos + i) == Some(c))
    }

    // ---- root and steps ----

    fn root(&mut self) -> Result<Root> {
        if self.peek() != Some('$') {
            return fail(0, "a path must start with '$'");
        }
        self.pos = 1;
        match self.peek() {
            Some('$') => {
                self.pos = 2;
                Ok(Root::Context)
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let start = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    self.pos += 1;
                }
                Ok(Root::Variable(self.text(start, self.pos)))
            }
            _ => Ok(Root::Input),
        }
    }

    fn steps(&mut self) -> Result<Vec<Step>> {
        let mut steps = Vec::new();
        while let Some(c) = self.peek() {
            match c {
                '.' if self.peek_at(self.pos + 1) == Some('.') => {
                    let at = self.pos;
                    self.pos += 2;
                    let target = self.after_dot(at, "..")?;
                    steps.push(Step::Scan(Box::new(target)));
                }
                '.' => {
                    let at = self.pos;
                    self.pos += 1;
                    steps.push(self.after_dot(at, ".")?);
                }
                '[' => steps.push(self.bracket()?),
                _ => {
                    return fail(
                        self.pos,
                        format!("unexpected '{c}': expected '.', '[' or the end"),
                    )
                }
            }
        }
        Ok(steps)
    }

    /// The step after `.` or `..`: a dot name, `*`, or a bracket.
    fn after_dot(&mut self, dot_at: usize, dot: &str) -> Result<Step> {
        match self.peek() {
            None => fail(dot_at, format!("a path must not end with '{dot}'")),
            Some('.') => fail(self.pos, "empty name: '.' cannot follow '.' or '..'"),
            Some('[') => self.bracket(),
            Some('*') => {
                self.pos += 1;
                Ok(Step::Wildcard)
            }
            Some(_) => self.dot_name(),
        }
    }

    /// A dot name: everything up to the next `.` or `[`.
    fn dot_name(&mut self) -> Result<Step> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            match c {
                '.' | '[' => break,
                '(' => {
                    let name = self.text(start, self.pos);
                    return fail(start, format!("functions such as '{name}()' are not supported"));
                }
                ' ' => {
                    return fail(
                        self.pos,
                        "a dot name cannot contain a space; use bracket notation ['…']",
                    )
                }
                _ => self.pos += 1,
            }
        }
        Ok(Step::Name(self.text(start, self.pos)))
    }

    /// A bracket step, at `[`.
    fn bracket(&mut self) -> Result<Step> {
        let open = self.pos;
        self.pos += 1;
        self.skip_ws();
        match self.peek() {
            None => fail(open, "'[' is never closed"),
            Some('\'' | '"') => self.quoted_names(open),
            Some('*') => {
                self.pos += 1;
                self.skip_ws();
                self.close_bracket("'*'")?;
                Ok(Step::Wildcard)
            }
            Some('?') => self.filter(),
            Some(c) if c.is_ascii_digit() || c == '-' || c == ':' => self.array_selector(open),
            Some(c) => fail(
                self.pos,
                format!("unexpected '{c}' after '[': expected a quoted name, an index, a slice, '*' or '?('"),
            ),
        }
    }

    fn close_bracket(&mut self, after: &str) -> Result<()> {
        if self.peek() == Some(']') {
            self.pos += 1;
            Ok(())
        } else {
            fail(self.pos, format!("expected ']' after {after}"))
        }
    }

    /// `['a']`, `["a"]` or `['a','b',…]`, from the first quote.
    fn quoted_names(&mut self, open: usize) -> Result<Step> {
        let mut names = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                Some(q @ ('\'' | '"')) => names.push(self.quoted(q)?),
                _ => return fail(self.pos, "expected a quoted name"),
            }
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(']') => {
                    self.pos += 1;
                    break;
                }
                None => return fail(open, "'[' is never closed"),
                Some(_) => return fail(self.pos, "expected ',' or ']' after a quoted name"),
            }
        }
        Ok(if names.len() == 1 { Step::Name(names.remove(0)) } else { Step::Names(names) })
    }

    /// A string quoted with `q`, at the opening quote. Backslash escapes as in JSON, plus `\'`.
    fn quoted(&mut self, q: char) -> Result<String> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => {
                    return fail(start, format!("string starting here is never closed with {q}"))
                }
                Some(c) if c == q => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some('\\') => {
                    let at = self.pos;
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return fail(at, "a backslash must be followed by an escaped character");
                    };
                    self.pos += 1;
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'u' => out.push(self.unicode_escape(at)?),
                        other => out.push(other),
                    }
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// The rest of `\uXXXX` (after the `u`), joining a surrogate pair written as two escapes.
    fn unicode_escape(&mut self, at: usize) -> Result<char> {
        let high = self.hex4(at)?;
        if !(0xD800..0xDC00).contains(&high) {
            return char::from_u32(high).map_or_else(|| fail(at, "invalid \\u escape"), Ok);
        }
        if self.peek() == Some('\\') && self.peek_at(self.pos + 1) == Some('u') {
            self.pos += 2;
            let low = self.hex4(at)?;
            if (0xDC00..0xE000).contains(&low) {
                let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                if let Some(c) = char::from_u32(code) {
                    return Ok(c);
                }
            }
        }
        fail(at, "\\u escape is an unpaired surrogate")
    }

    fn hex4(&mut self, at: usize) -> Result<u32> {
        let mut code = 0;
        for _ in 0..4 {
            let Some(digit) = self.peek().and_then(|c| c.to_digit(16)) else {
                return fail(at, "\\u must be followed by four hex digits");
            };
            code = code * 16 + digit;
            self.pos += 1;
        }
        Ok(code)
    }

    /// `[1]`, `[1,2]`, `[1:]`, `[:2]`, `[1:2]`, from the first significant character.
    fn array_selector(&mut self, open: usize) -> Result<Step> {
        let start = self.pos;
        let mut end = start;
        loop {
            match self.peek_at(end) {
                None => return fail(open, "'[' is never closed"),
                Some(']') => break,
                Some(c) if c.is_ascii_digit() || matches!(c, ',' | '-' | ':' | ' ') => end += 1,
                Some(c) => {
                    return fail(end, format!("unexpected '{c}' in an index or slice"));
                }
            }
        }
        let mut last = end;
        while last > start && self.peek_at(last - 1) == Some(' ') {
            last -= 1;
        }
        self.pos = end + 1;
        let body = &self.chars[start..last];
        if body.contains(&':') {
            slice(start, body)
        } else {
            let mut indexes = Vec::new();
            for (at, part) in split_with_offsets(body, ',', start) {
                let (skipped, trimmed) = trim_spaces(part);
                indexes.push(parse_index(trimmed, at + skipped)?);
            }
            Ok(if indexes.len() == 1 { Step::Index(indexes[0]) } else { Step::Indexes(indexes) })
        }
    }

    // ---- filters ----

    /// `[?( … )]`, at the `?`.
    fn filter(&mut self) -> Result<Step> {
        self.pos += 1;
        self.skip_ws();
        if self.peek() != Some('(') {
            return fail(self.pos, "expected '(' after '[?'");
        }
        let expr = self.or_expr(0)?;
        if self.pos == 0 || self.peek_at(self.pos - 1) != Some(')') {
            return fail(self.pos, "a filter must be written [?( … )]: expected ')' before ']'");
        }
        self.skip_ws();
        self.close_bracket("the filter")?;
        Ok(Step::Filter(Box::new(expr)))
    }

    fn or_expr(&mut self, depth: usize) -> Result<Expr> {
        let mut items = vec![self.and_expr(depth)?];
        loop {
            let save = self.pos;
            self.skip_ws();
            if self.starts_with("||") {
                self.pos += 2;
                items.push(self.and_expr(depth)?);
            } else {
                self.pos = save;
                break;
            }
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Expr::Or(items) })
    }

    fn and_expr(&mut self, depth: usize) -> Result<Expr> {
        let mut items = vec![self.unary(depth)?];
        loop {
            let save = self.pos;
            self.skip_ws();
            if self.starts_with("&&") {
                self.pos += 2;
                items.push(self.unary(depth)?);
            } else {
                self.pos = save;
                break;
            }
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Expr::And(items) })
    }

    fn unary(&mut self, depth: usize) -> Result<Expr> {
        self.skip_ws();
        if depth >= MAX_FILTER_DEPTH {
            return fail(
                self.pos,
                format!(
                    "filter nests too deeply (at most {MAX_FILTER_DEPTH} levels of '(' and '!')"
                ),
            );
        }
        match self.peek() {
            Some('!') => {
                let bang = self.pos;
                self.pos += 1;
                self.skip_ws();
                if self.peek() != Some('@') {
                    return Ok(Expr::Not(Box::new(self.unary(depth + 1)?)));
                }
                let path = self.current_path()?;
                let save = self.pos;
                self.skip_ws();
                if self.operator()?.is_some() {
                    return fail(bang, "'!' cannot negate a comparison directly; write !( … )");
                }
                self.pos = save;
                Ok(Expr::Missing(path))
            }
            Some('(') => {
                self.pos += 1;
                let expr = self.or_expr(depth + 1)?;
                self.skip_ws();
                match self.peek() {
                    Some(')') => {
                        self.pos += 1;
                        Ok(expr)
                    }
                    None => fail(self.pos, "unexpected end of path: expected ')'"),
                    Some(c) => {
                        fail(self.pos, format!("unexpected '{c}': expected ')', '&&' or '||'"))
                    }
                }
            }
            _ => self.relation(),
        }
    }

    /// `operand [op operand]`; a lone `@` path is an existence test.
    fn relation(&mut self) -> Result<Expr> {
        let left_at = self.pos;
        let left = self.operand()?;
        let save = self.pos;
        self.skip_ws();
        match self.operator()? {
            Some(op) => {
                self.skip_ws();
                let right = self.operand()?;
                Ok(Expr::Compare(left, op, right))
            }
            None => {
                self.pos = save;
                match left {
                    Operand::Current(path) => Ok(Expr::Exists(path)),
                    Operand::Literal(_) => fail(
                        left_at,
                        "a literal alone is not a condition; compare it with '==' etc.",
                    ),
                }
            }
        }
    }

    /// A comparison operator if one starts here; `None` if something else (or nothing) follows.
    fn operator(&mut self) -> Result<Option<CmpOp>> {
        let start = self.pos;
        let is_op_char = |c: char| matches!(c, '<' | '>' | '=' | '!' | '~');
        if self.peek().is_some_and(is_op_char) {
            while self.peek().is_some_and(is_op_char) {
                self.pos += 1;
            }
            let op = self.text(start, self.pos);
            return match op.as_str() {
                "==" => Ok(Some(CmpOp::Eq)),
                "!=" => Ok(Some(CmpOp::Ne)),
                "<" => Ok(Some(CmpOp::Lt)),
                "<=" => Ok(Some(CmpOp::Le)),
                ">" => Ok(Some(CmpOp::Gt)),
                ">=" => Ok(Some(CmpOp::Ge)),
                "=~" => fail(start, "regular expression matching ('=~') is not supported"),
                other => fail(start, format!("unknown operator '{other}'")),
            };
        }
        if self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            let mut end = start;
            while self.peek_at(end).is_some_and(|c| c.is_ascii_alphabetic()) {
                end += 1;
            }
            let word = self.text(start, end);
            if WORD_OPERATORS.contains(&word.to_ascii_lowercase().as_str()) {
                return fail(start, format!("the filter operator '{word}' is not supported"));
            }
            return fail(start, format!("unexpected '{word}': expected a comparison operator"));
        }
        Ok(None)
    }

    fn operand(&mut self) -> Result<Operand> {
        self.skip_ws();
        let at = self.pos;
        match self.peek() {
            Some('@') => Ok(Operand::Current(self.current_path()?)),
            Some('$') => fail(at, "a filter cannot refer to the root document ('$'); use '@'"),
            Some(q @ ('\'' | '"')) => Ok(Operand::Literal(Value::String(self.quoted(q)?))),
            Some(c) if c.is_ascii_alphabetic() => {
                let mut end = at;
                while self.peek_at(end).is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    end += 1;
                }
                let word = self.text(at, end);
                let value = match word.as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    _ => {
                        return fail(at, format!("unexpected '{word}': expected '@' or a literal"))
                    }
                };
                self.pos = end;
                Ok(Operand::Literal(value))
            }
            Some(c) if c.is_ascii_digit() || c == '-' || c == '.' => self.number(),
            Some('{' | '[') => fail(at, "JSON literals are not supported in filters"),
            Some('/') => fail(at, "regular expressions are not supported in filters"),
            Some(c) => fail(at, format!("unexpected '{c}': expected '@' or a literal")),
            None => fail(at, "unexpected end of path inside a filter"),
        }
    }

    fn number(&mut self) -> Result<Operand> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        {
            self.pos += 1;
        }
        let text = self.text(start, self.pos);
        match parse_number(&text) {
            Some(n) => Ok(Operand::Literal(Value::Number(n))),
            None => fail(start, format!("'{text}' is not a valid number")),
        }
    }

    /// `@` followed by names and single indexes, at the `@`.
    fn current_path(&mut self) -> Result<Vec<RelStep>> {
        self.pos += 1;
        let mut steps = Vec::new();
        loop {
            match self.peek() {
                Some('.') => {
                    let dot = self.pos;
                    self.pos += 1;
                    match self.peek() {
                        Some('.') => {
                            return fail(dot, "deep scan ('..') is not supported inside a filter")
                        }
                        Some('*') => {
                            return fail(self.pos, "wildcards are not supported inside a filter")
                        }
                        Some('[') => steps.push(self.current_bracket()?),
                        Some(c) if !ends_filter_name(c) => steps.push(self.filter_name()?),
                        _ => return fail(self.pos, "expected a name after '.'"),
                    }
                }
                Some('[') => steps.push(self.current_bracket()?),
                _ => return Ok(steps),
            }
        }
    }

    fn filter_name(&mut self) -> Result<RelStep> {
        let start = self.pos;
        while self.peek().is_some_and(|c| !ends_filter_name(c)) {
            self.pos += 1;
        }
        let name = self.text(start, self.pos);
        if self.peek() == Some('(') {
            return fail(start, format!("functions such as '{name}()' are not supported"));
        }
        Ok(RelStep::Name(name))
    }

    /// `['name']` or `[index]` inside a filter sub-path, at `[`.
    fn current_bracket(&mut self) -> Result<RelStep> {
        let open = self.pos;
        self.pos += 1;
        self.skip_ws();
        let step = match self.peek() {
            Some(q @ ('\'' | '"')) => RelStep::Name(self.quoted(q)?),
            Some(c) if c.is_ascii_digit() || c == '-' => {
                let start = self.pos;
                self.pos += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
                let digits: Vec<char> = self.chars[start..self.pos].to_vec();
                RelStep::Index(parse_index(&digits, start)?)
            }
            Some('*') => return fail(self.pos, "wildcards are not supported inside a filter"),
            Some('?') => return fail(self.pos, "a filter cannot contain another filter"),
            None => return fail(open, "'[' is never closed"),
            Some(c) => {
                return fail(self.pos, format!("unexpected '{c}' after '[' inside a filter"))
            }
        };
        self.skip_ws();
        match self.peek() {
            Some(']') => {
                self.pos += 1;
                Ok(step)
            }
            Some(',' | ':') => fail(
                self.pos,
                "only single names and indexes are supported inside a filter (no unions or slices)",
            ),
            _ => fail(self.pos, "expected ']'"),
        }
    }
}

/// The body of a slice bracket (it contains ':'), starting at character `start`.
fn slice(start: usize, body: &[char]) -> Result<Step> {
    if let Some(space) = body.iter().position(|&c| c == ' ') {
        return fail(start + space, "a slice cannot contain spaces");
    }
    if body.contains(&',') {
        return fail(start, "a slice cannot be combined with ',' in one bracket");
    }
    let parts = split_with_offsets(body, ':', start);
    if parts.len() > 3 {
        return fail(start, "a slice has at most three parts: [start:end:step]");
    }
    let mut bounds = [None, None];
    for (i, (at, part)) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        let n = parse_index(part, *at)?;
        // Jayway reads only start and end; a step is accepted and ignored.
        if let Some(slot) = bounds.get_mut(i) {
            *slot = Some(n);
        }
    }
    let [from, to] = bounds;
    if from.is_none() && to.is_none() {
        return fail(start, "a slice needs a start or an end ('[:]' is not supported)");
    }
    Ok(Step::Slice { from, to })
}

/// Splits `body` at `sep`, giving each part with the character position where it starts.
fn split_with_offsets(body: &[char], sep: char, offset: usize) -> Vec<(usize, &[char])> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, &c) in body.iter().enumerate() {
        if c == sep {
            parts.push((offset + start, &body[start..i]));
            start = i + 1;
        }
    }
    parts.push((offset + start, &body[start..]));
    parts
}

/// Strips spaces at both ends; gives how many were skipped at the front.
fn trim_spaces(part: &[char]) -> (usize, &[char]) {
    let front = part.iter().take_while(|&&c| c == ' ').count();
    let rest = &part[front..];
    let back = rest.iter().rev().take_while(|&&c| c == ' ').count();
    (front, &rest[..rest.len() - back])
}

/// `-?[0-9]+` that fits in 32 bits, as Jayway requires.
fn parse_index(part: &[char], at: usize) -> Result<i32> {
    let text: String = part.iter().collect();
    let digits = text.strip_prefix('-').unwrap_or(&text);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return fail(at, format!("'{text}' is not an index"));
    }
    text.parse::<i32>()
        .map_or_else(|_| fail(at, format!("index '{text}' does not fit in 32 bits")), Ok)
}

/// A decimal number: `-?(digits[.digits*] | .digits)([eE][+-]?digits)?`.
fn parse_number(text: &str) -> Option<Number> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((int_part, frac_part)) => (int_part, Some(frac_part)),
        None => (mantissa, None),
    };
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !all_digits(int_part) || !frac_part.is_none_or(all_digits) {
        return None;
    }
    if int_part.is_empty() && frac_part.is_none_or(str::is_empty) {
        return None;
    }
    if let Some(exp) = exponent {
        let exp_digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        if exp_digits.is_empty() || !all_digits(exp_digits) {
            return None;
        }
    }
    if frac_part.is_none() && exponent.is_none() {
        if let Ok(n) = text.parse::<i64>() {
            return Some(Number::from(n));
        }
        if let Ok(n) = text.parse::<u64>() {
            return Some(Number::from(n));
        }
    }
    text.parse::<f64>().ok().and_then(Number::from_f64)
}
