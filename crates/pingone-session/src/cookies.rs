//! The cookies a web app keeps a sign-on in: how they are named, set and read back.

use std::borrow::Cow;

/// How a web app names, sets and reads its sign-on cookies (a [`SessionToken`]'s secret, an app
/// session ID): always `HttpOnly`, `SameSite=Lax` and `Path=/`; over HTTPS also `Secure` and
/// named with the `__Host-` prefix, which browsers accept only from this very origin over
/// HTTPS — so a sibling subdomain cannot plant one.
///
/// Framework-neutral: it makes `Set-Cookie` values and reads `Cookie` header values as text.
///
/// [`SessionToken`]: crate::SessionToken
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCookies {
    secure: bool,
}

impl SessionCookies {
    /// Cookies for a site that browsers reach over HTTPS (`true`), or over plain HTTP on
    /// loopback while developing (`false`: not `Secure`, no prefix).
    #[must_use]
    pub fn new(https: bool) -> Self {
        Self { secure: https }
    }

    /// Whether the cookies are `Secure` and `__Host-` prefixed.
    #[must_use]
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The name the browser sees for `name`.
    #[must_use]
    pub fn name<'a>(&self, name: &'a str) -> Cow<'a, str> {
        if self.secure { Cow::Owned(format!("__Host-{name}")) } else { Cow::Borrowed(name) }
    }

    /// A `Set-Cookie` value that sets `name` to `value`, or removes it (`None`).
    #[must_use]
    pub fn set_cookie(&self, name: &str, value: Option<&str>) -> String {
        let (value, secure) = (value.unwrap_or("; Max-Age=0"), if self.secure { "; Secure" } else { "" });
        format!("{}={value}; Path=/; HttpOnly; SameSite=Lax{secure}", self.name(name))
    }

    /// The value of `name` in the request's `Cookie` header values; the first one when a
    /// browser sends several.
    pub fn find<'a>(&self, cookie_headers: impl IntoIterator<Item = &'a str>, name: &str) -> Option<String> {
        let name = format!("{}=", self.name(name));
        let mut pairs = cookie_headers.into_iter().flat_map(|header| header.split(';'));
        pairs.find_map(|pair| Some(pair.trim().strip_prefix(name.as_str())?.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_https_cookies_are_secure_and_host_prefixed() {
        let https = SessionCookies::new(true);
        assert_eq!(https.set_cookie("signon", Some("v")), "__Host-signon=v; Path=/; HttpOnly; SameSite=Lax; Secure");
        assert_eq!(https.find(["a=1; __Host-signon=v"], "signon").as_deref(), Some("v"));
        assert_eq!(https.find(["signon=planted"], "signon"), None, "an unprefixed cookie is not read");
        let local = SessionCookies::new(false);
        assert_eq!(local.set_cookie("signon", None), "signon=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax");
        assert_eq!(local.find(["x=1", "signonx=2; signon=3"], "signon").as_deref(), Some("3"));
    }
}
