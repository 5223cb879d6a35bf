//! Request bodies that may carry secrets (a token form with the client secret, the code and the
//! PKCE verifier; `otp.check` with the code; a password): each is built in one allocation of
//! its exact size — so that no grown-and-freed copy is left behind — and wiped when dropped.

use std::io;
use std::ops::Deref;
use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;
use zeroize::Zeroizing;

/// Body bytes, wiped on drop (every clone too: each owns its own buffer).
pub type BodyBytes = Zeroizing<Vec<u8>>;

/// A request body shared by the request, its clones kept for retries and the HTTP stack (which
/// gets it through [`SharedBody::to_bytes`], without a copy): one buffer, wiped when the last
/// of them lets go of it.
#[derive(Clone)]
pub(crate) struct SharedBody(pub(crate) Arc<BodyBytes>);

impl SharedBody {
    pub(crate) fn new(bytes: BodyBytes) -> Self {
        Self(Arc::new(bytes))
    }

    /// The bytes for `reqwest`: the same buffer, kept alive (and wiped afterwards) by a
    /// reference held inside the `Bytes`.
    pub(crate) fn to_bytes(&self) -> Bytes {
        Bytes::from_owner(self.clone())
    }
}

impl AsRef<[u8]> for SharedBody {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Deref for SharedBody {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// A response body: wiped on drop when the response carries secrets (a token response), and
/// otherwise kept as the HTTP stack handed it over, without a copy.
#[derive(Clone)]
pub(crate) enum ResponseBody {
    /// A body without secrets.
    Plain(Bytes),
    /// A copy that is wiped on drop.
    Wiped(BodyBytes),
}

impl From<Vec<u8>> for ResponseBody {
    fn from(bytes: Vec<u8>) -> Self {
        ResponseBody::Wiped(Zeroizing::new(bytes))
    }
}

impl Deref for ResponseBody {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            ResponseBody::Plain(bytes) => bytes,
            ResponseBody::Wiped(bytes) => bytes,
        }
    }
}

/// `body` as JSON, in a buffer sized by a first counting pass.
pub fn json_body<T: Serialize + ?Sized>(body: &T) -> serde_json::Result<BodyBytes> {
    let mut counter = ByteCounter(0);
    serde_json::to_writer(&mut counter, body)?;
    let mut out = Zeroizing::new(Vec::with_capacity(counter.0));
    serde_json::to_writer(&mut *out, body)?;
    Ok(out)
}

/// `fields` as `application/x-www-form-urlencoded` (the WHATWG serializer: ASCII letters,
/// digits and `*-._` as they are, space as `+`, every other byte `%XX`).
pub(crate) fn form_body(fields: &[(&str, &str)]) -> BodyBytes {
    let len = fields.iter().enumerate().fold(0_usize, |total, (i, (name, value))| {
        total
            .saturating_add(usize::from(i > 0))
            .saturating_add(encoded_len(name))
            .saturating_add(1)
            .saturating_add(encoded_len(value))
    });
    let mut out = Zeroizing::new(Vec::with_capacity(len));
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        encode_into(&mut out, name);
        out.push(b'=');
        encode_into(&mut out, value);
    }
    out
}

/// One value form-urlencoded (for HTTP Basic credentials, RFC 6749 §2.3.1).
pub(crate) fn form_encode(value: &str) -> Zeroizing<String> {
    let mut out = Vec::with_capacity(encoded_len(value));
    encode_into(&mut out, value);
    // Only ASCII was written.
    Zeroizing::new(String::from_utf8(out).unwrap_or_default())
}

fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'*' | b'-' | b'.' | b'_')
}

fn encoded_len(value: &str) -> usize {
    value.bytes().fold(0_usize, |total, b| total.saturating_add(if is_unreserved(b) || b == b' ' { 1 } else { 3 }))
}

fn encode_into(out: &mut Vec<u8>, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let hex = |nibble: u8| HEX.get(usize::from(nibble)).copied().unwrap_or(b'0');
    for byte in value.bytes() {
        match byte {
            b' ' => out.push(b'+'),
            b if is_unreserved(b) => out.push(b),
            b => out.extend_from_slice(&[b'%', hex(b >> 4), hex(b & 0x0f)]),
        }
    }
}

/// Counts what would be written.
struct ByteCounter(usize);

impl io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 = self.0.saturating_add(buf.len());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same bytes as `url`'s `form_urlencoded`, which the bodies were built with before.
    #[test]
    fn form_encoding_matches_the_url_crate() {
        let samples = ["", "plain", "x y&z", "é", "a:b c", "*-._~!'()+/?#[]@%=", "\u{0}\u{7f}\u{1F600}", "tab\there"];
        for value in samples {
            let expected = reqwest::Url::parse_with_params("x:", &[("k", value)])
                .ok()
                .and_then(|u| u.query().map(str::to_owned))
                .unwrap_or_default();
            let got = String::from_utf8(form_body(&[("k", value)]).to_vec()).unwrap_or_default();
            assert_eq!(got, expected, "{value:?}");
            assert_eq!(format!("k={}", *form_encode(value)), expected, "{value:?}");
        }
        assert_eq!(&**form_body(&[("a", "1"), ("b", "2 3")]), b"a=1&b=2+3");
        assert_eq!(&**form_body(&[]), b"");
    }

    /// One allocation of the exact size: no grown-and-freed copy of a secret is left behind.
    #[test]
    fn bodies_are_allocated_once_at_their_exact_size() {
        let form = form_body(&[("client_secret", "s3cr3t value/with+symbols"), ("code", "abc")]);
        assert_eq!(form.capacity(), form.len());
        let json = json_body(&serde_json::json!({ "otp": "123456", "nested": { "list": [1, 2, 3] } })).unwrap();
        assert_eq!(json.capacity(), json.len());
        assert_eq!(&**json, br#"{"nested":{"list":[1,2,3]},"otp":"123456"}"#);
    }

    #[test]
    fn body_bytes_are_wiped_on_drop() {
        fn assert_wiped_on_drop<T: zeroize::ZeroizeOnDrop + Clone>(_: &T) {}
        assert_wiped_on_drop(&form_body(&[("otp", "123456")]));
        assert_wiped_on_drop(&form_encode("secret"));
    }
}
