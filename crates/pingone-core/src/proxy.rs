//! An explicit proxy for HTTPS traffic. The environment (`HTTP_PROXY`, `HTTPS_PROXY`,
//! `ALL_PROXY` and their lower-case forms) is never read: a variable set for some other program
//! must not route the worker's credentials or a user's sign-on through a third party.

use std::fmt;

use reqwest::Url;

use crate::secret::Password;

/// A proxy that HTTPS requests go through (an HTTP `CONNECT` tunnel, so the proxy sees only the
/// host name, never the request), set in [`HttpConfig::proxy`](crate::HttpConfig::proxy).
///
/// Plain-`http` requests (a loopback simulator) never go through it.
///
/// ```
/// use pingone_core::{HttpConfig, Password, ProxyConfig};
///
/// let proxy = ProxyConfig::new("http://proxy.internal:3128")?
///     .with_basic_auth("svc-pingone", Password::new("proxy-password"));
/// let config = HttpConfig { proxy: Some(proxy), ..HttpConfig::default() };
/// # let _ = config;
/// # Ok::<(), pingone_core::InvalidProxy>(())
/// ```
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    url: Url,
    credentials: Option<(String, Password)>,
}

/// Why a proxy URL was refused. Its `Display` never echoes the URL (which may hold a password).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidProxy {
    /// The text is not an absolute URL.
    #[error("the proxy URL is not an absolute URL")]
    NotAUrl,
    /// Only `http://` and `https://` proxies are supported.
    #[error("the proxy URL must use http or https, not {scheme}")]
    UnsupportedScheme {
        /// The scheme given.
        scheme: String,
    },
    /// The URL has no host.
    #[error("the proxy URL has no host")]
    NoHost,
    /// The URL holds a user name or password: pass them to
    /// [`ProxyConfig::with_basic_auth`] instead, so that they stay out of `Debug` output.
    #[error("the proxy URL holds credentials: use ProxyConfig::with_basic_auth")]
    CredentialsInUrl,
}

impl ProxyConfig {
    /// A proxy at `url` (`http://host:port`, or `https://host:port` for a proxy reached over
    /// TLS).
    ///
    /// # Errors
    /// [`InvalidProxy`] for text that is not an `http`/`https` URL with a host, or a URL with
    /// credentials in it.
    pub fn new(url: &str) -> Result<Self, InvalidProxy> {
        let url = Url::parse(url).map_err(|_| InvalidProxy::NotAUrl)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(InvalidProxy::UnsupportedScheme { scheme: url.scheme().to_owned() });
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(InvalidProxy::NoHost);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(InvalidProxy::CredentialsInUrl);
        }
        Ok(Self { url, credentials: None })
    }

    /// Authenticates to the proxy with `Proxy-Authorization: Basic`.
    #[must_use]
    pub fn with_basic_auth(mut self, username: impl Into<String>, password: Password) -> Self {
        self.credentials = Some((username.into(), password));
        self
    }

    /// The proxy's URL.
    #[must_use]
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The `reqwest` proxy: HTTPS targets only.
    pub(crate) fn to_reqwest(&self) -> reqwest::Result<reqwest::Proxy> {
        let proxy = reqwest::Proxy::https(self.url.as_str())?;
        Ok(match &self.credentials {
            Some((username, password)) => proxy.basic_auth(username, password.secret()),
            None => proxy,
        })
    }
}

impl fmt::Display for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_are_checked_and_credentials_kept_out_of_debug() {
        assert!(ProxyConfig::new("http://proxy.internal:3128").is_ok());
        assert!(ProxyConfig::new("https://proxy.internal").is_ok());
        assert_eq!(
            ProxyConfig::new("proxy.internal:3128").err(),
            Some(InvalidProxy::UnsupportedScheme { scheme: "proxy.internal".into() })
        );
        assert_eq!(ProxyConfig::new("not a url").err(), Some(InvalidProxy::NotAUrl));
        assert_eq!(
            ProxyConfig::new("socks5://proxy:1080").err(),
            Some(InvalidProxy::UnsupportedScheme { scheme: "socks5".into() })
        );
        let with_password = ProxyConfig::new("http://user:hunter2@proxy:3128");
        assert_eq!(with_password.as_ref().err(), Some(&InvalidProxy::CredentialsInUrl));
        assert!(!with_password.err().map(|e| e.to_string()).unwrap_or_default().contains("hunter2"));
        let proxy = ProxyConfig::new("http://proxy:3128").unwrap().with_basic_auth("svc", Password::new("hunter2"));
        assert!(!format!("{proxy:?} {proxy}").contains("hunter2"), "{proxy:?}");
        assert!(proxy.to_reqwest().is_ok());
    }
}
