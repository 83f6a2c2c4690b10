//! Splitting an absolute URL into the parts `wasi:http` asks for.

use stepwasm_guest::TaskError;
use wasi::http::types::Scheme;

use crate::errors::HTTP_INVALID_REQUEST;

/// Longest URL accepted.
pub const MAX_URL_LEN: usize = 8192;

/// Where a request goes.
#[derive(Debug, Clone)]
pub struct Target {
    /// `http` or `https`.
    pub scheme: Scheme,
    /// `host[:port]`.
    pub authority: String,
    /// Path and query, starting with `/` (the fragment is dropped).
    pub path_with_query: String,
}

impl Target {
    /// The URL without its query string, for messages.
    pub fn display(&self) -> String {
        let scheme = match &self.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
            Scheme::Other(s) => s.as_str(),
        };
        let path = self.path_with_query.split('?').next().unwrap_or("/");
        format!("{scheme}://{}{path}", self.authority)
    }
}

fn invalid(url: &str, why: impl std::fmt::Display) -> TaskError {
    // Show at most the part before the query, which may hold secrets.
    let shown: String = url
        .split('?')
        .next()
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    TaskError::new(
        HTTP_INVALID_REQUEST,
        format!("invalid url {shown:?}: {why}"),
    )
}

/// Parses an absolute `http`/`https` URL.
///
/// Rejected: other schemes, an empty host, credentials (`user@host`; send an
/// `Authorization` header instead), a bad port, spaces or control characters,
/// and URLs longer than [`MAX_URL_LEN`].
pub fn parse_url(url: &str) -> Result<Target, TaskError> {
    if url.len() > MAX_URL_LEN {
        return Err(invalid(url, format!("longer than {MAX_URL_LEN} bytes")));
    }
    if let Some(c) = url.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(
            url,
            format!("contains the character {c:?}; percent-encode it"),
        ));
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(invalid(
            url,
            "must be absolute, such as https://example.com/path",
        ));
    };
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => {
            return Err(invalid(
                url,
                format!("scheme {other:?} is not supported; use http or https"),
            ))
        }
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err(invalid(
            url,
            "credentials in the URL are not supported; send an Authorization header",
        ));
    }
    check_authority(authority).map_err(|why| invalid(url, why))?;
    let tail = tail.split('#').next().unwrap_or("");
    let path_with_query = if tail.starts_with('/') {
        tail.to_string()
    } else {
        format!("/{tail}")
    };
    Ok(Target {
        scheme,
        authority: authority.to_string(),
        path_with_query,
    })
}

fn check_authority(authority: &str) -> Result<(), String> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let Some((v6, after)) = rest.split_once(']') else {
            return Err("unclosed '[' in the host".to_string());
        };
        if v6.is_empty()
            || !v6
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err(format!("[{v6}] is not an IPv6 address"));
        }
        match after {
            "" => (v6, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (v6, Some(port)),
                None => return Err(format!("unexpected {after:?} after the IPv6 address")),
            },
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err("the host is missing".to_string());
    }
    if !authority.starts_with('[')
        && !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '%'))
    {
        return Err(format!(
            "host {host:?} contains characters that are not allowed"
        ));
    }
    if let Some(port) = port {
        match port.parse::<u16>() {
            Ok(p) if p > 0 && port.chars().all(|c| c.is_ascii_digit()) => {}
            _ => return Err(format!("port {port:?} is not a number from 1 to 65535")),
        }
    }
    Ok(())
}
