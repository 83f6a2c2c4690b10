//! JSONPath as AWS Step Functions reads it: the Jayway JsonPath dialect.
//!
//! A path is parsed once into a [`JsonPath`] and then evaluated many times against the value its
//! [`Root`] designates: the state input (`$`), the context object (`$$`) or a workflow variable
//! (`$name`). Evaluation never fails: whatever does not apply (a name on an array, an index out of
//! range, a filter on a number) is simply skipped, so a *definite* path gives one value or
//! nothing, and an *indefinite* path gives an array of every match, possibly empty.
//!
//! # Dialect
//!
//! - Dot names run until the next `.` or `[`, so `$.detail-type` and `$.a.1` are plain names.
//!   A space in a dot name, an empty name and a trailing `.` are errors.
//! - Brackets: `['name']`, `["name"]`, `['a','b']`, `[0]`, `[-1]`, `[0,2]`, `[1:]`, `[:2]`,
//!   `[1:3]`, `[*]`, and filters `[?( … )]`. `$.*` and `$..name` (deep scan) work as in Jayway.
//! - Slices follow Jayway exactly: a third part (`[0:5:2]`) is accepted and ignored, `[:]` is an
//!   error, and in `[from:to]` a negative `from` counts from the end element by element.
//! - `['a','b']` as the last step is *definite* and reads as one object holding the names that
//!   exist (Jayway merges them); elsewhere it visits each name in turn.
//! - Filters support `&&`, `||`, `!`, parentheses, existence (`@.a`, `!@.a`) and the comparisons
//!   `== != < <= > >=` between `@` sub-paths and number, string, `true`, `false` and `null`
//!   literals. Following Step Functions, `@` only ever stands for an object: array elements that
//!   are not objects never match, and a filter applied to an object tests that object itself.
//! - Rejected with a [`PathError`]: functions (`.length()`), `in`/`nin`/`subsetof`/… operators,
//!   regular expressions (`=~`), filters that read `$`, deep scans, wildcards, slices, unions
//!   and nested filters inside a filter, and anything left over after a complete step.

mod eval;
mod parse;
#[cfg(test)]
mod tests;
mod write;

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde_json::Value;

pub use write::{WriteError, WriteUndo};

/// Which value a path reads from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Root {
    /// `$…`: the state input (or whatever document the caller hands in).
    Input,
    /// `$$…`: the context object.
    Context,
    /// `$name…`: the value of the workflow variable `name` (`[A-Za-z_][A-Za-z0-9_]*`).
    Variable(String),
}

/// A parse failure: what was wrong and the 0-based character position where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at character {position}")]
pub struct PathError {
    /// 0-based index, in characters (not bytes), into the path text.
    pub position: usize,
    /// What was wrong, in words.
    pub message: String,
}

/// A parsed JSONPath. Immutable and cheap to evaluate repeatedly.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    src: String,
    root: Root,
    steps: Vec<Step>,
    definite: bool,
    reference: bool,
}

/// The member `name` of an object. A small object is searched in order, comparing names: that is
/// cheaper than hashing the name, and gives the same member (names in an object are unique).
#[inline]
pub(crate) fn member<'a>(map: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    if map.len() <= 8 {
        map.iter().find_map(|(k, v)| (k == name).then_some(v))
    } else {
        map.get(name)
    }
}

/// Follow reference steps (names and single indexes) from `root`; `None` when one of them finds
/// nothing or a step is of another kind.
pub(crate) fn get_steps<'a>(steps: &[Step], root: &'a Value) -> Option<&'a Value> {
    let mut node = root;
    for step in steps {
        node = match step {
            Step::Name(name) => member(node.as_object()?, name)?,
            Step::Index(index) => eval::index(node.as_array()?, i64::from(*index))?,
            _ => return None,
        };
    }
    Some(node)
}

/// One step of a path (a Jayway "path token").
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    /// `.name` or `['name']`.
    Name(String),
    /// `['a','b',…]`: merged into one object when last, visited one by one otherwise.
    Names(Vec<String>),
    /// `[i]`; negative counts from the end.
    Index(i32),
    /// `[i,j,…]`.
    Indexes(Vec<i32>),
    /// `[from:]`, `[:to]` or `[from:to]` (at least one is present).
    Slice { from: Option<i32>, to: Option<i32> },
    /// `.*` or `[*]`: every member of an object or element of an array.
    Wildcard,
    /// `..` followed by the step it searches for at every depth.
    Scan(Box<Step>),
    /// `[?( … )]`.
    Filter(Box<Expr>),
}

/// A filter condition, evaluated against one object (`@`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    /// `@.a`: the sub-path leads somewhere (its value may be `null`).
    Exists(Vec<RelStep>),
    /// `!@.a`: the sub-path leads nowhere.
    Missing(Vec<RelStep>),
    Compare(Operand, CmpOp, Operand),
}

/// One side of a filter comparison.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    /// `@` followed by names and single indexes.
    Current(Vec<RelStep>),
    /// A number, string, boolean or null literal.
    Literal(Value),
}

/// A step of an `@` sub-path inside a filter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RelStep {
    Name(String),
    Index(i32),
}

/// A filter comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl JsonPath {
    /// Parses `src`. The whole text must be one path: nothing may follow the last step.
    pub fn parse(src: &str) -> Result<JsonPath, PathError> {
        let (root, steps) = parse::parse_path(src)?;
        let definite = steps.iter().enumerate().all(|(i, step)| match step {
            Step::Name(_) | Step::Index(_) => true,
            Step::Names(_) => i + 1 == steps.len(),
            _ => false,
        });
        let reference = steps.iter().all(|step| matches!(step, Step::Name(_) | Step::Index(_)));
        Ok(JsonPath { src: src.to_owned(), root, steps, definite, reference })
    }

    /// Which value the path reads from.
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// The original text of the path.
    pub fn as_str(&self) -> &str {
        &self.src
    }

    /// Whether the path designates at most one value: every step is a name, a single index, or
    /// (as the last step only) a bracketed list of names. No wildcard, slice, index union,
    /// filter or deep scan.
    pub fn is_definite(&self) -> bool {
        self.definite
    }

    /// Whether the path is a *reference path*: only names and single indexes. Those are the
    /// paths allowed in `ResultPath`, Choice `Variable` and the `*Path` fields, and the only
    /// paths [`JsonPath::write`] accepts.
    pub fn is_reference(&self) -> bool {
        self.reference
    }

    /// Evaluates the path against `root`, the value its [`Root`] designates (the caller picks the
    /// input, the context object or the variable's value).
    ///
    /// A definite path gives `Some(value)`, or `None` when nothing is there. An indefinite path
    /// always gives `Some(Value::Array)` holding every match in document order, possibly empty.
    pub fn select(&self, root: &Value) -> Option<Value> {
        self.read(root).map(Cow::into_owned)
    }

    /// Like [`JsonPath::select`], but borrows from `root` whenever the result is a value of the
    /// document itself (any definite path except one ending in a list of names).
    pub fn read<'a>(&self, root: &'a Value) -> Option<Cow<'a, Value>> {
        if self.definite {
            if let Some(found) = self.get(root) {
                return Some(Cow::Borrowed(found));
            }
            if !matches!(self.steps.last(), Some(Step::Names(_))) {
                return None;
            }
        }
        let nodes = eval::collect(&self.steps, root);
        let merge = match self.steps.last() {
            Some(Step::Names(names)) => Some(names),
            Some(Step::Scan(target)) => match target.as_ref() {
                Step::Names(names) => Some(names),
                _ => None,
            },
            _ => None,
        };
        let values: Vec<Value> = match merge {
            Some(names) => nodes.into_iter().map(|node| eval::merge_names(node, names)).collect(),
            None => nodes.into_iter().cloned().collect(),
        };
        if self.definite {
            values.into_iter().next().map(Cow::Owned)
        } else {
            Some(Cow::Owned(Value::Array(values)))
        }
    }

    /// Borrowing lookup for definite paths, without cloning.
    ///
    /// Gives `None` when nothing is there, and also for every path whose result is not a value
    /// of the document as it stands: indefinite paths and paths ending in a list of names (use
    /// [`JsonPath::select`] or [`JsonPath::read`] for those).
    pub fn get<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        if !self.reference {
            return None;
        }
        get_steps(&self.steps, root)
    }

    /// `ResultPath` semantics: writes `value` into `doc` at this reference path and returns the
    /// updated document. Missing objects along the way are created; `$` replaces the whole
    /// document. Arrays are never created or grown: an index must name an existing element.
    ///
    /// Only a reference path from `$` can be written: one from the context object (`$$`) or a
    /// variable is [`WriteError::NotStateData`], one with any other step
    /// [`WriteError::NotReference`].
    pub fn write(&self, doc: Value, value: Value) -> Result<Value, WriteError> {
        write::write(self, doc, value)
    }

    /// [`JsonPath::write`] into `doc` where it stands, with no copy of the document. On error
    /// `doc` is unchanged; on success the returned [`WriteUndo`] can restore it exactly.
    pub fn write_in_place(&self, doc: &mut Value, value: Value) -> Result<WriteUndo, WriteError> {
        write::write_in_place(self, doc, value)
    }

    /// The path in Jayway's normalized form, as its error messages print it:
    /// `$.a[0].b` becomes `$['a'][0]['b']`, a deep scan prints as `..`, a filter as `[?]`.
    /// The root prints as written: `$`, `$$` or `$name`.
    pub fn normalized(&self) -> String {
        let mut out = self.normalized_root();
        write_steps(&mut out, &self.steps);
        out
    }

    pub(crate) fn normalized_root(&self) -> String {
        match &self.root {
            Root::Input => "$".to_owned(),
            Root::Context => "$$".to_owned(),
            Root::Variable(name) => format!("${name}"),
        }
    }

    pub(crate) fn steps(&self) -> &[Step] {
        &self.steps
    }
}

/// Appends the normalized form of `steps` to `out`.
pub(crate) fn write_steps(out: &mut String, steps: &[Step]) {
    for step in steps {
        write_step(out, step);
    }
}

fn write_step(out: &mut String, step: &Step) {
    match step {
        Step::Name(name) => push_quoted_names(out, std::slice::from_ref(name)),
        Step::Names(names) => push_quoted_names(out, names),
        Step::Index(index) => out.push_str(&format!("[{index}]")),
        Step::Indexes(indexes) => {
            let parts: Vec<String> = indexes.iter().map(i32::to_string).collect();
            out.push_str(&format!("[{}]", parts.join(",")));
        }
        Step::Slice { from, to } => {
            let from = from.map(|n| n.to_string()).unwrap_or_default();
            let to = to.map(|n| n.to_string()).unwrap_or_default();
            out.push_str(&format!("[{from}:{to}]"));
        }
        Step::Wildcard => out.push_str("[*]"),
        Step::Scan(target) => {
            out.push_str("..");
            write_step(out, target);
        }
        Step::Filter(_) => out.push_str("[?]"),
    }
}

fn push_quoted_names(out: &mut String, names: &[String]) {
    out.push('[');
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('\'');
        for c in name.chars() {
            if c == '\\' || c == '\'' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('\'');
    }
    out.push(']');
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.src)
    }
}

impl FromStr for JsonPath {
    type Err = PathError;

    fn from_str(src: &str) -> Result<JsonPath, PathError> {
        JsonPath::parse(src)
    }
}
