//! Which fields each state type takes, which query language each field belongs to, and the
//! message texts shared by every check.

use serde_json::{Map, Value};

use super::Validator;

/// A state's effective query language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lang {
    JsonPath,
    Jsonata,
}

impl Lang {
    /// What a present `QueryLanguage` value resolves to. AWS treats only the exact string
    /// `"JSONPath"` as JSONPath; every other value (wrong case, unknown, not a string) makes the
    /// state JSONata, and the bad value is reported separately.
    pub(super) fn resolve(value: &Value) -> Lang {
        if value.as_str() == Some("JSONPath") {
            Lang::JsonPath
        } else {
            Lang::Jsonata
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Lang::JsonPath => "JSONPath",
            Lang::Jsonata => "JSONata",
        }
    }

    fn other(self) -> Lang {
        match self {
            Lang::JsonPath => Lang::Jsonata,
            Lang::Jsonata => Lang::JsonPath,
        }
    }
}

/// Reports a `QueryLanguage` value outside the enum, at the field itself.
pub(super) fn check_query_language_value(v: &mut Validator<'_>, value: &Value, loc: &str) {
    match value.as_str() {
        Some("JSONPath") | Some("JSONata") => {}
        Some(_) => v.schema(loc, Msg::one_of(&["JSONPath", "JSONata"])),
        None => v.schema(loc, Msg::expected_type(&["STRING"])),
    }
}

/// The eight state types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Pass,
    Task,
    Choice,
    Wait,
    Succeed,
    Fail,
    Parallel,
    Map,
}

/// Fields every state takes.
const COMMON_FIELDS: [&str; 3] = ["Type", "Comment", "QueryLanguage"];

/// Type names in the order AWS lists them.
pub(super) const TYPE_NAMES: [&str; 8] = [
    "Pass", "Succeed", "Fail", "Task", "Choice", "Wait", "Parallel", "Map",
];

impl Kind {
    pub(super) fn parse(name: &str) -> Option<Kind> {
        Some(match name {
            "Pass" => Kind::Pass,
            "Task" => Kind::Task,
            "Choice" => Kind::Choice,
            "Wait" => Kind::Wait,
            "Succeed" => Kind::Succeed,
            "Fail" => Kind::Fail,
            "Parallel" => Kind::Parallel,
            "Map" => Kind::Map,
            _ => return None,
        })
    }

    /// Every field the type takes in either language: [`COMMON_FIELDS`] and its own.
    pub(super) fn allowed(self) -> Vec<&'static str> {
        let mut all = COMMON_FIELDS.to_vec();
        all.extend_from_slice(self.own_fields());
        all
    }

    /// The fields particular to the type, in either language.
    fn own_fields(self) -> &'static [&'static str] {
        match self {
            Kind::Pass => &[
                "Next",
                "End",
                "InputPath",
                "OutputPath",
                "ResultPath",
                "Parameters",
                "Result",
                "Output",
                "Assign",
            ],
            Kind::Task => &[
                "Next",
                "End",
                "Resource",
                "InputPath",
                "OutputPath",
                "ResultPath",
                "Parameters",
                "ResultSelector",
                "Arguments",
                "Output",
                "Assign",
                "TimeoutSeconds",
                "TimeoutSecondsPath",
                "HeartbeatSeconds",
                "HeartbeatSecondsPath",
                "Credentials",
                "Retry",
                "Catch",
            ],
            Kind::Choice => &[
                "Choices",
                "Default",
                "InputPath",
                "OutputPath",
                "Output",
                "Assign",
            ],
            Kind::Wait => &[
                "Next",
                "End",
                "Seconds",
                "SecondsPath",
                "Timestamp",
                "TimestampPath",
                "InputPath",
                "OutputPath",
                "Output",
                "Assign",
            ],
            Kind::Succeed => &["InputPath", "OutputPath", "Output"],
            Kind::Fail => &["Error", "ErrorPath", "Cause", "CausePath"],
            Kind::Parallel => &[
                "Next",
                "End",
                "Branches",
                "InputPath",
                "OutputPath",
                "ResultPath",
                "Parameters",
                "ResultSelector",
                "Arguments",
                "Output",
                "Assign",
                "Retry",
                "Catch",
            ],
            Kind::Map => &[
                "Next",
                "End",
                "InputPath",
                "OutputPath",
                "ResultPath",
                "ResultSelector",
                "Parameters",
                "ItemSelector",
                "ItemsPath",
                "Items",
                "Iterator",
                "ItemProcessor",
                "ItemReader",
                "ItemBatcher",
                "ResultWriter",
                "MaxConcurrency",
                "MaxConcurrencyPath",
                "ToleratedFailureCount",
                "ToleratedFailureCountPath",
                "ToleratedFailurePercentage",
                "ToleratedFailurePercentagePath",
                "Label",
                "Output",
                "Assign",
                "Retry",
                "Catch",
            ],
        }
    }

    /// Whether the type takes `Next`/`End`.
    pub(super) fn transitions(self) -> bool {
        matches!(
            self,
            Kind::Pass | Kind::Task | Kind::Wait | Kind::Parallel | Kind::Map
        )
    }
}

/// Fields that exist only in JSONPath states, in the order their diagnostics are emitted.
pub(super) const JSONPATH_ONLY: &[&str] = &[
    "InputPath",
    "OutputPath",
    "ResultPath",
    "Parameters",
    "ResultSelector",
    "Result",
    "ItemsPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "SecondsPath",
    "TimestampPath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
    "ErrorPath",
    "CausePath",
];

/// Fields that exist only in JSONata states, in the order their diagnostics are emitted.
pub(super) const JSONATA_ONLY: &[&str] = &["Output", "Arguments", "Items"];

/// The language a field is limited to, if any.
pub(super) fn field_lang(field: &str) -> Option<Lang> {
    if JSONPATH_ONLY.contains(&field) {
        Some(Lang::JsonPath)
    } else if JSONATA_ONLY.contains(&field) {
        Some(Lang::Jsonata)
    } else {
        None
    }
}

/// Reports every field of `obj` that belongs to the other language, at `loc`, in the fixed
/// order of the two lists. Used for states, catchers and Choice rules alike.
pub(super) fn check_lang_fields(
    v: &mut Validator<'_>,
    obj: &Map<String, Value>,
    lang: Lang,
    loc: &str,
    allowed: &[&str],
) {
    let forbidden = match lang {
        Lang::JsonPath => JSONATA_ONLY,
        Lang::Jsonata => JSONPATH_ONLY,
    };
    for field in forbidden {
        if obj.contains_key(*field) && allowed.contains(field) {
            v.schema(loc, Msg::wrong_lang(lang, field));
        }
    }
}

/// Reports, at `loc`, the `fields` missing from `map`, in the order given.
pub(super) fn require(v: &mut Validator<'_>, map: &Map<String, Value>, loc: &str, fields: &[&str]) {
    let missing: Vec<&str> = fields
        .iter()
        .copied()
        .filter(|f| !map.contains_key(*f))
        .collect();
    if !missing.is_empty() {
        v.schema(loc, Msg::required(&missing));
    }
}

/// A JSON object being checked, with its location and the fields that may be read from it.
/// `get` hides fields already reported as unsupported or as belonging to the other query
/// language, so later checks never report the same field twice.
pub(super) struct Obj<'a> {
    pub(super) map: &'a Map<String, Value>,
    pub(super) loc: String,
    pub(super) lang: Lang,
    allowed: &'a [&'a str],
}

impl<'a> Obj<'a> {
    pub(super) fn new(
        map: &'a Map<String, Value>,
        loc: String,
        lang: Lang,
        allowed: &'a [&'a str],
    ) -> Self {
        Obj {
            map,
            loc,
            lang,
            allowed,
        }
    }

    /// A field's value, if the field is present, allowed here and of this object's language.
    pub(super) fn get(&self, field: &str) -> Option<&'a Value> {
        if !self.allowed.contains(&field) {
            return None;
        }
        if field_lang(field) == Some(self.lang.other()) {
            return None;
        }
        self.map.get(field)
    }

    /// Location of one of this object's fields.
    pub(super) fn at(&self, field: &str) -> String {
        format!("{}/{field}", self.loc)
    }

    /// Reports fields that this kind of object does not take at all, in the object's own order.
    pub(super) fn report_unsupported(&self, v: &mut Validator<'_>) {
        for key in self.map.keys() {
            if !self.allowed.contains(&key.as_str()) {
                v.schema(self.loc.clone(), Msg::not_supported(key));
            }
        }
    }

    /// Reports required fields that are missing, in the order given.
    pub(super) fn require(&self, v: &mut Validator<'_>, fields: &[&str]) {
        require(v, self.map, &self.loc, fields);
    }

    /// Reports when more than one of `fields` is present (and readable), at the first of them.
    /// Returns how many are present.
    pub(super) fn exclusive(&self, v: &mut Validator<'_>, fields: &[&str]) -> usize {
        let present: Vec<&str> = fields
            .iter()
            .copied()
            .filter(|f| self.get(f).is_some())
            .collect();
        if present.len() > 1 {
            v.schema(self.at(present[0]), Msg::exclusive(&present));
        }
        present.len()
    }
}

/// Message texts. Those marked AWS are AWS's own wording.
pub(super) struct Msg;

impl Msg {
    /// AWS: `These fields are required: [States, StartAt]`.
    pub(super) fn required(fields: &[&str]) -> String {
        format!("These fields are required: [{}]", fields.join(", "))
    }

    /// AWS: `Field 'TimeoutSeconds' is not supported`.
    pub(super) fn not_supported(field: &str) -> String {
        format!("Field '{field}' is not supported")
    }

    /// AWS: `Expected value of type [STRING]`.
    pub(super) fn expected_type(types: &[&str]) -> String {
        format!("Expected value of type [{}]", types.join(", "))
    }

    /// AWS: `Value should be one of the following: [JSONPath, JSONata]`.
    pub(super) fn one_of(values: &[&str]) -> String {
        format!(
            "Value should be one of the following: [{}]",
            values.join(", ")
        )
    }

    /// AWS: `Minimum value is 0`.
    pub(super) fn minimum(min: impl std::fmt::Display) -> String {
        format!("Minimum value is {min}")
    }

    /// Same style as [`Msg::minimum`].
    pub(super) fn maximum(max: impl std::fmt::Display) -> String {
        format!("Maximum value is {max}")
    }

    /// Our wording: two or more fields that cannot appear together.
    pub(super) fn exclusive(fields: &[&str]) -> String {
        format!(
            "These fields cannot be used together: [{}]",
            fields.join(", ")
        )
    }

    /// Our wording: none of a set of alternatives is present.
    pub(super) fn exactly_one(fields: &[&str]) -> String {
        format!(
            "Exactly one of these fields is required: [{}]",
            fields.join(", ")
        )
    }

    /// AWS: `The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for
    /// the 'JSONata' QueryLanguage`.
    pub(super) fn wrong_lang(lang: Lang, field: &str) -> String {
        format!(
            "The QueryLanguage is set to '{}', but field '{field}' is only supported for the '{}' QueryLanguage",
            lang.name(),
            lang.other().name()
        )
    }

    /// AWS: `'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine`.
    pub(super) const DOWNGRADE: &'static str =
        "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine";

    /// Our wording: an array that must not be empty.
    pub(super) fn min_items(n: usize) -> String {
        format!("Minimum number of items is {n}")
    }
}
