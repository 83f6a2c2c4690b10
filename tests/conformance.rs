//! Every case of the AWS-recorded conformance corpus, with the bars we hold ourselves to.

use server::conformance::{run_dir, Track};
use stepwasm_tests::conformance_cases_dir;

/// JSONPath-mode execution cases that must pass (share of the corpus).
const JSONPATH_BAR: f64 = 0.95;

/// Cases with a recorded history whose history must match it event for event (id,
/// previousEventId, type, state). Below 1: Distributed Map runs write MapRun events on AWS.
const EVENTS_BAR: f64 = 0.92;

#[test]
fn conformance_corpus_meets_the_bar() {
    let dir = conformance_cases_dir();
    assert!(dir.is_dir(), "conformance cases not found at {} (set STEPWASM_CONFORMANCE_CASES)", dir.display());
    let report = run_dir(&dir).expect("reading the conformance cases");
    assert!(report.results.len() > 100, "suspiciously few cases in {}", dir.display());
    println!("{}", report.render(false));
    let jsonpath = report.tally(Track::JsonPath);
    let validation = report.tally(Track::Validation);
    assert!(
        jsonpath.rate() >= JSONPATH_BAR,
        "JSONPath pass rate {:.1}% is under the bar of {:.0}%",
        100.0 * jsonpath.rate(),
        100.0 * JSONPATH_BAR
    );
    assert_eq!(validation.failed, 0, "every validation case must pass");
    let (same, compared) = report.events();
    assert!(compared > 100, "suspiciously few recorded histories ({compared})");
    assert!(
        same as f64 >= EVENTS_BAR * compared as f64,
        "{same} of {compared} histories match the recording, under the bar of {:.0}%",
        100.0 * EVENTS_BAR
    );
}
