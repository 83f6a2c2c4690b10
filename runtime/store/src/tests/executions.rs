use std::sync::mpsc;

use super::*;
use crate::{
    ExecutionQuery, ExecutionScope, HistoryQuery, JournalEntry, StatusUpdate, Store, StoreError, TimerRecord,
    TokenRecord,
};

fn ids(page: &crate::Page<StoredEvent>) -> Vec<u64> {
    page.items.iter().map(|e| e.id).collect()
}

#[test]
fn creates_reads_and_rejects_a_second_execution_with_the_same_arn() {
    let (_dir, store) = temp_store();
    let rec = execution("m", "e1", 5);
    store.create_execution(&rec, commit_events(&rec.arn, 1..=2)).unwrap();
    assert_eq!(store.execution(&rec.arn).unwrap().as_ref(), Some(&rec));
    let again = store.create_execution(&rec, commit_events(&rec.arn, 1..=1));
    assert!(matches!(again, Err(StoreError::AlreadyExists(ref a)) if a.contains("e1")), "{again:?}");
    assert_eq!(store.execution(&ctx().execution("m", "nope")).unwrap(), None);
}

#[test]
fn a_queued_create_reports_through_its_callback() {
    let (_dir, store) = temp_store();
    let rec = execution("m", "q1", 5);
    let (tx, rx) = mpsc::channel();
    for _ in 0..2 {
        let tx = tx.clone();
        store.create_execution_queued(rec.clone(), commit_events(&rec.arn, 1..=2), Box::new(move |r| tx.send(r).unwrap()));
    }
    assert!(rx.recv().unwrap().is_ok());
    let second = rx.recv().unwrap();
    assert!(matches!(second, Err(StoreError::AlreadyExists(_))), "{second:?}");
    assert_eq!(store.execution(&rec.arn).unwrap().as_ref(), Some(&rec));
    assert_eq!(ids(&store.history(&rec.arn, &HistoryQuery::default()).unwrap()), vec![1, 2]);
}

#[test]
fn the_store_can_be_dropped_by_a_callback_on_its_writer_thread() {
    let (dir, store) = temp_store();
    let store = std::sync::Arc::new(store);
    let rec = execution("m", "last", 5);
    let (tx, rx) = mpsc::channel();
    let held = store.clone();
    // The callback holds a reference; once `store` is dropped here, the callback's is the last.
    let (go, wait) = mpsc::channel::<()>();
    store.create_execution_queued(
        rec.clone(),
        commit_events(&rec.arn, 1..=1),
        Box::new(move |r| {
            wait.recv().unwrap();
            let thread = std::thread::current().name().map(String::from);
            drop(held);
            // Reached only if dropping the store did not panic on this thread.
            tx.send((r, thread)).unwrap();
        }),
    );
    drop(store);
    go.send(()).unwrap();
    let (result, thread) = rx.recv().expect("the callback dropped the store and went on");
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(thread.as_deref(), Some("store-writer"));
    // The writer thread ends by itself; the database was committed and opens again.
    drop(rx);
    let again = SqliteStore::open(dir.path().join("db").join("stepwasm.db")).expect("reopens");
    assert_eq!(again.execution(&rec.arn).unwrap().map(|e| e.name), Some("last".to_string()));
}

#[test]
fn rejects_a_duplicate_event_and_rolls_back_the_whole_commit() {
    let (_dir, store) = temp_store();
    let rec = execution("m", "e", 0);
    store.create_execution(&rec, commit_events(&rec.arn, 1..=3)).unwrap();
    let mut dup = commit_events(&rec.arn, 3..=4);
    dup.journal.push(JournalEntry { seq: 1, input: "{}".into(), now_ms: 0, entropy: 0 });
    let err = store.commit_blocking(dup).unwrap_err();
    assert!(matches!(err, StoreError::DuplicateEvent { id: 3, .. }), "{err}");
    // Nothing of the failed commit landed: no event 4, no journal entry.
    let page = store.history(&rec.arn, &HistoryQuery::default()).unwrap();
    assert_eq!(ids(&page), vec![1, 2, 3]);
    assert!(store.journal(&rec.arn).unwrap().is_empty());
    // A gap is refused too, and the execution continues normally afterwards.
    let err = store.commit_blocking(commit_events(&rec.arn, 5..=5)).unwrap_err();
    assert!(matches!(err, StoreError::EventOutOfOrder { last: 3, got: 5, .. }), "{err}");
    store.commit_blocking(commit_events(&rec.arn, 4..=5)).unwrap();
    assert_eq!(ids(&store.history(&rec.arn, &HistoryQuery::default()).unwrap()), vec![1, 2, 3, 4, 5]);
}

#[test]
fn a_commit_failing_after_its_events_were_written_leaves_none_of_them() {
    let (_dir, store) = temp_store();
    let rec = execution("m", "e", 0);
    let mut first = commit_events(&rec.arn, 1..=3);
    first.journal = journal(1, 1);
    store.create_execution(&rec, first).unwrap();
    // Events 4 and 5 are written before the journal entry is found to repeat seq 1.
    let mut bad = commit_events(&rec.arn, 4..=5);
    bad.journal = journal(1, 1);
    let err = store.commit_blocking(bad).unwrap_err();
    assert!(matches!(err, StoreError::DuplicateJournal { seq: 1, .. }), "{err}");
    assert_eq!(ids(&store.history(&rec.arn, &HistoryQuery::default()).unwrap()), vec![1, 2, 3]);
    // What the writer remembers was rolled back with it: event 4 comes next.
    let mut good = commit_events(&rec.arn, 4..=5);
    good.journal = journal(2, 1);
    store.commit_blocking(good).unwrap();
    assert_eq!(ids(&store.history(&rec.arn, &HistoryQuery::default()).unwrap()), vec![1, 2, 3, 4, 5]);
}

#[test]
fn a_commit_for_an_unknown_execution_fails_alone() {
    let (_dir, store) = temp_store();
    let err = store.commit_blocking(commit_events("arn:nope", 1..=1)).unwrap_err();
    assert!(matches!(err, StoreError::NotFound(ref what) if what.contains("arn:nope")), "{err}");
}

#[test]
fn group_commit_keeps_each_executions_order_and_isolates_failures() {
    let (_dir, store) = temp_store();
    let store = std::sync::Arc::new(store);
    let execs: Vec<_> = (0..8).map(|i| execution("m", &format!("e{i}"), i)).collect();
    for rec in &execs {
        store.create_execution(rec, commit_events(&rec.arn, 1..=1)).unwrap();
    }
    let before = store.writer_stats();
    let (tx, rx) = mpsc::channel();
    // Eight threads each queue 50 one-event commits for their execution without waiting, plus one
    // bad commit (a duplicate of event 1) in the middle.
    let threads: Vec<_> = execs
        .iter()
        .map(|rec| {
            let (store, arn, tx) = (store.clone(), rec.arn.clone(), tx.clone());
            std::thread::spawn(move || {
                for id in 2..=51u64 {
                    let reply = tx.clone();
                    let tag = (arn.clone(), id);
                    store.commit(commit_events(&arn, id..=id), Box::new(move |r| reply.send((tag, r)).unwrap()));
                    if id == 25 {
                        let tx = tx.clone();
                        let tag = (arn.clone(), 0);
                        store.commit(commit_events(&arn, 1..=1), Box::new(move |r| tx.send((tag, r)).unwrap()));
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    drop(tx);
    let results: Vec<_> = rx.iter().collect();
    assert_eq!(results.len(), 8 * 51);
    for ((arn, id), r) in &results {
        if *id == 0 {
            assert!(matches!(r, Err(StoreError::DuplicateEvent { id: 1, .. })), "{arn}: {r:?}");
        } else {
            assert!(r.is_ok(), "{arn} event {id}: {r:?}");
        }
    }
    for rec in &execs {
        let page = store.history(&rec.arn, &HistoryQuery { max: 1000, ..HistoryQuery::default() }).unwrap();
        assert_eq!(ids(&page), (1..=51).collect::<Vec<_>>(), "{}", rec.arn);
        assert!(page.items.iter().all(|e| e.json.contains(&rec.arn)));
    }
    let after = store.writer_stats();
    let (jobs, transactions) = (after.jobs - before.jobs, after.transactions - before.transactions);
    assert_eq!(jobs, 8 * 51);
    assert!(transactions < jobs, "no commits were grouped: {transactions} transactions for {jobs} jobs");
}

#[test]
fn history_pages_forward_and_backward_and_refuses_foreign_tokens() {
    let (_dir, store) = temp_store();
    let a = execution("m", "a", 0);
    let b = execution("m", "b", 1);
    store.create_execution(&a, commit_events(&a.arn, 1..=25)).unwrap();
    store.create_execution(&b, commit_events(&b.arn, 1..=3)).unwrap();

    let mut seen = Vec::new();
    let mut query = HistoryQuery { max: 10, ..HistoryQuery::default() };
    loop {
        let page = store.history(&a.arn, &query).unwrap();
        seen.extend(ids(&page));
        match page.next_token {
            Some(t) => query.next_token = Some(t),
            None => break,
        }
    }
    assert_eq!(seen, (1..=25).collect::<Vec<_>>());

    let first = store.history(&a.arn, &HistoryQuery { reverse: true, max: 10, next_token: None }).unwrap();
    assert_eq!(ids(&first), (16..=25).rev().collect::<Vec<_>>());
    let token = first.next_token.clone().unwrap();
    let second = store.history(&a.arn, &HistoryQuery { reverse: true, max: 10, next_token: Some(token.clone()) }).unwrap();
    assert_eq!(ids(&second), (6..=15).rev().collect::<Vec<_>>());

    // A token is bound to its execution and direction; garbage is refused with InvalidToken.
    for (arn, reverse, token) in [
        (&b.arn, true, token.clone()),
        (&a.arn, false, token.clone()),
        (&a.arn, false, "not-a-token".to_string()),
        (&a.arn, false, String::new()),
    ] {
        let err = store.history(arn, &HistoryQuery { reverse, max: 10, next_token: Some(token) }).unwrap_err();
        assert!(matches!(err, StoreError::InvalidToken(_)), "{err}");
    }
    let err = store.history(&a.arn, &HistoryQuery { max: 1001, ..HistoryQuery::default() }).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref m) if m.contains("1001")), "{err}");
    let err = store.history(&ctx().execution("m", "zz"), &HistoryQuery::default()).unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    // An exact multiple of the page size ends without a token.
    let page = store.history(&b.arn, &HistoryQuery { max: 3, ..HistoryQuery::default() }).unwrap();
    assert_eq!((ids(&page), page.next_token), (vec![1, 2, 3], None));
}

fn finish(store: &SqliteStore, arn: &str, status: ExecutionStatus, redrive_count: u32) {
    let update = StatusUpdate {
        status,
        stop_ms: Some(99),
        output: Some("\"out\"".into()),
        error: None,
        cause: None,
        redrive_count,
        redrive_ms: (redrive_count > 0).then_some(50),
    };
    store.commit_blocking(Commit { status: Some(update), ..Commit::new(arn) }).unwrap();
}

fn names(page: &crate::Page<ExecutionRecord>) -> Vec<&str> {
    page.items.iter().map(|e| e.name.as_str()).collect()
}

#[test]
fn lists_executions_newest_first_with_filters_and_pages() {
    let (_dir, store) = temp_store();
    let mut version_exec = execution("m", "v", 3);
    version_exec.state_machine_version_arn = Some(ctx().version("m", 1));
    let mut alias_exec = execution("m", "al", 4);
    alias_exec.state_machine_alias_arn = Some(ctx().alias("m", "prod"));
    let all = [execution("m", "a", 1), execution("other", "b", 2), version_exec, alias_exec, execution("m", "c", 5)];
    for rec in &all {
        store.create_execution(rec, commit_events(&rec.arn, 1..=1)).unwrap();
    }
    finish(&store, &all[0].arn, ExecutionStatus::Succeeded, 0);
    finish(&store, &all[4].arn, ExecutionStatus::Failed, 1);

    let list = |q: ExecutionQuery| store.list_executions(&q).unwrap();
    assert_eq!(names(&list(ExecutionQuery::default())), ["c", "al", "v", "b", "a"]);
    let m = ExecutionScope::StateMachine(ctx().state_machine("m"));
    assert_eq!(names(&list(ExecutionQuery { scope: m.clone(), ..Default::default() })), ["c", "al", "v", "a"]);
    let by_version = ExecutionScope::Version(ctx().version("m", 1));
    assert_eq!(names(&list(ExecutionQuery { scope: by_version, ..Default::default() })), ["v"]);
    let by_alias = ExecutionScope::Alias(ctx().alias("m", "prod"));
    assert_eq!(names(&list(ExecutionQuery { scope: by_alias, ..Default::default() })), ["al"]);
    let running = ExecutionQuery { scope: m.clone(), status: Some(ExecutionStatus::Running), ..Default::default() };
    assert_eq!(names(&list(running)), ["al", "v"]);
    assert_eq!(names(&list(ExecutionQuery { redriven: Some(true), ..Default::default() })), ["c"]);
    assert_eq!(names(&list(ExecutionQuery { redriven: Some(false), ..Default::default() })), ["al", "v", "b", "a"]);

    let first = list(ExecutionQuery { scope: m.clone(), max: 3, ..Default::default() });
    assert_eq!(names(&first), ["c", "al", "v"]);
    let token = first.next_token.clone().expect("a second page");
    let second = list(ExecutionQuery { scope: m.clone(), max: 3, next_token: Some(token.clone()), ..Default::default() });
    assert_eq!((names(&second), second.next_token.clone()), (vec!["a"], None));
    // The token belongs to the same filters only.
    let err = store
        .list_executions(&ExecutionQuery { max: 3, next_token: Some(token), ..Default::default() })
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidToken(_)), "{err}");

    let running: Vec<_> = store.running_executions().unwrap().into_iter().map(|e| e.name).collect();
    assert_eq!(running, ["b", "v", "al"]);
    let done = store.execution(&all[4].arn).unwrap().unwrap();
    assert_eq!(
        (done.status, done.stop_ms, done.output.as_deref(), done.redrive_count, done.redrive_ms),
        (ExecutionStatus::Failed, Some(99), Some("\"out\""), 1, Some(50))
    );
}

/// `n` journal entries numbered from `first`.
fn journal(first: u64, n: u64) -> Vec<JournalEntry> {
    (first..first + n).map(|seq| JournalEntry { seq, input: "{}".into(), now_ms: 0, entropy: seq }).collect()
}

#[test]
fn a_commit_queued_behind_a_failed_one_does_not_land() {
    let (_dir, store) = temp_store();
    let rec = execution("m", "e", 0);
    store.create_execution(&rec, Commit { journal: journal(1, 1), ..commit_events(&rec.arn, 1..=1) }).unwrap();
    let (tx, rx) = mpsc::channel();
    // The first fails (event 1 is stored); the second, queued before the first is answered,
    // carries only a journal entry and a status, and must not land after the failure.
    let failing = Commit { journal: journal(2, 1), ..commit_events(&rec.arn, 1..=1) };
    let behind = Commit {
        journal: journal(3, 1),
        status: Some(succeeded()),
        ..Commit::new(&rec.arn)
    };
    for c in [failing, behind] {
        let tx = tx.clone();
        store.commit(c, Box::new(move |r| tx.send(r).unwrap()));
    }
    assert!(matches!(rx.recv().unwrap(), Err(StoreError::DuplicateEvent { id: 1, .. })));
    let second = rx.recv().unwrap();
    assert!(matches!(second, Err(StoreError::JournalOutOfOrder { last: 1, got: 3, .. })), "{second:?}");
    assert_eq!(store.execution(&rec.arn).unwrap().unwrap().status, ExecutionStatus::Running);
    assert_eq!(store.journal(&rec.arn).unwrap().len(), 1);
}

#[test]
fn a_reopened_store_checks_commits_against_what_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stepwasm.db");
    let rec = execution("m", "e", 0);
    {
        let store = SqliteStore::open(&path).unwrap();
        store.create_execution(&rec, Commit { journal: journal(1, 2), ..commit_events(&rec.arn, 1..=3) }).unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    let err = store.commit_blocking(commit_events(&rec.arn, 3..=3)).unwrap_err();
    assert!(matches!(err, StoreError::DuplicateEvent { id: 3, .. }), "{err}");
    let err = store.commit_blocking(Commit { journal: journal(2, 1), ..Commit::new(&rec.arn) }).unwrap_err();
    assert!(matches!(err, StoreError::DuplicateJournal { seq: 2, .. }), "{err}");
    store.commit_blocking(Commit { journal: journal(3, 1), ..commit_events(&rec.arn, 4..=4) }).unwrap();
    assert_eq!(ids(&store.history(&rec.arn, &HistoryQuery::default()).unwrap()), vec![1, 2, 3, 4]);
    assert_eq!(store.journal(&rec.arn).unwrap().len(), 3);
}

#[test]
fn stores_journal_timers_and_tokens() {
    let (_dir, store) = temp_store();
    let rec = execution("m", "e", 0);
    let token = |t: &str, activity: Option<&str>| TokenRecord {
        token: t.to_string(),
        execution_arn: rec.arn.clone(),
        work_id: 7,
        activity_arn: activity.map(str::to_string),
        input: Some("{\"x\":1}".into()),
        heartbeat_seconds: Some(30),
    };
    let activity = ctx().activity("act");
    let first = Commit {
        journal: vec![
            JournalEntry { seq: 1, input: "start".into(), now_ms: 1, entropy: u64::MAX },
            JournalEntry { seq: 2, input: "next".into(), now_ms: 2, entropy: 3 },
        ],
        timers_set: vec![
            TimerRecord { work_id: 2, due_ms: 500, kind: "wait".into() },
            TimerRecord { work_id: 1, due_ms: 100, kind: "retry".into() },
        ],
        tokens_added: vec![token("cb", None), token("act1", Some(&activity)), token("act2", Some(&activity))],
        ..commit_events(&rec.arn, 1..=1)
    };
    store.create_execution(&rec, first).unwrap();

    let journal = store.journal(&rec.arn).unwrap();
    assert_eq!(journal.iter().map(|j| (j.seq, j.entropy)).collect::<Vec<_>>(), [(1, u64::MAX), (2, 3)]);
    let dup = Commit { journal: vec![journal[1].clone()], ..Commit::new(&rec.arn) };
    assert!(matches!(store.commit_blocking(dup), Err(StoreError::DuplicateJournal { seq: 2, .. })));
    let gap = Commit { journal: vec![JournalEntry { seq: 4, ..journal[1].clone() }], ..Commit::new(&rec.arn) };
    let err = store.commit_blocking(gap).unwrap_err();
    assert!(matches!(err, StoreError::JournalOutOfOrder { last: 2, got: 4, .. }), "{err}");

    assert_eq!(store.timers(&rec.arn).unwrap().iter().map(|t| t.work_id).collect::<Vec<_>>(), [1, 2]);
    store.commit_blocking(Commit { timers_cleared: vec![1], ..Commit::new(&rec.arn) }).unwrap();
    assert_eq!(store.timers(&rec.arn).unwrap(), [TimerRecord { work_id: 2, due_ms: 500, kind: "wait".into() }]);

    assert_eq!(store.token("cb").unwrap(), Some(token("cb", None)));
    let pending = store.pending_activity_tasks(&activity).unwrap();
    assert_eq!(pending.iter().map(|t| t.token.as_str()).collect::<Vec<_>>(), ["act1", "act2"]);
    let claimed = store.claim_activity_task(&activity, Some("worker"), 10).unwrap().unwrap();
    assert_eq!(claimed.token, "act1");
    assert_eq!(store.pending_activity_tasks(&activity).unwrap().len(), 1);
    assert_eq!(store.claim_activity_task(&activity, None, 11).unwrap().unwrap().token, "act2");
    assert_eq!(store.claim_activity_task(&activity, None, 12).unwrap(), None);

    let again = Commit { tokens_added: vec![token("cb", None)], ..Commit::new(&rec.arn) };
    assert!(matches!(store.commit_blocking(again), Err(StoreError::AlreadyExists(_))));
    store.commit_blocking(Commit { tokens_removed: vec!["cb".into()], ..Commit::new(&rec.arn) }).unwrap();
    assert_eq!(store.token("cb").unwrap(), None);
}

/// An execution that ends keeps no timer: one its last step did not clear (the finished task's
/// heartbeat timer) goes with the final status.
#[test]
fn an_ended_execution_keeps_no_timers() {
    let (_dir, store) = temp_store();
    let rec = execution("m", "e", 0);
    let first = Commit {
        timers_set: vec![TimerRecord { work_id: 3, due_ms: 2_000, kind: "timer".into() }],
        ..commit_events(&rec.arn, 1..=1)
    };
    store.create_execution(&rec, first).unwrap();
    store.commit_blocking(commit_events(&rec.arn, 2..=2)).unwrap();
    assert_eq!(store.timers(&rec.arn).unwrap().len(), 1, "a running execution keeps its timers");
    let end = StatusUpdate {
        status: ExecutionStatus::Succeeded,
        stop_ms: Some(10),
        output: Some("{}".into()),
        error: None,
        cause: None,
        redrive_count: 0,
        redrive_ms: None,
    };
    store.commit_blocking(Commit { status: Some(end), ..commit_events(&rec.arn, 3..=3) }).unwrap();
    assert_eq!(store.timers(&rec.arn).unwrap(), []);
}

#[test]
fn a_panicking_callback_does_not_stop_the_writer() {
    let (_dir, store) = temp_store();
    let rec = execution("m", "e", 0);
    store.create_execution(&rec, commit_events(&rec.arn, 1..=1)).unwrap();
    let (tx, rx) = mpsc::channel();
    store.commit(commit_events(&rec.arn, 2..=2), Box::new(|_| panic!("callback bug")));
    store.commit(commit_events(&rec.arn, 3..=3), Box::new(move |r| tx.send(r).unwrap()));
    rx.recv_timeout(std::time::Duration::from_secs(10)).expect("the next callback ran").unwrap();
    store.commit_blocking(commit_events(&rec.arn, 4..=4)).unwrap();
    assert_eq!(ids(&store.history(&rec.arn, &HistoryQuery::default()).unwrap()), vec![1, 2, 3, 4]);
}

#[test]
fn every_queued_callback_runs_when_the_store_is_dropped() {
    let (_dir, store) = temp_store();
    let rec = execution("m", "e", 0);
    store.create_execution(&rec, commit_events(&rec.arn, 1..=1)).unwrap();
    let (tx, rx) = mpsc::channel();
    for id in 2..=200 {
        let tx = tx.clone();
        store.commit(commit_events(&rec.arn, id..=id), Box::new(move |r| tx.send(r).unwrap()));
    }
    drop(tx);
    drop(store);
    let results: Vec<_> = rx.iter().collect();
    assert_eq!(results.len(), 199);
    assert!(results.iter().all(|r| r.is_ok()), "queued commits are written before the writer stops");
}

#[test]
fn concurrent_workers_claim_each_activity_task_once() {
    let (_dir, store) = temp_store();
    let store = std::sync::Arc::new(store);
    let activity = ctx().activity("work");
    let rec = execution("m", "e", 0);
    let tokens = (0..60)
        .map(|i| TokenRecord {
            token: format!("t{i}"),
            execution_arn: rec.arn.clone(),
            work_id: i,
            activity_arn: Some(activity.clone()),
            input: None,
            heartbeat_seconds: None,
        })
        .collect();
    store.create_execution(&rec, Commit { tokens_added: tokens, ..commit_events(&rec.arn, 1..=1) }).unwrap();
    let workers: Vec<_> = (0..6)
        .map(|w| {
            let (store, activity) = (store.clone(), activity.clone());
            std::thread::spawn(move || {
                let name = format!("w{w}");
                let mut got = Vec::new();
                while let Some(task) = store.claim_activity_task(&activity, Some(&name), 1).unwrap() {
                    got.push(task.token);
                }
                got
            })
        })
        .collect();
    let mut all: Vec<String> = workers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    all.sort_by_key(|t| t[1..].parse::<u32>().unwrap());
    assert_eq!(all, (0..60).map(|i| format!("t{i}")).collect::<Vec<_>>());
}
