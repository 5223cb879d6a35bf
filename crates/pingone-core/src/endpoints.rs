//! PingOne regions and the base URLs of the management and auth APIs.

use std::net::IpAddr;

use reqwest::Url;

use crate::id::EnvironmentId;

/// A PingOne region: it fixes the top-level domain of every PingOne host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Region {
    /// North America (excluding Canada), `pingone.com`: the default.
    NorthAmerica,
    /// Canada, `pingone.ca`.
    Canada,
    /// European Union, `pingone.eu`.
    Europe,
    /// Australia, `pingone.com.au`.
    Australia,
    /// Singapore, `pingone.sg`.
    Singapore,
    /// Asia-Pacific (legacy, existing customers only), `pingone.asia`.
    AsiaPacific,
}

/// A region code that is not one of `NA`, `CA`, `EU`, `AU`, `SG`, `AP`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown PingOne region {0:?} (expected one of NA, CA, EU, AU, SG, AP)")]
pub struct UnknownRegion(pub String);

impl Region {
    /// All six regions.
    pub const ALL: [Region; 6] = [
        Region::NorthAmerica,
        Region::Canada,
        Region::Europe,
        Region::Australia,
        Region::Singapore,
        Region::AsiaPacific,
    ];

    /// The region code PingOne's tooling uses (`NA`, `CA`, `EU`, `AU`, `SG`, `AP`).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Region::NorthAmerica => "NA",
            Region::Canada => "CA",
            Region::Europe => "EU",
            Region::Australia => "AU",
            Region::Singapore => "SG",
            Region::AsiaPacific => "AP",
        }
    }

    /// The top-level domain of the region's hosts (`com`, `ca`, `eu`, `com.au`, `sg`, `asia`).
    #[must_use]
    pub fn tld(self) -> &'static str {
        match self {
            Region::NorthAmerica => "com",
            Region::Canada => "ca",
            Region::Europe => "eu",
            Region::Australia => "com.au",
            Region::Singapore => "sg",
            Region::AsiaPacific => "asia",
        }
    }

    /// `https://api.pingone.{tld}/v1`.
    #[must_use]
    pub fn management_base(self) -> String {
        format!("https://api.pingone.{}/v1", self.tld())
    }

    /// `https://auth.pingone.{tld}`.
    #[must_use]
    pub fn auth_base(self) -> String {
        format!("https://auth.pingone.{}", self.tld())
    }
}

impl std::str::FromStr for Region {
    type Err = UnknownRegion;

    /// Accepts the region code (`EU`) or the top-level domain (`eu`, `com.au`), in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Region::ALL
            .into_iter()
            .find(|r| r.code().eq_ignore_ascii_case(&wanted) || r.tld() == wanted)
            .ok_or_else(|| UnknownRegion(s.to_owned()))
    }
}

/// Why a base URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// Not a valid absolute URL.
    #[error("{which} base URL is not a valid URL: {reason}")]
    Invalid {
        /// `management` or `auth`.
        which: &'static str,
        /// The parser's complaint.
        reason: String,
    },
    /// A scheme other than `https` (or `http` on loopback).
    #[error("{which} base URL must use https (got scheme {scheme:?})")]
    Scheme {
        /// `management` or `auth`.
        which: &'static str,
        /// The refused scheme.
        scheme: String,
    },
    /// Plain `http` to a host that is not loopback, without the insecure opt-in.
    #[error(
        "{which} base URL uses plain http to {host:?}, which is not a loopback address; \
         use https, or opt in with pingone_core::danger::insecure_http_endpoints"
    )]
    PlainHttp {
        /// `management` or `auth`.
        which: &'static str,
        /// The host that would receive secrets in clear text.
        host: String,
    },
    /// A base URL with a query string or fragment, which could not be extended with paths.
    #[error("{which} base URL must not carry a query or fragment")]
    QueryOrFragment {
        /// `management` or `auth`.
        which: &'static str,
    },
}

/// How auth-host paths are formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthPaths {
    /// `{auth}/{envID}/as/...` (PingOne's regional hosts, the simulator).
    EnvironmentScoped,
    /// `{auth}/as/...` (a custom domain already identifies the environment).
    CustomDomain,
}

/// The base URLs of one PingOne deployment: management (`.../v1`) and auth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    management: Url,
    auth: Url,
    auth_paths: AuthPaths,
}

impl Endpoints {
    /// The endpoints of a PingOne region.
    #[must_use]
    pub fn for_region(region: Region) -> Self {
        // Both strings are built from constants and always parse.
        let parse = |s: String| Url::parse(&s).unwrap_or_else(|_| unreachable_url());
        Self {
            management: parse(region.management_base()),
            auth: parse(region.auth_base()),
            auth_paths: AuthPaths::EnvironmentScoped,
        }
    }

    /// Endpoints from explicit base URLs (the simulator, a proxy, a regional host).
    ///
    /// `management` is the management base including `/v1` (`https://api.pingone.eu/v1`);
    /// `auth` is the auth base without the environment ID (`https://auth.pingone.eu`).
    /// Plain `http://` is accepted only for loopback hosts (`127.0.0.0/8`, `::1`, `localhost`).
    ///
    /// # Errors
    /// [`EndpointError`] for an unparsable URL, a non-https scheme to a non-loopback host, or a
    /// URL with a query or fragment.
    pub fn custom(management: &str, auth: &str) -> Result<Self, EndpointError> {
        Self::build(management, auth, false)
    }

    /// Like [`Endpoints::custom`], but the auth base is a custom domain that already identifies
    /// the environment: auth paths are `{auth}/as/...` without the environment ID.
    ///
    /// # Errors
    /// As [`Endpoints::custom`].
    pub fn custom_domain(management: &str, auth: &str) -> Result<Self, EndpointError> {
        let mut endpoints = Self::build(management, auth, false)?;
        endpoints.auth_paths = AuthPaths::CustomDomain;
        Ok(endpoints)
    }

    pub(crate) fn build(management: &str, auth: &str, allow_plain_http: bool) -> Result<Self, EndpointError> {
        Ok(Self {
            management: check_base("management", management, allow_plain_http)?,
            auth: check_base("auth", auth, allow_plain_http)?,
            auth_paths: AuthPaths::EnvironmentScoped,
        })
    }

    /// The management base URL (ends with `/v1`).
    #[must_use]
    pub fn management_base(&self) -> &Url {
        &self.management
    }

    /// The auth base URL.
    #[must_use]
    pub fn auth_base(&self) -> &Url {
        &self.auth
    }

    /// `{management}/environments/{envID}/{segments...}`, each segment percent-encoded on its own.
    #[must_use]
    pub fn management_url(&self, environment: &EnvironmentId, segments: &[&str]) -> Url {
        let mut all = Vec::with_capacity(segments.len().saturating_add(2));
        all.push("environments");
        all.push(environment.as_str());
        all.extend_from_slice(segments);
        join(&self.management, &all)
    }

    /// `{auth}/{envID}/{segments...}` (or `{auth}/{segments...}` for a custom domain).
    #[must_use]
    pub fn auth_url(&self, environment: &EnvironmentId, segments: &[&str]) -> Url {
        match self.auth_paths {
            AuthPaths::EnvironmentScoped => {
                let mut all = Vec::with_capacity(segments.len().saturating_add(1));
                all.push(environment.as_str());
                all.extend_from_slice(segments);
                join(&self.auth, &all)
            }
            AuthPaths::CustomDomain => join(&self.auth, segments),
        }
    }

    /// `{auth}/{envID}/as/token`.
    #[must_use]
    pub fn token_url(&self, environment: &EnvironmentId) -> Url {
        self.auth_url(environment, &["as", "token"])
    }

    /// Whether `url` points at the same scheme, host and port as the auth base: used to refuse
    /// redirects and links that would carry flow cookies to another host.
    #[must_use]
    pub fn is_auth_origin(&self, url: &Url) -> bool {
        url.origin() == self.auth.origin()
    }

    /// Whether `url` points at the same scheme, host and port as the management base.
    #[must_use]
    pub fn is_management_origin(&self, url: &Url) -> bool {
        url.origin() == self.management.origin()
    }
}

#[cold]
fn unreachable_url() -> Url {
    // Never reached: region URLs are constants. Kept panic-free for the lint.
    Url::parse("https://api.pingone.com/v1").unwrap_or_else(|_| unreachable_url())
}

fn join(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty();
        path.extend(segments);
    }
    url
}

/// Whether a host is a loopback address or `localhost`.
#[must_use]
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.eq_ignore_ascii_case("localhost") || bare.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn check_base(which: &'static str, raw: &str, allow_plain_http: bool) -> Result<Url, EndpointError> {
    let url = Url::parse(raw.trim()).map_err(|e| EndpointError::Invalid { which, reason: e.to_string() })?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(EndpointError::QueryOrFragment { which });
    }
    if url.cannot_be_a_base() {
        return Err(EndpointError::Invalid { which, reason: "not a base URL".into() });
    }
    let host = url.host_str().unwrap_or_default().to_owned();
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_plain_http || is_loopback_host(&host) => Ok(url),
        "http" => Err(EndpointError::PlainHttp { which, host }),
        other => Err(EndpointError::Scheme { which, scheme: other.to_owned() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> EnvironmentId {
        EnvironmentId::new("7d2c1a4e-5b3f-4c8e-9a61-2f0e8b3d4c11").unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn region_table_has_all_six() {
        let table: Vec<_> = Region::ALL.iter().map(|r| (r.code(), r.management_base(), r.auth_base())).collect();
        let expected = [
            ("NA", "https://api.pingone.com/v1", "https://auth.pingone.com"),
            ("CA", "https://api.pingone.ca/v1", "https://auth.pingone.ca"),
            ("EU", "https://api.pingone.eu/v1", "https://auth.pingone.eu"),
            ("AU", "https://api.pingone.com.au/v1", "https://auth.pingone.com.au"),
            ("SG", "https://api.pingone.sg/v1", "https://auth.pingone.sg"),
            ("AP", "https://api.pingone.asia/v1", "https://auth.pingone.asia"),
        ];
        assert_eq!(table.len(), 6);
        for ((code, m, a), (ec, em, ea)) in table.iter().zip(expected) {
            assert_eq!((*code, m.as_str(), a.as_str()), (ec, em, ea));
            let parsed: Region = code.parse().unwrap_or(Region::NorthAmerica);
            assert_eq!(parsed.code(), *code);
        }
        assert_eq!("com.au".parse::<Region>().ok(), Some(Region::Australia));
        assert_eq!("eu".parse::<Region>().ok(), Some(Region::Europe));
        assert!("XX".parse::<Region>().is_err());
    }

    #[test]
    fn region_urls() {
        let e = Endpoints::for_region(Region::Europe);
        assert_eq!(
            e.management_url(&env(), &["users", "u1", "password"]).as_str(),
            "https://api.pingone.eu/v1/environments/7d2c1a4e-5b3f-4c8e-9a61-2f0e8b3d4c11/users/u1/password"
        );
        assert_eq!(
            e.token_url(&env()).as_str(),
            "https://auth.pingone.eu/7d2c1a4e-5b3f-4c8e-9a61-2f0e8b3d4c11/as/token"
        );
    }

    #[test]
    fn path_segments_are_escaped() {
        let e = Endpoints::for_region(Region::NorthAmerica);
        let url = e.management_url(&env(), &["users", "../x"]);
        assert!(url.path().ends_with("/users/..%2Fx"), "{url}");
    }

    #[test]
    fn custom_domain_omits_environment() {
        let e = Endpoints::custom_domain("https://api.pingone.com/v1", "https://login.example.test")
            .unwrap_or_else(|_| Endpoints::for_region(Region::NorthAmerica));
        assert_eq!(e.token_url(&env()).as_str(), "https://login.example.test/as/token");
    }

    #[test]
    fn loopback_rule() {
        let cases = [
            ("http://127.0.0.1:8080/v1", true),
            ("http://127.1.2.3/v1", true),
            ("http://[::1]:9000/v1", true),
            ("http://localhost:9000/v1", true),
            ("https://api.pingone.com/v1", true),
            ("http://api.pingone.com/v1", false),
            ("http://10.0.0.1/v1", false),
            ("http://127.0.0.1.example.test/v1", false),
            ("ftp://127.0.0.1/v1", false),
            ("https://api.pingone.com/v1?x=1", false),
            ("not a url", false),
        ];
        for (url, ok) in cases {
            assert_eq!(Endpoints::custom(url, "https://auth.pingone.com").is_ok(), ok, "{url}");
        }
        assert!(matches!(
            Endpoints::custom("http://api.pingone.com/v1", "https://auth.pingone.com"),
            Err(EndpointError::PlainHttp { which: "management", .. })
        ));
        assert!(crate::danger::insecure_http_endpoints("http://10.0.0.1/v1", "http://10.0.0.1").is_ok());
        assert!(crate::danger::insecure_http_endpoints("ftp://10.0.0.1/v1", "http://10.0.0.1").is_err());
    }
}
