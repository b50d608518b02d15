//! RSA keys below 2048 bits, which Go (dockerd and the docker CLI) accepts and aws-lc-rs and
//! rustls-webpki do not: signing with such a client key, and checking a daemon's handshake
//! signature made with one, with the `rsa` crate. `verify` warns about such keys (`weak-key`);
//! this only lets it answer the question "does Docker work with these files?" truthfully.

use std::sync::Arc;

use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey};
use rsa::rand_core::{CryptoRng, RngCore};
use rsa::sha2::{Sha256, Sha384, Sha512};
use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer as _, Verifier as _};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use rustls::pki_types::{PrivateKeyDer, SubjectPublicKeyInfoDer};
use rustls::sign::{Signer, SigningKey};
use rustls::{Error, SignatureAlgorithm, SignatureScheme};

/// Below this many bits, aws-lc-rs refuses an RSA key.
pub const MIN_BITS: usize = 2048;

/// An RSA key too small for aws-lc-rs, loaded for signing.
pub struct SmallRsaKey {
    key: Arc<RsaPrivateKey>,
    /// Its size in bits.
    pub bits: usize,
    /// Its SubjectPublicKeyInfo (DER), to compare with the certificate.
    pub spki: Vec<u8>,
}

impl std::fmt::Debug for SmallRsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SmallRsaKey({} bits)", self.bits)
    }
}

/// Loads `der` when it is an RSA key below [`MIN_BITS`] (and at least 512 bits); `None` for
/// anything else.
pub fn load_small(der: &PrivateKeyDer<'_>) -> Option<SmallRsaKey> {
    let key = match der {
        PrivateKeyDer::Pkcs1(k) => RsaPrivateKey::from_pkcs1_der(k.secret_pkcs1_der()).ok()?,
        PrivateKeyDer::Pkcs8(k) => RsaPrivateKey::from_pkcs8_der(k.secret_pkcs8_der()).ok()?,
        _ => return None,
    };
    let bits = key.size() * 8;
    if !(512..MIN_BITS).contains(&bits) {
        return None;
    }
    let spki = key.to_public_key().to_public_key_der().ok()?.into_vec();
    Some(SmallRsaKey {
        key: Arc::new(key),
        bits,
        spki,
    })
}

/// Randomness for PSS salts, from aws-lc-rs.
struct AwsLcRng;

impl RngCore for AwsLcRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // aws-lc-rs' fill only fails when the system has no randomness at all.
        if aws_lc_rs::rand::fill(dest).is_err() {
            panic!("the system random number generator failed");
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rsa::rand_core::Error> {
        aws_lc_rs::rand::fill(dest).map_err(|_| {
            rsa::rand_core::Error::from(
                std::num::NonZeroU32::new(1).unwrap_or(std::num::NonZeroU32::MIN),
            )
        })
    }
}

impl CryptoRng for AwsLcRng {}

const PREFERENCE: [SignatureScheme; 6] = [
    SignatureScheme::RSA_PSS_SHA256,
    SignatureScheme::RSA_PSS_SHA384,
    SignatureScheme::RSA_PSS_SHA512,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA512,
];

impl SigningKey for SmallRsaKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        // PSS needs room for the hash and a salt as long as it (RFC 8446 §4.2.3): a 1024-bit key
        // cannot do PSS with SHA-512 (64 + 64 + 2 > 128 bytes), as Go's crypto/tls also knows.
        let fits = |scheme: &SignatureScheme| match scheme {
            SignatureScheme::RSA_PSS_SHA384 => self.key.size() >= 2 * 48 + 2,
            SignatureScheme::RSA_PSS_SHA512 => self.key.size() >= 2 * 64 + 2,
            _ => true,
        };
        PREFERENCE
            .iter()
            .filter(|scheme| fits(scheme))
            .find(|scheme| offered.contains(scheme))
            .map(|scheme| {
                Box::new(SmallRsaSigner {
                    key: Arc::clone(&self.key),
                    scheme: *scheme,
                }) as Box<dyn Signer>
            })
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'_>> {
        Some(SubjectPublicKeyInfoDer::from(self.spki.clone()))
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::RSA
    }
}

struct SmallRsaSigner {
    key: Arc<RsaPrivateKey>,
    scheme: SignatureScheme,
}

impl std::fmt::Debug for SmallRsaSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SmallRsaSigner({})",
            self.scheme.as_str().unwrap_or("RSA")
        )
    }
}

impl Signer for SmallRsaSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let key = (*self.key).clone();
        let failed = |_| Error::General("signing with the small RSA client key failed".into());
        let mut rng = AwsLcRng;
        let signature = match self.scheme {
            SignatureScheme::RSA_PSS_SHA256 => rsa::pss::BlindedSigningKey::<Sha256>::new(key)
                .try_sign_with_rng(&mut rng, message)
                .map_err(failed)?
                .to_vec(),
            SignatureScheme::RSA_PSS_SHA384 => rsa::pss::BlindedSigningKey::<Sha384>::new(key)
                .try_sign_with_rng(&mut rng, message)
                .map_err(failed)?
                .to_vec(),
            SignatureScheme::RSA_PSS_SHA512 => rsa::pss::BlindedSigningKey::<Sha512>::new(key)
                .try_sign_with_rng(&mut rng, message)
                .map_err(failed)?
                .to_vec(),
            SignatureScheme::RSA_PKCS1_SHA256 => rsa::pkcs1v15::SigningKey::<Sha256>::new(key)
                .try_sign(message)
                .map_err(failed)?
                .to_vec(),
            SignatureScheme::RSA_PKCS1_SHA384 => rsa::pkcs1v15::SigningKey::<Sha384>::new(key)
                .try_sign(message)
                .map_err(failed)?
                .to_vec(),
            _ => rsa::pkcs1v15::SigningKey::<Sha512>::new(key)
                .try_sign(message)
                .map_err(failed)?
                .to_vec(),
        };
        Ok(signature)
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

/// The size in bits of `spki` when it is an RSA key below [`MIN_BITS`].
pub fn small_rsa_bits(spki: &[u8]) -> Option<usize> {
    let key = RsaPublicKey::from_public_key_der(spki).ok()?;
    let bits = key.size() * 8;
    (bits < MIN_BITS).then_some(bits)
}

/// When `spki` is an RSA key below [`MIN_BITS`]: whether `signature` over `message` is valid under
/// `scheme`. `None` for any other key (webpki's algorithms check those).
pub fn verify_if_small(
    spki: &[u8],
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Option<bool> {
    let key = RsaPublicKey::from_public_key_der(spki).ok()?;
    if key.size() * 8 >= MIN_BITS {
        return None;
    }
    let pss = |sig: &[u8]| rsa::pss::Signature::try_from(sig).ok();
    let pkcs1 = |sig: &[u8]| rsa::pkcs1v15::Signature::try_from(sig).ok();
    let valid = match scheme {
        SignatureScheme::RSA_PSS_SHA256 => pss(signature).is_some_and(|s| {
            rsa::pss::VerifyingKey::<Sha256>::new(key)
                .verify(message, &s)
                .is_ok()
        }),
        SignatureScheme::RSA_PSS_SHA384 => pss(signature).is_some_and(|s| {
            rsa::pss::VerifyingKey::<Sha384>::new(key)
                .verify(message, &s)
                .is_ok()
        }),
        SignatureScheme::RSA_PSS_SHA512 => pss(signature).is_some_and(|s| {
            rsa::pss::VerifyingKey::<Sha512>::new(key)
                .verify(message, &s)
                .is_ok()
        }),
        SignatureScheme::RSA_PKCS1_SHA256 => pkcs1(signature).is_some_and(|s| {
            rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key)
                .verify(message, &s)
                .is_ok()
        }),
        SignatureScheme::RSA_PKCS1_SHA384 => pkcs1(signature).is_some_and(|s| {
            rsa::pkcs1v15::VerifyingKey::<Sha384>::new(key)
                .verify(message, &s)
                .is_ok()
        }),
        SignatureScheme::RSA_PKCS1_SHA512 => pkcs1(signature).is_some_and(|s| {
            rsa::pkcs1v15::VerifyingKey::<Sha512>::new(key)
                .verify(message, &s)
                .is_ok()
        }),
        _ => false,
    };
    Some(valid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::EncodePrivateKey;
    use rustls::pki_types::PrivatePkcs8KeyDer;

    #[test]
    fn a_1024_bit_key_signs_and_verifies_with_each_scheme() {
        let key = RsaPrivateKey::new(&mut AwsLcRng, 1024).unwrap();
        let der = key.to_pkcs8_der().unwrap();
        let loaded = load_small(&PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            der.as_bytes().to_vec(),
        )))
        .unwrap();
        assert_eq!(loaded.bits, 1024);
        assert!(
            loaded
                .choose_scheme(&[SignatureScheme::RSA_PSS_SHA512])
                .is_none(),
            "no room for PSS with SHA-512 in 1024 bits"
        );
        for scheme in PREFERENCE {
            if scheme == SignatureScheme::RSA_PSS_SHA512 {
                continue;
            }
            let signer = loaded.choose_scheme(&[scheme]).unwrap();
            let signature = signer.sign(b"handshake").unwrap();
            assert_eq!(
                verify_if_small(&loaded.spki, scheme, b"handshake", &signature),
                Some(true),
                "{scheme:?}"
            );
            assert_eq!(
                verify_if_small(&loaded.spki, scheme, b"tampered", &signature),
                Some(false)
            );
        }
        assert!(loaded.choose_scheme(&[SignatureScheme::ED25519]).is_none());
    }
}
