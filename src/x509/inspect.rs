//! What `inspect` shows about a certificate or a key, as data. Pure: bytes in, a description out.

use std::net::IpAddr;

use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::oid_registry;
use x509_parser::prelude::{FromDer, GeneralName, ParsedExtension, X509Certificate};
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::x509::certinfo::rfc3339;
use crate::x509::load::{Encoding, KeyFormat};

/// Everything `inspect` prints about one file.
#[derive(Debug, Serialize)]
pub struct Inspection {
    /// The file (`-` for standard input).
    pub file: String,
    /// PEM or DER.
    pub encoding: Encoding,
    /// Its certificates, in file order.
    pub certificates: Vec<CertDetails>,
    /// Its private key, when it holds one instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<KeyDetails>,
}

/// The fields of one certificate, as text.
#[derive(Debug, Serialize)]
pub struct CertDetails {
    /// Subject, RFC 4514 style.
    pub subject: String,
    /// Issuer.
    pub issuer: String,
    /// X.509 version (1 or 3).
    pub version: u32,
    /// Serial, colon-separated hex of its DER octets (as `openssl x509 -text`).
    pub serial: String,
    /// Validity start, RFC 3339.
    pub not_before: String,
    /// Validity end, RFC 3339.
    pub not_after: String,
    /// Whole days from now to not-after (negative once expired).
    pub days_left: i64,
    /// DNS, IP, email and URI SANs.
    pub sans: Vec<String>,
    /// Key type and size, e.g. "ECDSA P-256", "RSA 2048 bits".
    pub public_key: String,
    /// e.g. "ecdsa-with-SHA256".
    pub signature_algorithm: String,
    /// e.g. "critical, CA:TRUE, pathlen:0", or "absent".
    pub basic_constraints: String,
    /// e.g. "critical, digitalSignature".
    pub key_usage: String,
    /// e.g. "serverAuth".
    pub extended_key_usage: String,
    /// Hex, or "absent".
    pub subject_key_id: String,
    /// Hex, or "absent".
    pub authority_key_id: String,
    /// SHA-256 fingerprint of the DER.
    pub sha256: String,
}

/// What a private key file holds.
#[derive(Debug, Serialize)]
pub struct KeyDetails {
    /// PKCS#8, PKCS#1 or SEC1 (or "encrypted").
    pub format: String,
    /// e.g. "ECDSA P-256".
    pub key_type: String,
    /// Why it cannot be used, if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// The certificate files in the same directory whose key this is.
    pub matches: Vec<String>,
}

fn hex(bytes: &[u8], sep: &str) -> String {
    let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(sep)
}

fn bits(bytes: &[u8]) -> usize {
    let Some(start) = bytes.iter().position(|b| *b != 0) else {
        return 0;
    };
    (bytes.len() - start - 1) * 8 + (8 - bytes[start].leading_zeros() as usize)
}

/// "ECDSA P-256", "RSA 2048 bits", "Ed25519", … for a SubjectPublicKeyInfo.
pub fn describe_spki(spki: &SubjectPublicKeyInfo<'_>) -> String {
    let alg = &spki.algorithm.algorithm;
    if *alg == oid_registry::OID_PKCS1_RSAENCRYPTION {
        return match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => format!("RSA {} bits", bits(rsa.modulus)),
            _ => "RSA (malformed)".to_string(),
        };
    }
    if *alg == oid_registry::OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .map(|c| c.to_id_string());
        return match curve.as_deref() {
            Some("1.2.840.10045.3.1.7") => "ECDSA P-256".to_string(),
            Some("1.3.132.0.34") => "ECDSA P-384".to_string(),
            Some("1.3.132.0.35") => "ECDSA P-521".to_string(),
            Some("1.2.840.10045.3.1.1") => "ECDSA P-192".to_string(),
            Some(other) => format!("ECDSA curve {other}"),
            None => "ECDSA (explicit curve parameters)".to_string(),
        };
    }
    if *alg == oid_registry::OID_SIG_ED25519 {
        return "Ed25519".to_string();
    }
    if alg.to_id_string() == "1.2.840.10040.4.1" {
        let size = match spki.parsed() {
            Ok(PublicKey::DSA(y)) => format!(" {} bits", bits(y)),
            _ => String::new(),
        };
        return format!("DSA{size}");
    }
    format!("unknown algorithm {}", alg.to_id_string())
}

fn signature_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.3.101.112" => "Ed25519",
        "1.2.840.10040.4.3" => "dsa-with-SHA1",
        "2.16.840.1.101.3.4.3.2" => "dsa-with-SHA256",
        other => return other.to_string(),
    }
    .to_string()
}

fn critical(flag: bool, text: String) -> String {
    if flag {
        format!("critical, {text}")
    } else {
        text
    }
}

/// The details of one DER certificate as of `now`; `None` if it does not parse.
pub fn cert_details(der: &[u8], now: OffsetDateTime) -> Option<CertDetails> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let mut details = CertDetails {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        version: cert.version().0 + 1,
        serial: hex(cert.raw_serial(), ":"),
        not_before: rfc3339(cert.validity().not_before.to_datetime()),
        not_after: rfc3339(cert.validity().not_after.to_datetime()),
        days_left: (cert.validity().not_after.to_datetime() - now).whole_days(),
        sans: Vec::new(),
        public_key: describe_spki(cert.public_key()),
        signature_algorithm: signature_name(&cert.signature_algorithm.algorithm.to_id_string()),
        basic_constraints: "absent".to_string(),
        key_usage: "absent".to_string(),
        extended_key_usage: "absent".to_string(),
        subject_key_id: "absent".to_string(),
        authority_key_id: "absent".to_string(),
        sha256: crate::x509::certinfo::sha256_fingerprint(der),
    };
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::BasicConstraints(bc) => {
                let mut text = format!("CA:{}", if bc.ca { "TRUE" } else { "FALSE" });
                if let Some(len) = bc.path_len_constraint {
                    text.push_str(&format!(", pathlen:{len}"));
                }
                details.basic_constraints = critical(ext.critical, text);
            }
            ParsedExtension::KeyUsage(ku) => {
                details.key_usage = critical(ext.critical, ku.to_string());
            }
            ParsedExtension::ExtendedKeyUsage(eku) => {
                let names = crate::x509::certinfo::eku_names(eku);
                details.extended_key_usage = critical(ext.critical, names.join(", "));
            }
            ParsedExtension::SubjectKeyIdentifier(ski) => {
                details.subject_key_id = hex(ski.0, ":");
            }
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                details.authority_key_id = aki
                    .key_identifier
                    .as_ref()
                    .map(|id| hex(id.0, ":"))
                    .unwrap_or_else(|| "present, without a key identifier".to_string());
            }
            ParsedExtension::SubjectAlternativeName(san) => {
                for name in &san.general_names {
                    details.sans.push(match name {
                        GeneralName::DNSName(dns) => format!("DNS:{dns}"),
                        GeneralName::IPAddress(bytes) => match bytes.len() {
                            4 => <[u8; 4]>::try_from(*bytes)
                                .map(|b| format!("IP:{}", IpAddr::from(b)))
                                .unwrap_or_default(),
                            16 => <[u8; 16]>::try_from(*bytes)
                                .map(|b| format!("IP:{}", IpAddr::from(b)))
                                .unwrap_or_default(),
                            _ => format!("IP:(malformed {})", hex(bytes, "")),
                        },
                        GeneralName::RFC822Name(mail) => format!("email:{mail}"),
                        GeneralName::URI(uri) => format!("URI:{uri}"),
                        GeneralName::DirectoryName(name) => format!("DirName:{name}"),
                        GeneralName::RegisteredID(oid) => format!("RID:{oid}"),
                        GeneralName::OtherName(oid, _) => format!("othername:{oid}"),
                        GeneralName::X400Address(_) => "an X.400 address".to_string(),
                        GeneralName::EDIPartyName(_) => "an EDI party name".to_string(),
                        GeneralName::Invalid(_, bytes) => {
                            format!("an invalid name ({})", hex(bytes, ""))
                        }
                    });
                }
            }
            _ => {}
        }
    }
    Some(details)
}

/// Describes a key from its format and public half (or why it cannot be used).
pub fn key_details(format: KeyFormat, spki: Result<&[u8], String>) -> KeyDetails {
    match spki {
        Ok(spki) => KeyDetails {
            format: format.to_string(),
            key_type: SubjectPublicKeyInfo::from_der(spki)
                .map(|(_, info)| describe_spki(&info))
                .unwrap_or_else(|_| "unknown".to_string()),
            problem: None,
            matches: Vec::new(),
        },
        Err(problem) => KeyDetails {
            format: format.to_string(),
            key_type: "unknown".to_string(),
            problem: Some(problem),
            matches: Vec::new(),
        },
    }
}
