//! Builds the Rust test guests (the separate workspace in `tests/guests`) once per process
//! and hands out their bytes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The compiled test guests.
pub struct Guests {
    /// Task component with many operations chosen by its input (`task-guest`).
    pub task: Vec<u8>,
    /// Task component returning its input (`trivial-task`).
    pub trivial_task: Vec<u8>,
    /// WASI preview 2 command component (`cmd-guest`).
    pub cmd_p2: Vec<u8>,
    /// WASI preview 1 command module (`cmd-guest`).
    pub cmd_p1: Vec<u8>,
    /// WASI preview 2 command copying stdin to stdout (`trivial-cmd`).
    pub trivial_cmd_p2: Vec<u8>,
    /// WASI preview 1 command copying stdin to stdout (`trivial-cmd`).
    pub trivial_cmd_p1: Vec<u8>,
}

fn cargo(target_dir: &Path, args: &[&str]) {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guests/Cargo.toml");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .args(["build", "--release", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(target_dir)
        .args(args)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .output()
        .expect("cannot run cargo to build the test guests");
    assert!(
        output.status.success(),
        "building the test guests failed ({args:?}):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn read(path: PathBuf) -> Vec<u8> {
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Builds the guests on first use; later calls return the same bytes.
pub fn guests() -> &'static Guests {
    static GUESTS: OnceLock<Guests> = OnceLock::new();
    GUESTS.get_or_init(|| {
        // Installing an already-installed target is a quick no-op; without rustup the
        // targets must already be present.
        let _ = Command::new("rustup")
            .args(["target", "add", "wasm32-wasip1", "wasm32-wasip2"])
            .output();
        let target_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("guests");
        cargo(&target_dir, &["--target", "wasm32-wasip2"]);
        cargo(
            &target_dir,
            &["--target", "wasm32-wasip1", "-p", "cmd-guest", "-p", "trivial-cmd"],
        );
        let p2 = target_dir.join("wasm32-wasip2/release");
        let p1 = target_dir.join("wasm32-wasip1/release");
        Guests {
            task: read(p2.join("task_guest.wasm")),
            trivial_task: read(p2.join("trivial_task.wasm")),
            cmd_p2: read(p2.join("cmd-guest.wasm")),
            cmd_p1: read(p1.join("cmd-guest.wasm")),
            trivial_cmd_p2: read(p2.join("trivial-cmd.wasm")),
            trivial_cmd_p1: read(p1.join("trivial-cmd.wasm")),
        }
    })
}
