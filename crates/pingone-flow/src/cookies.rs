//! The cookie jar of one flow, bound to the origins that set each cookie (RFC 6265 §5.2–5.4:
//! `Domain`, `Path`, `Secure`, `Expires`, `Max-Age`). A flow's cookies go back only to hosts and
//! paths they were set for, never to another host.
//!
//! Hand-written rather than the `cookie_store` crate: the jar is sealed into every stage, which
//! must fit in a browser cookie, and `cookie_store`'s serialised form is several times larger;
//! the rules used here are the few RFC 6265 needs for one flow's cookies.

use std::time::SystemTime;

use pingone_core::{CookieValue, HeaderMap, Url};
use serde::{Deserialize, Serialize};

use crate::context::unix_seconds as unix;

/// At most this many cookies per flow: a sealed stage must stay small.
const MAX_COOKIES: usize = 16;
/// A longer name or value is ignored.
const MAX_COOKIE_BYTES: usize = 4096;

/// The cookies PingOne set for one flow.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct CookieJar {
    cookies: Vec<StoredCookie>,
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredCookie {
    #[serde(rename = "n")]
    name: String,
    #[serde(rename = "v")]
    value: CookieValue,
    /// The host (host-only cookie) or the `Domain` (domain cookie), lower case.
    #[serde(rename = "h")]
    domain: String,
    #[serde(rename = "d", default, skip_serializing_if = "is_false")]
    domain_cookie: bool,
    #[serde(rename = "p")]
    path: String,
    #[serde(rename = "s", default, skip_serializing_if = "is_false")]
    secure: bool,
    /// Expiry in Unix seconds; `None` for a session cookie.
    #[serde(rename = "x", default, skip_serializing_if = "Option::is_none")]
    expires: Option<u64>,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(b: &bool) -> bool {
    !*b
}

impl CookieJar {
    /// Takes in every `Set-Cookie` of a response to `request`.
    pub(crate) fn absorb(&mut self, headers: &HeaderMap, request: &Url, now: SystemTime) {
        let Some(host) = request.host_str().map(str::to_ascii_lowercase) else { return };
        let now = unix(now);
        for value in headers.get_all(pingone_core::internal::SET_COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            let Some(parsed) = parse(text, request, &host, now) else { continue };
            self.cookies.retain(|c| {
                !(c.name == parsed.cookie.name && c.domain == parsed.cookie.domain && c.path == parsed.cookie.path)
            });
            if parsed.removed {
                continue;
            }
            if self.cookies.len() >= MAX_COOKIES {
                tracing::warn!(name = %parsed.cookie.name, "the flow's cookie jar is full; a cookie was ignored");
                continue;
            }
            self.cookies.push(parsed.cookie);
        }
        self.cookies.retain(|c| c.expires.is_none_or(|x| x > now));
    }

    /// The `Cookie` header value for a request to `url`: only the cookies set for its host and
    /// path, `Secure` ones only over https (or to a loopback host), none expired; longer paths
    /// first.
    pub(crate) fn header_for(&self, url: &Url, now: SystemTime) -> String {
        let Some(host) = url.host_str() else { return String::new() };
        if self.cookies.is_empty() {
            return String::new();
        }
        // `url` lower-cases the hosts of http(s) URLs already; other schemes are lowered here.
        let host: std::borrow::Cow<'_, str> =
            if host.bytes().any(|b| b.is_ascii_uppercase()) { host.to_ascii_lowercase().into() } else { host.into() };
        let now = unix(now);
        let path = url.path();
        let mut secure_channel: Option<bool> = None;
        let mut matching: Vec<&StoredCookie> = Vec::with_capacity(self.cookies.len());
        for c in &self.cookies {
            let host_matches = if c.domain_cookie { domain_matches(&host, &c.domain) } else { *host == *c.domain };
            if !host_matches || !path_matches(path, &c.path) || c.expires.is_some_and(|x| x <= now) {
                continue;
            }
            if c.secure && !*secure_channel.get_or_insert_with(|| url.scheme() == "https" || is_loopback(url)) {
                continue;
            }
            matching.push(c);
        }
        // Longer paths first; a stable sort keeps the jar's order otherwise.
        matching.sort_by_key(|c| std::cmp::Reverse(c.path.len()));
        let len = matching.iter().fold(0_usize, |total, c| {
            total.saturating_add(c.name.len()).saturating_add(c.value.secret().len()).saturating_add(3)
        });
        let mut header = String::with_capacity(len);
        for c in matching {
            if !header.is_empty() {
                header.push_str("; ");
            }
            header.push_str(&c.name);
            header.push('=');
            header.push_str(c.value.secret());
        }
        header
    }

    /// The cookie names (not values), for `Debug`.
    pub(crate) fn names(&self) -> Vec<&str> {
        self.cookies.iter().map(|c| c.name.as_str()).collect()
    }
}

struct Parsed {
    cookie: StoredCookie,
    /// An expiry in the past or `Max-Age<=0`: remove any cookie it names.
    removed: bool,
}

/// RFC 6265 §5.2 and §5.3 for one `Set-Cookie` value; `None` when it must be ignored.
fn parse(text: &str, request: &Url, host: &str, now: u64) -> Option<Parsed> {
    let mut parts = text.split(';');
    let (name, value) = parts.next()?.split_once('=')?;
    let (name, value) = (name.trim(), value.trim());
    if name.is_empty()
        || name.len().saturating_add(value.len()) > MAX_COOKIE_BYTES
        || name.contains(|c: char| c.is_control() || c.is_whitespace() || "()<>@,;:\\\"/[]?={}".contains(c))
        || value.contains(|c: char| c.is_control() || c == ';')
    {
        return None;
    }
    let mut domain: Option<String> = None;
    let mut path: Option<String> = None;
    let mut secure = false;
    let mut max_age: Option<i64> = None;
    let mut expires: Option<u64> = None;
    for attribute in parts {
        let (key, val) = attribute.split_once('=').unwrap_or((attribute, ""));
        let (key, val) = (key.trim().to_ascii_lowercase(), val.trim());
        match key.as_str() {
            "domain" if !val.is_empty() => domain = Some(val.trim_start_matches('.').to_ascii_lowercase()),
            "path" => path = Some(val.to_owned()),
            "secure" => secure = true,
            "max-age" => max_age = parse_max_age(val).or(max_age),
            "expires" => expires = httpdate::parse_http_date(val).ok().map(unix),
            _ => {}
        }
    }
    if secure && request.scheme() != "https" && !is_loopback(request) {
        return None;
    }
    let (domain, domain_cookie) = match domain {
        Some(d) if d == host => (d, false),
        Some(d) => {
            // No public-suffix list here: a domain cookie needs a dotted domain that the host
            // lies under, and never an IP address.
            if !d.contains('.') || !domain_matches(host, &d) {
                return None;
            }
            (d, true)
        }
        None => (host.to_owned(), false),
    };
    let path = match path {
        Some(p) if p.starts_with('/') => p,
        _ => default_path(request.path()),
    };
    // Max-Age wins over Expires (§5.3 step 3).
    let expiry = match max_age {
        Some(seconds) if seconds <= 0 => Some(0),
        Some(seconds) => Some(now.saturating_add(u64::try_from(seconds).unwrap_or(u64::MAX))),
        None => expires,
    };
    let removed = expiry.is_some_and(|x| x <= now);
    Some(Parsed {
        cookie: StoredCookie {
            name: name.to_owned(),
            value: CookieValue::new(value),
            domain,
            domain_cookie,
            path,
            secure,
            expires: expiry,
        },
        removed,
    })
}

/// `Max-Age`: an optional `-` and digits; a huge value saturates rather than being ignored.
fn parse_max_age(val: &str) -> Option<i64> {
    let (negative, digits) = val.strip_prefix('-').map_or((false, val), |d| (true, d));
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(val.parse::<i64>().unwrap_or(if negative { i64::MIN } else { i64::MAX }))
}

/// RFC 6265 §5.1.3.
fn domain_matches(host: &str, domain: &str) -> bool {
    host == domain
        || (host.parse::<std::net::IpAddr>().is_err()
            && host.strip_suffix(domain).is_some_and(|prefix| prefix.ends_with('.')))
}

/// RFC 6265 §5.1.4.
fn path_matches(request_path: &str, cookie_path: &str) -> bool {
    request_path == cookie_path
        || request_path
            .strip_prefix(cookie_path)
            .is_some_and(|rest| cookie_path.ends_with('/') || rest.starts_with('/'))
}

/// RFC 6265 §5.1.4: the directory of the request path.
fn default_path(request_path: &str) -> String {
    match request_path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => request_path.get(..i).unwrap_or("/").to_owned(),
    }
}

/// `localhost` or a loopback IP: browsers treat these as secure contexts, and so does the jar.
fn is_loopback(url: &Url) -> bool {
    url.host_str().is_some_and(|host| host.eq_ignore_ascii_case("localhost")) || crate::redirect::is_loopback_ip(url)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn jar_with(request: &str, set_cookies: &[&str], now: SystemTime) -> CookieJar {
        let mut headers = HeaderMap::new();
        for c in set_cookies {
            headers.append("set-cookie", c.parse().unwrap());
        }
        let mut jar = CookieJar::default();
        jar.absorb(&headers, &url(request), now);
        jar
    }

    #[test]
    fn a_flow_cookie_goes_back_only_to_its_host() {
        let now = SystemTime::now();
        let jar = jar_with("https://auth.pingone.eu/env/as/authorize", &["ST=abc; Path=/env; Secure; HttpOnly"], now);
        assert_eq!(jar.header_for(&url("https://auth.pingone.eu/env/flows/1"), now), "ST=abc");
        assert_eq!(jar.header_for(&url("https://evil.example/env/flows/1"), now), "");
        assert_eq!(jar.header_for(&url("https://sub.auth.pingone.eu/env/flows/1"), now), "", "host-only cookie");
        assert_eq!(jar.header_for(&url("https://auth.pingone.eu/other/flows/1"), now), "", "path");
        assert_eq!(jar.header_for(&url("https://auth.pingone.eu/envx"), now), "", "path boundary");
        assert_eq!(jar.header_for(&url("http://auth.pingone.eu/env/flows/1"), now), "", "Secure over http");
    }

    #[test]
    fn domain_cookies_need_a_matching_dotted_domain() {
        let now = SystemTime::now();
        let jar = jar_with(
            "https://auth.pingone.eu/env/as/authorize",
            &[
                "a=1; Domain=.pingone.eu; Path=/",
                "b=2; Domain=evil.example",
                "c=3; Domain=eu",
                "d=4; Domain=auth.pingone.eu",
            ],
            now,
        );
        assert_eq!(jar.names(), ["a", "d"]);
        assert_eq!(jar.header_for(&url("https://apps.pingone.eu/x"), now), "a=1");
        assert_eq!(jar.header_for(&url("https://evil.example/x"), now), "");
        let ip = jar_with("https://10.0.0.1/", &["e=5; Domain=0.0.1"], now);
        assert!(ip.names().is_empty());
    }

    #[test]
    fn expiry_and_removal_follow_max_age_then_expires() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let mut jar = jar_with("http://127.0.0.1:1/env/as/authorize", &["a=1; Path=/; Max-Age=60", "b=2; Path=/"], now);
        let later = now + Duration::from_secs(61);
        assert_eq!(jar.header_for(&url("http://127.0.0.1:1/env"), now), "a=1; b=2");
        assert_eq!(jar.header_for(&url("http://127.0.0.1:1/env"), later), "b=2");
        let mut removal = HeaderMap::new();
        removal.append("set-cookie", "b=; Path=/; Max-Age=0".parse().unwrap());
        removal.append("set-cookie", "a=9; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT".parse().unwrap());
        jar.absorb(&removal, &url("http://127.0.0.1:1/env/flows/1"), now);
        assert!(jar.names().is_empty());
        let huge = jar_with("http://127.0.0.1:1/", &["c=1; Max-Age=99999999999999999999999"], now);
        assert_eq!(huge.header_for(&url("http://127.0.0.1:1/"), later), "c=1");
    }

    #[test]
    fn secure_cookies_are_kept_for_loopback_and_refused_over_plain_http_elsewhere() {
        let now = SystemTime::now();
        assert_eq!(jar_with("http://localhost:9/", &["a=1; Secure"], now).names(), ["a"]);
        assert!(jar_with("http://auth.example/", &["a=1; Secure"], now).names().is_empty());
    }

    #[test]
    fn default_path_is_the_request_directory() {
        assert_eq!(default_path("/env/as/authorize"), "/env/as");
        assert_eq!(default_path("/authorize"), "/");
        assert_eq!(default_path(""), "/");
        let now = SystemTime::now();
        let jar = jar_with("https://a.example/env/as/authorize", &["a=1", "b=2; Path=relative"], now);
        assert_eq!(jar.header_for(&url("https://a.example/env/as/resume"), now), "a=1; b=2");
        assert_eq!(jar.header_for(&url("https://a.example/env/flows/1"), now), "");
    }

    #[test]
    fn same_name_domain_and_path_replace_and_garbage_is_ignored() {
        let now = SystemTime::now();
        let mut jar = jar_with("https://a.example/", &["a=1; Path=/", "garbage", "=x", "sp ace=1"], now);
        let mut next = HeaderMap::new();
        next.append("set-cookie", "a=2; Path=/".parse().unwrap());
        next.append("set-cookie", "a=3; Path=/x".parse().unwrap());
        jar.absorb(&next, &url("https://a.example/"), now);
        assert_eq!(jar.header_for(&url("https://a.example/x/y"), now), "a=3; a=2");
    }
}
