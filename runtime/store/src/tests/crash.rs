//! `kill -9` in the middle of a stream of commits loses no acknowledged commit and leaves every
//! history gap-free. The test re-runs its own binary as the child that gets killed.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::*;
use crate::{ExecutionQuery, HistoryQuery, JournalEntry, Store};

const CHILD_ENV: &str = "STORE_CRASH_TEST_DB";
const ROUND_ENV: &str = "STORE_CRASH_TEST_ROUND";
const TEST_NAME: &str = "tests::crash::kill_9_loses_no_acknowledged_commit";
const EVENTS_PER_EXECUTION: u64 = 10;
const CHILD_THREADS: usize = 8;

#[test]
fn kill_9_loses_no_acknowledged_commit() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        run_child(&path);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    // Three children in turn on the same database: each re-opens what the previous one left
    // when it was killed, and is killed in its turn.
    let mut acked: HashMap<String, u64> = HashMap::new();
    for round in 0..3 {
        let count = run_and_kill_child(&path, round, &mut acked);
        assert!(count >= 100, "child {round} acknowledged only {count} commits in 60 s");
    }

    let store = SqliteStore::open(&path).expect("re-open after kill -9");
    let mut query = ExecutionQuery { max: 1000, ..ExecutionQuery::default() };
    let mut seen = 0;
    loop {
        let page = store.list_executions(&query).unwrap();
        for exec in &page.items {
            seen += 1;
            let events = store.history(&exec.arn, &HistoryQuery { max: 1000, ..HistoryQuery::default() }).unwrap();
            let ids: Vec<u64> = events.items.iter().map(|e| e.id).collect();
            let n = ids.len() as u64;
            assert_eq!(ids, (1..=n).collect::<Vec<_>>(), "history of {} has a gap or a duplicate", exec.arn);
            assert!(events.items.iter().all(|e| e.json.contains(&exec.arn)), "foreign event in {}", exec.arn);
            // One journal entry per commit, each commit one event: the journal matches the history.
            let seqs: Vec<u64> = store.journal(&exec.arn).unwrap().iter().map(|j| j.seq).collect();
            assert_eq!(seqs, (1..=n).collect::<Vec<_>>(), "journal of {}", exec.arn);
            let finished = exec.status == ExecutionStatus::Succeeded;
            assert_eq!(finished, n == EVENTS_PER_EXECUTION, "{} is {:?} with {n} events", exec.arn, exec.status);
            if let Some(&last) = acked.get(&exec.arn) {
                assert!(n >= last, "{} lost acknowledged event {last} (has {n})", exec.arn);
            }
        }
        match page.next_token {
            Some(t) => query.next_token = Some(t),
            None => break,
        }
    }
    for arn in acked.keys() {
        assert!(store.execution(arn).unwrap().is_some(), "acknowledged execution {arn} is missing");
    }
    assert!(seen >= acked.len());
}

/// Runs one child until it has acknowledged 2,000 commits, SIGKILLs it, and records every
/// acknowledgement it printed; returns how many it printed before the kill.
fn run_and_kill_child(path: &std::path::Path, round: u32, acked: &mut HashMap<String, u64>) -> usize {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, path)
        .env(ROUND_ENV, round.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("re-run the test binary as the child");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let record = |line: String, acked: &mut HashMap<String, u64>| {
        let (arn, id) = line.split_once(' ').expect("ack line");
        let id: u64 = id.parse().unwrap();
        let last = acked.entry(arn.to_string()).or_default();
        *last = (*last).max(id);
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut count = 0;
    while count < 2_000 && Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(100)) {
            // The test harness prints its own lines too.
            Ok(line) if !line.starts_with("arn:") => {}
            Ok(line) => {
                record(line, acked);
                count += 1;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("child {round} exited before it was killed"),
        }
    }
    child.kill().expect("SIGKILL the child");
    child.wait().unwrap();
    reader.join().unwrap();
    // Acknowledgements printed before the kill still count.
    for line in rx.try_iter().filter(|l| l.starts_with("arn:")) {
        record(line, acked);
    }
    count
}

/// The child: threads that each run executions of ten one-event commits, printing
/// "ARN ID" once each commit is acknowledged. Never returns; the parent kills it.
fn run_child(path: &str) -> ! {
    let round = std::env::var(ROUND_ENV).expect("round");
    let store = std::sync::Arc::new(SqliteStore::open(path).expect("child open"));
    let threads: Vec<_> = (0..CHILD_THREADS)
        .map(|t| {
            let (store, round) = (store.clone(), round.clone());
            std::thread::spawn(move || {
                for i in 0.. {
                    let rec = execution("crash", &format!("r{round}-t{t}-{i}"), i);
                    for id in 1..=EVENTS_PER_EXECUTION {
                        let mut commit = commit_events(&rec.arn, id..=id);
                        commit.journal.push(JournalEntry { seq: id, input: "{}".into(), now_ms: 0, entropy: id });
                        if id == EVENTS_PER_EXECUTION {
                            commit.status = Some(succeeded());
                        }
                        if id == 1 {
                            store.create_execution(&rec, commit).expect("child create");
                        } else {
                            store.commit_blocking(commit).expect("child commit");
                        }
                        let line = format!("{} {id}\n", rec.arn);
                        std::io::stdout().lock().write_all(line.as_bytes()).expect("parent went away");
                    }
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
    std::process::exit(1);
}
