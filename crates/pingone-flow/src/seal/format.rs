//! The sealed layout (version 1). Everything before the ciphertext is authenticated:
//!
//! ```text
//! offset  size  field
//!      0     1  format version (1)
//!      1     1  stage kind
//!      2     8  key ID (fingerprint of the sealing key)
//!     10     4  environment tag (environment ID + auth origin)
//!     14     4  application tag (client ID + redirect URI)
//!     18     8  sealed at, Unix seconds (big-endian)
//!     26     4  maximum age, seconds (big-endian)
//!     30    12  nonce, random per seal: also the seal's ID
//!     42     …  AES-256-GCM ciphertext of the stage, then the 16-byte tag
//! ```
//!
//! The associated data is the header followed by the full binding values (length-prefixed), so
//! that a tag collision still fails authentication.

use crate::binding::BindingTags;

/// The format version this crate writes and reads.
pub(crate) const VERSION: u8 = 1;
/// Header length.
pub(crate) const HEADER_LEN: usize = 42;
/// AES-GCM nonce length.
pub(crate) const NONCE_LEN: usize = 12;
/// AES-GCM tag length.
pub(crate) const TAG_LEN: usize = 16;

/// The sealed header, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub kind: u8,
    pub key_id: [u8; 8],
    pub tags: BindingTags,
    pub sealed_at: u64,
    pub max_age: u32,
    pub nonce: [u8; NONCE_LEN],
}

/// Why a header could not be read (before any cryptography).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderError {
    TooShort,
    Version(u8),
}

impl Header {
    pub(crate) fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        let fields: [&[u8]; 8] = [
            &[VERSION],
            &[self.kind],
            &self.key_id,
            &self.tags.environment.to_be_bytes(),
            &self.tags.application.to_be_bytes(),
            &self.sealed_at.to_be_bytes(),
            &self.max_age.to_be_bytes(),
            &self.nonce,
        ];
        let mut rest = out.as_mut_slice();
        for field in fields {
            let (slot, tail) = rest.split_at_mut(field.len().min(rest.len()));
            slot.copy_from_slice(field.get(..slot.len()).unwrap_or_default());
            rest = tail;
        }
        out
    }

    /// Splits sealed bytes into their header and the ciphertext with its tag.
    pub(crate) fn decode(bytes: &[u8]) -> Result<(Header, &[u8]), HeaderError> {
        let version = *bytes.first().ok_or(HeaderError::TooShort)?;
        if version != VERSION {
            return Err(HeaderError::Version(version));
        }
        if bytes.len() < HEADER_LEN + TAG_LEN {
            return Err(HeaderError::TooShort);
        }
        let (head, rest) = bytes.split_at(HEADER_LEN);
        let mut reader = Reader { bytes: head, at: 1 };
        let [kind] = reader.array::<1>();
        let header = Header {
            kind,
            key_id: reader.array(),
            tags: BindingTags {
                environment: u32::from_be_bytes(reader.array()),
                application: u32::from_be_bytes(reader.array()),
            },
            sealed_at: u64::from_be_bytes(reader.array()),
            max_age: u32::from_be_bytes(reader.array()),
            nonce: reader.array(),
        };
        Ok((header, rest))
    }

    /// When the seal stops opening, in Unix seconds.
    pub(crate) fn expires_at(&self) -> u64 {
        self.sealed_at.saturating_add(u64::from(self.max_age))
    }
}

/// Reads fixed-size fields from a slice whose length was checked.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let end = self.at.saturating_add(N);
        if let Some(field) = self.bytes.get(self.at..end) {
            out.copy_from_slice(field);
        }
        self.at = end;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips() {
        let header = Header {
            kind: 3,
            key_id: [1, 2, 3, 4, 5, 6, 7, 8],
            tags: BindingTags { environment: 0xdead_beef, application: 7 },
            sealed_at: 1_800_000_000,
            max_age: 900,
            nonce: [9; NONCE_LEN],
        };
        let mut bytes = header.encode().to_vec();
        bytes.extend_from_slice(&[0; TAG_LEN]);
        let (decoded, rest) = Header::decode(&bytes).unwrap();
        assert_eq!(decoded, header);
        assert_eq!(rest.len(), TAG_LEN);
        assert_eq!(decoded.expires_at(), 1_800_000_900);
        assert_eq!(Header::decode(&bytes[..HEADER_LEN]), Err(HeaderError::TooShort));
        assert_eq!(Header::decode(&[]), Err(HeaderError::TooShort));
        assert_eq!(Header::decode(&[2; 80]), Err(HeaderError::Version(2)));
    }
}
