//! The AWS JSON 1.0 wire format: reading request members with AWS's validation messages,
//! writing response objects (epoch-second timestamps, absent rather than null members), and
//! the error shape.

use serde_json::{Map, Value};

/// An API error as the client sees it: `__type`, `message` and an HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    /// The error code (`StateMachineDoesNotExist`, `ValidationException`, ...).
    pub code: &'static str,
    pub message: String,
    /// Extra members of the error body (`reason`, `resourceName`).
    pub extra: Vec<(&'static str, String)>,
}

impl ApiError {
    /// A 400 error with `code`.
    pub fn new(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status: 400, code, message: message.into(), extra: Vec::new() }
    }

    /// A member failed one of the model's constraints.
    pub fn validation(message: impl Into<String>) -> ApiError {
        ApiError::new("ValidationException", message)
    }

    /// The body is not a JSON object, or a member has the wrong JSON type.
    pub fn serialization(message: impl Into<String>) -> ApiError {
        ApiError::new("SerializationException", message)
    }

    /// Something broke on our side (500).
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError { status: 500, code: "InternalFailure", message: message.into(), extra: Vec::new() }
    }

    pub fn with(mut self, key: &'static str, value: impl Into<String>) -> ApiError {
        self.extra.push((key, value.into()));
        self
    }

    /// The JSON body: the namespaced `__type` real Step Functions sends, and `message`.
    pub fn body(&self) -> Value {
        let mut m = Map::new();
        let namespace = if self.code == "ValidationException" {
            "com.amazon.coral.validate#"
        } else {
            "com.amazonaws.swf.service.v2.model#"
        };
        m.insert("__type".into(), Value::String(format!("{namespace}{}", self.code)));
        m.insert("message".into(), Value::String(self.message.clone()));
        for (k, v) in &self.extra {
            m.insert((*k).into(), Value::String(v.clone()));
        }
        Value::Object(m)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// A request body: a JSON object whose members are read once each, with the model's checks.
pub struct Req {
    members: Map<String, Value>,
}

/// One failed constraint, in the Coral wording AWS uses.
fn constraint(value: &Value, member: &str, rule: &str) -> ApiError {
    let shown = match value {
        Value::Null => "null".to_string(),
        Value::String(s) => {
            let s: String = s.chars().take(200).collect();
            format!("'{s}'")
        }
        other => format!("'{other}'"),
    };
    ApiError::validation(format!("1 validation error detected: Value {shown} at '{member}' failed to satisfy constraint: {rule}"))
}

impl Req {
    /// Parses a request body; an empty body is `{}`.
    pub fn parse(body: &[u8]) -> Result<Req, ApiError> {
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(Req { members: Map::new() });
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(members)) => Ok(Req { members }),
            Ok(other) => Err(ApiError::serialization(format!(
                "the request body must be a JSON object, not {}",
                json_type(&other)
            ))),
            Err(e) => Err(ApiError::serialization(format!("the request body is not valid JSON: {e}"))),
        }
    }

    /// A request from members already parsed.
    pub fn from_map(members: Map<String, Value>) -> Req {
        Req { members }
    }

    /// Whether the member is present and not null.
    pub fn has(&self, member: &str) -> bool {
        self.members.get(member).is_some_and(|v| !v.is_null())
    }

    fn take(&mut self, member: &str) -> Option<Value> {
        match self.members.remove(member) {
            Some(Value::Null) | None => None,
            Some(v) => Some(v),
        }
    }

    /// A required string of `min..=max` characters.
    pub fn string(&mut self, member: &str, min: usize, max: usize) -> Result<String, ApiError> {
        match self.opt_string(member, min, max)? {
            Some(s) => Ok(s),
            None => Err(constraint(&Value::Null, member, "Member must not be null")),
        }
    }

    /// An optional string of `min..=max` characters.
    pub fn opt_string(&mut self, member: &str, min: usize, max: usize) -> Result<Option<String>, ApiError> {
        match self.take(member) {
            None => Ok(None),
            Some(Value::String(s)) => {
                let n = s.chars().count();
                if n < min {
                    return Err(constraint(&Value::String(s), member, &format!("Member must have length greater than or equal to {min}")));
                }
                if n > max {
                    return Err(constraint(&Value::String(s), member, &format!("Member must have length less than or equal to {max}")));
                }
                Ok(Some(s))
            }
            Some(other) => Err(ApiError::serialization(format!(
                "member '{member}' must be a string, not {}",
                json_type(&other)
            ))),
        }
    }

    /// An optional string that must be one of `allowed`.
    pub fn opt_enum(&mut self, member: &str, allowed: &[&'static str]) -> Result<Option<&'static str>, ApiError> {
        match self.opt_string(member, 0, 1024)? {
            None => Ok(None),
            Some(s) => match allowed.iter().find(|a| **a == s) {
                Some(a) => Ok(Some(a)),
                None => Err(constraint(
                    &Value::String(s),
                    member,
                    &format!("Member must satisfy enum value set: [{}]", allowed.join(", ")),
                )),
            },
        }
    }

    pub fn opt_bool(&mut self, member: &str) -> Result<Option<bool>, ApiError> {
        match self.take(member) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(ApiError::serialization(format!(
                "member '{member}' must be a boolean, not {}",
                json_type(&other)
            ))),
        }
    }

    /// An optional integer in `min..=max`.
    pub fn opt_int(&mut self, member: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        self.opt_number(member, min, max, Value::as_i64, "an integer")
    }

    /// An optional number in `min..=max`.
    pub fn opt_float(&mut self, member: &str, min: f64, max: f64) -> Result<Option<f64>, ApiError> {
        self.opt_number(member, min, max, Value::as_f64, "a number")
    }

    /// An optional number member read by `read` (`None`: not of the kind `kind` names), in
    /// `min..=max`.
    fn opt_number<T: PartialOrd + std::fmt::Display + Copy>(
        &mut self,
        member: &str,
        min: T,
        max: T,
        read: fn(&Value) -> Option<T>,
        kind: &str,
    ) -> Result<Option<T>, ApiError> {
        match self.take(member) {
            None => Ok(None),
            Some(v @ Value::Number(_)) => match read(&v) {
                Some(n) if n < min => {
                    Err(constraint(&v, member, &format!("Member must have value greater than or equal to {min}")))
                }
                Some(n) if n > max => Err(constraint(&v, member, &format!("Member must have value less than or equal to {max}"))),
                Some(n) => Ok(Some(n)),
                None => Err(ApiError::serialization(format!("member '{member}' must be {kind}, not {v}"))),
            },
            Some(other) => Err(ApiError::serialization(format!(
                "member '{member}' must be a number, not {}",
                json_type(&other)
            ))),
        }
    }

    /// An optional JSON object member, as it is.
    pub fn opt_object(&mut self, member: &str) -> Result<Option<Map<String, Value>>, ApiError> {
        match self.take(member) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(other) => Err(ApiError::serialization(format!(
                "member '{member}' must be an object, not {}",
                json_type(&other)
            ))),
        }
    }

    /// An optional JSON array member, as it is.
    pub fn opt_array(&mut self, member: &str) -> Result<Option<Vec<Value>>, ApiError> {
        match self.take(member) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(other) => Err(ApiError::serialization(format!(
                "member '{member}' must be a list, not {}",
                json_type(&other)
            ))),
        }
    }

    /// A required JSON array member.
    pub fn array(&mut self, member: &str) -> Result<Vec<Value>, ApiError> {
        self.opt_array(member)?.ok_or_else(|| constraint(&Value::Null, member, "Member must not be null"))
    }

    /// `maxResults` (0..=`max`; 0 means the default) as a page size for the store.
    pub fn max_results(&mut self, max: i64) -> Result<usize, ApiError> {
        Ok(self.opt_int("maxResults", 0, max)?.unwrap_or(0) as usize)
    }

    /// `nextToken` (1..=`max` characters).
    pub fn next_token(&mut self, max: usize) -> Result<Option<String>, ApiError> {
        self.opt_string("nextToken", 1, max)
    }
}

/// The JSON type name of a value, for messages.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A response object under construction; absent members are left out, never `null`.
#[derive(Default)]
pub struct Obj(Map<String, Value>);

impl Obj {
    pub fn new() -> Obj {
        Obj(Map::new())
    }

    pub fn put(mut self, key: &str, value: impl Into<Value>) -> Obj {
        self.0.insert(key.into(), value.into());
        self
    }

    pub fn opt(mut self, key: &str, value: Option<impl Into<Value>>) -> Obj {
        if let Some(v) = value {
            self.0.insert(key.into(), v.into());
        }
        self
    }

    /// A timestamp in epoch seconds with a millisecond fraction, as the JS SDK requires.
    pub fn time(self, key: &str, ms: i64) -> Obj {
        self.put(key, epoch(ms))
    }

    pub fn opt_time(self, key: &str, ms: Option<i64>) -> Obj {
        match ms {
            Some(ms) => self.time(key, ms),
            None => self,
        }
    }

    pub fn build(self) -> Value {
        Value::Object(self.0)
    }
}

impl From<Obj> for Value {
    fn from(o: Obj) -> Value {
        o.build()
    }
}

/// Milliseconds since the epoch as AWS's epoch-seconds number.
pub fn epoch(ms: i64) -> Value {
    if ms % 1000 == 0 {
        Value::from(ms / 1000)
    } else {
        Value::from(ms as f64 / 1000.0)
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(v: Value) -> Req {
        Req::parse(v.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn missing_and_malformed_members_are_named() {
        let e = req(json!({})).string("stateMachineArn", 1, 256).unwrap_err();
        assert_eq!(e.code, "ValidationException");
        assert_eq!(
            e.message,
            "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null"
        );
        let e = req(json!({"name": ""})).string("name", 1, 80).unwrap_err();
        assert!(e.message.contains("Value '' at 'name'") && e.message.contains("greater than or equal to 1"), "{e}");
        let e = req(json!({"name": 5})).string("name", 1, 80).unwrap_err();
        assert_eq!(e.code, "SerializationException");
        assert!(e.message.contains("'name' must be a string, not a number"), "{e}");
        let e = req(json!({"maxResults": 1001})).max_results(1000).unwrap_err();
        assert!(e.message.contains("less than or equal to 1000"), "{e}");
        let e = req(json!({"type": "FAST"})).opt_enum("type", &["STANDARD", "EXPRESS"]).unwrap_err();
        assert!(e.message.contains("[STANDARD, EXPRESS]"), "{e}");
        // null is the same as absent.
        assert_eq!(req(json!({"name": null})).opt_string("name", 1, 80).unwrap(), None);
    }

    #[test]
    fn bodies_that_are_not_objects_are_serialization_errors() {
        for body in ["[1]", "\"x\"", "{", "nul"] {
            let e = Req::parse(body.as_bytes()).err().expect(body);
            assert_eq!(e.code, "SerializationException", "{body}");
        }
        assert!(Req::parse(b"").is_ok());
        assert!(Req::parse(b"  \n").is_ok());
    }

    #[test]
    fn responses_leave_absent_members_out_and_use_epoch_seconds() {
        let v = Obj::new().put("a", 1).opt("b", None::<String>).time("t", 1_795_299_898_266).time("u", 5000).build();
        assert_eq!(v, json!({"a": 1, "t": 1795299898.266, "u": 5}));
        let e = ApiError::new("StateMachineDoesNotExist", "nope").body();
        assert_eq!(e, json!({"__type": "com.amazonaws.swf.service.v2.model#StateMachineDoesNotExist", "message": "nope"}));
    }
}
