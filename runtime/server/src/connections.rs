//! The connections HTTP Tasks use (`[[connections]]` in the config file): what an
//! `Authentication.ConnectionArn` of `…:connection/NAME/…` stands for. Secrets can come from
//! the environment (`password_env`, `api_key_value_env`) rather than the file.
//!
//! ```toml
//! [[connections]]
//! name = "payments"
//! endpoints = ["https://api.example.com/v1/"]   # the URL prefixes it may call
//! auth = "API_KEY"                               # API_KEY, BASIC or NONE
//! api_key_name = "x-api-key"
//! api_key_value_env = "PAYMENTS_KEY"
//! headers = { "X-Team" = "edge" }                # also `query` and `body`
//! ```

use std::collections::BTreeMap;

use engine::{Connection, ConnectionAuth};
use serde::Deserialize;

use crate::config::ConfigError;

/// A connection as the config file spells it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionSpec {
    pub name: String,
    pub endpoints: Vec<String>,
    /// `API_KEY`, `BASIC` or `NONE`.
    pub auth: String,
    pub api_key_name: Option<String>,
    pub api_key_value: Option<String>,
    pub api_key_value_env: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub password_env: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    #[serde(default)]
    pub body: BTreeMap<String, String>,
}

impl ConnectionSpec {
    /// The engine's connection, its secrets read from `env` where the spec names a variable.
    pub fn resolve(&self, at: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Connection, ConfigError> {
        let err = |m: String| ConfigError(format!("{at} ({}): {m}", self.name));
        if self.name.is_empty() || !self.name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return Err(err("name must be letters, digits, '-', '_' and '.'".into()));
        }
        if self.endpoints.is_empty() {
            return Err(err("endpoints must list the URL prefixes the connection may call".into()));
        }
        for e in &self.endpoints {
            let ok = e.parse::<hyper::Uri>().is_ok_and(|u| matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some_and(|h| !h.is_empty()));
            if !ok {
                return Err(err(format!("endpoint '{e}' is not an http or https URL")));
            }
        }
        // A value given in the file, or read from the variable the file names.
        let secret = |value: &Option<String>, var: &Option<String>, what: &str| -> Result<String, ConfigError> {
            match (value, var) {
                (Some(v), None) => Ok(v.clone()),
                (None, Some(var)) => env(var).ok_or_else(|| err(format!("{what}_env names {var}, which is not set"))),
                (Some(_), Some(_)) => Err(err(format!("give {what} or {what}_env, not both"))),
                (None, None) => Err(err(format!("{} needs {what} or {what}_env", self.auth))),
            }
        };
        let auth = match self.auth.as_str() {
            "NONE" => ConnectionAuth::None,
            "BASIC" => ConnectionAuth::Basic {
                username: self.username.clone().ok_or_else(|| err("BASIC needs username".into()))?,
                password: secret(&self.password, &self.password_env, "password")?,
            },
            "API_KEY" => ConnectionAuth::ApiKey {
                name: self.api_key_name.clone().ok_or_else(|| err("API_KEY needs api_key_name".into()))?,
                value: secret(&self.api_key_value, &self.api_key_value_env, "api_key_value")?,
            },
            other => return Err(err(format!("auth '{other}' is not API_KEY, BASIC or NONE"))),
        };
        let pairs = |m: &BTreeMap<String, String>| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        Ok(Connection {
            name: self.name.clone(),
            endpoints: self.endpoints.clone(),
            auth,
            headers: pairs(&self.headers),
            query: pairs(&self.query),
            body: pairs(&self.body),
        })
    }
}

/// Every connection of the file, resolved; names must be unique.
pub fn resolve_all(specs: &[ConnectionSpec], env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Connection>, ConfigError> {
    let mut out: Vec<Connection> = Vec::new();
    for (i, s) in specs.iter().enumerate() {
        let c = s.resolve(&format!("connections[{i}]"), env)?;
        if out.iter().any(|o| o.name == c.name) {
            return Err(ConfigError(format!("connections[{i}]: a connection named '{}' is already configured", c.name)));
        }
        out.push(c);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<ConnectionSpec> {
        #[derive(Deserialize)]
        struct File {
            connections: Vec<ConnectionSpec>,
        }
        toml::from_str::<File>(text).unwrap().connections
    }

    #[test]
    fn connections_resolve_their_secrets_and_refuse_what_is_missing() {
        let specs = parse(
            r#"
            [[connections]]
            name = "payments"
            endpoints = ["https://api.example.com/v1/"]
            auth = "API_KEY"
            api_key_name = "x-api-key"
            api_key_value_env = "PAY_KEY"
            headers = { "X-Team" = "edge" }

            [[connections]]
            name = "intranet"
            endpoints = ["http://10.0.0.5:8080/"]
            auth = "BASIC"
            username = "svc"
            password = "pw"
            "#,
        );
        let env = |k: &str| (k == "PAY_KEY").then(|| "k-123".to_string());
        let all = resolve_all(&specs, &env).unwrap();
        assert_eq!(all[0].auth, ConnectionAuth::ApiKey { name: "x-api-key".into(), value: "k-123".into() });
        assert_eq!(all[0].headers, [("X-Team".to_string(), "edge".to_string())]);
        assert_eq!(all[1].auth, ConnectionAuth::Basic { username: "svc".into(), password: "pw".into() });
        assert!(!format!("{:?}", all[1]).contains("pw"), "Debug leaves the secret out");

        let e = resolve_all(&specs, &|_| None).unwrap_err().0;
        assert!(e.contains("connections[0] (payments): api_key_value_env names PAY_KEY, which is not set"), "{e}");
        let bad = |edit: &dyn Fn(&mut ConnectionSpec)| {
            let mut s = specs[1].clone();
            edit(&mut s);
            s.resolve("connections[1]", &env).unwrap_err().0
        };
        assert!(bad(&|s| s.endpoints.clear()).contains("endpoints must list"));
        assert!(bad(&|s| s.endpoints = vec!["ftp://x".into()]).contains("'ftp://x' is not an http or https URL"));
        assert!(bad(&|s| s.auth = "OAUTH_CLIENT_CREDENTIALS".into()).contains("is not API_KEY, BASIC or NONE"));
        assert!(bad(&|s| s.password_env = Some("X".into())).contains("not both"));
        assert!(bad(&|s| s.name = "a/b".into()).contains("name must be"));
        let twice = [specs[1].clone(), specs[1].clone()];
        assert!(resolve_all(&twice, &env).unwrap_err().0.contains("already configured"));
    }
}
