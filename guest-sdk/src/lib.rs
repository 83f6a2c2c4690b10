//! Write a stepwasm Task function in Rust: one function plus one macro line.
//!
//! ```
//! use stepwasm_guest::{task, TaskError};
//!
//! #[derive(serde::Deserialize)]
//! struct Order { id: String, qty: u32 }
//!
//! #[derive(serde::Serialize)]
//! struct Out { ok: bool }
//!
//! fn run(order: Order) -> Result<Out, TaskError> {
//!     if order.qty == 0 {
//!         return Err(TaskError::new("InvalidOrder", "qty must be > 0"));
//!     }
//!     stepwasm_guest::info!("order {} accepted", order.id);
//!     Ok(Out { ok: true })
//! }
//!
//! task!(run);
//! # fn main() {}
//! ```
//!
//! Build the crate (with `crate-type = ["cdylib"]`) for `wasm32-wasip2`; the
//! resulting `.wasm` is a component of the `stepwasm:task/task` world.
//!
//! What the SDK does for every call:
//! - the input JSON is deserialized into the handler's input type; a failure is
//!   the error `InvalidInput` with the path and the reason;
//! - if the handler takes a second argument, the context JSON is parsed into
//!   [`Context`] (unknown fields ignored): `fn run(order: Order, ctx: Context)`;
//! - the handler's output is serialized to JSON (`InvalidOutput` if impossible);
//! - an error name that is empty or starts with `States.` becomes `InvalidErrorName`.

// Lets the generated bindings name this crate the same way from inside and outside.
extern crate self as stepwasm_guest;

mod context;
mod dispatch;
mod error;
mod host;
pub mod json;

pub use context::{
    Context, ExecutionContext, MapContext, MapItemContext, StateContext, StateMachineContext,
    TaskContext,
};
pub use dispatch::{parse_input, run_handler, Handler, InputOnly, WithContext};
pub use error::TaskError;
pub use host::{heartbeat, log, Level};

/// Bindings generated from the WIT contract (`wit/task.wit`).
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "task",
        path: "wit",
        pub_export_macro: true,
        export_macro_name: "__export_task_world",
        default_bindings_module: "::stepwasm_guest::bindings",
        runtime_path: "::stepwasm_guest::__private::wit_bindgen::rt",
    });
}

/// Items used by the expansion of [`task!`]; not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::bindings::stepwasm::task::types::TaskError as WitTaskError;
    pub use crate::bindings::Guest;
    pub use wit_bindgen;

    /// Runs `handler` for one call of the `handle` export, converting the error
    /// to the WIT record.
    pub fn handle<I, O, M, F>(input: &str, context: &str, handler: F) -> Result<String, WitTaskError>
    where
        I: serde::de::DeserializeOwned,
        O: serde::Serialize,
        F: crate::Handler<I, O, M>,
    {
        crate::run_handler(input, context, handler).map_err(|e| {
            let (error, cause) = e.into_parts();
            WitTaskError { error, cause }
        })
    }
}

/// Exports `handler` as the component's `handle` function.
///
/// `handler` must be a function `fn(I) -> Result<O, TaskError>`, or
/// `fn(I, Context) -> Result<O, TaskError>` to read the context object, where
/// `I: serde::de::DeserializeOwned` and `O: serde::Serialize`. Use it once per
/// crate, at the top level of the crate root.
#[macro_export]
macro_rules! task {
    ($handler:path) => {
        #[doc(hidden)]
        struct __StepwasmTask;

        impl $crate::__private::Guest for __StepwasmTask {
            fn handle(
                input: ::std::string::String,
                context: ::std::string::String,
            ) -> ::std::result::Result<::std::string::String, $crate::__private::WitTaskError>
            {
                $crate::__private::handle(&input, &context, $handler)
            }
        }

        $crate::bindings::__export_task_world!(__StepwasmTask with_types_in $crate::bindings);
    };
}

#[cfg(test)]
mod tests;
