//! Who may call the server. With no tokens configured everyone may (the server then listens on
//! loopback only, see [`crate::config`]). With tokens, a request must carry one, in either of
//! two ways:
//!
//! - `Authorization: Bearer <token>` (curl, the console, the `stepwasm` client);
//! - an AWS Signature Version 4 made with the token as the **secret access key** (any access
//!   key id), which is what the AWS CLI and SDKs send. The token itself never crosses the
//!   wire; the signature is checked, with AWS's 15-minute clock-skew limit.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// No credentials at all (401).
    Missing,
    /// Credentials that do not check out (403): the code and the message.
    Invalid(&'static str, String),
}

/// The parts of a request the check reads.
pub struct Signed<'a> {
    pub method: &'a str,
    /// The raw (percent-encoded) path.
    pub path: &'a str,
    pub query: Option<&'a str>,
    /// Every header as (lower-case name, value), in the order received.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    /// Seconds since the Unix epoch, now.
    pub now: i64,
}

/// The configured tokens.
#[derive(Clone, Default)]
pub struct Auth {
    tokens: Vec<String>,
}

/// The most a signed request's `X-Amz-Date` may differ from our clock.
const MAX_SKEW_SECONDS: i64 = 15 * 60;

impl Auth {
    pub fn new(tokens: Vec<String>) -> Auth {
        Auth { tokens }
    }

    /// Whether requests need a token at all.
    pub fn enabled(&self) -> bool {
        !self.tokens.is_empty()
    }

    /// Checks a request's credentials.
    pub fn check(&self, req: &Signed<'_>) -> Result<(), Denied> {
        if !self.enabled() {
            return Ok(());
        }
        let Some(authz) = header(req.headers, "authorization") else { return Err(Denied::Missing) };
        if let Some(token) = authz.strip_prefix("Bearer ").or_else(|| authz.strip_prefix("bearer ")) {
            let token = token.trim();
            return if self.tokens.iter().any(|t| ct_eq(t.as_bytes(), token.as_bytes())) {
                Ok(())
            } else {
                Err(Denied::Invalid("UnrecognizedClientException", "The security token included in the request is invalid.".into()))
            };
        }
        if let Some(rest) = authz.strip_prefix("AWS4-HMAC-SHA256 ") {
            return self.check_sigv4(rest, req);
        }
        Err(Denied::Invalid(
            "IncompleteSignatureException",
            "Authorization must be `Bearer <token>` or an AWS4-HMAC-SHA256 signature".into(),
        ))
    }

    fn check_sigv4(&self, params: &str, req: &Signed<'_>) -> Result<(), Denied> {
        let incomplete = |m: &str| Denied::Invalid("IncompleteSignatureException", m.to_string());
        let mut credential = None;
        let mut signed_headers = None;
        let mut signature = None;
        for part in params.split(',') {
            let part = part.trim();
            if let Some(v) = part.strip_prefix("Credential=") {
                credential = Some(v);
            } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
                signed_headers = Some(v);
            } else if let Some(v) = part.strip_prefix("Signature=") {
                signature = Some(v);
            }
        }
        let (Some(credential), Some(signed_headers), Some(signature)) = (credential, signed_headers, signature) else {
            return Err(incomplete("Authorization header requires Credential, SignedHeaders and Signature"));
        };
        // Credential=AKID/DATE/REGION/SERVICE/aws4_request
        let scope: Vec<&str> = credential.splitn(2, '/').collect();
        let Some(scope) = scope.get(1) else { return Err(incomplete("the Credential has no scope")) };
        let scope_parts: Vec<&str> = scope.split('/').collect();
        if scope_parts.len() != 4 || scope_parts[3] != "aws4_request" {
            return Err(incomplete("the Credential scope must be DATE/REGION/SERVICE/aws4_request"));
        }
        let Some(amz_date) = header(req.headers, "x-amz-date") else {
            return Err(incomplete("a signed request needs an X-Amz-Date header"));
        };
        let Some(when) = parse_amz_date(amz_date) else {
            return Err(incomplete("X-Amz-Date must be YYYYMMDDTHHMMSSZ"));
        };
        if (when - req.now).abs() > MAX_SKEW_SECONDS {
            return Err(Denied::Invalid(
                "InvalidSignatureException",
                format!("Signature expired: {amz_date} is more than 15 minutes away from the server's time"),
            ));
        }
        if !amz_date.starts_with(scope_parts[0]) {
            return Err(Denied::Invalid("InvalidSignatureException", "the Credential date does not match X-Amz-Date".into()));
        }
        let computed = hex::encode(Sha256::digest(req.body));
        let payload_hash = match header(req.headers, "x-amz-content-sha256") {
            Some("UNSIGNED-PAYLOAD") => "UNSIGNED-PAYLOAD".to_string(),
            Some(h) if h.eq_ignore_ascii_case(&computed) => h.to_string(),
            Some(_) => {
                return Err(Denied::Invalid("InvalidSignatureException", "x-amz-content-sha256 does not match the body".into()))
            }
            None => computed,
        };
        let names: Vec<&str> = signed_headers.split(';').collect();
        let mut canonical_headers = String::new();
        for name in &names {
            let values: Vec<String> = req
                .headers
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect();
            if values.is_empty() {
                return Err(incomplete(&format!("signed header '{name}' is not in the request")));
            }
            canonical_headers.push_str(name);
            canonical_headers.push(':');
            canonical_headers.push_str(&values.join(","));
            canonical_headers.push('\n');
        }
        let canonical_request = format!(
            "{}\n{}\n{}\n{}\n{}\n{}",
            req.method,
            canonical_uri(req.path),
            canonical_query(req.query.unwrap_or("")),
            canonical_headers,
            signed_headers,
            payload_hash
        );
        let string_to_sign =
            format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", hex::encode(Sha256::digest(canonical_request.as_bytes())));
        for token in &self.tokens {
            let mut key = hmac(format!("AWS4{token}").as_bytes(), scope_parts[0].as_bytes());
            for part in &scope_parts[1..] {
                key = hmac(&key, part.as_bytes());
            }
            let expected = hex::encode(hmac(&key, string_to_sign.as_bytes()));
            if ct_eq(expected.as_bytes(), signature.as_bytes()) {
                return Ok(());
            }
        }
        Err(Denied::Invalid(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key (it is the stepwasm token) and signing method.".into(),
        ))
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Equal without an early exit (the time does not tell how much of a token matched).
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `20261121T223824Z` as seconds since the epoch.
fn parse_amz_date(s: &str) -> Option<i64> {
    let dt = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", s).ok()?;
    Some(dt.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp().as_second())
}

/// RFC 3986 unreserved characters stay; everything else is `%XX` (upper case).
fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The path as the SDKs sign it for services other than S3: the path as sent, encoded again.
fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".into();
    }
    uri_encode(path, true)
}

/// Query parameters decoded, encoded strictly, sorted by name then value.
fn canonical_query(q: &str) -> String {
    let mut pairs: Vec<(String, String)> = q
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let d = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
            (uri_encode(&d(k), false), uri_encode(&d(v), false))
        })
        .collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// AWS's published SigV4 example (the "get-vanilla-query-order-key-case" case of the
    /// test suite): secret `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`, service `service`.
    #[test]
    fn the_aws_test_suite_example_verifies() {
        let auth = Auth::new(vec!["wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into()]);
        let h = headers(&[
            ("host", "example.amazonaws.com"),
            ("x-amz-date", "20150830T123600Z"),
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            ),
        ]);
        let now = parse_amz_date("20150830T123600Z").unwrap();
        let req = Signed { method: "GET", path: "/", query: Some("Param2=value2&Param1=value1"), headers: &h, body: b"", now };
        assert_eq!(auth.check(&req), Ok(()));
        // The same request a day later has expired.
        let late = Signed { now: now + 86_400, ..req };
        assert!(matches!(auth.check(&late), Err(Denied::Invalid("InvalidSignatureException", m)) if m.contains("expired")));
        // Another key does not verify it.
        let other = Auth::new(vec!["another-secret-0123456789".into()]);
        let req = Signed { method: "GET", path: "/", query: Some("Param2=value2&Param1=value1"), headers: &h, body: b"", now };
        assert!(matches!(other.check(&req), Err(Denied::Invalid("InvalidSignatureException", _))));
        // A changed query string does not verify.
        let req = Signed { method: "GET", path: "/", query: Some("Param2=value3&Param1=value1"), headers: &h, body: b"", now };
        assert!(matches!(auth.check(&req), Err(Denied::Invalid("InvalidSignatureException", _))));
    }

    #[test]
    fn bearer_tokens() {
        let auth = Auth::new(vec!["token-aaaaaaaaaaaaaaaa".into(), "token-bbbbbbbbbbbbbbbb".into()]);
        let check = |h: &[(&str, &str)]| {
            let h = headers(h);
            auth.check(&Signed { method: "POST", path: "/", query: None, headers: &h, body: b"{}", now: 0 })
        };
        assert_eq!(check(&[("authorization", "Bearer token-bbbbbbbbbbbbbbbb")]), Ok(()));
        assert_eq!(check(&[]), Err(Denied::Missing));
        assert!(matches!(check(&[("authorization", "Bearer nope")]), Err(Denied::Invalid("UnrecognizedClientException", _))));
        assert!(matches!(check(&[("authorization", "Basic eDp5")]), Err(Denied::Invalid("IncompleteSignatureException", _))));
        assert!(Auth::new(vec![]).check(&Signed { method: "GET", path: "/", query: None, headers: &[], body: b"", now: 0 }).is_ok());
    }

    #[test]
    fn a_tampered_body_is_refused() {
        let auth = Auth::new(vec!["secret-secret-secret".into()]);
        let h = headers(&[
            ("x-amz-date", "20150830T123600Z"),
            ("x-amz-content-sha256", &hex::encode(Sha256::digest(b"{}"))),
            ("authorization", "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/states/aws4_request, SignedHeaders=x-amz-date, Signature=00"),
        ]);
        let now = parse_amz_date("20150830T123600Z").unwrap();
        let r = auth.check(&Signed { method: "POST", path: "/", query: None, headers: &h, body: b"{\"x\":1}", now });
        assert!(matches!(r, Err(Denied::Invalid("InvalidSignatureException", m)) if m.contains("does not match the body")));
    }
}
