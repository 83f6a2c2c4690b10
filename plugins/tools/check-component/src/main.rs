//! `check-component FILE.wasm...`: checks each file and prints one line per file.
//! Exits with status 1 if any file fails, 2 on a usage error.

use std::process::ExitCode;

fn main() -> ExitCode {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: check-component FILE.wasm...");
        return ExitCode::from(2);
    }
    let mut failed = 0;
    for file in &files {
        let outcome = std::fs::read(file)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|bytes| check_component::check(&bytes).map_err(|e| e.to_string()));
        match outcome {
            Ok(report) => println!("ok    {file} ({} imports)", report.imports.len()),
            Err(why) => {
                failed += 1;
                println!("FAIL  {file}: {why}");
            }
        }
    }
    if failed > 0 {
        eprintln!("{failed} of {} component(s) failed the check", files.len());
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
