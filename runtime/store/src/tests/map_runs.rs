//! Distributed Map runs and their child executions, written inside their parent's commits.

use std::sync::mpsc;

use rusqlite::Connection;

use super::*;
use crate::sqlite::{executions, map_runs};
use crate::{
    ChildCommit, ExecutionQuery, ExecutionScope, HistoryQuery, JournalEntry, ListQuery, MapRunChange,
    MapRunCounts, MapRunRecord, MapRunStatus, Page, Store, StoreError, TimerRecord, TokenRecord,
};

const PREFIX: &str = "arn:aws:states:us-east-1:123456789012";

/// The ARN of run `label` of machine `m`.
fn run_arn(label: &str) -> String {
    format!("{PREFIX}:mapRun:m/{label}:7d1e0c2a-{label}")
}

/// A RUNNING map run of `execution_arn` with `executions` children for `items` items.
fn run(execution_arn: &str, label: &str, executions: u64, items: u64) -> MapRunRecord {
    MapRunRecord {
        arn: run_arn(label),
        execution_arn: execution_arn.to_string(),
        status: MapRunStatus::Running,
        start_ms: 100,
        stop_ms: None,
        max_concurrency: 10,
        tolerated_failure_percentage: 5.5,
        tolerated_failure_count: 2,
        item_count: items,
        execution_count: executions,
        error: None,
        cause: None,
    }
}

/// A child execution `name` of run `label`, under the label-qualified machine ARN as AWS names it.
fn child(label: &str, name: &str) -> ExecutionRecord {
    ExecutionRecord {
        arn: format!("{PREFIX}:execution:m/{label}:{name}"),
        name: name.to_string(),
        state_machine_arn: format!("{PREFIX}:stateMachine:m/{label}"),
        map_run_arn: Some(run_arn(label)),
        input: format!(r#"{{"item":"{name}"}}"#),
        ..execution("m", name, 200)
    }
}

/// The first part of a child: its row, `items` items, events `1..=events`.
fn start(record: &ExecutionRecord, items: u64, events: u64) -> ChildCommit {
    ChildCommit {
        start: Some(ExecutionRecord { map_items: Some(items), ..record.clone() }),
        commit: commit_events(&record.arn, 1..=events),
    }
}

/// A later part of a child: events `ids`, and the final status `end` if given.
fn step(arn: &str, ids: std::ops::RangeInclusive<u64>, end: Option<ExecutionStatus>) -> ChildCommit {
    let status = end.map(|status| StatusUpdate { status, ..succeeded() });
    ChildCommit { start: None, commit: Commit { status, ..commit_events(arn, ids) } }
}

/// A running parent execution `name` with history event 1 stored.
fn parent(store: &SqliteStore, name: &str) -> ExecutionRecord {
    let rec = execution("m", name, 1);
    store.create_execution(&rec, commit_events(&rec.arn, 1..=1)).unwrap();
    rec
}

fn ids(page: &Page<StoredEvent>) -> Vec<u64> {
    page.items.iter().map(|e| e.id).collect()
}

fn history(store: &SqliteStore, arn: &str) -> Vec<u64> {
    ids(&store.history(arn, &HistoryQuery::default()).unwrap())
}

fn names(page: &Page<ExecutionRecord>) -> Vec<&str> {
    page.items.iter().map(|e| e.name.as_str()).collect()
}

fn counts(pending: u64, running: u64, succeeded: u64, failed: u64, timed_out: u64, total: u64) -> MapRunCounts {
    MapRunCounts { pending, running, succeeded, failed, timed_out, aborted: 0, total }
}

#[test]
fn a_parent_commit_starts_a_map_run_and_children_that_progress_and_end() {
    let (_dir, store) = temp_store();
    let p = parent(&store, "p");
    // Seven items in three batches of 3, 3 and 1.
    let r = run(&p.arn, "r", 3, 7);
    let (c1, c2, c3) = (child("r", "c1"), child("r", "c2"), child("r", "c3"));
    let first = Commit {
        map_runs_started: vec![r.clone()],
        children: vec![start(&c1, 3, 2), start(&c2, 3, 1)],
        ..commit_events(&p.arn, 2..=3)
    };
    store.commit_blocking(first).unwrap();

    let view = store.map_run(&r.arn).unwrap().expect("the run is stored");
    assert_eq!(view.record, r);
    assert_eq!(view.executions, counts(1, 2, 0, 0, 0, 3));
    assert_eq!(view.items, counts(1, 6, 0, 0, 0, 7));
    // Children read like any execution.
    assert_eq!(store.execution(&c1.arn).unwrap(), Some(ExecutionRecord { map_items: Some(3), ..c1.clone() }));
    assert_eq!(history(&store, &c1.arn), [1, 2]);
    assert_eq!(history(&store, &c2.arn), [1]);
    assert!(store.history(&c1.arn, &HistoryQuery::default()).unwrap().items.iter().all(|e| e.json.contains(&c1.arn)));
    assert_eq!(history(&store, &p.arn), [1, 2, 3]);
    assert!(store.journal(&c1.arn).unwrap().is_empty());
    assert_eq!(store.execution(&p.arn).unwrap().unwrap().map_run_arn, None);

    let second = Commit {
        children: vec![
            step(&c1.arn, 3..=4, Some(ExecutionStatus::Succeeded)),
            step(&c2.arn, 2..=2, Some(ExecutionStatus::Failed)),
        ],
        ..commit_events(&p.arn, 4..=4)
    };
    store.commit_blocking(second).unwrap();
    let view = store.map_run(&r.arn).unwrap().unwrap();
    assert_eq!(view.executions, counts(1, 0, 1, 1, 0, 3));
    assert_eq!(view.items, counts(1, 0, 3, 3, 0, 7));
    assert_eq!(store.execution(&c1.arn).unwrap().unwrap().status, ExecutionStatus::Succeeded);
    assert_eq!(history(&store, &c1.arn), [1, 2, 3, 4]);

    store.commit_blocking(Commit { children: vec![start(&c3, 1, 1)], ..commit_events(&p.arn, 5..=5) }).unwrap();
    let view = store.map_run(&r.arn).unwrap().unwrap();
    assert_eq!(view.executions, counts(0, 1, 1, 1, 0, 3));
    assert_eq!(view.items, counts(0, 1, 3, 3, 0, 7));

    let end_run = MapRunChange {
        arn: r.arn.clone(),
        status: Some(MapRunStatus::Failed),
        stop_ms: Some(900),
        error: Some("States.ExceedToleratedFailureThreshold".into()),
        cause: Some("too many failures".into()),
        ..MapRunChange::default()
    };
    let last = Commit {
        children: vec![step(&c3.arn, 2..=2, Some(ExecutionStatus::TimedOut))],
        map_runs_changed: vec![end_run],
        status: Some(StatusUpdate { status: ExecutionStatus::Failed, ..succeeded() }),
        ..commit_events(&p.arn, 6..=6)
    };
    store.commit_blocking(last).unwrap();
    let view = store.map_run(&r.arn).unwrap().unwrap();
    assert_eq!(view.executions, counts(0, 0, 1, 1, 1, 3));
    assert_eq!(view.items, counts(0, 0, 3, 3, 1, 7));
    assert_eq!(view.record.status, MapRunStatus::Failed);
    assert_eq!(view.record.stop_ms, Some(900));
    assert_eq!(view.record.error.as_deref(), Some("States.ExceedToleratedFailureThreshold"));
    assert_eq!(store.execution(&p.arn).unwrap().unwrap().status, ExecutionStatus::Failed);

    // An ended child is forgotten by the writer: a repeated event is still refused, read back.
    let again = Commit { children: vec![step(&c1.arn, 4..=4, None)], ..Commit::new(&p.arn) };
    let err = store.commit_blocking(again).unwrap_err();
    assert!(
        matches!(err, StoreError::DuplicateEvent { id: 4, ref execution_arn } if *execution_arn == c1.arn),
        "{err}"
    );
    // A child is started once.
    let again = Commit { children: vec![start(&c2, 3, 1)], ..Commit::new(&p.arn) };
    let err = store.commit_blocking(again).unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists(ref m) if m.contains(&c2.arn)), "{err}");
    assert_eq!(store.map_run(&run_arn("nope")).unwrap(), None);
}

#[test]
fn a_child_waiting_for_a_redrive_counts_as_pending() {
    let (_dir, store) = temp_store();
    let p = parent(&store, "p");
    let r = run(&p.arn, "r", 4, 4);
    let (c1, c2) = (child("r", "c1"), child("r", "c2"));
    let first = Commit {
        map_runs_started: vec![r.clone()],
        children: vec![start(&c1, 1, 1), start(&c2, 1, 1)],
        ..Commit::new(&p.arn)
    };
    store.commit_blocking(first).unwrap();
    let waiting = Commit {
        children: vec![
            step(&c1.arn, 2..=2, Some(ExecutionStatus::PendingRedrive)),
            step(&c2.arn, 2..=2, Some(ExecutionStatus::Aborted)),
        ],
        ..Commit::new(&p.arn)
    };
    store.commit_blocking(waiting).unwrap();
    let view = store.map_run(&r.arn).unwrap().unwrap();
    let expected = MapRunCounts { pending: 3, aborted: 1, total: 4, ..MapRunCounts::default() };
    assert_eq!((view.executions, view.items), (expected, expected));
}

#[test]
fn a_child_event_gap_or_repeat_is_refused_and_rolls_back_the_parents_part() {
    let (_dir, store) = temp_store();
    let p = parent(&store, "p");
    let r = run(&p.arn, "r", 3, 3);
    let (c1, c2) = (child("r", "c1"), child("r", "c2"));
    let first =
        Commit { map_runs_started: vec![r.clone()], children: vec![start(&c1, 1, 2)], ..commit_events(&p.arn, 2..=2) };
    store.commit_blocking(first).unwrap();

    // Everything the parent's part would write: events, journal, a timer, a token, a new run,
    // a run change, a new child; then the bad child part.
    let attempt = |bad: ChildCommit| Commit {
        journal: vec![JournalEntry { seq: 1, input: "{}".into(), now_ms: 0, entropy: 0 }],
        timers_set: vec![TimerRecord { work_id: 1, due_ms: 5, kind: "wait".into() }],
        tokens_added: vec![TokenRecord {
            token: "tok".into(),
            execution_arn: p.arn.clone(),
            work_id: 1,
            activity_arn: None,
            input: None,
            heartbeat_seconds: None,
        }],
        map_runs_started: vec![run(&p.arn, "r2", 1, 1)],
        map_runs_changed: vec![MapRunChange {
            arn: r.arn.clone(),
            max_concurrency: Some(1),
            ..MapRunChange::default()
        }],
        children: vec![start(&c2, 1, 1), bad],
        ..commit_events(&p.arn, 3..=4)
    };
    let err = store.commit_blocking(attempt(step(&c1.arn, 4..=4, None))).unwrap_err();
    assert!(
        matches!(err, StoreError::EventOutOfOrder { last: 2, got: 4, ref execution_arn } if *execution_arn == c1.arn),
        "{err}"
    );
    let err = store.commit_blocking(attempt(step(&c1.arn, 2..=3, None))).unwrap_err();
    assert!(
        matches!(err, StoreError::DuplicateEvent { id: 2, ref execution_arn } if *execution_arn == c1.arn),
        "{err}"
    );

    // Nothing of either attempt landed.
    assert_eq!(history(&store, &p.arn), [1, 2]);
    assert_eq!(history(&store, &c1.arn), [1, 2]);
    assert!(store.journal(&p.arn).unwrap().is_empty());
    assert!(store.timers(&p.arn).unwrap().is_empty());
    assert_eq!(store.token("tok").unwrap(), None);
    assert_eq!(store.map_run(&run_arn("r2")).unwrap(), None);
    assert_eq!(store.map_run(&r.arn).unwrap().unwrap().record.max_concurrency, 10);
    assert_eq!(store.execution(&c2.arn).unwrap(), None);

    // Queued behind and ahead of good commits (sharing a transaction or not), the bad one still
    // fails alone, and what the writer remembers is rolled back with it.
    let (tx, rx) = mpsc::channel();
    let good = Commit { children: vec![step(&c1.arn, 3..=3, None)], ..commit_events(&p.arn, 3..=3) };
    let bad = Commit { children: vec![step(&c1.arn, 5..=5, None)], ..commit_events(&p.arn, 4..=4) };
    let after = Commit { children: vec![step(&c1.arn, 4..=4, None)], ..commit_events(&p.arn, 4..=4) };
    for c in [good, bad, after] {
        let tx = tx.clone();
        store.commit(c, Box::new(move |r| tx.send(r).unwrap()));
    }
    let results: Vec<_> = rx.iter().take(3).collect();
    assert!(results[0].is_ok(), "{:?}", results[0]);
    assert!(matches!(results[1], Err(StoreError::EventOutOfOrder { last: 3, got: 5, .. })), "{:?}", results[1]);
    assert!(results[2].is_ok(), "{:?}", results[2]);
    assert_eq!(history(&store, &p.arn), [1, 2, 3, 4]);
    assert_eq!(history(&store, &c1.arn), [1, 2, 3, 4]);

    // The refused commit, renumbered, now lands whole.
    let good = Commit { events: commit_events(&p.arn, 5..=6).events, ..attempt(step(&c1.arn, 5..=5, None)) };
    store.commit_blocking(good).unwrap();
    assert_eq!(history(&store, &c2.arn), [1]);
    assert_eq!(store.map_run(&r.arn).unwrap().unwrap().record.max_concurrency, 1);
    assert!(store.map_run(&run_arn("r2")).unwrap().is_some());
    assert_eq!(store.token("tok").unwrap().map(|t| t.execution_arn), Some(p.arn.clone()));
}

#[test]
fn children_and_map_runs_must_belong_to_the_committing_execution() {
    let (_dir, store) = temp_store();
    let (a, b) = (parent(&store, "a"), parent(&store, "b"));
    let (ra, rb) = (run(&a.arn, "ra", 2, 2), run(&b.arn, "rb", 2, 2));
    let b_child = child("rb", "b1");
    store.commit_blocking(Commit { map_runs_started: vec![ra.clone()], ..Commit::new(&a.arn) }).unwrap();
    store
        .commit_blocking(Commit {
            map_runs_started: vec![rb.clone()],
            children: vec![start(&b_child, 1, 1)],
            ..Commit::new(&b.arn)
        })
        .unwrap();

    // Each attempt also carries A's event 2, which must not land either.
    let from_a =
        |c: Commit| store.commit_blocking(Commit { execution_arn: a.arn.clone(), events: vec![event(&a.arn, 2)], ..c });
    let invalid = |r: Result<(), StoreError>, what: &str| {
        assert!(matches!(r, Err(StoreError::Invalid(ref m)) if m.contains(what)), "{what}: {r:?}");
    };
    // A child naming B's run, naming no run, or an unknown one.
    let foreign = child("rb", "sneaky");
    invalid(from_a(Commit { children: vec![start(&foreign, 1, 1)], ..Commit::default() }), &rb.arn);
    let orphan = ExecutionRecord { map_run_arn: None, ..child("ra", "orphan") };
    invalid(from_a(Commit { children: vec![start(&orphan, 1, 1)], ..Commit::default() }), "names no map run");
    let lost = child("gone", "lost");
    let r = from_a(Commit { children: vec![start(&lost, 1, 1)], ..Commit::default() });
    assert!(matches!(r, Err(StoreError::NotFound(ref m)) if m.contains(&run_arn("gone"))), "{r:?}");
    // Writing to B's child, or to a top-level execution, as A's child.
    invalid(from_a(Commit { children: vec![step(&b_child.arn, 2..=2, None)], ..Commit::default() }), &b_child.arn);
    invalid(from_a(Commit { children: vec![step(&b.arn, 2..=2, None)], ..Commit::default() }), &b.arn);
    let r = from_a(Commit { children: vec![step(&child("ra", "never").arn, 1..=1, None)], ..Commit::default() });
    assert!(matches!(r, Err(StoreError::NotFound(_))), "{r:?}");
    // A child's row and first commit must name the same execution.
    let mismatched =
        ChildCommit { commit: commit_events(&child("ra", "other").arn, 1..=1), ..start(&child("ra", "one"), 1, 1) };
    invalid(from_a(Commit { children: vec![mismatched], ..Commit::default() }), "first commit");
    // Starting a run for B, changing B's run or an unknown one, repeating a run.
    invalid(from_a(Commit { map_runs_started: vec![run(&b.arn, "rb2", 1, 1)], ..Commit::default() }), "rb2");
    let change = |arn: &str| MapRunChange {
        arn: arn.to_string(),
        status: Some(MapRunStatus::Aborted),
        ..MapRunChange::default()
    };
    invalid(from_a(Commit { map_runs_changed: vec![change(&rb.arn)], ..Commit::default() }), &rb.arn);
    let r = from_a(Commit { map_runs_changed: vec![change(&run_arn("gone"))], ..Commit::default() });
    assert!(matches!(r, Err(StoreError::NotFound(ref m)) if m.contains(&run_arn("gone"))), "{r:?}");
    let r = from_a(Commit { map_runs_started: vec![ra.clone()], ..Commit::default() });
    assert!(matches!(r, Err(StoreError::AlreadyExists(ref m)) if m.contains(&ra.arn)), "{r:?}");
    let r = from_a(Commit {
        map_runs_started: vec![MapRunRecord { tolerated_failure_percentage: f64::NAN, ..run(&a.arn, "nan", 1, 1) }],
        ..Commit::default()
    });
    invalid(r, "percentage");
    // A child is started only by its parent's commit.
    invalid(store.create_execution(&child("ra", "direct"), commit_events(&child("ra", "direct").arn, 1..=1)), "parent");

    // None of it landed.
    assert_eq!(history(&store, &a.arn), [1]);
    assert_eq!(history(&store, &b_child.arn), [1]);
    assert_eq!(store.map_run(&rb.arn).unwrap().unwrap().record.status, MapRunStatus::Running);
    for name in ["sneaky", "orphan", "lost", "one", "direct"] {
        let arn = [child("rb", name).arn, child("ra", name).arn, child("gone", name).arn];
        assert!(arn.iter().all(|a| store.execution(a).unwrap().is_none()), "{name} was stored");
    }
    assert_eq!(store.list_map_runs(&a.arn, &ListQuery::default()).unwrap().items, [ra]);
}

#[test]
fn a_child_commit_holds_only_events_and_a_status() {
    let (_dir, store) = temp_store();
    let p = parent(&store, "p");
    let r = run(&p.arn, "r", 1, 1);
    let c = child("r", "c");
    store
        .commit_blocking(Commit {
            map_runs_started: vec![r.clone()],
            children: vec![start(&c, 1, 1)],
            ..Commit::new(&p.arn)
        })
        .unwrap();
    let token = TokenRecord {
        token: "t".into(),
        execution_arn: c.arn.clone(),
        work_id: 1,
        activity_arn: None,
        input: None,
        heartbeat_seconds: None,
    };
    let extras: Vec<(&str, Commit)> = vec![
        (
            "journal",
            Commit {
                journal: vec![JournalEntry { seq: 1, input: "{}".into(), now_ms: 0, entropy: 0 }],
                ..Commit::new(&c.arn)
            },
        ),
        (
            "timers",
            Commit { timers_set: vec![TimerRecord { work_id: 1, due_ms: 1, kind: "w".into() }], ..Commit::new(&c.arn) },
        ),
        ("timers", Commit { timers_cleared: vec![1], ..Commit::new(&c.arn) }),
        ("task tokens", Commit { tokens_added: vec![token], ..Commit::new(&c.arn) }),
        ("task tokens", Commit { tokens_removed: vec!["t".into()], ..Commit::new(&c.arn) }),
        ("map runs", Commit { map_runs_started: vec![run(&c.arn, "nested", 1, 1)], ..Commit::new(&c.arn) }),
        (
            "map runs",
            Commit {
                map_runs_changed: vec![MapRunChange { arn: r.arn.clone(), ..MapRunChange::default() }],
                ..Commit::new(&c.arn)
            },
        ),
        ("child executions", Commit { children: vec![start(&child("r", "grandchild"), 1, 1)], ..Commit::new(&c.arn) }),
    ];
    for (what, extra) in extras {
        let commit = Commit {
            children: vec![ChildCommit { start: None, commit: Commit { events: vec![event(&c.arn, 2)], ..extra } }],
            ..commit_events(&p.arn, 2..=2)
        };
        let err = store.commit_blocking(commit).unwrap_err();
        assert!(matches!(err, StoreError::Invalid(ref m) if m.contains(what) && m.contains(&c.arn)), "{what}: {err}");
    }
    // A child's first commit is checked the same way.
    let first = ChildCommit {
        commit: Commit {
            journal: vec![JournalEntry { seq: 1, input: "{}".into(), now_ms: 0, entropy: 0 }],
            ..commit_events(&child("r", "d").arn, 1..=1)
        },
        ..start(&child("r", "d"), 1, 1)
    };
    let err = store.commit_blocking(Commit { children: vec![first], ..Commit::new(&p.arn) }).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref m) if m.contains("journal")), "{err}");
    assert_eq!(store.execution(&child("r", "d").arn).unwrap(), None);
    assert_eq!(history(&store, &p.arn), [1]);
    assert_eq!(history(&store, &c.arn), [1]);
}

#[test]
fn children_are_listed_by_their_map_run_only() {
    let (_dir, store) = temp_store();
    let p = parent(&store, "p");
    let r = run(&p.arn, "r", 5, 5);
    let kids: Vec<_> = (1..=5).map(|i| child("r", &format!("c{i}"))).collect();
    let other = child("r2", "x");
    let first = Commit {
        map_runs_started: vec![r.clone(), run(&p.arn, "r2", 1, 1)],
        children: kids.iter().map(|k| start(k, 1, 1)).chain([start(&other, 1, 1)]).collect(),
        ..Commit::new(&p.arn)
    };
    store.commit_blocking(first).unwrap();
    parent(&store, "q");
    let ends = [(0, ExecutionStatus::Succeeded), (3, ExecutionStatus::Succeeded), (4, ExecutionStatus::Failed)];
    let ended = Commit {
        children: ends.iter().map(|(i, s)| step(&kids[*i].arn, 2..=2, Some(*s))).collect(),
        ..Commit::new(&p.arn)
    };
    store.commit_blocking(ended).unwrap();

    let list = |q: ExecutionQuery| store.list_executions(&q).unwrap();
    let by_run =
        |arn: &str| ExecutionQuery { scope: ExecutionScope::MapRun(arn.to_string()), ..ExecutionQuery::default() };
    assert_eq!(names(&list(by_run(&r.arn))), ["c5", "c4", "c3", "c2", "c1"]);
    let failed = ExecutionRecord {
        status: ExecutionStatus::Failed,
        stop_ms: Some(1),
        output: Some("{}".into()),
        map_items: Some(1),
        ..kids[4].clone()
    };
    assert_eq!(list(by_run(&r.arn)).items[0], failed);
    assert_eq!(names(&list(by_run(&run_arn("r2")))), ["x"]);
    assert_eq!(names(&list(by_run(&run_arn("unknown")))), Vec::<&str>::new());
    let succeeded = ExecutionQuery { status: Some(ExecutionStatus::Succeeded), ..by_run(&r.arn) };
    assert_eq!(names(&list(succeeded)), ["c4", "c1"]);
    let running = ExecutionQuery { status: Some(ExecutionStatus::Running), ..by_run(&r.arn) };
    assert_eq!(names(&list(running)), ["c3", "c2"]);

    // Pages of 2, with tokens bound to the run.
    let mut query = ExecutionQuery { max: 2, ..by_run(&r.arn) };
    let mut pages = Vec::new();
    loop {
        let page = list(query.clone());
        pages.push(names(&page).into_iter().map(String::from).collect::<Vec<_>>());
        match page.next_token {
            Some(t) => query.next_token = Some(t),
            None => break,
        }
    }
    assert_eq!(pages, [vec!["c5", "c4"], vec!["c3", "c2"], vec!["c1"]]);
    let token = list(ExecutionQuery { max: 2, ..by_run(&r.arn) }).next_token.unwrap();
    for scope in [ExecutionScope::MapRun(run_arn("r2")), ExecutionScope::All] {
        let err = store.list_executions(&ExecutionQuery {
            scope,
            max: 2,
            next_token: Some(token.clone()),
            ..ExecutionQuery::default()
        });
        assert!(matches!(err, Err(StoreError::InvalidToken(_))), "{err:?}");
    }

    // No other scope lists children, not even by their own (label-qualified) machine ARN.
    assert_eq!(names(&list(ExecutionQuery::default())), ["q", "p"]);
    let all_running = ExecutionQuery { status: Some(ExecutionStatus::Running), ..ExecutionQuery::default() };
    assert_eq!(names(&list(all_running)), ["q", "p"]);
    let machine =
        |arn: String| ExecutionQuery { scope: ExecutionScope::StateMachine(arn), ..ExecutionQuery::default() };
    assert_eq!(names(&list(machine(ctx().state_machine("m")))), ["q", "p"]);
    assert_eq!(names(&list(machine(kids[0].state_machine_arn.clone()))), Vec::<&str>::new());
}

#[test]
fn running_executions_skips_running_children() {
    let (_dir, store) = temp_store();
    let p = parent(&store, "p");
    let r = run(&p.arn, "r", 2, 2);
    let first = Commit {
        map_runs_started: vec![r],
        children: vec![start(&child("r", "c1"), 1, 1), start(&child("r", "c2"), 1, 1)],
        ..Commit::new(&p.arn)
    };
    store.commit_blocking(first).unwrap();
    let q = parent(&store, "q");
    let running: Vec<_> = store.running_executions().unwrap().into_iter().map(|e| e.arn).collect();
    assert_eq!(running, [p.arn, q.arn]);
}

/// `EXPLAIN QUERY PLAN`'s details for `sql` with `args`.
fn plan(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> String {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let rows = stmt.query_map(args, |row| row.get::<_, String>(3)).unwrap();
    rows.collect::<Result<Vec<_>, _>>().unwrap().join("\n")
}

#[test]
fn the_restart_scan_and_the_run_queries_use_their_partial_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    drop(SqliteStore::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    let running = plan(&conn, &executions::running_sql(), ());
    assert!(running.contains("USING INDEX executions_running"), "{running}");
    assert!(!running.contains("TEMP B-TREE"), "{running}");
    let listing = executions::listing(&ExecutionQuery {
        scope: ExecutionScope::MapRun(run_arn("r")),
        ..ExecutionQuery::default()
    })
    .unwrap();
    let by_run = plan(&conn, &listing.sql, rusqlite::params_from_iter(listing.args));
    assert!(by_run.contains("USING INDEX executions_by_map_run"), "{by_run}");
    assert!(!by_run.contains("TEMP B-TREE"), "{by_run}");
    let counts = plan(&conn, map_runs::CHILD_COUNTS, [1]);
    assert!(counts.contains("USING INDEX executions_by_map_run"), "{counts}");
}

#[test]
fn lists_an_executions_map_runs_oldest_first_in_pages() {
    let (_dir, store) = temp_store();
    let (p, q, idle) = (parent(&store, "p"), parent(&store, "q"), parent(&store, "idle"));
    store
        .commit_blocking(Commit {
            map_runs_started: vec![run(&p.arn, "r1", 1, 1), run(&p.arn, "r2", 1, 1)],
            ..Commit::new(&p.arn)
        })
        .unwrap();
    store.commit_blocking(Commit { map_runs_started: vec![run(&q.arn, "q1", 1, 1)], ..Commit::new(&q.arn) }).unwrap();
    store.commit_blocking(Commit { map_runs_started: vec![run(&p.arn, "r3", 1, 1)], ..Commit::new(&p.arn) }).unwrap();

    let list =
        |arn: &str, max: usize, next_token: Option<String>| store.list_map_runs(arn, &ListQuery { max, next_token });
    let arns = |page: &Page<MapRunRecord>| page.items.iter().map(|r| r.arn.clone()).collect::<Vec<_>>();
    let all = list(&p.arn, 0, None).unwrap();
    assert_eq!(all.items, [run(&p.arn, "r1", 1, 1), run(&p.arn, "r2", 1, 1), run(&p.arn, "r3", 1, 1)]);
    assert_eq!(all.next_token, None);
    let first = list(&p.arn, 2, None).unwrap();
    assert_eq!(arns(&first), [run_arn("r1"), run_arn("r2")]);
    let token = first.next_token.expect("a second page");
    let second = list(&p.arn, 2, Some(token.clone())).unwrap();
    assert_eq!((arns(&second), second.next_token), (vec![run_arn("r3")], None));
    assert_eq!(arns(&list(&q.arn, 0, None).unwrap()), [run_arn("q1")]);
    assert!(list(&idle.arn, 0, None).unwrap().items.is_empty());

    let err = list(&q.arn, 2, Some(token)).unwrap_err();
    assert!(matches!(err, StoreError::InvalidToken(_)), "{err}");
    let err = list(&ctx().execution("m", "nope"), 0, None).unwrap_err();
    assert!(matches!(err, StoreError::NotFound(ref m) if m.contains("nope")), "{err}");
    let err = list(&p.arn, 1001, None).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
}

#[test]
fn a_map_run_change_writes_only_the_fields_it_gives() {
    let (_dir, store) = temp_store();
    let p = parent(&store, "p");
    let r = run(&p.arn, "r", 4, 9);
    store.commit_blocking(Commit { map_runs_started: vec![r.clone()], ..Commit::new(&p.arn) }).unwrap();
    let change = |c: MapRunChange| {
        store.commit_blocking(Commit {
            map_runs_changed: vec![MapRunChange { arn: r.arn.clone(), ..c }],
            ..Commit::new(&p.arn)
        })
    };
    let read = || store.map_run(&r.arn).unwrap().unwrap().record;

    change(MapRunChange { max_concurrency: Some(3), ..MapRunChange::default() }).unwrap();
    let expected = MapRunRecord { max_concurrency: 3, ..r.clone() };
    assert_eq!(read(), expected);
    change(MapRunChange {
        tolerated_failure_percentage: Some(50.0),
        tolerated_failure_count: Some(0),
        ..MapRunChange::default()
    })
    .unwrap();
    let expected = MapRunRecord { tolerated_failure_percentage: 50.0, tolerated_failure_count: 0, ..expected };
    assert_eq!(read(), expected);
    change(MapRunChange { error: Some("E".into()), ..MapRunChange::default() }).unwrap();
    let expected = MapRunRecord { error: Some("E".into()), ..expected };
    assert_eq!(read(), expected);
    let end = MapRunChange {
        status: Some(MapRunStatus::Aborted),
        stop_ms: Some(77),
        cause: Some("stopped".into()),
        ..MapRunChange::default()
    };
    change(end).unwrap();
    let expected =
        MapRunRecord { status: MapRunStatus::Aborted, stop_ms: Some(77), cause: Some("stopped".into()), ..expected };
    assert_eq!(read(), expected);
    // An empty change changes nothing; a bad percentage is refused and changes nothing.
    change(MapRunChange::default()).unwrap();
    assert_eq!(read(), expected);
    let err = change(MapRunChange {
        tolerated_failure_percentage: Some(100.5),
        max_concurrency: Some(1),
        ..MapRunChange::default()
    })
    .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref m) if m.contains("100.5")), "{err}");
    assert_eq!(read(), expected);
}

#[test]
fn a_child_runs_its_parents_definition() {
    let (_dir, store) = temp_store();
    let p = parent(&store, "p");
    let r = run(&p.arn, "r", 1, 1);
    let c = ExecutionRecord { definition: String::new(), ..child("r", "c") };
    let first = Commit { map_runs_started: vec![r], children: vec![start(&c, 1, 1)], ..commit_events(&p.arn, 2..=2) };
    store.commit_blocking(first).unwrap();
    let stored = store.execution(&c.arn).unwrap().expect("the child is stored");
    assert!(!p.definition.is_empty());
    assert_eq!(stored.definition, p.definition);
}

#[test]
fn a_run_started_in_a_child_belongs_to_the_child_and_is_written_by_the_top_execution() {
    let (_dir, store) = temp_store();
    let (p, q) = (parent(&store, "p"), parent(&store, "q"));
    let outer = run(&p.arn, "outer", 1, 1);
    let c = child("outer", "c");
    store
        .commit_blocking(Commit { map_runs_started: vec![outer.clone()], children: vec![start(&c, 1, 1)], ..Commit::new(&p.arn) })
        .unwrap();
    // The child's own Distributed Map: its run and its child, in P's commit.
    let inner = run(&c.arn, "inner", 1, 1);
    let g = child("inner", "g");
    store
        .commit_blocking(Commit {
            map_runs_started: vec![inner.clone()],
            children: vec![step(&c.arn, 2..=2, None), start(&g, 1, 2)],
            ..Commit::new(&p.arn)
        })
        .unwrap();
    let runs_of = |arn: &str| store.list_map_runs(arn, &ListQuery::default()).unwrap().items.into_iter().map(|r| r.arn).collect::<Vec<_>>();
    assert_eq!(runs_of(&p.arn), [outer.arn.clone()]);
    assert_eq!(runs_of(&c.arn), [inner.arn.clone()]);
    assert_eq!(store.map_run(&inner.arn).unwrap().unwrap().record.execution_arn, c.arn);
    assert_eq!(history(&store, &g.arn), [1, 2]);
    // P ends the grandchild and the inner run.
    let end = MapRunChange { arn: inner.arn.clone(), status: Some(MapRunStatus::Succeeded), ..MapRunChange::default() };
    store
        .commit_blocking(Commit {
            map_runs_changed: vec![end],
            children: vec![step(&g.arn, 3..=3, Some(ExecutionStatus::Succeeded))],
            ..Commit::new(&p.arn)
        })
        .unwrap();
    let view = store.map_run(&inner.arn).unwrap().unwrap();
    assert_eq!((view.record.status, view.executions.succeeded), (MapRunStatus::Succeeded, 1));
    // Another execution may not start a run for P's child, nor write to its grandchild.
    let r = store.commit_blocking(Commit { map_runs_started: vec![run(&c.arn, "stolen", 1, 1)], ..Commit::new(&q.arn) });
    assert!(matches!(r, Err(StoreError::Invalid(ref m)) if m.contains(&c.arn)), "{r:?}");
    let r = store.commit_blocking(Commit { children: vec![step(&g.arn, 4..=4, None)], ..Commit::new(&q.arn) });
    assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");
}

#[test]
fn a_child_and_its_own_run_and_grandchild_start_in_one_commit() {
    let (_dir, store) = temp_store();
    let p = parent(&store, "p");
    let outer = run(&p.arn, "outer", 1, 1);
    let c = child("outer", "c");
    let inner = run(&c.arn, "inner", 1, 1);
    let g = child("inner", "g");
    // The inner run is listed before the child that owns it, as a step may list them.
    store
        .commit_blocking(Commit {
            map_runs_started: vec![inner.clone(), outer.clone()],
            children: vec![start(&c, 1, 1), start(&g, 1, 2)],
            map_runs_changed: vec![MapRunChange { arn: inner.arn.clone(), status: Some(MapRunStatus::Aborted), ..MapRunChange::default() }],
            ..Commit::new(&p.arn)
        })
        .unwrap();
    assert_eq!(store.map_run(&inner.arn).unwrap().unwrap().record.execution_arn, c.arn);
    assert_eq!(store.map_run(&inner.arn).unwrap().unwrap().record.status, MapRunStatus::Aborted);
    assert_eq!(history(&store, &g.arn), [1, 2]);
    // A run whose owner never appears is refused, with the rest of its commit.
    let lost = run(&format!("{PREFIX}:execution:m/outer:never"), "lost", 1, 1);
    let r = store.commit_blocking(Commit { map_runs_started: vec![lost], ..commit_events(&p.arn, 2..=2) });
    assert!(matches!(r, Err(StoreError::NotFound(_))), "{r:?}");
    assert_eq!(history(&store, &p.arn), [1]);
}
