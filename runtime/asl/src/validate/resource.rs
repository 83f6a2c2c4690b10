//! Which Task `Resource` values a definition may name, as AWS decides at create time, plus
//! stepwasm's own `wasm:NAME`.
//!
//! AWS refuses a resource it does not recognise before anything runs: an optimized integration
//! it does not offer (`arn:aws:states:::dynamodb:scan`), an integration pattern the service does
//! not support (`dynamodb:getItem.sync`, `lambda:invoke.sync`), `.sync` on an AWS SDK
//! integration, or a value that is no resource ARN at all. The catalogue below follows AWS's
//! table of optimized integrations (service, API actions, and which of Request Response, Run a
//! Job `.sync` and Wait for Callback `.waitForTaskToken` each supports). For services whose API
//! list is long or still growing (SageMaker, EKS, EMR, Bedrock, …) only the pattern is checked,
//! so a definition AWS accepts is never refused here for lack of an entry. AWS SDK integrations
//! (`aws-sdk:SERVICE:apiAction`, over two hundred services) are checked for shape and pattern.

// Integration patterns, as bits: what a resource asks for, what a service supports.
const RESPONSE: u8 = 1;
const SYNC: u8 = 2;
const SYNC2: u8 = 4;
const CALLBACK: u8 = 8;

/// The API actions of an optimized integration: a fixed list, or any name.
enum Actions {
    Only(&'static [&'static str]),
    Any,
}

/// `(service, actions, patterns)` of every optimized integration.
const OPTIMIZED: &[(&str, Actions, u8)] = &[
    ("apigateway", Actions::Only(&["invoke"]), RESPONSE | CALLBACK),
    (
        "athena",
        Actions::Only(&["startQueryExecution", "stopQueryExecution", "getQueryExecution", "getQueryResults"]),
        RESPONSE | SYNC,
    ),
    ("batch", Actions::Only(&["submitJob"]), RESPONSE | SYNC),
    ("bedrock", Actions::Any, RESPONSE | SYNC | CALLBACK),
    ("codebuild", Actions::Any, RESPONSE | SYNC),
    ("databrew", Actions::Only(&["startJobRun"]), RESPONSE | SYNC),
    ("dynamodb", Actions::Only(&["getItem", "putItem", "updateItem", "deleteItem"]), RESPONSE),
    ("ecs", Actions::Only(&["runTask"]), RESPONSE | SYNC | CALLBACK),
    ("eks", Actions::Any, RESPONSE | SYNC | CALLBACK),
    ("elasticmapreduce", Actions::Any, RESPONSE | SYNC),
    ("emr-containers", Actions::Any, RESPONSE | SYNC),
    ("emr-serverless", Actions::Any, RESPONSE | SYNC),
    ("events", Actions::Only(&["putEvents"]), RESPONSE | CALLBACK),
    ("glue", Actions::Only(&["startJobRun"]), RESPONSE | SYNC),
    ("http", Actions::Only(&["invoke"]), RESPONSE),
    ("lambda", Actions::Only(&["invoke"]), RESPONSE | CALLBACK),
    ("mediaconvert", Actions::Only(&["createJob"]), RESPONSE | SYNC),
    ("sagemaker", Actions::Any, RESPONSE | SYNC),
    ("sns", Actions::Only(&["publish"]), RESPONSE | CALLBACK),
    ("sqs", Actions::Only(&["sendMessage"]), RESPONSE | CALLBACK),
    ("states", Actions::Only(&["startExecution"]), RESPONSE | SYNC | SYNC2 | CALLBACK),
];

/// AWS's message for a resource it does not recognise.
pub(super) fn not_recognized(resource: &str) -> String {
    format!(
        "The resource provided {resource} is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."
    )
}

/// `true` when a Task may name `resource`: `wasm:NAME`, a Lambda function ARN, an activity
/// ARN, an optimized integration with a pattern it supports, or an AWS SDK integration.
pub(super) fn recognized(resource: &str) -> bool {
    if let Some(name) = resource.strip_prefix("wasm:") {
        let name = name.strip_suffix(".waitForTaskToken").unwrap_or(name);
        return !name.is_empty() && !name.contains(':');
    }
    let parts: Vec<&str> = resource.split(':').collect();
    if parts.len() < 6 || parts[0] != "arn" || !parts[1].starts_with("aws") {
        return false;
    }
    match (parts[2], parts[3], parts[4], parts[5]) {
        // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
        ("lambda", region, account, "function") => {
            !region.is_empty() && !account.is_empty() && matches!(parts.len(), 7 | 8) && parts[6..].iter().all(|p| !p.is_empty())
        }
        ("states", _, _, "activity") => is_activity_arn(resource),
        // arn:aws:states:::SERVICE:ACTION[.PATTERN], arn:aws:states:::aws-sdk:SERVICE:ACTION[.PATTERN]
        ("states", "", "", _) => integration(&parts[5..]),
        _ => false,
    }
}

/// `arn:aws:states:REGION:ACCOUNT:activity:NAME`, every part present.
pub(super) fn is_activity_arn(resource: &str) -> bool {
    let parts: Vec<&str> = resource.split(':').collect();
    parts.len() == 7
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "states"
        && parts[5] == "activity"
        && [parts[3], parts[4], parts[6]].iter().all(|p| !p.is_empty())
}

/// `SERVICE:ACTION[.PATTERN]` or `aws-sdk:SERVICE:ACTION[.PATTERN]`.
fn integration(parts: &[&str]) -> bool {
    // `.sync:2` splits at its colon: a last part `2` belongs to the pattern.
    let (parts, sync2) = match parts {
        [rest @ .., "2"] => (rest, true),
        _ => (parts, false),
    };
    let (sdk, service, rest) = match parts {
        ["aws-sdk", service, action] => (true, *service, *action),
        [service, action] => (false, *service, *action),
        _ => return false,
    };
    let (action, pattern) = match rest.split_once('.') {
        None if !sync2 => (rest, RESPONSE),
        Some((action, "sync")) if sync2 => (action, SYNC2),
        Some((action, "sync")) => (action, SYNC),
        Some((action, "waitForTaskToken")) if !sync2 => (action, CALLBACK),
        _ => return false,
    };
    if service.is_empty() || action.is_empty() {
        return false;
    }
    if sdk {
        return pattern & (RESPONSE | CALLBACK) != 0;
    }
    OPTIMIZED.iter().any(|(name, actions, patterns)| {
        *name == service
            && patterns & pattern != 0
            && match actions {
                Actions::Only(list) => list.contains(&action),
                Actions::Any => true,
            }
    })
}

#[cfg(test)]
mod tests {
    use super::recognized;

    #[test]
    fn accepts_the_forms_aws_and_stepwasm_run() {
        for r in [
            "wasm:validate-order",
            "wasm:f.waitForTaskToken",
            "arn:aws:lambda:us-east-1:123456789012:function:transform",
            "arn:aws:lambda:us-east-1:123456789012:function:transform:live",
            "arn:aws:states:us-east-1:111111111111:activity:work",
            "arn:aws:states:::lambda:invoke",
            "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "arn:aws:states:::dynamodb:getItem",
            "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "arn:aws:states:::states:startExecution.sync",
            "arn:aws:states:::states:startExecution.sync:2",
            "arn:aws:states:::ecs:runTask.sync",
            "arn:aws:states:::sagemaker:createTrainingJob.sync",
            "arn:aws:states:::http:invoke",
            "arn:aws:states:::aws-sdk:s3:getObject",
            "arn:aws:states:::aws-sdk:dynamodb:scan.waitForTaskToken",
            "arn:aws-cn:states:::sns:publish",
        ] {
            assert!(recognized(r), "{r} should be recognised");
        }
    }

    #[test]
    fn refuses_what_aws_does_not_recognise() {
        for r in [
            "",
            "wasm:",
            "validate-order",
            "arn:aws:states:::dynamodb:scan",
            "arn:aws:states:::dynamodb:getItem.sync",
            "arn:aws:states:::dynamodb:putItem.waitForTaskToken",
            "arn:aws:states:::lambda:invoke.sync",
            "arn:aws:states:::lambda:invoke.sync:2",
            "arn:aws:states:::sqs:sendMessage.sync",
            "arn:aws:states:::ecs:runTask.sync:2",
            "arn:aws:states:::ecs:runTask.later",
            "arn:aws:states:::nosuchservice:doIt",
            "arn:aws:states:::aws-sdk:s3:getObject.sync",
            "arn:aws:states:::aws-sdk:s3",
            "arn:aws:states:::aws-sdk::getObject",
            "arn:aws:states:us-east-1::lambda:invoke",
            "arn:aws:states:::lambda",
            "arn:aws:lambda:us-east-1:123456789012:function:",
            "arn:aws:lambda:::function:transform",
            "arn:aws:states:us-east-1:111111111111:activity:",
            "arn:aws:s3:::bucket",
            "arn:other:states:::lambda:invoke",
        ] {
            assert!(!recognized(r), "{r} should be refused");
        }
    }
}
