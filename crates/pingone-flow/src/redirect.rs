//! Comparing the resume redirect with the registered redirect URI, for web, private-use scheme
//! and loopback redirect URIs (RFC 8252 §7).

use pingone_core::Url;

/// Whether `location` is the redirect URI `expected` (its query aside): scheme, host, port and
/// path compared one by one, so that private-use schemes (`com.example.app:/callback`, whose
/// `Url::origin` is opaque and never equal to itself) work; for a loopback IP literal over
/// `http`, any port (RFC 8252 §7.3).
pub(crate) fn is_redirect_uri(location: &Url, expected: &Url) -> bool {
    let same_port = location.port_or_known_default() == expected.port_or_known_default()
        || (expected.scheme() == "http" && is_loopback_ip(expected) && is_loopback_ip(location));
    location.scheme() == expected.scheme()
        && location.host_str() == expected.host_str()
        && same_port
        && location.path() == expected.path()
}

/// Whether the URL's host is a loopback IP literal (`127.0.0.0/8`, `[::1]`); RFC 8252 §7.3 asks
/// native apps for the literal, not `localhost`.
pub(crate) fn is_loopback_ip(url: &Url) -> bool {
    url.host_str()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
        .and_then(|h| h.parse::<std::net::IpAddr>().ok())
        .is_some_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(location: &str, expected: &str) -> bool {
        is_redirect_uri(&Url::parse(location).unwrap(), &Url::parse(expected).unwrap())
    }

    #[test]
    fn web_redirects_compare_origin_and_path() {
        assert!(check("https://app.example/cb?code=1&state=2", "https://app.example/cb"));
        assert!(check("https://app.example:443/cb?code=1", "https://app.example/cb"));
        assert!(!check("https://evil.example/cb?code=1", "https://app.example/cb"));
        assert!(!check("https://app.example:8443/cb", "https://app.example/cb"));
        assert!(!check("http://app.example/cb", "https://app.example/cb"));
        assert!(!check("https://app.example/cb2", "https://app.example/cb"));
    }

    #[test]
    fn private_use_schemes_match_themselves() {
        assert!(check("com.example.app:/callback?code=1&state=2", "com.example.app:/callback"));
        assert!(!check("com.evil.app:/callback?code=1", "com.example.app:/callback"));
        assert!(!check("com.example.app:/other", "com.example.app:/callback"));
    }

    #[test]
    fn loopback_ip_redirects_may_use_any_port() {
        assert!(check("http://127.0.0.1:53123/cb?code=1", "http://127.0.0.1/cb"));
        assert!(check("http://[::1]:4000/cb", "http://[::1]:5000/cb"));
        assert!(!check("http://127.0.0.1:53123/other", "http://127.0.0.1/cb"));
        assert!(!check("http://app.example:8080/cb", "http://app.example/cb"), "only loopback IPs");
        assert!(!check("http://10.0.0.1:1/cb", "http://127.0.0.1/cb"));
    }
}
