//! The CA key at rest: PKCS#8 PBES2 encryption (PBKDF2-HMAC-SHA256, 600,000 iterations,
//! AES-256-CBC — a format `openssl pkey` reads), and decryption of the encrypted keys people bring
//! (`ENCRYPTED PRIVATE KEY`, and OpenSSL's legacy `Proc-Type: 4,ENCRYPTED` PEM).
//!
//! Leaf keys are never encrypted: dockerd and the docker CLI cannot read encrypted keys.

use aes::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
use anyhow::{Result, anyhow, bail};
use md5::{Digest, Md5};
use zeroize::Zeroizing;

/// PBKDF2 iterations for a stored CA key (OWASP's figure for PBKDF2-HMAC-SHA256).
pub const PBKDF2_ITERATIONS: u32 = 600_000;

/// Encrypts a PKCS#8 private key (DER) into an `ENCRYPTED PRIVATE KEY` PEM.
pub fn encrypt_pkcs8(der: &[u8], passphrase: &[u8]) -> Result<String> {
    if passphrase.is_empty() {
        bail!("the passphrase is empty; give one to encrypt the CA key with");
    }
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    aws_lc_rs::rand::fill(&mut salt).map_err(|_| anyhow!("the random number generator failed"))?;
    aws_lc_rs::rand::fill(&mut iv).map_err(|_| anyhow!("the random number generator failed"))?;
    let params =
        pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(PBKDF2_ITERATIONS, &salt, iv)
            .map_err(|err| anyhow!("cannot set up PBES2: {err}"))?;
    let info = pkcs8::PrivateKeyInfoRef::try_from(der)
        .map_err(|err| anyhow!("the key is not PKCS#8: {err}"))?;
    let encrypted = info
        .encrypt_with_params(params, passphrase)
        .map_err(|err| anyhow!("cannot encrypt the key: {err}"))?;
    Ok(pem::encode(&pem::Pem::new(
        "ENCRYPTED PRIVATE KEY",
        encrypted.as_bytes().to_vec(),
    )))
}

/// Decrypts an `ENCRYPTED PRIVATE KEY` (DER) into PKCS#8 DER.
pub fn decrypt_pkcs8(der: &[u8], passphrase: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der)
        .map_err(|err| anyhow!("not an encrypted PKCS#8 key: {err}"))?;
    let plain = info
        .decrypt(passphrase)
        .map_err(|_| anyhow!("wrong passphrase (or an unsupported encryption scheme)"))?;
    Ok(Zeroizing::new(plain.as_bytes().to_vec()))
}

/// Decrypts OpenSSL's legacy encrypted PEM (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: CIPHER,IV`) into
/// the DER inside (PKCS#1 or SEC1).
pub fn decrypt_legacy(block: &pem::Pem, passphrase: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let info = block
        .headers()
        .get("DEK-Info")
        .ok_or_else(|| anyhow!("the encrypted key has no DEK-Info header"))?;
    let (cipher, iv_hex) = info
        .split_once(',')
        .ok_or_else(|| anyhow!("malformed DEK-Info header '{info}'"))?;
    let iv =
        hex_bytes(iv_hex.trim()).ok_or_else(|| anyhow!("malformed IV in DEK-Info '{info}'"))?;
    let key_len = match cipher.trim() {
        "AES-128-CBC" => 16,
        "AES-192-CBC" => 24,
        "AES-256-CBC" => 32,
        "DES-EDE3-CBC" => 24,
        other => bail!(
            "the key is encrypted with {other}, which dockcert does not read; convert it with 'openssl pkey'"
        ),
    };
    if iv.len() < 8 {
        bail!("malformed IV in DEK-Info '{info}'");
    }
    let key = Zeroizing::new(evp_bytes_to_key(passphrase, &iv[..8], key_len));
    let data = block.contents();
    let wrong = |_| anyhow!("wrong passphrase for the encrypted key");
    let plain = match cipher.trim() {
        "AES-128-CBC" => cbc::Decryptor::<aes::Aes128>::new_from_slices(&key, &iv)
            .map_err(|_| anyhow!("bad key or IV length"))?
            .decrypt_padded_vec::<Pkcs7>(data)
            .map_err(wrong)?,
        "AES-192-CBC" => cbc::Decryptor::<aes::Aes192>::new_from_slices(&key, &iv)
            .map_err(|_| anyhow!("bad key or IV length"))?
            .decrypt_padded_vec::<Pkcs7>(data)
            .map_err(wrong)?,
        "AES-256-CBC" => cbc::Decryptor::<aes::Aes256>::new_from_slices(&key, &iv)
            .map_err(|_| anyhow!("bad key or IV length"))?
            .decrypt_padded_vec::<Pkcs7>(data)
            .map_err(wrong)?,
        _ => cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
            .map_err(|_| anyhow!("bad key or IV length"))?
            .decrypt_padded_vec::<Pkcs7>(data)
            .map_err(wrong)?,
    };
    // A wrong passphrase can still unpad by chance; what comes out must at least be a SEQUENCE.
    if plain.first() != Some(&0x30) {
        bail!("wrong passphrase for the encrypted key");
    }
    Ok(Zeroizing::new(plain))
}

/// OpenSSL's EVP_BytesToKey with MD5 and one iteration, as legacy PEM encryption uses.
fn evp_bytes_to_key(passphrase: &[u8], salt: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 16);
    let mut previous: Vec<u8> = Vec::new();
    while out.len() < len {
        let mut hasher = Md5::new();
        hasher.update(&previous);
        hasher.update(passphrase);
        hasher.update(salt);
        previous = hasher.finalize().to_vec();
        out.extend_from_slice(&previous);
    }
    out.truncate(len);
    out
}

fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Decrypts the encrypted private key in PEM `bytes` from `path` (either form) into a plain
/// [`crate::x509::load::KeyFile`].
pub fn decrypt_key_file(
    path: &std::path::Path,
    bytes: &[u8],
    passphrase: &[u8],
) -> Result<crate::x509::load::KeyFile> {
    use crate::x509::load::{Encoding, KeyFile, KeyFormat};
    use rustls_pki_types::{
        PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
    };
    let blocks = pem::parse_many(bytes)
        .map_err(|err| anyhow!("{} is not valid PEM ({err})", path.display()))?;
    for block in &blocks {
        let legacy = block
            .headers()
            .get("Proc-Type")
            .is_some_and(|value| value.contains("ENCRYPTED"));
        let (format, der) = match block.tag() {
            "ENCRYPTED PRIVATE KEY" => {
                let der = decrypt_pkcs8(block.contents(), passphrase)
                    .map_err(|err| anyhow!("{}: {err}", path.display()))?;
                (
                    KeyFormat::Pkcs8,
                    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der.to_vec())),
                )
            }
            "RSA PRIVATE KEY" if legacy => {
                let der = decrypt_legacy(block, passphrase)
                    .map_err(|err| anyhow!("{}: {err}", path.display()))?;
                (
                    KeyFormat::Pkcs1,
                    PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(der.to_vec())),
                )
            }
            "EC PRIVATE KEY" if legacy => {
                let der = decrypt_legacy(block, passphrase)
                    .map_err(|err| anyhow!("{}: {err}", path.display()))?;
                (
                    KeyFormat::Sec1,
                    PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(der.to_vec())),
                )
            }
            _ => continue,
        };
        return Ok(KeyFile {
            path: path.to_path_buf(),
            encoding: Encoding::Pem,
            format,
            der,
        });
    }
    bail!("{} holds no encrypted private key", path.display())
}

/// A PKCS#8 key (DER) as `PRIVATE KEY` PEM.
pub fn pkcs8_pem(der: &[u8]) -> Zeroizing<String> {
    Zeroizing::new(pem::encode(&pem::Pem::new("PRIVATE KEY", der.to_vec())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbes2_round_trip_and_wrong_passphrase() {
        let key = rcgen::KeyPair::generate().unwrap();
        let pem_text = encrypt_pkcs8(&key.serialize_der(), b"correct horse").unwrap();
        let block = pem::parse(&pem_text).unwrap();
        assert_eq!(block.tag(), "ENCRYPTED PRIVATE KEY");
        let plain = decrypt_pkcs8(block.contents(), b"correct horse").unwrap();
        assert_eq!(plain.as_slice(), key.serialize_der().as_slice());
        let err = decrypt_pkcs8(block.contents(), b"wrong").unwrap_err();
        assert!(err.to_string().contains("wrong passphrase"), "{err}");
        assert!(encrypt_pkcs8(&key.serialize_der(), b"").is_err());
    }

    #[test]
    fn evp_bytes_to_key_matches_openssl() {
        // From `openssl enc -aes-256-cbc -P -md md5 -pass pass:secret -S 0102030405060708`.
        let key = evp_bytes_to_key(b"secret", &[1, 2, 3, 4, 5, 6, 7, 8], 32);
        assert_eq!(
            key,
            hex_bytes("C9E5A1BD216DBE1317E230CEF48F38EE7F0E17AD64022144BCCEC4A1AA2879AB").unwrap()
        );
        assert_eq!(hex_bytes("0a0B"), Some(vec![10, 11]));
        assert_eq!(hex_bytes("0"), None);
    }
}
