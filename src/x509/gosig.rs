//! Go's `checkSignature` (x509.go), with the signature arithmetic done by aws-lc-rs.
//!
//! Go refuses MD5 and SHA-1 before looking at the key, refuses DSA and unknown algorithms, and
//! checks RSA signatures for any key size. aws-lc-rs checks RSA PKCS#1 keys of 1024 to 8192 bits
//! (PSS and SHA-384: 2048 to 8192) and no P-224: outside that, the signature is `Unverifiable`,
//! which the verdict reports under one of the permitted differences (see `goverify`).

use aws_lc_rs::signature::{
    self as sig, ParsedPublicKey, UnparsedPublicKey, VerificationAlgorithm,
};

use super::goparse::{Curve, Hash, PubKey, SigAlg};

/// Why a signature did not check out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SigError {
    /// MD5 or SHA-1: Go's `InsecureAlgorithmError`.
    Insecure(&'static str),
    /// Go's `ErrUnsupportedAlgorithm`, or an algorithm that does not fit the key.
    Unsupported,
    /// The arithmetic failed: another key signed it, or the bytes were changed.
    Bad,
    /// Go would check it, dockcert cannot: the stable code of the permitted difference.
    Unverifiable(&'static str),
}

/// Checks `signature` over `tbs` by `key` with `alg`, as Go's `checkSignature` does.
pub(crate) fn check(
    alg: SigAlg,
    tbs: &[u8],
    signature: &[u8],
    key: &PubKey<'_>,
) -> Result<(), SigError> {
    let algorithm: &'static dyn VerificationAlgorithm = match (alg, key) {
        (SigAlg::Unknown, _) => return Err(SigError::Unsupported),
        (SigAlg::Md5Rsa, _) => return Err(SigError::Insecure("MD5")),
        (SigAlg::Sha1Rsa | SigAlg::EcdsaSha1, _) => return Err(SigError::Insecure("SHA-1")),
        (SigAlg::Dsa, _) => return Err(SigError::Unsupported),
        (SigAlg::Rsa(hash), PubKey::Rsa { bits, .. }) => rsa_pkcs1(hash, *bits)?,
        (SigAlg::RsaPss(hash), PubKey::Rsa { bits, .. }) => rsa_pss(hash, *bits)?,
        (SigAlg::Ecdsa(hash), PubKey::Ec { curve, .. }) => ecdsa(*curve, hash)?,
        (SigAlg::Ed25519, PubKey::Ed25519(_)) => &sig::ED25519,
        _ => return Err(SigError::Unsupported),
    };
    let key_bytes = match key {
        PubKey::Rsa { pkcs1, .. } => *pkcs1,
        PubKey::Ec { point, .. } => *point,
        PubKey::Ed25519(bytes) => *bytes,
        PubKey::Dsa | PubKey::Unknown => return Err(SigError::Unsupported),
    };
    UnparsedPublicKey::new(algorithm, key_bytes)
        .verify(tbs, signature)
        .map_err(|_| SigError::Bad)
}

fn rsa_pkcs1(hash: Hash, bits: usize) -> Result<&'static dyn VerificationAlgorithm, SigError> {
    rsa_size(bits)?;
    Ok(match hash {
        Hash::Sha256 => &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        Hash::Sha512 => &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        Hash::Sha384 if bits >= 2048 => &sig::RSA_PKCS1_2048_8192_SHA384,
        Hash::Sha384 => return Err(SigError::Unverifiable(WEAK_RSA_ISSUER)),
    })
}

fn rsa_pss(hash: Hash, bits: usize) -> Result<&'static dyn VerificationAlgorithm, SigError> {
    rsa_size(bits)?;
    if bits < 2048 {
        return Err(SigError::Unverifiable(WEAK_RSA_ISSUER));
    }
    Ok(match hash {
        Hash::Sha256 => &sig::RSA_PSS_2048_8192_SHA256,
        Hash::Sha384 => &sig::RSA_PSS_2048_8192_SHA384,
        Hash::Sha512 => &sig::RSA_PSS_2048_8192_SHA512,
    })
}

/// The code for an RSA issuer key below 2048 bits whose signature dockcert does not check.
pub(crate) const WEAK_RSA_ISSUER: &str = "issuer-rsa-key-weak";
/// The code for an RSA issuer key over 8192 bits.
pub(crate) const HUGE_RSA_ISSUER: &str = "issuer-rsa-key-over-8192-bits";
/// The code for a P-224 issuer key.
pub(crate) const P224_ISSUER: &str = "issuer-p224-key";

fn rsa_size(bits: usize) -> Result<(), SigError> {
    if bits < 1024 {
        Err(SigError::Unverifiable(WEAK_RSA_ISSUER))
    } else if bits > 8192 {
        Err(SigError::Unverifiable(HUGE_RSA_ISSUER))
    } else {
        Ok(())
    }
}

fn ecdsa(curve: Curve, hash: Hash) -> Result<&'static dyn VerificationAlgorithm, SigError> {
    Ok(match (curve, hash) {
        (Curve::P224, _) => return Err(SigError::Unverifiable(P224_ISSUER)),
        (Curve::P256, Hash::Sha256) => &sig::ECDSA_P256_SHA256_ASN1,
        (Curve::P256, Hash::Sha384) => &sig::ECDSA_P256_SHA384_ASN1,
        (Curve::P256, Hash::Sha512) => &sig::ECDSA_P256_SHA512_ASN1,
        (Curve::P384, Hash::Sha256) => &sig::ECDSA_P384_SHA256_ASN1,
        (Curve::P384, Hash::Sha384) => &sig::ECDSA_P384_SHA384_ASN1,
        (Curve::P384, Hash::Sha512) => &sig::ECDSA_P384_SHA512_ASN1,
        (Curve::P521, Hash::Sha256) => &sig::ECDSA_P521_SHA256_ASN1,
        (Curve::P521, Hash::Sha384) => &sig::ECDSA_P521_SHA384_ASN1,
        (Curve::P521, Hash::Sha512) => &sig::ECDSA_P521_SHA512_ASN1,
    })
}

/// Go's `elliptic.Unmarshal`: an uncompressed point of the curve's size, on the curve.
pub(crate) fn valid_point(curve: Curve, point: &[u8]) -> bool {
    let (size, algorithm): (usize, Option<&'static dyn VerificationAlgorithm>) = match curve {
        Curve::P224 => (28, None),
        Curve::P256 => (32, Some(&sig::ECDSA_P256_SHA256_ASN1)),
        Curve::P384 => (48, Some(&sig::ECDSA_P384_SHA384_ASN1)),
        Curve::P521 => (66, Some(&sig::ECDSA_P521_SHA512_ASN1)),
    };
    if point.len() != 1 + 2 * size || point[0] != 4 {
        return false;
    }
    // P-224 points are not checked for being on the curve (aws-lc-rs has no P-224).
    algorithm.is_none_or(|alg| ParsedPublicKey::new(alg, point).is_ok())
}
