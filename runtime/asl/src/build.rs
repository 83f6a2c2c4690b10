//! From definition JSON to the typed [`Machine`]: validation first, then compilation of every
//! path, template and expression. Either a machine or every diagnostic found.

use serde_json::{Map, Value};

use crate::choice;
use crate::diagnostic::{pointer_token, Diagnostic, Severity};
use crate::jsonpath::JsonPath;
use crate::model::*;
use crate::template::Template;
use crate::validate::{self, ValidateOptions};

/// Parse definition text into a machine.
pub fn parse_text(text: &str, opts: &ValidateOptions) -> Result<Machine, Vec<Diagnostic>> {
    let errors: Vec<Diagnostic> =
        validate::validate_text(text, opts).into_iter().filter(|d| d.severity == Severity::Error).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let v: Value = serde_json::from_str(text)
        .map_err(|e| vec![Diagnostic::error(crate::diagnostic::codes::INVALID_JSON_DESCRIPTION, "", e.to_string())])?;
    build_validated(&v)
}

/// Parse a definition given as JSON into a machine.
pub fn parse(definition: &Value, opts: &ValidateOptions) -> Result<Machine, Vec<Diagnostic>> {
    let errors: Vec<Diagnostic> =
        validate::validate(definition, opts).into_iter().filter(|d| d.severity == Severity::Error).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    build_validated(definition)
}

/// Compile a definition the validator accepted. Anything the compiler still cannot use is
/// reported as diagnostics, never a panic.
fn build_validated(definition: &Value) -> Result<Machine, Vec<Diagnostic>> {
    let Some(top) = definition.as_object() else {
        return Err(vec![Diagnostic::schema("", "The definition must be a JSON object")]);
    };
    let query_language = match top.get("QueryLanguage").and_then(Value::as_str) {
        Some("JSONata") => QueryLanguage::Jsonata,
        _ => QueryLanguage::JsonPath,
    };
    let mut b = Builder { graphs: Vec::new(), diags: Vec::new(), top_language: query_language };
    b.graph(top, "", query_language);
    let timeout_seconds = top.get("TimeoutSeconds").and_then(Value::as_u64);
    let comment = top.get("Comment").and_then(Value::as_str).map(str::to_string);
    if !b.diags.is_empty() {
        return Err(b.diags);
    }
    let mut graphs: Vec<Graph> = b.graphs.into_iter().map(|g| g.expect("every reserved graph slot is filled")).collect();
    // Graph 0 is reserved first, so the top level is always at index 0.
    graphs.shrink_to_fit();
    Ok(Machine { graphs, timeout_seconds, query_language, comment })
}

struct Builder {
    graphs: Vec<Option<Graph>>,
    diags: Vec<Diagnostic>,
    top_language: QueryLanguage,
}

/// Field access with diagnostics.
struct Fields<'a> {
    m: &'a Map<String, Value>,
    at: &'a str,
}

impl<'a> Fields<'a> {
    fn get(&self, k: &str) -> Option<&'a Value> {
        self.m.get(k)
    }
    fn str(&self, k: &str) -> Option<&'a str> {
        self.m.get(k).and_then(Value::as_str)
    }
    fn ptr(&self, k: &str) -> String {
        format!("{}/{}", self.at, pointer_token(k))
    }
}

impl Builder {
    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Compile a graph (`StartAt` + `States`) and return its id.
    fn graph(&mut self, obj: &Map<String, Value>, at: &str, language: QueryLanguage) -> GraphId {
        let id = self.graphs.len();
        self.graphs.push(None);
        let empty = Map::new();
        let states_obj = obj.get("States").and_then(Value::as_object).unwrap_or(&empty);
        let names: Vec<&String> = states_obj.keys().collect();
        let index_of = |n: &str| names.iter().position(|k| k.as_str() == n);
        let start_at = match obj.get("StartAt").and_then(Value::as_str).and_then(index_of) {
            Some(i) => i,
            None => {
                self.err(Diagnostic::error(
                    crate::diagnostic::codes::MISSING_TRANSITION_TARGET,
                    format!("{at}/StartAt"),
                    "StartAt does not name a state in this scope",
                ));
                0
            }
        };
        let mut states = Vec::with_capacity(states_obj.len());
        for (name, sv) in states_obj {
            let sat = format!("{at}/States/{}", pointer_token(name));
            let Some(sm) = sv.as_object() else {
                self.err(Diagnostic::schema(sat, "A state must be a JSON object"));
                continue;
            };
            if let Some(s) = self.state(name, sm, &sat, language, &index_of) {
                states.push(s);
            }
        }
        self.graphs[id] = Some(Graph { start_at, states });
        id
    }

    fn target(&mut self, name: Option<&str>, at: String, index_of: &dyn Fn(&str) -> Option<usize>) -> StateId {
        match name.and_then(index_of) {
            Some(i) => i,
            None => {
                self.err(Diagnostic::error(
                    crate::diagnostic::codes::MISSING_TRANSITION_TARGET,
                    at,
                    format!("Missing 'Next' target: {}", name.unwrap_or("")),
                ));
                0
            }
        }
    }

    fn state(
        &mut self,
        name: &str,
        m: &Map<String, Value>,
        at: &str,
        graph_language: QueryLanguage,
        index_of: &dyn Fn(&str) -> Option<usize>,
    ) -> Option<State> {
        let f = Fields { m, at };
        let ql = match f.str("QueryLanguage") {
            Some("JSONata") => QueryLanguage::Jsonata,
            Some("JSONPath") => QueryLanguage::JsonPath,
            _ => graph_language,
        };
        let ty = f.str("Type").unwrap_or("");
        let transition = if f.get("End").and_then(Value::as_bool) == Some(true) {
            Transition::End
        } else if let Some(n) = f.str("Next") {
            Transition::Next(self.target(Some(n), f.ptr("Next"), index_of))
        } else {
            Transition::End
        };
        let io = self.io(&f, ql);
        let assign = self.assign(&f, ql);
        let retry = self.retriers(&f);
        let catch = self.catchers(&f, ql, index_of);
        let kind = match ty {
            "Pass" => Kind::Pass { result: f.get("Result").cloned() },
            "Succeed" => Kind::Succeed,
            "Fail" => Kind::Fail {
                error: self.string_source(&f, "Error", "ErrorPath", ql),
                cause: self.string_source(&f, "Cause", "CausePath", ql),
            },
            "Task" => Kind::Task(Task {
                resource: f.str("Resource").unwrap_or("").to_string(),
                timeout: self.number(&f, "TimeoutSeconds", "TimeoutSecondsPath", ql),
                heartbeat: self.number(&f, "HeartbeatSeconds", "HeartbeatSecondsPath", ql),
                credentials: f.get("Credentials").and_then(|c| self.template(c, "Credentials", &f.ptr("Credentials"), ql)),
            }),
            "Wait" => Kind::Wait(self.wait(&f, ql)?),
            "Choice" => self.choice(&f, ql, index_of),
            "Parallel" => {
                let mut branches = Vec::new();
                if let Some(Value::Array(bs)) = f.get("Branches") {
                    for (i, b) in bs.iter().enumerate() {
                        if let Some(bm) = b.as_object() {
                            let inner = self.top_language;
                            branches.push(self.graph(bm, &format!("{at}/Branches/{i}"), inner));
                        }
                    }
                }
                Kind::Parallel { branches }
            }
            "Map" => Kind::Map(Box::new(self.map(&f, ql)?)),
            other => {
                self.err(Diagnostic::schema(f.ptr("Type"), format!("Unknown state type '{other}'")));
                return None;
            }
        };
        Some(State { name: name.into(), query_language: ql, kind, io, transition, retry, catch, assign })
    }

    fn template(&mut self, v: &Value, field: &str, at: &str, ql: QueryLanguage) -> Option<Template> {
        let r = match ql {
            QueryLanguage::JsonPath => Template::jsonpath(v, at),
            QueryLanguage::Jsonata => Template::jsonata(v, field, at),
        };
        r.map_err(|d| self.err(d)).ok()
    }

    fn path(&mut self, f: &Fields<'_>, k: &str) -> Option<JsonPath> {
        let s = f.str(k)?;
        JsonPath::parse(s)
            .map_err(|e| self.err(Diagnostic::schema(f.ptr(k), format!("The value for the field '{k}' must be a valid JSONPath: {e}"))))
            .ok()
    }

    fn path_field(&mut self, f: &Fields<'_>, k: &str) -> PathField {
        match f.get(k) {
            None => PathField::Whole,
            Some(Value::Null) => PathField::Null,
            Some(_) => self.path(f, k).map(PathField::Path).unwrap_or(PathField::Whole),
        }
    }

    fn result_path(&mut self, f: &Fields<'_>) -> ResultPath {
        match f.get("ResultPath") {
            None => ResultPath::Replace,
            Some(Value::Null) => ResultPath::Discard,
            Some(Value::String(s)) if s == "$" => ResultPath::Replace,
            Some(_) => self.path(f, "ResultPath").map(ResultPath::Path).unwrap_or(ResultPath::Replace),
        }
    }

    fn io(&mut self, f: &Fields<'_>, ql: QueryLanguage) -> Io {
        let mut io = Io::empty();
        match ql {
            QueryLanguage::JsonPath => {
                io.input_path = self.path_field(f, "InputPath");
                io.output_path = self.path_field(f, "OutputPath");
                io.result_path = self.result_path(f);
                // A Map's `Parameters` is its legacy item selector, handled in `map`.
                if f.str("Type") != Some("Map") {
                    io.parameters = f.get("Parameters").and_then(|v| self.template(v, "Parameters", &f.ptr("Parameters"), ql));
                }
                io.result_selector =
                    f.get("ResultSelector").and_then(|v| self.template(v, "ResultSelector", &f.ptr("ResultSelector"), ql));
            }
            QueryLanguage::Jsonata => {
                io.arguments = f.get("Arguments").and_then(|v| self.template(v, "Arguments", &f.ptr("Arguments"), ql));
                io.output = f.get("Output").and_then(|v| self.template(v, "Output", &f.ptr("Output"), ql));
            }
        }
        io
    }

    fn assign(&mut self, f: &Fields<'_>, ql: QueryLanguage) -> Option<Template> {
        let v = f.get("Assign")?;
        self.template(v, "Assign", &f.ptr("Assign"), ql)
    }

    fn string_source(&mut self, f: &Fields<'_>, lit: &str, path: &'static str, ql: QueryLanguage) -> Option<StringSource> {
        if let Some(v) = f.get(lit) {
            return match (ql, v) {
                (QueryLanguage::Jsonata, Value::String(s)) if crate::jsonata::expression_of(s).is_some() => self
                    .template(v, lit, &f.ptr(lit), ql)
                    .map(|t| StringSource::Dynamic { field: if lit == "Error" { "Error" } else { "Cause" }, template: t }),
                (_, Value::String(s)) => Some(StringSource::Literal(s.clone())),
                _ => None,
            };
        }
        let src = f.str(path)?;
        Template::path_or_intrinsic(src, path, &f.ptr(path))
            .map_err(|d| self.err(d))
            .ok()
            .map(|t| StringSource::Dynamic { field: path, template: t })
    }

    fn number(&mut self, f: &Fields<'_>, lit: &str, path: &str, ql: QueryLanguage) -> Option<Number> {
        if let Some(v) = f.get(lit) {
            return match v {
                Value::Number(n) => n.as_f64().map(Number::Literal),
                Value::String(_) if ql == QueryLanguage::Jsonata => self.template(v, lit, &f.ptr(lit), ql).map(Number::Expr),
                _ => {
                    self.err(Diagnostic::schema(f.ptr(lit), format!("The value for the field '{lit}' must be a number")));
                    None
                }
            };
        }
        f.get(path)?;
        self.path(f, path).map(Number::Path)
    }

    fn wait(&mut self, f: &Fields<'_>, ql: QueryLanguage) -> Option<Wait> {
        if let Some(n) = self.number(f, "Seconds", "SecondsPath", ql) {
            return Some(Wait::Seconds(n));
        }
        if let Some(v) = f.get("Timestamp") {
            return match v {
                Value::String(s) if ql == QueryLanguage::Jsonata && crate::jsonata::expression_of(s).is_some() => {
                    self.template(v, "Timestamp", &f.ptr("Timestamp"), ql).map(Wait::TimestampExpr)
                }
                Value::String(s) => Some(Wait::TimestampLiteral(s.clone())),
                _ => {
                    self.err(Diagnostic::schema(f.ptr("Timestamp"), "The value for the field 'Timestamp' must be a string"));
                    None
                }
            };
        }
        if f.get("TimestampPath").is_some() {
            return self.path(f, "TimestampPath").map(Wait::TimestampPath);
        }
        self.err(Diagnostic::schema(f.at, "A Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath"));
        None
    }

    fn choice(&mut self, f: &Fields<'_>, ql: QueryLanguage, index_of: &dyn Fn(&str) -> Option<usize>) -> Kind {
        let mut choices = Vec::new();
        if let Some(Value::Array(rules)) = f.get("Choices") {
            for (i, r) in rules.iter().enumerate() {
                let at = format!("{}/Choices/{i}", f.at);
                let Some(rm) = r.as_object() else {
                    self.err(Diagnostic::schema(at, "A choice rule must be a JSON object"));
                    continue;
                };
                let rf = Fields { m: rm, at: &at };
                let next = self.target(rf.str("Next"), rf.ptr("Next"), index_of);
                let assign = rf.get("Assign").and_then(|v| self.template(v, "Assign", &rf.ptr("Assign"), ql));
                let output = rf.get("Output").and_then(|v| self.template(v, "Output", &rf.ptr("Output"), ql));
                let condition = match ql {
                    QueryLanguage::Jsonata => {
                        let Some(c) = rf.get("Condition") else {
                            self.err(Diagnostic::schema(at, "A JSONata choice rule needs a 'Condition'"));
                            continue;
                        };
                        match self.template(c, "Condition", &rf.ptr("Condition"), ql) {
                            Some(t) => Condition::Jsonata(t),
                            None => continue,
                        }
                    }
                    QueryLanguage::JsonPath => match choice::parse_choice_rule(r, &at) {
                        Ok(cr) => Condition::Rule(cr.rule),
                        Err(ds) => {
                            self.diags.extend(ds);
                            continue;
                        }
                    },
                };
                choices.push(ChoiceBranch { condition, next, assign, output });
            }
        }
        let default = f.str("Default").map(|d| self.target(Some(d), f.ptr("Default"), index_of));
        Kind::Choice { choices, default }
    }

    fn map(&mut self, f: &Fields<'_>, ql: QueryLanguage) -> Option<MapState> {
        let (proc_key, proc) = match (f.get("ItemProcessor"), f.get("Iterator")) {
            (Some(Value::Object(p)), _) => ("ItemProcessor", p),
            (_, Some(Value::Object(p))) => ("Iterator", p),
            _ => {
                self.err(Diagnostic::schema(f.at, "A Map state needs an 'ItemProcessor'"));
                return None;
            }
        };
        let mode = match proc.get("ProcessorConfig").and_then(|c| c.get("Mode")).and_then(Value::as_str) {
            Some("DISTRIBUTED") => MapMode::Distributed,
            _ => MapMode::Inline,
        };
        let express_children = mode == MapMode::Distributed
            && proc.get("ProcessorConfig").and_then(|c| c.get("ExecutionType")).and_then(Value::as_str) == Some("EXPRESS");
        let inner = self.top_language;
        let processor = self.graph(proc, &f.ptr(proc_key), inner);
        let selector_key = if f.get("ItemSelector").is_some() { "ItemSelector" } else { "Parameters" };
        let item_selector = f.get(selector_key).and_then(|v| self.template(v, selector_key, &f.ptr(selector_key), ql));
        let items_path = if ql == QueryLanguage::JsonPath { self.path_field(f, "ItemsPath") } else { PathField::Whole };
        let items = f.get("Items").and_then(|v| self.template(v, "Items", &f.ptr("Items"), ql));
        let item_batcher = match f.get("ItemBatcher") {
            Some(Value::Object(bm)) => {
                let at = f.ptr("ItemBatcher");
                let bf = Fields { m: bm, at: &at };
                Some(ItemBatcher {
                    max_items_per_batch: self.number(&bf, "MaxItemsPerBatch", "MaxItemsPerBatchPath", ql),
                    max_input_bytes_per_batch: self.number(&bf, "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath", ql),
                    batch_input: bf.get("BatchInput").and_then(|v| self.template(v, "BatchInput", &bf.ptr("BatchInput"), ql)),
                })
            }
            _ => None,
        };
        Some(MapState {
            mode,
            express_children,
            processor,
            items_path,
            items,
            item_selector,
            max_concurrency: self.number(f, "MaxConcurrency", "MaxConcurrencyPath", ql),
            tolerated_failure_count: self.number(f, "ToleratedFailureCount", "ToleratedFailureCountPath", ql),
            tolerated_failure_percentage: self.number(f, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", ql),
            item_batcher,
            label: f.str("Label").map(str::to_string),
            item_reader: integration(f.get("ItemReader")),
            result_writer: integration(f.get("ResultWriter")),
        })
    }

    fn retriers(&mut self, f: &Fields<'_>) -> Vec<Retrier> {
        let Some(Value::Array(rs)) = f.get("Retry") else { return Vec::new() };
        rs.iter()
            .filter_map(Value::as_object)
            .map(|r| Retrier {
                error_equals: strings(r.get("ErrorEquals")),
                interval_seconds: r.get("IntervalSeconds").and_then(Value::as_f64).unwrap_or(1.0),
                max_attempts: r.get("MaxAttempts").and_then(Value::as_u64).unwrap_or(3),
                backoff_rate: r.get("BackoffRate").and_then(Value::as_f64).unwrap_or(2.0),
                max_delay_seconds: r.get("MaxDelaySeconds").and_then(Value::as_f64),
                jitter: match r.get("JitterStrategy").and_then(Value::as_str) {
                    Some("FULL") => Jitter::Full,
                    _ => Jitter::None,
                },
            })
            .collect()
    }

    fn catchers(&mut self, f: &Fields<'_>, ql: QueryLanguage, index_of: &dyn Fn(&str) -> Option<usize>) -> Vec<Catcher> {
        let Some(Value::Array(cs)) = f.get("Catch") else { return Vec::new() };
        let mut out = Vec::new();
        for (i, c) in cs.iter().enumerate() {
            let at = format!("{}/Catch/{i}", f.at);
            let Some(cm) = c.as_object() else { continue };
            let cf = Fields { m: cm, at: &at };
            let next = self.target(cf.str("Next"), cf.ptr("Next"), index_of);
            let result_path = if ql == QueryLanguage::JsonPath { self.result_path(&cf) } else { ResultPath::Replace };
            out.push(Catcher {
                error_equals: strings(cm.get("ErrorEquals")),
                next,
                result_path,
                assign: cf.get("Assign").and_then(|v| self.template(v, "Assign", &cf.ptr("Assign"), ql)),
                output: cf.get("Output").and_then(|v| self.template(v, "Output", &cf.ptr("Output"), ql)),
            });
        }
        out
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// The `Resource` of an `ItemReader` or `ResultWriter` object (empty when it names none).
fn integration(v: Option<&Value>) -> Option<String> {
    let obj = v?.as_object()?;
    Some(obj.get("Resource").and_then(Value::as_str).unwrap_or_default().to_string())
}
