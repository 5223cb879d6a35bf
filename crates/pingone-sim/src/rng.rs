//! Randomness. IDs, OTPs, codes and tokens come from the operating system's CSPRNG unless a seed
//! was given, in which case a seeded generator makes a run reproducible (IDs, OTPs and fault
//! choices alike). Seeded values are predictable: a seed is for tests only.

use std::sync::{Mutex, PoisonError};

/// The simulator's random source.
#[derive(Debug)]
pub(crate) struct SimRng {
    seeded: Option<Mutex<u64>>,
}

impl SimRng {
    /// OS randomness, or a deterministic stream from `seed`.
    #[must_use]
    pub(crate) fn new(seed: Option<u64>) -> Self {
        Self { seeded: seed.map(Mutex::new) }
    }

    /// 64 random bits.
    pub(crate) fn next_u64(&self) -> u64 {
        match &self.seeded {
            Some(state) => {
                let mut s = state.lock().unwrap_or_else(PoisonError::into_inner);
                *s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
                splitmix(*s)
            }
            None => {
                let mut bytes = [0u8; 8];
                // aws-lc's RNG does not fail in practice; fall back to std's keyed hash if it does.
                if aws_lc_rs::rand::fill(&mut bytes).is_err() {
                    use std::hash::{BuildHasher, Hasher};
                    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
                    h.write_u8(0);
                    return h.finish();
                }
                u64::from_le_bytes(bytes)
            }
        }
    }

    /// A number in `[0, 1)`.
    pub(crate) fn unit(&self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A random UUID (version 4 layout).
    pub(crate) fn uuid(&self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            ((b >> 48) & 0x3fff) | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }

    /// `len` decimal digits (an OTP).
    pub(crate) fn digits(&self, len: usize) -> String {
        (0..len).map(|_| char::from(b'0' + (self.next_u64() % 10) as u8)).collect()
    }

    /// 32 random bytes, base64url without padding (secrets, codes, cookie values).
    pub(crate) fn token(&self) -> String {
        use base64::Engine as _;
        let mut bytes = [0u8; 32];
        for chunk in bytes.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(v.get(..chunk.len()).unwrap_or(&v));
        }
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_is_reproducible() {
        let (a, b) = (SimRng::new(Some(7)), SimRng::new(Some(7)));
        assert_eq!(a.uuid(), b.uuid());
        assert_eq!(a.digits(6), b.digits(6));
        let os = SimRng::new(None);
        assert_ne!(os.token(), os.token());
        assert_eq!(os.digits(8).len(), 8);
        assert_eq!(os.uuid().len(), 36);
    }
}
