//! Choice-state rules in JSONPath mode: parsing and evaluation, as Step Functions does them.
//!
//! A top-level rule carries `Next` (and optionally `Assign` and `Comment`); rules nested in
//! `And`, `Or` and `Not` carry neither `Next` nor `Assign`. A data-test rule names a
//! `Variable` (a reference path into the state input, the context object `$$`, or a workflow
//! variable `$name`) and exactly one comparison operator.
//!
//! Behaviour that follows AWS rather than intuition:
//!
//! - A comparison against a value of the wrong type is false, never an error: `NumericEquals`
//!   on a string, `StringEquals` on a number, `BooleanEquals` on `"true"`, a `Timestamp*`
//!   operator on a string that is not a strict timestamp.
//! - Numbers compare by value: `1`, `1.0` and `1e0` are equal.
//! - Strings order by UTF-16 code units, as Java's `String.compareTo` does.
//! - If `Variable` names nothing, every operator except `IsPresent` fails the state with
//!   `States.Runtime` ("Invalid path '$.x': The choice state's condition path references an
//!   invalid value."); the same happens when the path operand of a `...Path` operator names
//!   nothing. `IsPresent` is the way to test for absence, and `And`/`Or` stop at the first
//!   deciding child, so `And: [IsPresent, StringEquals]` guards a comparison.

use serde_json::{Number, Value};
use std::cmp::Ordering;

use crate::timestamp::{self, Instant};

#[path = "choice/parse.rs"]
mod parse;
#[path = "choice/pattern.rs"]
mod pattern;

pub use parse::parse_choice_rule;
pub use pattern::Pattern;

/// How deeply `And`/`Or`/`Not` may nest. Deeper definitions are rejected when parsed, which
/// also bounds the recursion of [`evaluate`].
pub const MAX_RULE_DEPTH: usize = 64;

/// A top-level choice rule: the condition, where to go when it holds, and what to assign.
#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceRule {
    /// The condition.
    pub rule: Rule,
    /// The state to go to when the condition holds.
    pub next: String,
    /// The rule's `Assign` block (a JSON object), applied when this rule is taken.
    pub assign: Option<Value>,
    /// The rule's `Comment`.
    pub comment: Option<String>,
}

/// A parsed condition: a boolean combination or a single data test.
///
/// Rules are only built by [`parse_choice_rule`], so their nesting depth is always within
/// [`MAX_RULE_DEPTH`].
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    node: Node,
}

/// The shape of a [`Rule`].
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// True when every child is true; stops at the first false child.
    And(Vec<Rule>),
    /// True when some child is true; stops at the first true child.
    Or(Vec<Rule>),
    /// True when the child is false.
    Not(Box<Rule>),
    /// A single comparison.
    Test(DataTest),
}

/// A comparison of the value at `variable` with a literal or with the value at another path.
#[derive(Debug, Clone, PartialEq)]
pub struct DataTest {
    variable: String,
    operator: Operator,
    /// JSON pointer of the rule object in the definition.
    pointer: String,
}

/// The comparison operators. Each `...Path` operator is the same operator with an
/// [`Operand::Path`].
#[derive(Debug, Clone, PartialEq)]
pub enum Operator {
    /// `String*`: both sides must be strings.
    String(Relation, Operand<String>),
    /// `Numeric*`: both sides must be numbers.
    Numeric(Relation, Operand<Number>),
    /// `BooleanEquals`: both sides must be booleans.
    Boolean(Operand<bool>),
    /// `Timestamp*`: both sides must be strict timestamps; they compare as instants.
    Timestamp(Relation, Operand<TimestampLiteral>),
    /// `StringMatches`: the variable must be a string matching the pattern.
    StringMatches(Pattern),
    /// `IsNull`, `IsPresent`, ... with the boolean they must equal.
    Is(TypeTest, bool),
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand<T> {
    /// A constant from the definition.
    Literal(T),
    /// A reference path or variable (`$.x`, `$$.x`, `$var`) read when the rule is evaluated.
    Path(String),
}

/// A timestamp literal from the definition, kept with its original spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampLiteral {
    /// As written.
    pub text: String,
    /// As parsed.
    pub instant: Instant,
}

/// The five orderings shared by the String, Numeric and Timestamp operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    Equals,
    LessThan,
    GreaterThan,
    LessThanEquals,
    GreaterThanEquals,
}

/// The `Is*` type tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeTest {
    Null,
    Present,
    Numeric,
    String,
    Boolean,
    Timestamp,
}

/// Where a Choice rule reads its data.
pub trait ChoiceEnv {
    /// Failure to evaluate a path (for example a path the evaluator rejects).
    type Error;

    /// The value at `path`, or `None` when the path selects nothing. `path` is a reference
    /// path as written in the definition: `$`, `$.x`, `$$.x`, `$var` or `$var.x`.
    fn resolve(&mut self, path: &str) -> Result<Option<Value>, Self::Error>;
}

/// Why a rule could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum ChoiceError<E> {
    /// The environment failed to evaluate a path.
    #[error("{0}")]
    Env(E),
    /// `Variable`, or the path operand of a `...Path` operator, selects nothing. AWS fails
    /// the execution with `States.Runtime` and this text as the cause (after its usual
    /// "An error occurred while executing the state ..." prefix).
    #[error("Invalid path '{path}': The choice state's condition path references an invalid value.")]
    InvalidPath { path: String },
}

impl<E> ChoiceError<E> {
    /// The ASL error name this failure carries, if it is one of the rule language's own.
    pub fn error_name(&self) -> Option<&'static str> {
        match self {
            ChoiceError::Env(_) => None,
            ChoiceError::InvalidPath { .. } => Some("States.Runtime"),
        }
    }
}

/// Evaluate `rule` against `env`.
pub fn evaluate<E: ChoiceEnv>(rule: &Rule, env: &mut E) -> Result<bool, ChoiceError<E::Error>> {
    match &rule.node {
        Node::And(children) => {
            for child in children {
                if !evaluate(child, env)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Node::Or(children) => {
            for child in children {
                if evaluate(child, env)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Node::Not(child) => Ok(!evaluate(child, env)?),
        Node::Test(test) => test.evaluate(env),
    }
}

/// The first rule in `rules` whose condition holds, or `None` (the state then takes its
/// `Default`, or fails with `States.NoChoiceMatched` when it has none).
pub fn choose<'r, E: ChoiceEnv>(
    rules: &'r [ChoiceRule],
    env: &mut E,
) -> Result<Option<&'r ChoiceRule>, ChoiceError<E::Error>> {
    for rule in rules {
        if evaluate(&rule.rule, env)? {
            return Ok(Some(rule));
        }
    }
    Ok(None)
}

/// One path a rule reads, with the JSON pointer of the field that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulePath<'r> {
    /// Where the path is written, e.g. `/States/Check/Choices/0/Variable`.
    pub pointer: String,
    /// The path itself.
    pub path: &'r str,
}

impl Rule {
    /// The rule's shape.
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// Every path the rule reads (`Variable` fields and `...Path` operands), in definition
    /// order, so a caller can check their syntax with its path evaluator.
    pub fn paths(&self) -> Vec<RulePath<'_>> {
        let mut out = Vec::new();
        self.collect_paths(&mut out);
        out
    }

    fn collect_paths<'r>(&'r self, out: &mut Vec<RulePath<'r>>) {
        match &self.node {
            Node::And(children) | Node::Or(children) => {
                children.iter().for_each(|child| child.collect_paths(out));
            }
            Node::Not(child) => child.collect_paths(out),
            Node::Test(test) => {
                out.push(RulePath { pointer: format!("{}/Variable", test.pointer), path: &test.variable });
                if let Some(path) = test.operator.operand_path() {
                    let pointer = format!("{}/{}", test.pointer, test.operator.name());
                    out.push(RulePath { pointer, path });
                }
            }
        }
    }
}

impl DataTest {
    /// The path the test reads.
    pub fn variable(&self) -> &str {
        &self.variable
    }

    /// The comparison it makes.
    pub fn operator(&self) -> &Operator {
        &self.operator
    }

    fn evaluate<E: ChoiceEnv>(&self, env: &mut E) -> Result<bool, ChoiceError<E::Error>> {
        let found = env.resolve(&self.variable).map_err(ChoiceError::Env)?;
        if let Operator::Is(TypeTest::Present, expected) = self.operator {
            return Ok(found.is_some() == expected);
        }
        let Some(value) = found else {
            return Err(ChoiceError::InvalidPath { path: self.variable.clone() });
        };
        Ok(match &self.operator {
            Operator::Is(test, expected) => test.holds(&value) == *expected,
            Operator::StringMatches(pattern) => value.as_str().is_some_and(|s| pattern.matches(s)),
            Operator::String(relation, operand) => {
                let read;
                let other = match operand {
                    Operand::Literal(text) => Some(text.as_str()),
                    Operand::Path(path) => {
                        read = read_operand(path, env)?;
                        read.as_str()
                    }
                };
                match (value.as_str(), other) {
                    (Some(a), Some(b)) => relation.holds(cmp_utf16(a, b)),
                    _ => false,
                }
            }
            Operator::Numeric(relation, operand) => {
                let read;
                let other = match operand {
                    Operand::Literal(number) => Some(number),
                    Operand::Path(path) => {
                        read = read_operand(path, env)?;
                        read.as_number()
                    }
                };
                match (value.as_number(), other) {
                    (Some(a), Some(b)) => cmp_numbers(a, b).is_some_and(|ordering| relation.holds(ordering)),
                    _ => false,
                }
            }
            Operator::Boolean(operand) => {
                let other = match operand {
                    Operand::Literal(b) => Some(*b),
                    Operand::Path(path) => read_operand(path, env)?.as_bool(),
                };
                matches!((value.as_bool(), other), (Some(a), Some(b)) if a == b)
            }
            Operator::Timestamp(relation, operand) => {
                let other = match operand {
                    Operand::Literal(literal) => Some(literal.instant),
                    Operand::Path(path) => read_operand(path, env)?.as_str().and_then(timestamp::parse_instant),
                };
                let this = value.as_str().and_then(timestamp::parse_instant);
                match (this, other) {
                    (Some(a), Some(b)) => relation.holds(a.cmp(&b)),
                    _ => false,
                }
            }
        })
    }
}

/// The value at a `...Path` operand; selecting nothing is the same runtime error as for
/// `Variable`.
fn read_operand<E: ChoiceEnv>(path: &str, env: &mut E) -> Result<Value, ChoiceError<E::Error>> {
    env.resolve(path).map_err(ChoiceError::Env)?.ok_or_else(|| ChoiceError::InvalidPath { path: path.to_owned() })
}

/// Names of the String, Numeric and Timestamp operators: rows are the families
/// (literal form, then `...Path` form), columns follow [`Relation::ALL`].
const ORDERED_OPERATORS: [(Family, bool, [&str; 5]); 6] = [
    (
        Family::String,
        false,
        ["StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals", "StringGreaterThanEquals"],
    ),
    (
        Family::String,
        true,
        [
            "StringEqualsPath",
            "StringLessThanPath",
            "StringGreaterThanPath",
            "StringLessThanEqualsPath",
            "StringGreaterThanEqualsPath",
        ],
    ),
    (
        Family::Numeric,
        false,
        ["NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals", "NumericGreaterThanEquals"],
    ),
    (
        Family::Numeric,
        true,
        [
            "NumericEqualsPath",
            "NumericLessThanPath",
            "NumericGreaterThanPath",
            "NumericLessThanEqualsPath",
            "NumericGreaterThanEqualsPath",
        ],
    ),
    (
        Family::Timestamp,
        false,
        [
            "TimestampEquals",
            "TimestampLessThan",
            "TimestampGreaterThan",
            "TimestampLessThanEquals",
            "TimestampGreaterThanEquals",
        ],
    ),
    (
        Family::Timestamp,
        true,
        [
            "TimestampEqualsPath",
            "TimestampLessThanPath",
            "TimestampGreaterThanPath",
            "TimestampLessThanEqualsPath",
            "TimestampGreaterThanEqualsPath",
        ],
    ),
];

/// The operator families that take a [`Relation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    String,
    Numeric,
    Timestamp,
}

impl Operator {
    /// The operator's name as written in a definition (`NumericEqualsPath`, `IsNull`, ...).
    pub fn name(&self) -> &'static str {
        let is_path = self.operand_path().is_some();
        let (family, relation) = match self {
            Operator::String(r, _) => (Family::String, *r),
            Operator::Numeric(r, _) => (Family::Numeric, *r),
            Operator::Timestamp(r, _) => (Family::Timestamp, *r),
            Operator::Boolean(_) if is_path => return "BooleanEqualsPath",
            Operator::Boolean(_) => return "BooleanEquals",
            Operator::StringMatches(_) => return "StringMatches",
            Operator::Is(test, _) => return test.name(),
        };
        ORDERED_OPERATORS
            .iter()
            .find(|(f, p, _)| *f == family && *p == is_path)
            .map_or("", |(_, _, names)| names[relation.index()])
    }

    /// The path operand of a `...Path` operator.
    pub fn operand_path(&self) -> Option<&str> {
        match self {
            Operator::String(_, Operand::Path(p))
            | Operator::Numeric(_, Operand::Path(p))
            | Operator::Boolean(Operand::Path(p))
            | Operator::Timestamp(_, Operand::Path(p)) => Some(p),
            _ => None,
        }
    }
}

impl Relation {
    /// All relations, in the column order of the operator-name table.
    pub const ALL: [Relation; 5] = [
        Relation::Equals,
        Relation::LessThan,
        Relation::GreaterThan,
        Relation::LessThanEquals,
        Relation::GreaterThanEquals,
    ];

    fn index(self) -> usize {
        match self {
            Relation::Equals => 0,
            Relation::LessThan => 1,
            Relation::GreaterThan => 2,
            Relation::LessThanEquals => 3,
            Relation::GreaterThanEquals => 4,
        }
    }

    /// Whether `left.cmp(right) == ordering` satisfies this relation.
    pub fn holds(self, ordering: Ordering) -> bool {
        match self {
            Relation::Equals => ordering == Ordering::Equal,
            Relation::LessThan => ordering == Ordering::Less,
            Relation::GreaterThan => ordering == Ordering::Greater,
            Relation::LessThanEquals => ordering != Ordering::Greater,
            Relation::GreaterThanEquals => ordering != Ordering::Less,
        }
    }
}

impl TypeTest {
    /// All type tests.
    pub const ALL: [TypeTest; 6] = [
        TypeTest::Null,
        TypeTest::Present,
        TypeTest::Numeric,
        TypeTest::String,
        TypeTest::Boolean,
        TypeTest::Timestamp,
    ];

    /// The operator name (`IsNull`, ...).
    pub fn name(self) -> &'static str {
        match self {
            TypeTest::Null => "IsNull",
            TypeTest::Present => "IsPresent",
            TypeTest::Numeric => "IsNumeric",
            TypeTest::String => "IsString",
            TypeTest::Boolean => "IsBoolean",
            TypeTest::Timestamp => "IsTimestamp",
        }
    }

    /// Whether a value that is present passes the test.
    fn holds(self, value: &Value) -> bool {
        match self {
            TypeTest::Null => value.is_null(),
            TypeTest::Present => true,
            TypeTest::Numeric => value.is_number(),
            TypeTest::String => value.is_string(),
            TypeTest::Boolean => value.is_boolean(),
            TypeTest::Timestamp => value.as_str().is_some_and(timestamp::is_timestamp),
        }
    }
}

/// Order two strings by UTF-16 code units, as Java does. This differs from Rust's `str`
/// order only between characters above U+FFFF and those in U+E000..=U+FFFF.
fn cmp_utf16(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Compare two JSON numbers by exact value, whether each is an integer or a float.
fn cmp_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    match (exact(a)?, exact(b)?) {
        (Exact::Int(x), Exact::Int(y)) => Some(x.cmp(&y)),
        (Exact::Float(x), Exact::Float(y)) => x.partial_cmp(&y),
        (Exact::Int(x), Exact::Float(y)) => cmp_int_float(x, y),
        (Exact::Float(x), Exact::Int(y)) => cmp_int_float(y, x).map(Ordering::reverse),
    }
}

enum Exact {
    Int(i128),
    Float(f64),
}

fn exact(n: &Number) -> Option<Exact> {
    if let Some(i) = n.as_i64() {
        Some(Exact::Int(i128::from(i)))
    } else if let Some(u) = n.as_u64() {
        Some(Exact::Int(i128::from(u)))
    } else {
        n.as_f64().map(Exact::Float)
    }
}

/// `int` compared with `float`, without rounding either.
fn cmp_int_float(int: i128, float: f64) -> Option<Ordering> {
    if float.is_nan() {
        return None;
    }
    // 2^127: every i128 lies strictly inside (-2^127 - 1, 2^127).
    const LIMIT: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0;
    if float >= LIMIT {
        return Some(Ordering::Less);
    }
    if float < -LIMIT {
        return Some(Ordering::Greater);
    }
    let whole = float.trunc();
    // `whole` is integral and within i128's range, so the cast is exact.
    let whole_int = whole as i128;
    Some(match int.cmp(&whole_int) {
        Ordering::Equal => (whole).partial_cmp(&float)?,
        other => other,
    })
}

#[cfg(test)]
#[path = "choice/corpus_tests.rs"]
mod corpus_tests;
#[cfg(test)]
#[path = "choice/parse_tests.rs"]
mod parse_tests;
#[cfg(test)]
#[path = "choice/tests.rs"]
mod tests;
