//! The Map state: its processor, item source, concurrency and failure tolerance, label, and
//! the Distributed Map reader, batcher and writer.

use serde_json::Value;

use super::fields::{Lang, Msg, Obj};
use super::values::{self, MAX_SECONDS};
use super::{Validator, INVALID_LABEL_NAME};
use crate::diagnostic::Diagnostic;

const PROCESSOR_FIELDS: &[&str] = &["ProcessorConfig", "StartAt", "States", "Comment"];
const PROCESSOR_CONFIG_FIELDS: &[&str] = &["Mode", "ExecutionType"];
const READER_FIELDS: &[&str] = &["Resource", "ReaderConfig", "Parameters", "Arguments"];
const READER_CONFIG_FIELDS: &[&str] = &[
    "InputType",
    "CSVHeaderLocation",
    "CSVHeaders",
    "CSVDelimiter",
    "MaxItems",
    "MaxItemsPath",
    "ManifestType",
    "ItemsPointer",
];
const BATCHER_FIELDS: &[&str] = &[
    "MaxItemsPerBatch",
    "MaxItemsPerBatchPath",
    "MaxInputBytesPerBatch",
    "MaxInputBytesPerBatchPath",
    "BatchInput",
];
const WRITER_FIELDS: &[&str] = &["Resource", "Parameters", "Arguments", "WriterConfig"];

/// Longest Map label AWS takes.
const MAX_LABEL: usize = 40;
/// Most items an ItemReader may read.
const MAX_READER_ITEMS: i128 = 100_000_000;
/// Largest batch an ItemBatcher may build, in bytes.
const MAX_BATCH_BYTES: i128 = 262_144;

pub(super) fn check_map(v: &mut Validator<'_>, obj: &Obj<'_>, depth: usize) {
    if obj.exclusive(v, &["ItemProcessor", "Iterator"]) == 0 {
        v.schema(obj.loc.clone(), Msg::required(&["ItemProcessor"]));
    }
    for field in ["ItemProcessor", "Iterator"] {
        if let Some(processor) = obj.get(field) {
            let loc = obj.at(field);
            if let Some(config) = processor.as_object().and_then(|p| p.get("ProcessorConfig")) {
                check_processor_config(v, config, &format!("{loc}/ProcessorConfig"));
            }
            v.nested_scope(processor, &loc, depth, PROCESSOR_FIELDS);
        }
    }
    obj.exclusive(v, &["ItemSelector", "Parameters"]);
    if let Some(selector) = obj.get("ItemSelector") {
        values::check_object_payload(
            v,
            selector,
            &obj.at("ItemSelector"),
            "ItemSelector",
            obj.lang,
        );
    }
    if let Some(items) = obj.get("Items") {
        match items {
            Value::Array(_) => values::check_jsonata_strings(v, items, &obj.at("Items"), 0),
            Value::String(s) => values::check_expression(v, s, &obj.at("Items"), "Items"),
            _ => v.schema(obj.at("Items"), Msg::expected_type(&["ARRAY", "STRING"])),
        }
    }
    obj.exclusive(v, &["MaxConcurrency", "MaxConcurrencyPath"]);
    if let Some(n) = obj.get("MaxConcurrency") {
        values::check_int_or_expr(
            v,
            n,
            &obj.at("MaxConcurrency"),
            "MaxConcurrency",
            obj.lang,
            0,
            i128::MAX,
        );
    }
    obj.exclusive(v, &["ToleratedFailureCount", "ToleratedFailureCountPath"]);
    if let Some(n) = obj.get("ToleratedFailureCount") {
        values::check_int_or_expr(
            v,
            n,
            &obj.at("ToleratedFailureCount"),
            "ToleratedFailureCount",
            obj.lang,
            0,
            i128::MAX,
        );
    }
    obj.exclusive(
        v,
        &[
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
        ],
    );
    if let Some(n) = obj.get("ToleratedFailurePercentage") {
        values::check_percentage_or_expr(
            v,
            n,
            &obj.at("ToleratedFailurePercentage"),
            "ToleratedFailurePercentage",
            obj.lang,
        );
    }
    for field in [
        "ItemsPath",
        "MaxConcurrencyPath",
        "ToleratedFailureCountPath",
        "ToleratedFailurePercentagePath",
    ] {
        if let Some(path) = obj.get(field) {
            values::check_path(v, path, &obj.at(field), field, false);
        }
    }
    if let Some(label) = obj.get("Label") {
        check_label(v, label, &obj.at("Label"));
    }
    if let Some(reader) = obj.get("ItemReader") {
        check_reader(v, reader, &obj.at("ItemReader"), obj.lang);
    }
    if let Some(batcher) = obj.get("ItemBatcher") {
        check_batcher(v, batcher, &obj.at("ItemBatcher"), obj.lang);
    }
    if let Some(writer) = obj.get("ResultWriter") {
        check_writer(v, writer, &obj.at("ResultWriter"), obj.lang);
    }
}

/// An object field of the Map, with its unsupported fields reported. `None` when it is not an
/// object.
fn sub_object<'a>(
    v: &mut Validator<'_>,
    value: &'a Value,
    loc: &str,
    lang: Lang,
    allowed: &'a [&'a str],
) -> Option<Obj<'a>> {
    let Some(map) = value.as_object() else {
        v.schema(loc, Msg::expected_type(&["OBJECT"]));
        return None;
    };
    let obj = Obj::new(map, loc.to_owned(), lang, allowed);
    obj.report_unsupported(v);
    Some(obj)
}

/// Reader, batcher and writer fields that belong to one query language, reported at the
/// field. Returns whether `field` may be read.
fn lang_field(v: &mut Validator<'_>, obj: &Obj<'_>, field: &str, only: Lang) -> bool {
    if !obj.map.contains_key(field) {
        return false;
    }
    if obj.lang != only {
        v.schema(obj.at(field), Msg::wrong_lang(obj.lang, field));
        return false;
    }
    true
}

fn check_processor_config(v: &mut Validator<'_>, value: &Value, loc: &str) {
    let Some(obj) = sub_object(v, value, loc, Lang::JsonPath, PROCESSOR_CONFIG_FIELDS) else {
        return;
    };
    let mode = obj.get("Mode").and_then(|m| {
        values::check_enum(v, m, &obj.at("Mode"), &["INLINE", "DISTRIBUTED"]).map(|()| m)
    });
    if let Some(kind) = obj.get("ExecutionType") {
        values::check_enum(v, kind, &obj.at("ExecutionType"), &["STANDARD", "EXPRESS"]);
    } else if mode.and_then(Value::as_str) == Some("DISTRIBUTED") {
        obj.require(v, &["ExecutionType"]);
    }
}

/// A Map label: at most 40 characters, none of them whitespace, control or punctuation that
/// AWS reserves, and unique in the definition.
fn check_label(v: &mut Validator<'_>, value: &Value, loc: &str) {
    let Some(label) = value.as_str() else {
        v.schema(loc, Msg::expected_type(&["STRING"]));
        return;
    };
    const RESERVED: &str = "<>{}[]?*\"#%\\^|~`$&,;:/";
    let bad = label
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || RESERVED.contains(*c));
    if let Some(c) = bad {
        v.push(Diagnostic::error(
            INVALID_LABEL_NAME,
            loc,
            format!("Invalid Label name: Label '{label}' contains the character {c:?}, which is not allowed"),
        ));
    } else if label.chars().count() > MAX_LABEL {
        v.push(Diagnostic::error(
            INVALID_LABEL_NAME,
            loc,
            format!("Invalid Label name: Label '{label}' exceeds the {MAX_LABEL}-character limit"),
        ));
    } else if label.is_empty() {
        v.push(Diagnostic::error(
            INVALID_LABEL_NAME,
            loc,
            "Invalid Label name: Label must not be empty",
        ));
    }
    v.record_label(label, loc);
}

/// `arn:<partition>:states:::s3:<action>` for one of `actions`.
fn is_s3_resource(resource: &str, actions: &[&str]) -> bool {
    let parts: Vec<&str> = resource.splitn(7, ':').collect();
    parts.len() == 7
        && parts[0] == "arn"
        && parts[2] == "states"
        && parts[3].is_empty()
        && parts[4].is_empty()
        && parts[5] == "s3"
        && actions.contains(&parts[6])
}

/// `Resource` of a reader or writer: one of the S3 integrations.
fn check_s3_resource(v: &mut Validator<'_>, obj: &Obj<'_>, actions: &[&str]) {
    let Some(resource) = obj.get("Resource") else {
        return;
    };
    match resource.as_str() {
        Some(r) if is_s3_resource(r, actions) => {}
        Some(_) => {
            let allowed: Vec<String> = actions
                .iter()
                .map(|a| format!("arn:aws:states:::s3:{a}"))
                .collect();
            let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
            v.schema(obj.at("Resource"), Msg::one_of(&allowed));
        }
        None => v.schema(obj.at("Resource"), Msg::expected_type(&["STRING"])),
    }
}

/// The S3 location fields of a reader's or writer's `Parameters`/`Arguments` must be strings.
fn check_s3_arguments(v: &mut Validator<'_>, obj: &Obj<'_>, keys: &[&str]) {
    for field in ["Parameters", "Arguments"] {
        let Some(payload) = obj.get(field) else {
            continue;
        };
        let loc = obj.at(field);
        values::check_object_payload(v, payload, &loc, field, obj.lang);
        let Some(map) = payload.as_object() else {
            continue;
        };
        for key in keys {
            if let Some(value) = map.get(*key) {
                if !value.is_string() {
                    v.schema(format!("{loc}/{key}"), Msg::expected_type(&["STRING"]));
                }
            }
        }
    }
}

fn check_reader(v: &mut Validator<'_>, value: &Value, loc: &str, lang: Lang) {
    let Some(obj) = sub_object(v, value, loc, lang, READER_FIELDS) else {
        return;
    };
    lang_field(v, &obj, "Parameters", Lang::JsonPath);
    lang_field(v, &obj, "Arguments", Lang::Jsonata);
    obj.require(v, &["Resource"]);
    check_s3_resource(v, &obj, &["getObject", "listObjectsV2"]);
    check_s3_arguments(v, &obj, &["Bucket", "Key", "Prefix", "VersionId"]);
    let Some(config) = obj.get("ReaderConfig") else {
        return;
    };
    let Some(config) = sub_object(
        v,
        config,
        &obj.at("ReaderConfig"),
        lang,
        READER_CONFIG_FIELDS,
    ) else {
        return;
    };
    let enums: [(&str, &[&str]); 4] = [
        (
            "InputType",
            &["CSV", "JSON", "JSONL", "PARQUET", "MANIFEST"],
        ),
        ("CSVHeaderLocation", &["FIRST_ROW", "GIVEN"]),
        (
            "CSVDelimiter",
            &["COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"],
        ),
        ("ManifestType", &["ATHENA_DATA", "S3_INVENTORY"]),
    ];
    for (field, allowed) in enums {
        if let Some(value) = config.get(field) {
            values::check_enum(v, value, &config.at(field), allowed);
        }
    }
    if let Some(headers) = config.get("CSVHeaders") {
        match headers.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    values::check_string(v, item, &format!("{}[{i}]", config.at("CSVHeaders")));
                }
            }
            None => v.schema(config.at("CSVHeaders"), Msg::expected_type(&["ARRAY"])),
        }
    }
    if let Some(pointer) = config.get("ItemsPointer") {
        values::check_string(v, pointer, &config.at("ItemsPointer"));
    }
    config.exclusive(v, &["MaxItems", "MaxItemsPath"]);
    if let Some(max) = config.get("MaxItems") {
        values::check_int_or_expr(
            v,
            max,
            &config.at("MaxItems"),
            "MaxItems",
            lang,
            0,
            MAX_READER_ITEMS,
        );
    }
    if lang_field(v, &config, "MaxItemsPath", Lang::JsonPath) {
        if let Some(path) = config.get("MaxItemsPath") {
            values::check_path(v, path, &config.at("MaxItemsPath"), "MaxItemsPath", false);
        }
    }
}

fn check_batcher(v: &mut Validator<'_>, value: &Value, loc: &str, lang: Lang) {
    let Some(obj) = sub_object(v, value, loc, lang, BATCHER_FIELDS) else {
        return;
    };
    for (field, max) in [
        ("MaxItemsPerBatch", MAX_SECONDS),
        ("MaxInputBytesPerBatch", MAX_BATCH_BYTES),
    ] {
        let path_field = format!("{field}Path");
        obj.exclusive(v, &[field, &path_field]);
        if let Some(n) = obj.get(field) {
            values::check_int_or_expr(v, n, &obj.at(field), field, lang, 1, max);
        }
        if lang_field(v, &obj, &path_field, Lang::JsonPath) {
            if let Some(path) = obj.get(&path_field) {
                values::check_path(v, path, &obj.at(&path_field), &path_field, false);
            }
        }
    }
    if let Some(input) = obj.get("BatchInput") {
        values::check_object_payload(v, input, &obj.at("BatchInput"), "BatchInput", lang);
    }
}

fn check_writer(v: &mut Validator<'_>, value: &Value, loc: &str, lang: Lang) {
    let Some(obj) = sub_object(v, value, loc, lang, WRITER_FIELDS) else {
        return;
    };
    lang_field(v, &obj, "Parameters", Lang::JsonPath);
    lang_field(v, &obj, "Arguments", Lang::Jsonata);
    if !obj.map.contains_key("Resource") && !obj.map.contains_key("WriterConfig") {
        v.schema(
            obj.loc.clone(),
            "At least one of these fields is required: [Resource, WriterConfig]",
        );
    }
    if obj.map.contains_key("Resource") {
        let payload = match lang {
            Lang::JsonPath => "Parameters",
            Lang::Jsonata => "Arguments",
        };
        obj.require(v, &[payload]);
    }
    check_s3_resource(v, &obj, &["putObject"]);
    check_s3_arguments(v, &obj, &["Bucket", "Prefix"]);
    let Some(config) = obj.get("WriterConfig") else {
        return;
    };
    let Some(config) = sub_object(
        v,
        config,
        &obj.at("WriterConfig"),
        lang,
        &["Transformation", "OutputType"],
    ) else {
        return;
    };
    let (transformation, output) = (config.get("Transformation"), config.get("OutputType"));
    match (transformation, output) {
        (Some(t), Some(o)) if t.is_string() && o.is_string() => {
            values::check_enum(
                v,
                t,
                &config.at("Transformation"),
                &["NONE", "FLATTEN", "COMPACT"],
            );
            values::check_enum(v, o, &config.at("OutputType"), &["JSON", "JSONL"]);
        }
        (Some(_), Some(_)) => v.schema(
            config.loc.clone(),
            "The fields 'Transformation' and 'OutputType' must be strings",
        ),
        _ => config.require(v, &["Transformation", "OutputType"]),
    }
}
