//! The smallest WASI command: copies stdin to stdout (benchmarks).

use std::io::{Read, Write};

fn main() {
    let mut input = Vec::new();
    if std::io::stdin().read_to_end(&mut input).is_err() {
        std::process::exit(2);
    }
    if std::io::stdout().write_all(&input).is_err() {
        std::process::exit(3);
    }
}
