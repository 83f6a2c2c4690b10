//! What a function may touch and how much it may use, fixed when the function is loaded.
//!
//! The default grants nothing: no filesystem, no environment variables, no network, no
//! inherited stdio. Each capability is listed explicitly.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Capabilities and limits of one function.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Grants {
    /// Host directories made visible to the guest.
    pub dirs: Vec<DirGrant>,
    /// Environment variables the guest sees (and no others).
    pub env: BTreeMap<String, String>,
    /// Hosts the guest may reach with outbound HTTP (`wasi:http`). An entry is `host`,
    /// `host:port`, `*.domain` or `*.domain:port`; without a port any port matches.
    /// `*.domain` matches subdomains of `domain`, not `domain` itself.
    pub http_hosts: Vec<String>,
    /// Resource limits.
    pub limits: Limits,
}

/// A host directory preopened for the guest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirGrant {
    /// The directory on the host.
    pub host_path: PathBuf,
    /// The path under which the guest sees it, e.g. `/data`.
    pub guest_path: String,
    /// Whether the guest may create, modify and delete entries. Read-only by default.
    #[serde(default)]
    pub writable: bool,
}

/// Resource limits of one function.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// The most linear memory the guest may hold, in bytes, summed over its memories.
    pub memory_bytes: u64,
    /// The function's own timeout in milliseconds. A call uses the smaller of this and the
    /// Task state's timeout; when neither is set the sandbox's default applies.
    pub timeout_ms: Option<u64>,
    /// Fuel (roughly, WebAssembly instructions) one call may consume; `None` is unlimited.
    /// Needs a sandbox created with fuel metering.
    pub fuel: Option<u64>,
    /// The largest result (component) or stdout (command), in bytes.
    pub max_output_bytes: u64,
    /// The most bytes of log lines, and separately of captured stdout and stderr, kept per
    /// call; older output is dropped first.
    pub max_log_bytes: u64,
}

/// Default memory limit: 128 MiB.
pub const DEFAULT_MEMORY_BYTES: u64 = 128 << 20;
/// Default output limit: 256 KiB, the Step Functions payload limit.
pub const DEFAULT_MAX_OUTPUT_BYTES: u64 = 256 * 1024;
/// Default log limit: 64 KiB.
pub const DEFAULT_MAX_LOG_BYTES: u64 = 64 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: DEFAULT_MEMORY_BYTES,
            timeout_ms: None,
            fuel: None,
            max_output_bytes: DEFAULT_MAX_OUTPUT_BYTES,
            max_log_bytes: DEFAULT_MAX_LOG_BYTES,
        }
    }
}

/// One parsed entry of [`Grants::http_hosts`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HostPattern {
    /// Lower-cased host; for a wildcard, the suffix including the leading dot (`.example.com`).
    host: String,
    wildcard: bool,
    port: Option<u16>,
}

impl HostPattern {
    /// Parses `host`, `host:port`, `*.domain` or `*.domain:port`.
    pub(crate) fn parse(entry: &str) -> Result<HostPattern, String> {
        let entry = entry.trim();
        if entry.is_empty() {
            return Err("empty host".to_string());
        }
        if entry.contains("://") || entry.contains('/') {
            return Err(format!(
                "`{entry}` must be a host or host:port, without scheme or path"
            ));
        }
        let (host, port) = match entry.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') => {
                let port = port
                    .parse::<u16>()
                    .map_err(|_| format!("`{entry}` has an invalid port `{port}`"))?;
                (host, Some(port))
            }
            _ => (entry, None),
        };
        let (host, wildcard) = match host.strip_prefix("*.") {
            Some(rest) => (rest, true),
            None => (host, false),
        };
        let valid = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_');
        if !valid {
            return Err(format!("`{entry}` is not a valid host name or address"));
        }
        let host = host.to_ascii_lowercase();
        Ok(HostPattern {
            host: if wildcard { format!(".{host}") } else { host },
            wildcard,
            port,
        })
    }

    /// Whether a request to `host` on `port` is allowed by this pattern.
    pub(crate) fn matches(&self, host: &str, port: u16) -> bool {
        if self.port.is_some_and(|p| p != port) {
            return false;
        }
        let host = host.to_ascii_lowercase();
        if self.wildcard {
            host.ends_with(&self.host) && host.len() > self.host.len()
        } else {
            host == self.host
        }
    }
}

impl Grants {
    /// Whether a call can change nothing outside its own result: no outbound HTTP and no
    /// writable directory (reading granted directories and the environment changes nothing).
    /// The engine may start such a call before the history that asks for it is durable,
    /// since running it again after a crash is indistinguishable from running it once.
    pub fn is_confined(&self) -> bool {
        self.http_hosts.is_empty() && self.dirs.iter().all(|d| !d.writable)
    }

    /// Checks every grant and limit; `max_memory_bytes` and `fuel_metering` come from the
    /// sandbox. Returns the parsed HTTP allow-list.
    pub(crate) fn validate(
        &self,
        max_memory_bytes: u64,
        fuel_metering: bool,
    ) -> Result<Vec<HostPattern>, String> {
        let mut guest_paths = std::collections::BTreeSet::new();
        for (i, dir) in self.dirs.iter().enumerate() {
            if dir.guest_path.is_empty() {
                return Err(format!("dirs[{i}]: guest_path is empty"));
            }
            if !guest_paths.insert(dir.guest_path.as_str()) {
                return Err(format!(
                    "dirs[{i}]: guest_path `{}` is granted twice",
                    dir.guest_path
                ));
            }
            match std::fs::metadata(&dir.host_path) {
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => {
                    return Err(format!(
                        "dirs[{i}]: host_path {} is not a directory",
                        dir.host_path.display()
                    ))
                }
                Err(e) => {
                    return Err(format!(
                        "dirs[{i}]: host_path {}: {e}",
                        dir.host_path.display()
                    ))
                }
            }
        }
        for (key, value) in &self.env {
            if key.is_empty() || key.contains('=') || key.contains('\0') {
                return Err(format!(
                    "env: variable name `{}` must be non-empty and contain neither '=' nor NUL",
                    key.escape_debug()
                ));
            }
            if value.contains('\0') {
                return Err(format!("env: value of `{key}` contains NUL"));
            }
        }
        let hosts = self
            .http_hosts
            .iter()
            .enumerate()
            .map(|(i, h)| HostPattern::parse(h).map_err(|e| format!("http_hosts[{i}]: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let limits = &self.limits;
        if limits.memory_bytes == 0 || limits.memory_bytes > max_memory_bytes {
            return Err(format!(
                "limits.memory_bytes must be between 1 and the sandbox maximum of {max_memory_bytes}, got {}",
                limits.memory_bytes
            ));
        }
        if limits.timeout_ms == Some(0) {
            return Err("limits.timeout_ms must be at least 1".to_string());
        }
        if limits.max_output_bytes == 0 {
            return Err("limits.max_output_bytes must be at least 1".to_string());
        }
        if limits.fuel.is_some() && !fuel_metering {
            return Err(
                "limits.fuel is set but the sandbox was created without fuel metering"
                    .to_string(),
            );
        }
        Ok(hosts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_network_and_writable_directories_reach_outside() {
        assert!(Grants::default().is_confined());
        let dir = |writable| DirGrant { host_path: "/tmp".into(), guest_path: "/d".into(), writable };
        let mut g = Grants { env: BTreeMap::from([("K".to_string(), "v".to_string())]), dirs: vec![dir(false)], ..Grants::default() };
        assert!(g.is_confined(), "reading a directory and the environment change nothing");
        g.dirs.push(dir(true));
        assert!(!g.is_confined(), "a writable directory");
        let net = Grants { http_hosts: vec!["api.example.com".into()], ..Grants::default() };
        assert!(!net.is_confined(), "outbound HTTP");
    }

    #[test]
    fn host_patterns_match_hosts_and_ports() {
        let exact = HostPattern::parse("API.example.com").expect("valid");
        assert!(exact.matches("api.example.com", 443));
        assert!(exact.matches("api.example.com", 8080));
        assert!(!exact.matches("example.com", 443));
        assert!(!exact.matches("evil-api.example.com", 443));

        let ported = HostPattern::parse("127.0.0.1:8080").expect("valid");
        assert!(ported.matches("127.0.0.1", 8080));
        assert!(!ported.matches("127.0.0.1", 8081));

        let wild = HostPattern::parse("*.example.com").expect("valid");
        assert!(wild.matches("a.example.com", 443));
        assert!(wild.matches("a.b.example.com", 80));
        assert!(!wild.matches("example.com", 443));
        assert!(!wild.matches("badexample.com", 443));
    }

    #[test]
    fn host_patterns_reject_urls_and_bad_ports() {
        assert!(HostPattern::parse("https://example.com")
            .unwrap_err()
            .contains("without scheme"));
        assert!(HostPattern::parse("example.com:99999")
            .unwrap_err()
            .contains("invalid port"));
        assert!(HostPattern::parse("").unwrap_err().contains("empty"));
        assert!(HostPattern::parse("exa mple.com")
            .unwrap_err()
            .contains("not a valid host"));
    }

    #[test]
    fn validate_names_the_bad_grant() {
        let mut grants = Grants::default();
        grants.env.insert("A=B".to_string(), "x".to_string());
        assert!(grants.validate(1 << 30, true).unwrap_err().starts_with("env:"));

        let mut grants = Grants::default();
        grants.dirs.push(DirGrant {
            host_path: PathBuf::from("/nonexistent/stepwasm-sandbox-test"),
            guest_path: "/data".to_string(),
            writable: false,
        });
        assert!(grants.validate(1 << 30, true).unwrap_err().starts_with("dirs[0]"));

        let mut grants = Grants::default();
        grants.limits.memory_bytes = 2 << 30;
        assert!(grants
            .validate(1 << 30, true)
            .unwrap_err()
            .contains("limits.memory_bytes"));

        let mut grants = Grants::default();
        grants.limits.fuel = Some(10);
        assert!(grants
            .validate(1 << 30, false)
            .unwrap_err()
            .contains("fuel metering"));
    }

    #[test]
    fn grants_deserialize_with_defaults() {
        let grants: Grants = serde_json::from_str(
            r#"{"env": {"A": "1"}, "limits": {"timeout_ms": 500}, "http_hosts": ["x.com"]}"#,
        )
        .expect("valid grants");
        assert_eq!(grants.env.get("A").map(String::as_str), Some("1"));
        assert_eq!(grants.limits.timeout_ms, Some(500));
        assert_eq!(grants.limits.memory_bytes, DEFAULT_MEMORY_BYTES);
        assert!(grants.dirs.is_empty());
        let err = serde_json::from_str::<Grants>(r#"{"network": true}"#).unwrap_err();
        assert!(err.to_string().contains("network"));
    }
}
