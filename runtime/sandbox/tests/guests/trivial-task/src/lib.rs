//! The smallest task component: returns its input unchanged (benchmarks).

wit_bindgen::generate!({ path: "../../../../../guest-sdk/wit", world: "task" });


struct Trivial;

impl Guest for Trivial {
    fn handle(input: String, _context: String) -> Result<String, TaskError> {
        Ok(input)
    }
}

export!(Trivial);
