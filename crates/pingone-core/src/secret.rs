//! Secret newtypes: values that must never reach `Debug`, `Display`, a log line or a snapshot.
//!
//! Each type prints `[redacted]` with `{:?}`, implements no `Display`, exposes its value only through
//! an explicit [`secret()`](ClientSecret::secret) call, and wipes its heap buffer when dropped.
//! Equality is constant-time, so comparing a submitted value with a stored one leaks no timing.

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

/// Compares two byte strings in time that depends only on their lengths (aws-lc's
/// `CRYPTO_memcmp`, the same comparison every other secret check in the workspace uses).
#[must_use]
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            #[must_use]
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret itself. Every call site is a place where the secret leaves its wrapper:
            /// keep them few and never log the result.
            #[must_use]
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
            }
        }

        impl Eq for $name {}

        impl Drop for $name {
            fn drop(&mut self) {
                self.0.zeroize();
            }
        }
    };
}

secret_type!(
    /// An OAuth client secret (a worker application's or the sign-on application's).
    ClientSecret
);
secret_type!(
    /// A user's password.
    Password
);
secret_type!(
    /// A one-time passcode, as e-mailed to the user.
    Otp
);
secret_type!(
    /// An OAuth access token (the worker token, or a user's).
    AccessToken
);
secret_type!(
    /// An OpenID Connect ID token (a signed JWT).
    IdToken
);
secret_type!(
    /// An OAuth refresh token.
    RefreshToken
);
secret_type!(
    /// An OAuth authorization code, as returned on the redirect URI.
    AuthorizationCode
);
secret_type!(
    /// A PKCE code verifier (RFC 7636).
    PkceVerifier
);
secret_type!(
    /// The value of a cookie set by PingOne for a sign-on flow (session and flow cookies).
    CookieValue
);
secret_type!(
    /// An OAuth `state` or OIDC `nonce` value: not a credential, but it binds a response to its
    /// request, so it is kept out of logs as well.
    StateToken
);

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "s3cr3t-VALUE-that-must-not-print";

    #[test]
    fn every_secret_type_redacts_debug() {
        let printed = [
            format!("{:?}", ClientSecret::new(TEXT)),
            format!("{:?}", Password::new(TEXT)),
            format!("{:?}", Otp::new(TEXT)),
            format!("{:?}", AccessToken::new(TEXT)),
            format!("{:?}", IdToken::new(TEXT)),
            format!("{:?}", RefreshToken::new(TEXT)),
            format!("{:?}", AuthorizationCode::new(TEXT)),
            format!("{:?}", PkceVerifier::new(TEXT)),
            format!("{:?}", CookieValue::new(TEXT)),
            format!("{:?}", StateToken::new(TEXT)),
            format!("{:#?}", Some(Password::new(TEXT))),
        ];
        for line in printed {
            assert!(!line.contains(TEXT), "{line}");
            assert!(!line.contains("s3cr3t"), "{line}");
            assert!(line.contains("[redacted]"), "{line}");
        }
    }

    #[test]
    fn secret_accessor_returns_value() {
        assert_eq!(Otp::new("123456").secret(), "123456");
    }

    #[test]
    fn equality_is_by_value() {
        assert_eq!(Otp::new("123456"), Otp::new("123456"));
        assert_ne!(Otp::new("123456"), Otp::new("123457"));
        assert_ne!(Otp::new("123456"), Otp::new("1234567"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn serde_is_a_plain_string() {
        let json = serde_json::to_string(&AccessToken::new("abc")).unwrap_or_default();
        assert_eq!(json, "\"abc\"");
        let back: Result<AccessToken, _> = serde_json::from_str("\"abc\"");
        assert!(matches!(back, Ok(t) if t.secret() == "abc"));
    }
}
