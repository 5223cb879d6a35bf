//! Randomness: one ChaCha20 generator per source. IDs, OTPs, codes and tokens come from a
//! generator seeded by the operating system unless a seed was given, in which case the run is
//! reproducible (IDs, OTPs and fault choices alike). Seeded values are predictable: a seed is
//! for tests only.

use std::sync::{Mutex, MutexGuard, PoisonError};

use base64::Engine as _;
use rand::{Rng as _, RngExt as _, SeedableRng as _};
use rand_chacha::ChaCha20Rng;

/// The simulator's random source.
#[derive(Debug)]
pub(crate) struct SimRng {
    inner: Mutex<ChaCha20Rng>,
}

impl SimRng {
    /// A generator seeded by the OS, or a deterministic stream from `seed`.
    #[cfg(test)]
    pub(crate) fn new(seed: Option<u64>) -> Self {
        Self::with_stream(seed, 0)
    }

    /// Stream `stream` of `seed`: distinct, reproducible generators from one seed (one per
    /// environment, one for faults).
    pub(crate) fn with_stream(seed: Option<u64>, stream: u64) -> Self {
        Self { inner: Mutex::new(generator(seed, stream)) }
    }

    /// Starts this source over as [`SimRng::with_stream`] would.
    pub(crate) fn reseed(&self, seed: Option<u64>, stream: u64) {
        *self.lock() = generator(seed, stream);
    }

    fn lock(&self) -> MutexGuard<'_, ChaCha20Rng> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A number in `[0, 1)`.
    pub(crate) fn unit(&self) -> f64 {
        self.lock().random::<f64>()
    }

    /// A random UUID (version 4).
    pub(crate) fn uuid(&self) -> String {
        let mut bytes = [0u8; 16];
        self.lock().fill_bytes(&mut bytes);
        uuid::Builder::from_random_bytes(bytes).into_uuid().hyphenated().to_string()
    }

    /// `len` decimal digits (an OTP).
    pub(crate) fn digits(&self, len: usize) -> String {
        let mut rng = self.lock();
        (0..len).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect()
    }

    /// 32 random bytes, base64url without padding (secrets, codes, cookie values).
    pub(crate) fn token(&self) -> String {
        let mut bytes = [0u8; 32];
        self.lock().fill_bytes(&mut bytes);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }
}

fn generator(seed: Option<u64>, stream: u64) -> ChaCha20Rng {
    let mut rng = match seed {
        Some(seed) => ChaCha20Rng::seed_from_u64(seed),
        None => ChaCha20Rng::from_seed(os_seed()),
    };
    rng.set_stream(stream);
    rng
}

/// 32 bytes from the operating system (`getrandom`, already in the tree through `rand`). Not
/// aws-lc's generator: its first use in a process seeds itself with CPU jitter for about 50 ms,
/// which would sit between exec and the ready line (the background key thread pays it instead).
/// Should the OS fail, std's randomly keyed hasher stands in: the values stay unpredictable
/// enough for a test server, and the simulator keeps running.
fn os_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    if getrandom::fill(&mut seed).is_err() {
        use std::hash::{BuildHasher, Hasher};
        for chunk in seed.chunks_mut(8) {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u8(0);
            let bytes = h.finish().to_le_bytes();
            chunk.copy_from_slice(bytes.get(..chunk.len()).unwrap_or(&bytes));
        }
    }
    seed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_is_reproducible_and_streams_differ() {
        let (a, b) = (SimRng::new(Some(7)), SimRng::new(Some(7)));
        assert_eq!(a.uuid(), b.uuid());
        assert_eq!(a.digits(6), b.digits(6));
        assert_eq!(a.unit().to_bits(), b.unit().to_bits());
        assert_ne!(SimRng::with_stream(Some(7), 1).token(), SimRng::with_stream(Some(7), 2).token());
        let again = SimRng::with_stream(Some(7), 1);
        let first = again.token();
        again.reseed(Some(7), 1);
        assert_eq!(again.token(), first);
        let os = SimRng::new(None);
        assert_ne!(os.token(), os.token());
        assert_eq!(os.digits(8).len(), 8);
        assert!(os.digits(8).bytes().all(|b| b.is_ascii_digit()));
        let id = os.uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes().get(14), Some(&b'4'), "version 4: {id}");
        assert!((0.0..1.0).contains(&os.unit()));
    }
}
