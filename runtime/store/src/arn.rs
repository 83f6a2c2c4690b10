//! ARNs and resource names, as AWS Step Functions spells them.
//!
//! Everybody (engine, API, store) builds and reads ARNs through this module so that they agree.
//! Formats (partition `aws`):
//!
//! | resource | ARN |
//! | --- | --- |
//! | state machine | `arn:aws:states:{region}:{account}:stateMachine:{name}` |
//! | version | `…:stateMachine:{name}:{n}` (n = 1, 2, …) |
//! | alias | `…:stateMachine:{name}:{alias}` |
//! | standard execution | `arn:aws:states:{region}:{account}:execution:{machine}:{name}` |
//! | express execution | `…:express:{machine}:{name}:{uuid}` |
//! | activity | `…:activity:{name}` |

use std::fmt;

/// Region used when the configuration names none.
pub const DEFAULT_REGION: &str = "us-east-1";
/// Account used when the configuration names none (the one AWS's local tools use).
pub const DEFAULT_ACCOUNT: &str = "123456789012";

/// Where ARNs are minted: the region and account from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnContext {
    pub region: String,
    pub account: String,
}

impl Default for ArnContext {
    fn default() -> Self {
        ArnContext { region: DEFAULT_REGION.to_string(), account: DEFAULT_ACCOUNT.to_string() }
    }
}

impl ArnContext {
    fn arn(&self, resource: Resource) -> Arn {
        Arn { region: self.region.clone(), account: self.account.clone(), resource }
    }
    /// `arn:aws:lambda:{region}:{account}:function:{name}`: how Lambda-style resources name
    /// the uploaded function `name`.
    pub fn lambda_function(&self, name: &str) -> String {
        format!("arn:aws:lambda:{}:{}:function:{name}", self.region, self.account)
    }
    /// `arn:aws:states:{region}:{account}:stateMachine:{name}`
    pub fn state_machine(&self, name: &str) -> String {
        self.arn(Resource::StateMachine { name: name.into() }).to_string()
    }
    /// `…:stateMachine:{name}:{n}`
    pub fn version(&self, machine: &str, n: u64) -> String {
        self.arn(Resource::Version { machine: machine.into(), n }).to_string()
    }
    /// `…:stateMachine:{name}:{alias}`
    pub fn alias(&self, machine: &str, alias: &str) -> String {
        self.arn(Resource::Alias { machine: machine.into(), alias: alias.into() }).to_string()
    }
    /// `arn:aws:states:{region}:{account}:execution:{machine}:{name}`
    pub fn execution(&self, machine: &str, name: &str) -> String {
        self.arn(Resource::Execution { machine: machine.into(), name: name.into() }).to_string()
    }
    /// `…:express:{machine}:{name}:{uuid}`
    pub fn express_execution(&self, machine: &str, name: &str, id: &str) -> String {
        self.arn(Resource::ExpressExecution { machine: machine.into(), name: name.into(), id: id.into() })
            .to_string()
    }
    /// `…:activity:{name}`
    pub fn activity(&self, name: &str) -> String {
        self.arn(Resource::Activity { name: name.into() }).to_string()
    }
}

/// A parsed Step Functions ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn {
    pub region: String,
    pub account: String,
    pub resource: Resource,
}

/// What a Step Functions ARN names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    StateMachine { name: String },
    /// A published version; `n` starts at 1.
    Version { machine: String, n: u64 },
    Alias { machine: String, alias: String },
    /// `machine` is `NAME/LABEL` for a child execution of a Distributed Map run.
    Execution { machine: String, name: String },
    ExpressExecution { machine: String, name: String, id: String },
    Activity { name: String },
}

impl Arn {
    /// Parses a Step Functions ARN; the error names what is wrong with it.
    pub fn parse(arn: &str) -> Result<Arn, ArnError> {
        let bad = |reason: &str| ArnError { arn: arn.to_string(), reason: reason.to_string() };
        let mut parts = arn.split(':');
        let (Some("arn"), Some(partition), Some("states"), Some(region), Some(account), Some(kind)) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("expected arn:aws:states:REGION:ACCOUNT:TYPE:NAME"));
        };
        if partition.is_empty() {
            return Err(bad("the partition is empty"));
        }
        if region.is_empty() || account.is_empty() {
            return Err(bad("the region or account is empty"));
        }
        let rest: Vec<&str> = parts.collect();
        let name = |s: &str| -> Result<String, ArnError> {
            validate_name(s).map_err(|e| bad(&e.to_string()))?;
            Ok(s.to_string())
        };
        let resource = match (kind, rest.as_slice()) {
            ("stateMachine", [m]) => Resource::StateMachine { name: name(m)? },
            ("stateMachine", [m, q]) if !q.is_empty() && q.bytes().all(|b| b.is_ascii_digit()) => {
                let n = q.parse::<u64>().map_err(|_| bad("the version number is out of range"))?;
                if n == 0 {
                    return Err(bad("version numbers start at 1"));
                }
                Resource::Version { machine: name(m)?, n }
            }
            ("stateMachine", [m, a]) => Resource::Alias { machine: name(m)?, alias: name(a)? },
            // A child execution of a map run: `execution:MACHINE/LABEL:NAME`.
            ("execution", [m, e]) => match m.split_once('/') {
                Some((machine, label)) => {
                    Resource::Execution { machine: format!("{}/{}", name(machine)?, name(label)?), name: name(e)? }
                }
                None => Resource::Execution { machine: name(m)?, name: name(e)? },
            },
            ("express", [m, e, id]) if !id.is_empty() => {
                Resource::ExpressExecution { machine: name(m)?, name: name(e)?, id: id.to_string() }
            }
            ("activity", [a]) => Resource::Activity { name: name(a)? },
            ("stateMachine" | "execution" | "express" | "activity", _) => {
                return Err(bad(&format!("wrong number of ':'-separated parts for a {kind} ARN")))
            }
            _ => return Err(bad(&format!("unknown resource type {kind:?}"))),
        };
        Ok(Arn { region: region.to_string(), account: account.to_string(), resource })
    }

    /// The ARN of the state machine this resource belongs to (itself for a state machine);
    /// `None` for an activity.
    pub fn state_machine_arn(&self) -> Option<String> {
        let machine = match &self.resource {
            Resource::StateMachine { name } => name,
            Resource::Version { machine, .. }
            | Resource::Alias { machine, .. }
            | Resource::Execution { machine, .. }
            | Resource::ExpressExecution { machine, .. } => machine,
            Resource::Activity { .. } => return None,
        };
        let ctx = ArnContext { region: self.region.clone(), account: self.account.clone() };
        Some(ctx.state_machine(machine))
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "arn:aws:states:{}:{}:", self.region, self.account)?;
        match &self.resource {
            Resource::StateMachine { name } => write!(f, "stateMachine:{name}"),
            Resource::Version { machine, n } => write!(f, "stateMachine:{machine}:{n}"),
            Resource::Alias { machine, alias } => write!(f, "stateMachine:{machine}:{alias}"),
            Resource::Execution { machine, name } => write!(f, "execution:{machine}:{name}"),
            Resource::ExpressExecution { machine, name, id } => write!(f, "express:{machine}:{name}:{id}"),
            Resource::Activity { name } => write!(f, "activity:{name}"),
        }
    }
}

/// The label of a qualified state machine ARN, `…:stateMachine:NAME/LABEL`: it names a
/// Distributed Map state (the machine its child executions run), not a state machine. AWS
/// refuses it where a state machine is expected with a ValidationException.
pub fn map_label(arn: &str) -> Option<&str> {
    let (_, rest) = arn.split_once(":stateMachine:")?;
    let (_, label) = rest.split_once('/')?;
    Some(label)
}

/// An ARN that is not a Step Functions ARN of the expected shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid ARN {arn:?}: {reason}")]
pub struct ArnError {
    pub arn: String,
    pub reason: String,
}

/// A resource name AWS would reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error("the name is {0} characters long; at most 80 are allowed")]
    TooLong(usize),
    #[error("the name contains {0:?} at character {1}, which is not allowed")]
    Forbidden(char, usize),
}

/// Checks a state machine, execution, alias or activity name: 1..80 characters, none of
/// whitespace, `< > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : /`, control characters or
/// U+FFFE/U+FFFF.
pub fn validate_name(name: &str) -> Result<(), NameError> {
    let count = name.chars().count();
    if count == 0 {
        return Err(NameError::Empty);
    }
    if count > 80 {
        return Err(NameError::TooLong(count));
    }
    for (i, c) in name.chars().enumerate() {
        let forbidden = c.is_whitespace()
            || c.is_control()
            || matches!(c, '\u{FFFE}' | '\u{FFFF}')
            || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c);
        if forbidden {
            return Err(NameError::Forbidden(c, i + 1));
        }
    }
    Ok(())
}
