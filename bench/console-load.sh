#!/usr/bin/env bash
# The console's page-load budget: the 30-state machine page and a 1,000-event execution page,
# nine fresh loads each in headless Chromium against a release `stepwasm serve`, must be drawn
# whole in under 200 ms (the fastest load; medians are printed). The numbers land in
# target/console-screenshots/page-load.json.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
STEPWASM_CONSOLE_BUDGET=1 STEPWASM_E2E_PROFILE=release \
    "$root/runtime/server/console/e2e/run.sh" -k test_page_load_times -s
