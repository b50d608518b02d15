//! Reading certificates and private keys from files that may come from anywhere: PEM (bundles,
//! stray blocks such as `EC PARAMETERS`, legacy `Proc-Type: 4,ENCRYPTED` headers) or DER, keys in
//! PKCS#8, PKCS#1 or SEC1. Every input is untrusted: nothing here panics, and every error names
//! the file.

use std::fmt;
use std::path::{Path, PathBuf};

use rustls_pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
};
use x509_parser::prelude::{FromDer, SubjectPublicKeyInfo, X509Certificate};

/// How a file was encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// Base64 between `-----BEGIN …-----` lines.
    Pem,
    /// Raw DER.
    Der,
}

/// The encoding of a private key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyFormat {
    /// PKCS#8 `PrivateKeyInfo` (`BEGIN PRIVATE KEY`).
    Pkcs8,
    /// PKCS#1 `RSAPrivateKey` (`BEGIN RSA PRIVATE KEY`).
    Pkcs1,
    /// SEC1 `ECPrivateKey` (`BEGIN EC PRIVATE KEY`).
    Sec1,
}

impl fmt::Display for KeyFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyFormat::Pkcs8 => "PKCS#8",
            KeyFormat::Pkcs1 => "PKCS#1",
            KeyFormat::Sec1 => "SEC1",
        })
    }
}

/// Why a file could not be used. Callers branch on `EncryptedKey` (a finding of its own).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is empty.
    #[error("{} is empty", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file is neither valid PEM nor valid DER of the kind wanted.
    #[error("{}: {detail}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The private key is encrypted, which dockerd and the docker CLI cannot use.
    #[error(
        "{} holds an encrypted private key, which dockerd and the docker CLI cannot use; decrypt it \
         with 'openssl pkey -in {0} -out key-plain.pem' and keep the result at mode 0400",
        path.display()
    )]
    EncryptedKey {
        /// The file.
        path: PathBuf,
    },
}

/// The certificates of one file, in file order.
#[derive(Clone, Debug)]
pub struct CertFile {
    /// The file.
    pub path: PathBuf,
    /// PEM or DER.
    pub encoding: Encoding,
    /// Each certificate's DER; each parses as X.509.
    pub certs: Vec<CertificateDer<'static>>,
}

/// A private key read from a file.
pub struct KeyFile {
    /// The file.
    pub path: PathBuf,
    /// PEM or DER.
    pub encoding: Encoding,
    /// PKCS#8, PKCS#1 or SEC1.
    pub format: KeyFormat,
    /// The key's DER.
    pub der: PrivateKeyDer<'static>,
}

impl fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyFile")
            .field("path", &self.path)
            .field("encoding", &self.encoding)
            .field("format", &self.format)
            .field("der", &"[private key elided]")
            .finish()
    }
}

fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    let bytes = crate::bounded::read(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(bytes)
}

fn check_not_empty(path: &Path, bytes: &[u8]) -> Result<(), LoadError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(LoadError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

fn malformed(path: &Path, detail: impl Into<String>) -> LoadError {
    LoadError::Malformed {
        path: path.to_path_buf(),
        detail: detail.into(),
    }
}

fn looks_like_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

/// The PEM blocks of `bytes`, or an error naming the file.
fn pem_blocks(path: &Path, bytes: &[u8]) -> Result<Vec<pem::Pem>, LoadError> {
    let blocks = pem::parse_many(bytes)
        .map_err(|err| malformed(path, format!("is not valid PEM ({err})")))?;
    if blocks.is_empty() {
        return Err(malformed(
            path,
            "has a '-----BEGIN' line but no complete PEM block (truncated?)",
        ));
    }
    Ok(blocks)
}

fn tags(blocks: &[pem::Pem]) -> String {
    let names: Vec<&str> = blocks.iter().map(pem::Pem::tag).collect();
    names.join(", ")
}

/// Reads every certificate in a PEM or DER file.
pub fn read_certificates(path: &Path) -> Result<CertFile, LoadError> {
    parse_certificates(path, &read(path)?)
}

/// Parses every certificate in PEM or DER `bytes` that came from `path`.
pub fn parse_certificates(path: &Path, bytes: &[u8]) -> Result<CertFile, LoadError> {
    check_not_empty(path, bytes)?;
    let (encoding, ders) = if looks_like_pem(bytes) {
        let blocks = pem_blocks(path, bytes)?;
        let ders: Vec<Vec<u8>> = blocks
            .iter()
            .filter(|block| block.tag() == "CERTIFICATE")
            .map(|block| block.contents().to_vec())
            .collect();
        if ders.is_empty() {
            return Err(malformed(
                path,
                format!("holds no CERTIFICATE block (found: {})", tags(&blocks)),
            ));
        }
        (Encoding::Pem, ders)
    } else {
        (Encoding::Der, vec![bytes.to_vec()])
    };
    let mut certs = Vec::with_capacity(ders.len());
    for (index, der) in ders.into_iter().enumerate() {
        match X509Certificate::from_der(&der) {
            Ok((rest, _)) if rest.is_empty() || encoding == Encoding::Pem => {}
            Ok(_) => return Err(malformed(path, "has bytes after the DER certificate")),
            Err(err) => {
                let what = match encoding {
                    Encoding::Pem => format!("certificate #{} does not parse as X.509", index + 1),
                    Encoding::Der => "is neither PEM nor a DER X.509 certificate".to_string(),
                };
                return Err(malformed(path, format!("{what} ({err})")));
            }
        }
        certs.push(CertificateDer::from(der));
    }
    Ok(CertFile {
        path: path.to_path_buf(),
        encoding,
        certs,
    })
}

/// Reads the private key in a PEM or DER file.
pub fn read_private_key(path: &Path) -> Result<KeyFile, LoadError> {
    parse_private_key(path, &read(path)?)
}

/// Parses the private key in PEM or DER `bytes` that came from `path`.
pub fn parse_private_key(path: &Path, bytes: &[u8]) -> Result<KeyFile, LoadError> {
    check_not_empty(path, bytes)?;
    if !looks_like_pem(bytes) {
        let der = PrivateKeyDer::try_from(bytes)
            .map_err(|_| {
                malformed(
                    path,
                    "is neither PEM nor a DER private key (PKCS#8, PKCS#1 or SEC1)",
                )
            })?
            .clone_key();
        let format = match der {
            PrivateKeyDer::Pkcs1(_) => KeyFormat::Pkcs1,
            PrivateKeyDer::Sec1(_) => KeyFormat::Sec1,
            _ => KeyFormat::Pkcs8,
        };
        return Ok(KeyFile {
            path: path.to_path_buf(),
            encoding: Encoding::Der,
            format,
            der,
        });
    }
    let blocks = pem_blocks(path, bytes)?;
    for block in &blocks {
        let encrypted_header = block
            .headers()
            .get("Proc-Type")
            .is_some_and(|value| value.contains("ENCRYPTED"));
        let contents = block.contents().to_vec();
        let (format, der) = match block.tag() {
            "ENCRYPTED PRIVATE KEY" => {
                return Err(LoadError::EncryptedKey {
                    path: path.to_path_buf(),
                });
            }
            _ if encrypted_header => {
                return Err(LoadError::EncryptedKey {
                    path: path.to_path_buf(),
                });
            }
            "PRIVATE KEY" => (
                KeyFormat::Pkcs8,
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(contents)),
            ),
            "RSA PRIVATE KEY" => (
                KeyFormat::Pkcs1,
                PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(contents)),
            ),
            "EC PRIVATE KEY" => (
                KeyFormat::Sec1,
                PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(contents)),
            ),
            // EC PARAMETERS and the like may precede the key.
            _ => continue,
        };
        return Ok(KeyFile {
            path: path.to_path_buf(),
            encoding: Encoding::Pem,
            format,
            der,
        });
    }
    Err(malformed(
        path,
        format!(
            "holds no private key (found: {}); expected PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY",
            tags(&blocks)
        ),
    ))
}

/// What a private key is, as far as the crypto library can tell: its public key (SPKI DER) and a
/// description such as "ecdsa-p256".
#[derive(Clone, Debug)]
pub struct KeyInfo {
    /// The public key, as a SubjectPublicKeyInfo.
    pub spki: Vec<u8>,
    /// The key, loaded and ready to sign (a TLS handshake reuses it instead of loading it again:
    /// for RSA-4096 that is a millisecond).
    pub signing: std::sync::Arc<dyn rustls::sign::SigningKey>,
}

/// Loads `key` with the crypto provider and returns its public key, or why it cannot be used.
pub fn key_info(key: &KeyFile) -> Result<KeyInfo, LoadError> {
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let signing = provider
        .key_provider
        .load_private_key(key.der.clone_key())
        .map_err(|_| {
            // aws-lc-rs' own text ("unexpected error: failed to parse private key as RSA, ECDSA,
            // or EdDSA") says nothing a person can act on.
            malformed(
                &key.path,
                format!(
                    "holds a {} key that cannot be used for TLS: only RSA keys of 2048 bits or \
                     more, ECDSA keys on P-256, P-384 or P-521, and Ed25519 keys can sign",
                    key.format
                ),
            )
        })?;
    let spki = signing
        .public_key()
        .ok_or_else(|| malformed(&key.path, "holds a key whose public half cannot be derived"))?;
    let spki = spki.as_ref().to_vec();
    Ok(KeyInfo { spki, signing })
}

/// Whether two SubjectPublicKeyInfo encodings carry the same key (algorithm parameters may be
/// encoded differently, so the key bits are compared).
pub fn same_public_key(a: &[u8], b: &[u8]) -> bool {
    match (
        SubjectPublicKeyInfo::from_der(a),
        SubjectPublicKeyInfo::from_der(b),
    ) {
        (Ok((_, a)), Ok((_, b))) => {
            a.algorithm.algorithm == b.algorithm.algorithm
                && a.subject_public_key.data == b.subject_public_key.data
        }
        _ => false,
    }
}

/// The key as PKCS#8 DER, whatever it was stored as (PKCS#1 RSA and SEC1 EC keys are converted).
pub fn to_pkcs8(key: &KeyFile) -> Result<zeroize::Zeroizing<Vec<u8>>, LoadError> {
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair,
    };
    let unusable = |what: &str| {
        malformed(
            &key.path,
            format!("holds a {} key that cannot be read ({what})", key.format),
        )
    };
    let der = match &key.der {
        PrivateKeyDer::Pkcs8(der) => der.secret_pkcs8_der().to_vec(),
        PrivateKeyDer::Pkcs1(der) => aws_lc_rs::rsa::KeyPair::from_der(der.secret_pkcs1_der())
            .map_err(|_| unusable("not an RSA key"))?
            .as_der()
            .map_err(|_| unusable("cannot re-encode it"))?
            .as_ref()
            .to_vec(),
        PrivateKeyDer::Sec1(der) => {
            let bytes = der.secret_sec1_der();
            let pair = EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_ASN1_SIGNING, bytes)
                .or_else(|_| {
                    EcdsaKeyPair::from_private_key_der(&ECDSA_P384_SHA384_ASN1_SIGNING, bytes)
                })
                .map_err(|_| unusable("only P-256 and P-384 EC keys are supported"))?;
            pair.to_pkcs8v1()
                .map_err(|_| unusable("cannot re-encode it"))?
                .as_ref()
                .to_vec()
        }
        _ => return Err(unusable("unknown format")),
    };
    Ok(zeroize::Zeroizing::new(der))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str) -> PathBuf {
        PathBuf::from(name)
    }

    fn key_and_cert() -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["x.example".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (key.serialize_pem(), cert.pem())
    }

    #[test]
    fn reads_pem_bundles_and_der() {
        let (_, cert) = key_and_cert();
        let (_, other) = key_and_cert();
        let bundle = format!("junk before\n{cert}\n{other}");
        let file = parse_certificates(&p("b.pem"), bundle.as_bytes()).unwrap();
        assert_eq!((file.encoding, file.certs.len()), (Encoding::Pem, 2));
        let der = pem::parse(&cert).unwrap().into_contents();
        let file = parse_certificates(&p("c.der"), &der).unwrap();
        assert_eq!((file.encoding, file.certs.len()), (Encoding::Der, 1));
    }

    #[test]
    fn reads_keys_in_every_format_and_matches_them_to_certificates() {
        let (key_pem, cert_pem) = key_and_cert();
        let key = parse_private_key(&p("k.pem"), key_pem.as_bytes()).unwrap();
        assert_eq!(
            (key.encoding, key.format),
            (Encoding::Pem, KeyFormat::Pkcs8)
        );
        let cert_der = pem::parse(&cert_pem).unwrap().into_contents();
        let (_, cert) = X509Certificate::from_der(&cert_der).unwrap();
        let info = key_info(&key).unwrap();
        assert!(same_public_key(&info.spki, cert.public_key().raw));
        let (_, other_cert) = key_and_cert();
        let other_der = pem::parse(&other_cert).unwrap().into_contents();
        let (_, other) = X509Certificate::from_der(&other_der).unwrap();
        assert!(!same_public_key(&info.spki, other.public_key().raw));

        let der = pem::parse(&key_pem).unwrap().into_contents();
        let key = parse_private_key(&p("k.der"), &der).unwrap();
        assert_eq!(
            (key.encoding, key.format),
            (Encoding::Der, KeyFormat::Pkcs8)
        );
    }

    #[test]
    fn skips_ec_parameters_before_the_key() {
        let params =
            "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";
        let (key_pem, _) = key_and_cert();
        let text = format!("{params}{key_pem}");
        let key = parse_private_key(&p("k.pem"), text.as_bytes()).unwrap();
        assert_eq!(key.format, KeyFormat::Pkcs8);
    }

    #[test]
    fn recognises_encrypted_keys_both_ways() {
        let pkcs8 =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n";
        let legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nMAA=\n-----END RSA PRIVATE KEY-----\n";
        for text in [pkcs8, legacy] {
            match parse_private_key(&p("k.pem"), text.as_bytes()) {
                Err(LoadError::EncryptedKey { path }) => assert_eq!(path, p("k.pem")),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn bad_input_is_an_error_naming_the_file() {
        let (_, cert) = key_and_cert();
        let truncated = &cert[..cert.len() / 2];
        for (bytes, needle) in [
            (truncated.as_bytes().to_vec(), "no complete PEM block"),
            (
                b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".to_vec(),
                "not valid PEM",
            ),
            (vec![0x30, 0x03, 0x02, 0x01], "neither PEM nor a DER X.509"),
            (b"hello".to_vec(), "neither PEM nor a DER X.509"),
        ] {
            let err = parse_certificates(&p("bad.pem"), &bytes)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("bad.pem") && err.contains(needle), "{err}");
        }
        let err = parse_private_key(&p("k.pem"), cert.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("holds no private key (found: CERTIFICATE)"),
            "{err}"
        );
    }
}
