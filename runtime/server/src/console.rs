//! The web console's static assets, compiled into the binary and served under `/console`.
//!
//! The console is a browser app (`runtime/server/console/`) that talks only to the public API:
//! the AWS JSON 1.0 operations on `POST /` and `GET /functions`. This module knows nothing about
//! HTTP libraries: the server asks [`asset`] for a request path and writes what it gets back.

/// One embedded file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    /// The `Content-Type` header value.
    pub content_type: &'static str,
    /// The file's bytes.
    pub body: &'static [u8],
}

/// The mount point of the console.
pub const PREFIX: &str = "/console";

/// Headers every console response should carry: the assets change with the binary, so clients
/// revalidate instead of caching; the policy keeps the page to its own origin (no CDN, no inline code).
pub const HEADERS: &[(&str, &str)] = &[
    ("Cache-Control", "no-cache"),
    ("X-Content-Type-Options", "nosniff"),
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    ),
];

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

macro_rules! file {
    ($name:literal, $type:expr) => {
        ($name, Asset { content_type: $type, body: include_bytes!(concat!("../console/", $name)) })
    };
}

const FILES: &[(&str, Asset)] = &[
    file!("index.html", HTML),
    file!("console.css", CSS),
    file!("app.js", JS),
    file!("api.js", JS),
    file!("graph.js", JS),
    file!("render.js", JS),
    file!("status.js", JS),
];

/// What the server answers at `path` (the URL path without its query), or `None` when `path`
/// is not a console page. `/console` is a redirect target handled by [`redirect`]; `/console/`
/// is the page itself.
pub fn asset(path: &str) -> Option<Asset> {
    let rest = path.strip_prefix(PREFIX)?.strip_prefix('/')?;
    let name = if rest.is_empty() { "index.html" } else { rest };
    FILES.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
}

/// Where to redirect `path` so that the page's relative links resolve: `Some("/console/")` for
/// `/console`, else `None`.
pub fn redirect(path: &str) -> Option<&'static str> {
    (path == PREFIX).then_some("/console/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_the_page_and_its_modules() {
        let page = asset("/console/").expect("the page");
        assert_eq!(page.content_type, HTML);
        let html = std::str::from_utf8(page.body).unwrap();
        // Every module and stylesheet the page names is embedded with the right type.
        for name in ["app.js", "api.js", "graph.js", "render.js", "status.js", "console.css"] {
            assert!(html.contains(name), "index.html names {name}");
            let a = asset(&format!("/console/{name}")).unwrap_or_else(|| panic!("{name} is served"));
            assert_eq!(a.content_type, if name.ends_with(".js") { JS } else { CSS });
            assert!(!a.body.is_empty());
        }
        assert_eq!(asset("/console/index.html"), Some(page));
    }

    #[test]
    fn every_imported_module_is_embedded() {
        for (name, a) in FILES.iter().filter(|(n, _)| n.ends_with(".js")) {
            let text = std::str::from_utf8(a.body).unwrap();
            for line in text.lines().filter(|l| l.starts_with("import ")) {
                let target = line.rsplit("from '").next().and_then(|t| t.split('\'').next()).unwrap();
                let target = target.trim_start_matches("./");
                assert!(asset(&format!("/console/{target}")).is_some(), "{name} imports {target}, which is not embedded");
            }
        }
    }

    #[test]
    fn other_paths_are_not_console_pages() {
        for path in ["/", "/consoles", "/console/../Cargo.toml", "/console/test/layout.test.js", "/console/package.json", "/console/x/app.js", "/functions"] {
            assert_eq!(asset(path), None, "{path}");
        }
        assert_eq!(redirect("/console"), Some("/console/"));
        assert_eq!(redirect("/console/"), None);
    }
}
