//! Recovery after an in-process "crash": the runtime running an engine is dropped mid-run,
//! a new engine opens the same directory and finishes every execution.

use std::time::Duration;

use store::{ExecutionStatus, MachineKind};

use super::crash::{expected, input};
use super::support::*;
use crate::StartRequest;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

#[test]
fn a_dropped_engine_resumes_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let n = 6;
    let first = runtime();
    let (arns, wait_started) = first.block_on(async {
        let engine = open(dir.path()).await;
        upload(&engine, &["transform"]).await;
        let sm = machine(&engine, "crash", &super::crash::workflow(), MachineKind::Standard);
        let mut arns = Vec::new();
        for i in 0..n {
            let s = engine
                .start_execution(StartRequest {
                    state_machine_arn: sm.clone(),
                    name: Some(format!("c-{i}")),
                    input: Some(input(i).to_string()),
                    trace_header: None,
                })
                .await
                .unwrap();
            arns.push(s.execution_arn);
        }
        // Let them reach the one-second Wait, then "crash".
        tokio::time::sleep(Duration::from_millis(400)).await;
        let h = history(&engine, &arns[0]);
        let wait = h.iter().find(|e| e["type"] == "WaitStateEntered").expect("the first execution is waiting").clone();
        (arns, wait["timestamp"].as_f64().unwrap())
    });
    first.shutdown_background();

    let second = runtime();
    second.block_on(async {
        let engine = open(dir.path()).await;
        assert!(engine.warnings().is_empty(), "{:?}", engine.warnings());
        assert_eq!(engine.running_count(), n, "every execution was resumed");
        for (i, arn) in arns.iter().enumerate() {
            let rec = finished(&engine, arn, Duration::from_secs(60)).await;
            assert_eq!(rec.status, ExecutionStatus::Succeeded, "{arn}: {:?} {:?}", rec.error, rec.cause);
            assert_eq!(json(rec.output.as_deref().unwrap()), expected(i));
            let h = history(&engine, arn);
            assert_gap_free(arn, &h);
            if i == 0 {
                // The Wait fired no earlier than its original time.
                let exited = h.iter().find(|e| e["type"] == "WaitStateExited").unwrap();
                assert!(exited["timestamp"].as_f64().unwrap() - wait_started >= 0.99);
            }
            let t = types(&h);
            assert_eq!(t.iter().filter(|t| *t == "WaitStateEntered").count(), 4, "{t:?}");
        }
    });
}
