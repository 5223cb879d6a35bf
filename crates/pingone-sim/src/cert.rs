//! A self-signed X.509 certificate for the signing key, for the JWKS's `x5c`, `x5t` and
//! `x5t#S256` members: a tiny DER writer (RFC 5280's few structures this needs), signed with the
//! key itself (`sha256WithRSAEncryption`). No X.509 library: the certificate carries nothing but
//! the public key, a subject and a validity period.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};

/// `sha256WithRSAEncryption` (1.2.840.113549.1.1.11).
const SHA256_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
/// `commonName` (2.5.4.3).
const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
/// Valid from 2020-01-01 to the end of 2049 (the last year `UTCTime` can say): fixed, so that
/// the certificate depends on the key alone.
const NOT_BEFORE: &[u8] = b"200101000000Z";
const NOT_AFTER: &[u8] = b"491231235959Z";

/// A DER TLV.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or(0));
    } else {
        let bytes = len.to_be_bytes();
        let significant: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
        out.push(0x80 | u8::try_from(significant.len()).unwrap_or(0));
        out.extend_from_slice(&significant);
    }
    out.extend_from_slice(content);
    out
}

fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// A positive INTEGER from big-endian bytes.
fn integer(bytes: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    let mut content = if trimmed.is_empty() { vec![0] } else { trimmed };
    if content.first().is_some_and(|b| b & 0x80 != 0) {
        content.insert(0, 0);
    }
    tlv(0x02, &content)
}

fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut content = vec![0];
    content.extend_from_slice(bytes);
    tlv(0x03, &content)
}

fn algorithm(oid: &[u8]) -> Vec<u8> {
    sequence(&[&tlv(0x06, oid), &[0x05, 0x00]])
}

/// `CN=<name>`.
fn name(common_name: &str) -> Vec<u8> {
    let attribute = sequence(&[&tlv(0x06, COMMON_NAME), &tlv(0x0c, common_name.as_bytes())]);
    sequence(&[&tlv(0x31, &attribute)])
}

/// The DER certificate of `pair`, self-signed, with `serial` and `CN=<subject>`. `None` if the
/// crypto library fails.
pub(crate) fn self_signed(pair: &KeyPair, serial: &[u8], subject: &str) -> Option<Vec<u8>> {
    let spki = pair.public_key().as_der().ok()?;
    let version = tlv(0xa0, &integer(&[2]));
    let validity = sequence(&[&tlv(0x17, NOT_BEFORE), &tlv(0x17, NOT_AFTER)]);
    let subject = name(subject);
    let tbs = sequence(&[
        &version,
        &integer(serial),
        &algorithm(SHA256_WITH_RSA),
        &subject,
        &validity,
        &subject,
        spki.as_ref(),
    ]);
    let mut signature = vec![0u8; pair.public_modulus_len()];
    let rng = aws_lc_rs::rand::SystemRandom::new();
    pair.sign(&RSA_PKCS1_SHA256, &rng, &tbs, &mut signature).ok()?;
    Some(sequence(&[&tbs, &algorithm(SHA256_WITH_RSA), &bit_string(&signature)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_integers_are_der() {
        assert_eq!(tlv(0x04, &[1, 2]), [0x04, 2, 1, 2]);
        let long = tlv(0x04, &[0u8; 300]);
        assert_eq!(long.get(..4), Some(&[0x04, 0x82, 0x01, 0x2c][..]));
        assert_eq!(integer(&[0, 0, 5]), [0x02, 1, 5]);
        assert_eq!(integer(&[0x80]), [0x02, 2, 0, 0x80], "a leading 0 keeps it positive");
        assert_eq!(integer(&[]), [0x02, 1, 0]);
    }
}
