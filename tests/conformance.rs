//! Every case of the AWS-recorded conformance corpus, with the bars we hold ourselves to.

use server::conformance::{run_dir, Track};
use stepwasm_tests::conformance_cases_dir;

/// JSONPath-mode execution cases that must pass (share of the corpus).
const JSONPATH_BAR: f64 = 0.95;

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
}
