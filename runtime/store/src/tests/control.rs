use super::*;
use crate::{
    ActivityRecord, AliasRecord, AliasUpdate, FunctionRecord, ListQuery, RouteRecord, Routing, StateMachineUpdate,
    Store, StoreError,
};

#[test]
fn functions_round_trip_and_replace_keeps_the_creation_time() {
    let (_dir, store) = temp_store();
    let f = |bytes: &[u8], created, updated| FunctionRecord {
        name: "greet".into(),
        wasm: bytes.to_vec(),
        sha256: format!("{:02x}", bytes[0]),
        grants_json: "{}".into(),
        created_ms: created,
        updated_ms: updated,
    };
    store.put_function(f(b"\0asm1", 1, 1)).unwrap();
    store.put_function(f(b"\x01asm22", 5, 5)).unwrap();
    let got = store.function("greet").unwrap().unwrap();
    assert_eq!((got.wasm.as_slice(), got.created_ms, got.updated_ms), (&b"\x01asm22"[..], 1, 5));
    let list = store.list_functions().unwrap();
    assert_eq!((list.len(), list[0].size, list[0].sha256.as_str()), (1, 6, "01"));
    assert!(store.delete_function("greet").unwrap());
    assert!(!store.delete_function("greet").unwrap());
    assert_eq!(store.function("greet").unwrap(), None);
}

#[test]
fn state_machine_create_is_idempotent_and_update_bumps_the_revision() {
    let (_dir, store) = temp_store();
    let m = machine("m", "def1");
    assert!(store.create_state_machine(m.clone()).unwrap().created);
    let again = store.create_state_machine(m.clone()).unwrap();
    assert_eq!((again.created, again.record), (false, m.clone()));
    let err = store.create_state_machine(machine("m", "def2")).unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists(_)), "{err}");

    let same = store
        .update_state_machine(&m.arn, StateMachineUpdate { definition: Some("def1".into()), ..Default::default() }, 20)
        .unwrap();
    assert_eq!(same, m, "an update that changes nothing keeps the revision");
    let updated = store
        .update_state_machine(&m.arn, StateMachineUpdate { definition: Some("def2".into()), ..Default::default() }, 20)
        .unwrap();
    assert!(updated.revision_id.is_some());
    assert_eq!((updated.definition.as_str(), updated.updated_ms, updated.created_ms), ("def2", 20, 10));
    let again = store
        .update_state_machine(&m.arn, StateMachineUpdate { role_arn: Some("r2".into()), ..Default::default() }, 30)
        .unwrap();
    assert_ne!(again.revision_id, updated.revision_id);
    assert_eq!(store.state_machine(&m.arn).unwrap(), Some(again));
    let err = store.update_state_machine("arn:x", StateMachineUpdate::default(), 1).unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
}

#[test]
fn state_machines_list_in_creation_order_with_pages() {
    let (_dir, store) = temp_store();
    for name in ["c", "a", "b"] {
        store.create_state_machine(machine(name, "{}")).unwrap();
    }
    let first = store.list_state_machines(&ListQuery { max: 2, next_token: None }).unwrap();
    assert_eq!(first.items.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["c", "a"]);
    let second = store.list_state_machines(&ListQuery { max: 2, next_token: first.next_token }).unwrap();
    assert_eq!((second.items.len(), second.items[0].name.as_str(), second.next_token), (1, "b", None));
    let err = store.list_state_machines(&ListQuery { max: 2, next_token: Some("!!".into()) }).unwrap_err();
    assert!(matches!(err, StoreError::InvalidToken(_)));
}

#[test]
fn publishing_is_idempotent_per_revision_and_checks_the_expected_revision() {
    let (_dir, store) = temp_store();
    let m = machine("m", "def1");
    store.create_state_machine(m.clone()).unwrap();
    let err = store.publish_version(&m.arn, None, Some("nope".into()), 1).unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let v1 = store.publish_version(&m.arn, Some("first".into()), Some("INITIAL".into()), 1).unwrap();
    assert_eq!((v1.n, v1.arn.clone(), v1.definition.as_str()), (1, ctx().version("m", 1), "def1"));
    // Same revision: the same version, whatever the description.
    assert_eq!(store.publish_version(&m.arn, Some("again".into()), None, 2).unwrap(), v1);

    let rev = store
        .update_state_machine(&m.arn, StateMachineUpdate { definition: Some("def2".into()), ..Default::default() }, 3)
        .unwrap()
        .revision_id;
    let err = store.publish_version(&m.arn, None, Some("INITIAL".into()), 4).unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let v2 = store.publish_version(&m.arn, None, rev, 4).unwrap();
    assert_eq!((v2.n, v2.definition.as_str()), (2, "def2"));
    assert_eq!(store.version(&v1.arn).unwrap(), Some(v1.clone()));

    let page = store.list_versions(&m.arn, &ListQuery { max: 1, next_token: None }).unwrap();
    assert_eq!(page.items, std::slice::from_ref(&v2));
    let rest = store.list_versions(&m.arn, &ListQuery { max: 1, next_token: page.next_token }).unwrap();
    assert_eq!((rest.items, rest.next_token), (vec![v1.clone()], None));

    // Numbers are never reused after a delete.
    assert!(store.delete_version(&v2.arn).unwrap());
    store
        .update_state_machine(&m.arn, StateMachineUpdate { definition: Some("def3".into()), ..Default::default() }, 5)
        .unwrap();
    assert_eq!(store.publish_version(&m.arn, None, None, 6).unwrap().n, 3);
    let err = store.publish_version("arn:aws:states:us-east-1:1:stateMachine:zz", None, None, 1).unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)));
}

fn alias(name: &str, routing: Vec<Routing>) -> AliasRecord {
    AliasRecord {
        arn: ctx().alias("m", name),
        state_machine_arn: ctx().state_machine("m"),
        name: name.to_string(),
        description: None,
        routing,
        created_ms: 1,
        updated_ms: 1,
    }
}

fn route(version_arn: &str, weight: u8) -> Routing {
    Routing { version_arn: version_arn.to_string(), weight }
}

#[test]
fn aliases_validate_routing_and_protect_their_versions() {
    let (_dir, store) = temp_store();
    let m = machine("m", "d1");
    store.create_state_machine(m.clone()).unwrap();
    let v1 = store.publish_version(&m.arn, None, None, 1).unwrap();
    store.update_state_machine(&m.arn, StateMachineUpdate { definition: Some("d2".into()), ..Default::default() }, 2).unwrap();
    let v2 = store.publish_version(&m.arn, None, None, 2).unwrap();

    for bad in [
        vec![],
        vec![route(&v1.arn, 90)],
        vec![route(&v1.arn, 50), route(&v1.arn, 50)],
        vec![route(&v1.arn, 30), route(&v2.arn, 30), route(&v2.arn, 40)],
    ] {
        let err = store.create_alias(alias("prod", bad)).unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    }
    let err = store.create_alias(alias("prod", vec![route(&ctx().version("m", 9), 100)])).unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    for name in ["bad name", "12"] {
        let err = store.create_alias(alias(name, vec![route(&v1.arn, 100)])).unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    }

    let a = alias("prod", vec![route(&v1.arn, 80), route(&v2.arn, 20)]);
    assert!(store.create_alias(a.clone()).unwrap().created);
    assert_eq!(store.create_alias(a.clone()).unwrap(), crate::Created { record: a.clone(), created: false });
    let err = store.create_alias(alias("prod", vec![route(&v1.arn, 100)])).unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(store.alias(&a.arn).unwrap(), Some(a.clone()));

    let err = store.delete_version(&v1.arn).unwrap_err();
    assert!(matches!(err, StoreError::Conflict(ref m) if m.contains("prod")), "{err}");
    let updated = store
        .update_alias(&a.arn, AliasUpdate { routing: Some(vec![route(&v2.arn, 100)]), description: Some("d".into()) }, 9)
        .unwrap();
    assert_eq!((updated.routing.len(), updated.updated_ms, updated.description.as_deref()), (1, 9, Some("d")));
    assert!(store.delete_version(&v1.arn).unwrap());
    assert_eq!(store.alias(&a.arn).unwrap(), Some(updated.clone()));

    store.create_alias(alias("beta", vec![route(&v2.arn, 100)])).unwrap();
    let page = store.list_aliases(&m.arn, &ListQuery { max: 1, next_token: None }).unwrap();
    assert_eq!(page.items, [updated]);
    let rest = store.list_aliases(&m.arn, &ListQuery { max: 1, next_token: page.next_token }).unwrap();
    assert_eq!((rest.items[0].name.as_str(), rest.next_token), ("beta", None));

    // Deleting the machine takes its versions and aliases along.
    assert!(store.delete_state_machine(&m.arn).unwrap());
    assert!(!store.delete_state_machine(&m.arn).unwrap());
    assert_eq!(store.version(&v2.arn).unwrap(), None);
    assert_eq!(store.alias(&a.arn).unwrap(), None);
    assert!(matches!(store.list_aliases(&m.arn, &ListQuery::default()), Err(StoreError::NotFound(_))));
}

#[test]
fn tags_need_an_existing_resource_and_go_with_it() {
    let (_dir, store) = temp_store();
    let m = machine("m", "{}");
    store.create_state_machine(m.clone()).unwrap();
    let kv = |k: &str, v: &str| (k.to_string(), v.to_string());
    store.tag(&m.arn, &[kv("team", "a"), kv("env", "dev")]).unwrap();
    store.tag(&m.arn, &[kv("env", "prod")]).unwrap();
    assert_eq!(store.tags(&m.arn).unwrap(), [kv("env", "prod"), kv("team", "a")]);
    store.untag(&m.arn, &["team".to_string(), "absent".to_string()]).unwrap();
    assert_eq!(store.tags(&m.arn).unwrap(), [kv("env", "prod")]);
    assert!(matches!(store.tag("arn:none", &[kv("a", "b")]), Err(StoreError::NotFound(_))));

    let act = ActivityRecord { arn: ctx().activity("work"), name: "work".into(), created_ms: 3 };
    store.create_activity(act.clone()).unwrap();
    store.tag(&act.arn, &[kv("k", "v")]).unwrap();
    assert!(store.delete_activity(&act.arn).unwrap());
    assert!(matches!(store.tags(&act.arn), Err(StoreError::NotFound(_))));

    // A machine re-created under the same name does not inherit the old tags.
    store.delete_state_machine(&m.arn).unwrap();
    store.create_state_machine(m.clone()).unwrap();
    assert!(store.tags(&m.arn).unwrap().is_empty());
}

#[test]
fn activities_are_idempotent_by_name_and_page() {
    let (_dir, store) = temp_store();
    let act = |name: &str, t| ActivityRecord { arn: ctx().activity(name), name: name.into(), created_ms: t };
    assert!(store.create_activity(act("a", 1)).unwrap().created);
    let again = store.create_activity(act("a", 2)).unwrap();
    assert_eq!((again.created, again.record.created_ms), (false, 1));
    store.create_activity(act("b", 3)).unwrap();
    let page = store.list_activities(&ListQuery { max: 1, next_token: None }).unwrap();
    assert_eq!(page.items, [act("a", 1)]);
    let rest = store.list_activities(&ListQuery { max: 1, next_token: page.next_token }).unwrap();
    assert_eq!((rest.items, rest.next_token), (vec![act("b", 3)], None));
    assert_eq!(store.activity(&act("b", 0).arn).unwrap(), Some(act("b", 3)));
}

#[test]
fn routes_upsert_list_and_delete() {
    let (_dir, store) = temp_store();
    let r = |method: &str, path: &str, sm: &str| RouteRecord {
        method: method.into(),
        path_pattern: path.into(),
        state_machine_arn: sm.into(),
        options_json: "{}".into(),
    };
    store.put_route(r("POST", "/orders", "sm1")).unwrap();
    store.put_route(r("GET", "/orders/{id}", "sm2")).unwrap();
    store.put_route(r("POST", "/orders", "sm3")).unwrap();
    assert_eq!(store.routes().unwrap(), [r("POST", "/orders", "sm3"), r("GET", "/orders/{id}", "sm2")]);
    assert!(store.delete_route("POST", "/orders").unwrap());
    assert!(!store.delete_route("POST", "/orders").unwrap());
    assert_eq!(store.routes().unwrap().len(), 1);
}

#[test]
fn a_remembered_machine_follows_updates_deletes_and_recreation() {
    let (_dir, store) = temp_store();
    let m = machine("m", "def1");
    store.create_state_machine(m.clone()).unwrap();
    assert_eq!(store.state_machine(&m.arn).unwrap().map(|r| r.definition), Some("def1".into()));
    assert_eq!(store.state_machine(&m.arn).unwrap().map(|r| r.definition), Some("def1".into()));
    store.update_state_machine(&m.arn, StateMachineUpdate { definition: Some("def2".into()), ..Default::default() }, 20).unwrap();
    assert_eq!(store.state_machine(&m.arn).unwrap().map(|r| r.definition), Some("def2".into()));
    assert!(store.delete_state_machine(&m.arn).unwrap());
    assert_eq!(store.state_machine(&m.arn).unwrap(), None);
    store.create_state_machine(machine("m", "def3")).unwrap();
    assert_eq!(store.state_machine(&m.arn).unwrap().map(|r| r.definition), Some("def3".into()));
}
