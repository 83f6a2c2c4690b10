#!/usr/bin/env bash
# The crash test at full size: a child process starts 1,000 Standard executions of a workflow
# with Tasks, Waits and a Map, is killed with SIGKILL mid-run, and the data directory is
# reopened: every execution must end SUCCEEDED with the right output and a history without
# gaps or repeated events. (`cargo test` runs the same test with 40 executions.)
#
#   N=1000 bench/crash-test.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/plugins/build.sh" >/dev/null
cd "$root"
cargo build --release -q -p engine --examples
STEPWASM_CRASH_N=${N:-1000} cargo test --release -q -p engine executions_survive_sigkill_mid_run -- --nocapture 2>&1 \
    | grep -E "crash test|test result|panicked|FAILED"
