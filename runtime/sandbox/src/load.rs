//! Loading a function: detect its kind, compile or map it, check its imports.

use crate::cache::CompileError;
use crate::error::{chain_message, LoadError};
use crate::grants::{Grants, HostPattern};
use crate::host::bindings::TaskPre;
use crate::host::{ComponentHost, P1Host};
use crate::{FunctionHandle, FunctionKind, Shared};
use std::sync::Arc;
use wasmtime::component::types::ComponentItem;
use wasmtime::ExternType;
use wasmtime_wasi::p2::bindings::sync::CommandPre;

/// A function ready to be instantiated.
pub(crate) struct Function {
    pub(crate) name: String,
    pub(crate) pre: Pre,
    pub(crate) grants: Grants,
    pub(crate) http_allowed: Arc<[HostPattern]>,
    pub(crate) shared: Arc<Shared>,
}

/// The pre-instantiated function, by kind.
pub(crate) enum Pre {
    Task(TaskPre<ComponentHost>),
    Command(CommandPre<ComponentHost>),
    Module(wasmtime::InstancePre<P1Host>),
}

impl Function {
    pub(crate) fn kind(&self) -> FunctionKind {
        match self.pre {
            Pre::Task(_) => FunctionKind::TaskComponent,
            Pre::Command(_) => FunctionKind::CommandComponent,
            Pre::Module(_) => FunctionKind::CommandModule,
        }
    }
}

/// The binary flavour, read from the 8-byte preamble.
enum Binary {
    Module,
    Component,
}

fn detect(name: &str, bytes: &[u8]) -> Result<Binary, LoadError> {
    let not_wasm = |reason: String| LoadError::NotWasm {
        name: name.to_string(),
        reason,
    };
    match bytes.get(..4) {
        Some(b"\0asm") => {}
        Some(_) => {
            return Err(not_wasm(
                "the first 4 bytes are not the WebAssembly magic `\\0asm`".to_string(),
            ))
        }
        None => return Err(not_wasm(format!("only {} bytes long", bytes.len()))),
    }
    match bytes.get(4..8) {
        Some([1, 0, 0, 0]) => Ok(Binary::Module),
        Some([0x0d, 0, 1, 0]) => Ok(Binary::Component),
        Some(v) => Err(not_wasm(format!(
            "unsupported binary version/layer {v:02x?} (expected a core module, version 1, or a component, version 0x0d layer 1)"
        ))),
        None => Err(not_wasm("truncated after the magic number".to_string())),
    }
}

pub(crate) fn load(
    shared: &Arc<Shared>,
    name: &str,
    bytes: &[u8],
    grants: Grants,
) -> Result<FunctionHandle, LoadError> {
    let config = &shared.config;
    let hosts = grants
        .validate(config.max_memory_bytes, config.fuel_metering)
        .map_err(|message| LoadError::Grants {
            name: name.to_string(),
            message,
        })?;
    let binary = detect(name, bytes)?;
    let compile_err = |e: CompileError| match e {
        CompileError::Invalid(message) => LoadError::Invalid {
            name: name.to_string(),
            message,
        },
        CompileError::Cache(c) => LoadError::Cache {
            name: name.to_string(),
            path: c.path,
            message: c.message,
        },
    };
    let unsatisfied = |e: wasmtime::Error| LoadError::UnsatisfiedImport {
        name: name.to_string(),
        message: chain_message(&e),
    };
    let shape = |message: String| LoadError::Shape {
        name: name.to_string(),
        message,
    };
    let pre = match binary {
        Binary::Component => {
            let component = shared
                .cache
                .component(&shared.engine, bytes)
                .map_err(compile_err)?;
            let ty = component.component_type();
            let mut has_handle = false;
            let mut has_run = false;
            for (export, item) in ty.exports(&shared.engine) {
                match item.ty {
                    ComponentItem::ComponentFunc(_) if export == "handle" => has_handle = true,
                    ComponentItem::ComponentInstance(_) if export.starts_with("wasi:cli/run@") => {
                        has_run = true
                    }
                    _ => {}
                }
            }
            let instance_pre = shared
                .component_linker
                .instantiate_pre(&component)
                .map_err(unsatisfied)?;
            if has_handle {
                Pre::Task(TaskPre::new(instance_pre).map_err(|e| {
                    shape(format!(
                        "export `handle` does not match world `stepwasm:task/task`: {}",
                        chain_message(&e)
                    ))
                })?)
            } else if has_run {
                Pre::Command(CommandPre::new(instance_pre).map_err(|e| {
                    shape(format!(
                        "export `wasi:cli/run` does not match a WASI command: {}",
                        chain_message(&e)
                    ))
                })?)
            } else {
                return Err(shape(
                    "the component exports neither `handle` (world `stepwasm:task/task`) nor `wasi:cli/run` (a WASI command)".to_string(),
                ));
            }
        }
        Binary::Module => {
            let module = shared
                .cache
                .module(&shared.engine, bytes)
                .map_err(compile_err)?;
            match module.get_export("_start") {
                Some(ExternType::Func(f)) if f.params().len() == 0 && f.results().len() == 0 => {}
                Some(_) => {
                    return Err(shape(
                        "the core module's `_start` export is not a function taking and returning nothing".to_string(),
                    ))
                }
                None => {
                    return Err(shape(
                        "the core module exports no `_start`: only WASI command modules are supported as core modules".to_string(),
                    ))
                }
            }
            Pre::Module(
                shared
                    .module_linker
                    .instantiate_pre(&module)
                    .map_err(unsatisfied)?,
            )
        }
    };
    Ok(FunctionHandle {
        inner: Arc::new(Function {
            name: name.to_string(),
            pre,
            grants,
            http_allowed: hosts.into(),
            shared: Arc::clone(shared),
        }),
    })
}
