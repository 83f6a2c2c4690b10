//! Checks that a `.wasm` file is a WebAssembly component a stepwasm host can run:
//! it validates, exports `handle: func(input: string, context: string) ->
//! result<string, task-error>` where `task-error` is `record { error: string,
//! cause: string }`, and imports nothing but WASI and `stepwasm:task` interfaces.

use wasmparser::component_types::{ComponentDefinedType, ComponentEntityType, ComponentValType};
use wasmparser::{Parser, PrimitiveValType, Validator, WasmFeatures};

/// Why a file is not a usable task component.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The bytes are a core module (or not WebAssembly at all), not a component.
    #[error("not a WebAssembly component (a core module, or not WebAssembly)")]
    NotAComponent,
    /// The component does not validate.
    #[error("invalid component: {0}")]
    Invalid(String),
    /// There is no `handle` function export.
    #[error("no exported function `handle`")]
    MissingHandle,
    /// `handle` has the wrong type.
    #[error("`handle` has the wrong type: {0}")]
    WrongSignature(String),
    /// The component imports an interface the host does not provide.
    #[error("imports {0:?}, which is neither WASI nor stepwasm:task")]
    ForeignImport(String),
}

/// What a successful check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The names of the component's instance and function imports, in order.
    pub imports: Vec<String>,
}

/// Checks one component's bytes.
pub fn check(bytes: &[u8]) -> Result<Report, CheckError> {
    if !Parser::is_component(bytes) {
        return Err(CheckError::NotAComponent);
    }
    let mut validator = Validator::new_with_features(WasmFeatures::default());
    let types = validator
        .validate_all(bytes)
        .map_err(|e| CheckError::Invalid(e.to_string()))?;
    let types = types.as_ref();

    let handle = types
        .component_item_for_export("handle")
        .ok_or(CheckError::MissingHandle)?;
    let ComponentEntityType::Func(func) = handle.ty else {
        return Err(CheckError::MissingHandle);
    };
    let func = &types[func];
    let params: Vec<(&str, bool)> = func
        .params
        .iter()
        .map(|(n, t)| (n.as_str(), is_string(t)))
        .collect();
    if params != [("input", true), ("context", true)] {
        return Err(CheckError::WrongSignature(
            "parameters must be (input: string, context: string)".into(),
        ));
    }
    let result_ok = match func.result {
        Some(ComponentValType::Type(id)) => match &types[id] {
            ComponentDefinedType::Result {
                ok: Some(ok),
                err: Some(err),
                ..
            } => is_string(ok) && is_task_error(&types, err),
            _ => false,
        },
        _ => false,
    };
    if !result_ok {
        return Err(CheckError::WrongSignature(
            "the result must be result<string, record { error: string, cause: string }>".into(),
        ));
    }

    let imports = top_level_imports(bytes)?;
    if let Some(foreign) = imports
        .iter()
        .find(|n| !(n.starts_with("wasi:") || n.starts_with("stepwasm:task/")))
    {
        return Err(CheckError::ForeignImport(foreign.clone()));
    }
    Ok(Report { imports })
}

fn is_string(ty: &ComponentValType) -> bool {
    matches!(ty, ComponentValType::Primitive(PrimitiveValType::String))
}

fn is_task_error(types: &wasmparser::types::TypesRef<'_>, ty: &ComponentValType) -> bool {
    let ComponentValType::Type(id) = ty else {
        return false;
    };
    let ComponentDefinedType::Record(record) = &types[*id] else {
        return false;
    };
    let fields: Vec<(&str, bool)> = record
        .fields
        .iter()
        .map(|(n, t)| (n.as_str(), is_string(t)))
        .collect();
    fields == [("error", true), ("cause", true)]
}

/// The names of the component's own imports (not those of nested modules or components).
fn top_level_imports(bytes: &[u8]) -> Result<Vec<String>, CheckError> {
    use wasmparser::Payload;
    let invalid = |e: wasmparser::BinaryReaderError| CheckError::Invalid(e.to_string());
    let mut names = Vec::new();
    // Nested modules and components are reported inline between their header and `End`.
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(invalid)? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    let import = import.map_err(invalid)?;
                    // A type import (such as the world's `use types.{task-error}`) only
                    // names a type of another import; it needs nothing from the host.
                    if !matches!(import.ty, wasmparser::ComponentTypeRef::Type(_)) {
                        names.push(import.name.name.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    Ok(names)
}
