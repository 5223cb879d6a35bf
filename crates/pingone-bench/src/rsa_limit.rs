//! The RSA-bound limit of this machine: RS256 (RSA-2048, PKCS#1 v1.5, SHA-256) signatures per
//! second on all cores at once, halved, since each sign-on signs two tokens (access and ID).

use std::time::{Duration, Instant};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::RSA_PKCS1_SHA256;

/// What was measured.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RsaLimit {
    pub threads: usize,
    pub signatures_per_second: f64,
    /// CPU time of one signature on one core.
    pub per_signature: Duration,
}

impl RsaLimit {
    /// Complete sign-ons per second that the signatures alone allow.
    pub(crate) fn sign_ons_per_second(&self) -> f64 {
        self.signatures_per_second / 2.0
    }
}

/// Signs on every core for `duration` (each thread its own loop, one shared key).
pub(crate) fn measure(duration: Duration) -> RsaLimit {
    let key = KeyPair::generate(KeySize::Rsa2048).expect("RSA key");
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let message = [7u8; 600];
    let counts: Vec<u64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let rng = SystemRandom::new();
                    let mut signature = vec![0u8; key.public_modulus_len()];
                    let started = Instant::now();
                    let mut count = 0u64;
                    while started.elapsed() < duration {
                        key.sign(&RSA_PKCS1_SHA256, &rng, &message, &mut signature).expect("sign");
                        count += 1;
                    }
                    count
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0)).collect()
    });
    let total: u64 = counts.iter().sum();
    let signatures_per_second = total as f64 / duration.as_secs_f64();
    let per_signature = Duration::from_secs_f64(threads as f64 * duration.as_secs_f64() / total.max(1) as f64);
    RsaLimit { threads, signatures_per_second, per_signature }
}
