use crate::arn::{validate_name, Arn, ArnContext, NameError, Resource};

#[test]
fn builds_and_parses_every_kind_of_arn() {
    let ctx = ArnContext { region: "eu-west-1".into(), account: "111122223333".into() };
    let cases = [
        (ctx.state_machine("m"), Resource::StateMachine { name: "m".into() }),
        (ctx.version("m", 12), Resource::Version { machine: "m".into(), n: 12 }),
        (ctx.alias("m", "prod"), Resource::Alias { machine: "m".into(), alias: "prod".into() }),
        (ctx.execution("m", "e"), Resource::Execution { machine: "m".into(), name: "e".into() }),
        (
            ctx.express_execution("m", "e", "4f3726da"),
            Resource::ExpressExecution { machine: "m".into(), name: "e".into(), id: "4f3726da".into() },
        ),
        (ctx.activity("a"), Resource::Activity { name: "a".into() }),
    ];
    for (text, resource) in cases {
        let arn = Arn::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!((arn.region.as_str(), arn.account.as_str()), ("eu-west-1", "111122223333"));
        assert_eq!(arn.resource, resource);
        assert_eq!(arn.to_string(), text);
    }
    assert_eq!(ctx.alias("m", "prod"), "arn:aws:states:eu-west-1:111122223333:stateMachine:m:prod");
    let version = Arn::parse(&ctx.version("m", 3)).unwrap();
    assert_eq!(version.state_machine_arn(), Some(ctx.state_machine("m")));
    assert_eq!(Arn::parse(&ctx.activity("a")).unwrap().state_machine_arn(), None);
}

#[test]
fn a_child_execution_of_a_map_run_belongs_to_the_label_qualified_machine() {
    let child = "arn:aws:states:eu-west-1:111122223333:execution:m/Items:0935004d";
    let arn = Arn::parse(child).unwrap();
    assert_eq!(arn.resource, Resource::Execution { machine: "m/Items".into(), name: "0935004d".into() });
    assert_eq!(arn.to_string(), child);
    assert_eq!(arn.state_machine_arn().as_deref(), Some("arn:aws:states:eu-west-1:111122223333:stateMachine:m/Items"));
    for bad in ["arn:aws:states:eu-west-1:1:execution:m/:e", "arn:aws:states:eu-west-1:1:execution:m/a b:e"] {
        assert!(Arn::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn rejects_malformed_arns_with_a_reason() {
    for (arn, reason) in [
        ("", "expected arn:aws:states"),
        ("arn:aws:lambda:us-east-1:1:function:f", "expected arn:aws:states"),
        ("arn:aws:states:us-east-1:1:stateMachine", "wrong number"),
        ("arn:aws:states:us-east-1:1:stateMachine:a:b:c", "wrong number"),
        ("arn:aws:states:us-east-1:1:stateMachine:m:0", "start at 1"),
        ("arn:aws:states:us-east-1:1:bucket:m", "unknown resource type"),
        ("arn:aws:states::1:activity:a", "region or account"),
        ("arn:aws:states:us-east-1:1:activity:a b", "not allowed"),
    ] {
        let err = Arn::parse(arn).expect_err(arn);
        assert!(err.reason.contains(reason), "{arn}: {err}");
    }
}

#[test]
fn validates_names_as_aws() {
    assert_eq!(validate_name("order-processing_2"), Ok(()));
    assert_eq!(validate_name(&"x".repeat(80)), Ok(()));
    assert_eq!(validate_name(""), Err(NameError::Empty));
    assert_eq!(validate_name(&"é".repeat(81)), Err(NameError::TooLong(81)));
    for (name, c, at) in [("a b", ' ', 2), ("a/b", '/', 2), ("x:", ':', 2), ("tab\t", '\t', 4), ("{", '{', 1), ("\u{7f}", '\u{7f}', 1)] {
        assert_eq!(validate_name(name), Err(NameError::Forbidden(c, at)), "{name:?}");
    }
}
