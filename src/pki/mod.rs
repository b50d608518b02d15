//! Pure certificate building: a [`CertSpec`], a key and an issuer in, PEM out.
//!
//! Nothing here reads a clock, a file or the environment. Keys and serials are the only randomness,
//! and both are made by functions of their own ([`KeyType::generate`], [`Serial::random`]) so that the
//! building itself can be tested with whatever a test passes in. Every certificate field is set
//! explicitly: rcgen's defaults (validity 1975–4096, serial from the key hash) are never used.
//!
//! Beside the building: [`names`] parses the names a certificate is for (the SAN specs),
//! [`keycrypt`] keeps the CA key encrypted at rest, and [`passphrase`] says where its passphrase
//! comes from.

use std::fmt;
use std::str::FromStr;

use anyhow::{Context, Result, anyhow};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RsaKeySize, SanType, SerialNumber,
    SignatureAlgorithm,
};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

pub mod keycrypt;
pub mod names;
pub mod passphrase;

use names::San;

/// How far not-before is set in the past, so a peer whose clock lags a little still accepts the
/// certificate the moment it is made.
pub const CLOCK_SKEW_ALLOWANCE: Duration = Duration::minutes(5);

/// The longest validity accepted, in days (100 years): beyond it dates stop meaning anything.
pub const MAX_DAYS: i64 = 36_500;

/// The key algorithm of a CA or leaf certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// ECDSA on P-256, signed with SHA-256: small, fast, accepted by every Docker release.
    EcdsaP256,
    /// ECDSA on P-384, signed with SHA-384.
    EcdsaP384,
    /// Ed25519.
    Ed25519,
    /// RSA, 2048-bit modulus, signed with SHA-256.
    Rsa2048,
    /// RSA, 3072-bit modulus, signed with SHA-256.
    Rsa3072,
    /// RSA, 4096-bit modulus, signed with SHA-256 (what Docker's openssl guide makes).
    Rsa4096,
}

impl KeyType {
    /// Every key type, in the order the help text lists them.
    pub const ALL: [KeyType; 6] = [
        KeyType::EcdsaP256,
        KeyType::EcdsaP384,
        KeyType::Ed25519,
        KeyType::Rsa2048,
        KeyType::Rsa3072,
        KeyType::Rsa4096,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            KeyType::EcdsaP256 => "ecdsa-p256",
            KeyType::EcdsaP384 => "ecdsa-p384",
            KeyType::Ed25519 => "ed25519",
            KeyType::Rsa2048 => "rsa-2048",
            KeyType::Rsa3072 => "rsa-3072",
            KeyType::Rsa4096 => "rsa-4096",
        }
    }

    /// Whether this is an RSA key (which also gets keyEncipherment on a server certificate).
    pub fn is_rsa(self) -> bool {
        matches!(self, KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096)
    }

    /// The signature algorithm a key of this type signs with: SHA-256, or SHA-384 for P-384.
    fn signature_algorithm(self) -> &'static SignatureAlgorithm {
        match self {
            KeyType::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyType::EcdsaP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            KeyType::Ed25519 => &rcgen::PKCS_ED25519,
            KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => &rcgen::PKCS_RSA_SHA256,
        }
    }

    /// Generates a new private key (the only slow step, for RSA).
    pub fn generate(self) -> Result<KeyPair> {
        let alg = self.signature_algorithm();
        let size = match self {
            KeyType::Rsa2048 => Some(RsaKeySize::_2048),
            KeyType::Rsa3072 => Some(RsaKeySize::_3072),
            KeyType::Rsa4096 => Some(RsaKeySize::_4096),
            _ => None,
        };
        let key = match (self, size) {
            (KeyType::Ed25519, _) => ed25519_pkcs8_v1(),
            (_, Some(size)) => KeyPair::generate_rsa_for(alg, size).map_err(anyhow::Error::from),
            (_, None) => KeyPair::generate_for(alg).map_err(anyhow::Error::from),
        };
        key.with_context(|| format!("failed to generate a {} key", self.name()))
    }

    /// Generates `count` keys of this type at once, one thread each.
    pub fn generate_many(self, count: usize) -> Result<Vec<KeyPair>> {
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..count)
                .map(|_| scope.spawn(move || self.generate()))
                .collect();
            workers
                .into_iter()
                .map(|worker| {
                    worker
                        .join()
                        .map_err(|_| anyhow!("key generation thread panicked"))?
                })
                .collect()
        })
    }
}

/// An Ed25519 key whose PKCS#8 encoding is version 1 (RFC 8410), as Go's `MarshalPKCS8PrivateKey`
/// writes it. The generator's default is version 2 (with the public key), which OpenSSL 3.0 cannot
/// read ("unsupported"), so a key made that way could not be inspected or reused with openssl.
fn ed25519_pkcs8_v1() -> Result<KeyPair> {
    let key = aws_lc_rs::signature::Ed25519KeyPair::generate()
        .map_err(|_| anyhow!("the Ed25519 key generator failed"))?;
    let v1 = key
        .to_pkcs8v1()
        .map_err(|_| anyhow!("cannot encode the Ed25519 key as PKCS#8"))?;
    let der = rustls_pki_types::PrivatePkcs8KeyDer::from(v1.as_ref());
    Ok(KeyPair::from_pkcs8_der_and_sign_algo(
        &der,
        &rcgen::PKCS_ED25519,
    )?)
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyType {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        KeyType::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| {
                let names: Vec<&str> = KeyType::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "unknown key type '{text}'; choose one of {}",
                    names.join(", ")
                )
            })
    }
}

/// What a certificate is for. The role decides key usage, extended key usage and whether SANs are
/// required.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The certificate authority that signs servers and clients.
    Ca,
    /// A dockerd server certificate (serverAuth, with SANs).
    Server,
    /// A docker CLI client certificate (clientAuth).
    Client,
}

impl Role {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Role::Ca => "ca",
            Role::Server => "server",
            Role::Client => "client",
        }
    }
}

/// A 128-bit positive, non-zero certificate serial number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Serial([u8; 16]);

impl Serial {
    /// 128 bits from the operating system's CSPRNG, as mkcert does; never zero.
    pub fn random() -> Result<Serial> {
        let mut bytes = [0u8; 16];
        loop {
            aws_lc_rs::rand::fill(&mut bytes)
                .map_err(|_| anyhow!("the system random number generator failed"))?;
            if bytes.iter().any(|b| *b != 0) {
                return Ok(Serial(bytes));
            }
        }
    }

    /// A serial from fixed bytes (tests, and reading back).
    pub fn from_bytes(bytes: [u8; 16]) -> Serial {
        Serial(bytes)
    }

    /// The first four bytes in hex: a short tag that tells certificates apart in names.
    pub fn short(&self) -> String {
        self.0[..4].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Lower-case hex without leading zero bytes, as `openssl x509 -serial` prints it (but lower case).
    pub fn hex(&self) -> String {
        let start = self.0.iter().position(|b| *b != 0).unwrap_or(15);
        self.0[start..].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A validity period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    /// First moment the certificate is valid.
    pub not_before: OffsetDateTime,
    /// Last moment the certificate is valid.
    pub not_after: OffsetDateTime,
}

impl Validity {
    /// Valid from [`CLOCK_SKEW_ALLOWANCE`] before `now` until `days` days after `now`.
    pub fn days_from(now: OffsetDateTime, days: i64) -> Validity {
        // X.509 times have whole seconds; drop the rest so that what we report is what is encoded.
        let now = now.replace_nanosecond(0).unwrap_or(now);
        Validity {
            not_before: now - CLOCK_SKEW_ALLOWANCE,
            not_after: now + Duration::days(days),
        }
    }
}

/// Everything that decides the contents of one certificate.
#[derive(Clone, Debug)]
pub struct CertSpec {
    /// CA, server or client.
    pub role: Role,
    /// The subject common name.
    pub common_name: String,
    /// Subject alternative names (servers only; required there).
    pub sans: Vec<San>,
    /// Validity period.
    pub validity: Validity,
    /// Serial number.
    pub serial: Serial,
}

/// A certificate made from a [`CertSpec`], with its private key.
pub struct Issued {
    /// The spec it was made from.
    pub spec: CertSpec,
    /// The key type of its key.
    pub key_type: KeyType,
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The private key, unencrypted PKCS#8 PEM (`BEGIN PRIVATE KEY`), wiped from memory when dropped.
    pub key_pem: Zeroizing<String>,
}

impl fmt::Debug for Issued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issued")
            .field("spec", &self.spec)
            .field("key_type", &self.key_type)
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"[private key elided]")
            .finish()
    }
}

/// A CA that can sign: its certificate and its signing key.
pub struct Ca {
    /// The CA certificate, PEM.
    pub cert_pem: String,
    /// When the CA certificate expires: nothing it signs may outlive it.
    pub not_after: OffsetDateTime,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    /// A CA from its certificate and unencrypted private key (PKCS#8, PKCS#1 or SEC1 PEM). The key
    /// must belong to the certificate.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Ca> {
        use rcgen::PublicKeyData;
        let key = KeyPair::from_pem(key_pem).context("the CA key cannot be used")?;
        let der = pem::parse(cert_pem).context("the CA certificate is not PEM")?;
        let summary = crate::x509::certinfo::CertSummary::from_der(der.contents())
            .ok_or_else(|| anyhow!("the CA certificate does not parse as X.509"))?;
        if !crate::x509::load::same_public_key(&key.subject_public_key_info(), &summary.spki) {
            return Err(anyhow!("the CA key does not belong to the CA certificate"));
        }
        let issuer = Issuer::from_ca_cert_pem(cert_pem, key).context("cannot sign with this CA")?;
        Ok(Ca {
            cert_pem: cert_pem.to_string(),
            not_after: summary.not_after,
            issuer,
        })
    }

    /// Signs a leaf certificate for `key`.
    pub fn sign(&self, spec: CertSpec, key: &KeyPair, key_type: KeyType) -> Result<Issued> {
        if spec.role == Role::Ca {
            return Err(anyhow!(
                "a CA certificate is self-signed here, not signed by another CA"
            ));
        }
        if spec.validity.not_after > self.not_after {
            return Err(anyhow!(
                "the {} certificate would outlive its CA (which expires {}); give it fewer days",
                spec.role.name(),
                self.not_after.date()
            ));
        }
        let params = params_for(&spec, key_type)?;
        let cert = params
            .signed_by(key, &self.issuer)
            .with_context(|| format!("failed to sign the {} certificate", spec.role.name()))?;
        Ok(Issued {
            spec,
            key_type,
            cert_pem: cert.pem(),
            key_pem: Zeroizing::new(key.serialize_pem()),
        })
    }
}

/// Makes a self-signed CA certificate for `key`: the CA to sign with, and the certificate and key
/// to store.
pub fn self_signed_ca(spec: CertSpec, key: KeyPair, key_type: KeyType) -> Result<(Ca, Issued)> {
    if spec.role != Role::Ca {
        return Err(anyhow!("only a CA certificate can be self-signed"));
    }
    let params = params_for(&spec, key_type)?;
    let cert = params
        .self_signed(&key)
        .context("failed to self-sign the CA certificate")?;
    let issued = Issued {
        key_type,
        cert_pem: cert.pem(),
        key_pem: Zeroizing::new(key.serialize_pem()),
        spec,
    };
    let ca = Ca {
        cert_pem: issued.cert_pem.clone(),
        not_after: issued.spec.validity.not_after,
        issuer: Issuer::new(params, key),
    };
    Ok((ca, issued))
}

/// The rcgen parameters for a spec, every field chosen here.
fn params_for(spec: &CertSpec, key_type: KeyType) -> Result<CertificateParams> {
    let mut params = CertificateParams::default();
    params.serial_number = Some(SerialNumber::from_slice(&spec.serial.0));
    params.not_before = spec.validity.not_before;
    params.not_after = spec.validity.not_after;
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, spec.common_name.as_str());
    if spec.role == Role::Ca {
        params
            .distinguished_name
            .push(DnType::OrganizationName, "dockcert");
    }
    // Truncated SHA-256 of the public key, as RFC 7093 allows; the same method gives the AKI.
    params.key_identifier_method = KeyIdMethod::Sha256;
    params.crl_distribution_points = Vec::new();
    params.custom_extensions = Vec::new();
    params.name_constraints = None;
    match spec.role {
        Role::Ca => {
            // pathlen 0: this CA signs leaves only, never another CA.
            params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
            params.extended_key_usages = Vec::new();
            params.use_authority_key_identifier_extension = false;
        }
        Role::Server | Role::Client => {
            // ExplicitNoCa writes basicConstraints CA:FALSE and a subject key identifier.
            params.is_ca = IsCa::ExplicitNoCa;
            params.use_authority_key_identifier_extension = true;
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            if spec.role == Role::Server && key_type.is_rsa() {
                // TLS 1.2 RSA key exchange encrypts to the server key.
                params.key_usages.push(KeyUsagePurpose::KeyEncipherment);
            }
            params.extended_key_usages = vec![match spec.role {
                Role::Server => ExtendedKeyUsagePurpose::ServerAuth,
                _ => ExtendedKeyUsagePurpose::ClientAuth,
            }];
        }
    }
    if spec.role == Role::Server && spec.sans.is_empty() {
        // Go has ignored the CN since 1.15: a server certificate without SANs matches no host.
        return Err(anyhow!("a server certificate needs at least one SAN"));
    }
    params.subject_alt_names = spec
        .sans
        .iter()
        .map(|san| match san {
            San::Dns(name) => name
                .clone()
                .try_into()
                .map(SanType::DnsName)
                .map_err(|_| anyhow!("'{name}' cannot be encoded as a DNS SAN")),
            San::Ip(ip) => Ok(SanType::IpAddress(*ip)),
        })
        .collect::<Result<_>>()?;
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::PublicKeyData;
    use time::macros::datetime;
    use x509_parser::certificate::X509Certificate;
    use x509_parser::extensions::{GeneralName, KeyUsage, ParsedExtension};
    use x509_parser::prelude::{FromDer, X509Version};

    const NOW: OffsetDateTime = datetime!(2026-03-01 12:00:00.25 UTC);

    fn spec(role: Role, cn: &str, sans: Vec<San>, days: i64, serial: u8) -> CertSpec {
        CertSpec {
            role,
            common_name: cn.into(),
            sans,
            validity: Validity::days_from(NOW, days),
            serial: Serial::from_bytes([serial; 16]),
        }
    }

    struct Set {
        ca: Ca,
        ca_issued: Issued,
        server: Issued,
        client: Issued,
    }

    fn make_set(key_type: KeyType) -> Set {
        let mut keys = key_type.generate_many(3).unwrap().into_iter();
        let ca_key = keys.next().unwrap();
        let (ca, ca_issued) = self_signed_ca(
            spec(Role::Ca, "test CA", vec![], 3650, 0x81),
            ca_key,
            key_type,
        )
        .unwrap();
        let sans = vec![
            San::Dns("docker.example".into()),
            San::Ip("1.2.3.4".parse().unwrap()),
            San::Ip("::1".parse().unwrap()),
        ];
        let server_key = keys.next().unwrap();
        let server = ca
            .sign(
                spec(Role::Server, "docker.example", sans, 365, 0x22),
                &server_key,
                key_type,
            )
            .unwrap();
        let client_key = keys.next().unwrap();
        let client = ca
            .sign(
                spec(Role::Client, "client", vec![], 365, 0x33),
                &client_key,
                key_type,
            )
            .unwrap();
        Set {
            ca,
            ca_issued,
            server,
            client,
        }
    }

    fn der(pem_text: &str) -> Vec<u8> {
        let block = pem::parse(pem_text).unwrap();
        assert_eq!(block.tag(), "CERTIFICATE");
        block.into_contents()
    }

    fn key_usage(cert: &X509Certificate<'_>) -> (bool, KeyUsage) {
        let ext = cert
            .get_extension_unique(&x509_parser::oid_registry::OID_X509_EXT_KEY_USAGE)
            .unwrap()
            .expect("keyUsage present");
        match ext.parsed_extension() {
            ParsedExtension::KeyUsage(ku) => (ext.critical, *ku),
            other => panic!("keyUsage did not parse: {other:?}"),
        }
    }

    fn check_common(cert: &X509Certificate<'_>, spec: &CertSpec, sig_oid: &str) {
        assert_eq!(cert.version(), X509Version::V3);
        assert_eq!(cert.serial.to_bytes_be(), spec.serial.0.to_vec());
        assert_eq!(
            cert.validity().not_before.to_datetime(),
            datetime!(2026-03-01 11:55:00 UTC)
        );
        assert_eq!(
            cert.validity().not_after.to_datetime(),
            spec.validity.not_after
        );
        assert_eq!(cert.signature_algorithm.algorithm.to_id_string(), sig_oid);
        let cn = cert.subject().iter_common_name().next().unwrap();
        assert_eq!(cn.as_str().unwrap(), spec.common_name);
    }

    fn check_set(key_type: KeyType, sig_oid: &str) {
        let set = make_set(key_type);
        let ca_der = der(&set.ca_issued.cert_pem);
        let (_, ca) = X509Certificate::from_der(&ca_der).unwrap();
        check_common(&ca, &set.ca_issued.spec, sig_oid);
        let bc = ca.basic_constraints().unwrap().expect("basicConstraints");
        assert!(bc.critical && bc.value.ca);
        assert_eq!(bc.value.path_len_constraint, Some(0));
        let (critical, ku) = key_usage(&ca);
        assert!(critical && ku.key_cert_sign() && ku.crl_sign());
        assert!(!ku.digital_signature());
        assert!(ca.extended_key_usage().unwrap().is_none(), "CA has no EKU");
        let ski = match ca
            .get_extension_unique(&x509_parser::oid_registry::OID_X509_EXT_SUBJECT_KEY_IDENTIFIER)
            .unwrap()
            .unwrap()
            .parsed_extension()
        {
            ParsedExtension::SubjectKeyIdentifier(id) => id.0.to_vec(),
            other => panic!("{other:?}"),
        };
        ca.verify_signature(None).expect("CA self-signature");

        for (issued, server) in [(&set.server, true), (&set.client, false)] {
            let leaf_der = der(&issued.cert_pem);
            let (_, leaf) = X509Certificate::from_der(&leaf_der).unwrap();
            check_common(&leaf, &issued.spec, sig_oid);
            assert_eq!(leaf.issuer(), ca.subject());
            leaf.verify_signature(Some(ca.public_key()))
                .expect("leaf signed by the CA");
            let bc = leaf.basic_constraints().unwrap().expect("basicConstraints");
            assert!(!bc.value.ca);
            let (critical, ku) = key_usage(&leaf);
            assert!(critical && ku.digital_signature());
            assert!(!ku.key_cert_sign());
            assert_eq!(ku.key_encipherment(), server && key_type.is_rsa());
            let eku = leaf.extended_key_usage().unwrap().expect("EKU").value;
            assert_eq!((eku.server_auth, eku.client_auth), (server, !server));
            let aki = match leaf
                .get_extension_unique(
                    &x509_parser::oid_registry::OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER,
                )
                .unwrap()
                .unwrap()
                .parsed_extension()
            {
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    aki.key_identifier.as_ref().unwrap().0.to_vec()
                }
                other => panic!("{other:?}"),
            };
            assert_eq!(aki, ski, "AKI matches the CA's SKI");
            let sans: Vec<String> = leaf
                .subject_alternative_name()
                .unwrap()
                .map(|ext| {
                    ext.value
                        .general_names
                        .iter()
                        .map(|name| match name {
                            GeneralName::DNSName(d) => format!("DNS:{d}"),
                            GeneralName::IPAddress(ip) => format!("IP:{ip:?}"),
                            other => panic!("{other:?}"),
                        })
                        .collect()
                })
                .unwrap_or_default();
            if server {
                assert_eq!(
                    sans,
                    [
                        "DNS:docker.example",
                        "IP:[1, 2, 3, 4]",
                        "IP:[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]"
                    ]
                );
            } else {
                assert!(sans.is_empty());
            }
            let key = pem::parse(issued.key_pem.as_str()).unwrap();
            assert_eq!(key.tag(), "PRIVATE KEY", "unencrypted PKCS#8");
            // PKCS#8 version 1 (INTEGER 0 after the SEQUENCE header), which OpenSSL 3.0 and Go read.
            let der = key.contents();
            let header = if der[1] & 0x80 != 0 {
                2 + usize::from(der[1] & 0x7f)
            } else {
                2
            };
            assert_eq!(der[header..header + 3], [0x02, 0x01, 0x00], "PKCS#8 v1");
        }
    }

    #[test]
    fn p256_set_has_every_field_docker_needs() {
        check_set(KeyType::EcdsaP256, "1.2.840.10045.4.3.2");
    }

    #[test]
    fn p384_set_signs_with_sha384() {
        check_set(KeyType::EcdsaP384, "1.2.840.10045.4.3.3");
    }

    #[test]
    fn ed25519_set() {
        check_set(KeyType::Ed25519, "1.3.101.112");
    }

    #[test]
    fn rsa_2048_set_signs_with_sha256_and_servers_get_key_encipherment() {
        check_set(KeyType::Rsa2048, "1.2.840.113549.1.1.11");
        let key = KeyType::Rsa2048.generate().unwrap();
        let pem = key.serialize_pem();
        let block = pem::parse(&pem).unwrap();
        let spki = key.subject_public_key_info();
        let (_, info) = x509_parser::prelude::SubjectPublicKeyInfo::from_der(&spki).unwrap();
        match info.parsed().unwrap() {
            x509_parser::public_key::PublicKey::RSA(rsa) => assert_eq!(rsa.key_size(), 2048),
            other => panic!("{other:?}"),
        }
        assert_eq!(block.tag(), "PRIVATE KEY");
    }

    #[test]
    fn serials_are_random_positive_and_printed_without_sign_padding() {
        let a = Serial::random().unwrap();
        let b = Serial::random().unwrap();
        assert_ne!(a, b);
        let mut high = [0u8; 16];
        high[0] = 0xff;
        let (_, set_ca) = self_signed_ca(
            CertSpec {
                serial: Serial::from_bytes(high),
                ..spec(Role::Ca, "ca", vec![], 10, 1)
            },
            KeyType::EcdsaP256.generate().unwrap(),
            KeyType::EcdsaP256,
        )
        .unwrap();
        let ca_der = der(&set_ca.cert_pem);
        let (_, ca) = X509Certificate::from_der(&ca_der).unwrap();
        // A high bit set must be encoded with a leading zero so the INTEGER stays positive.
        assert_eq!(ca.raw_serial()[0], 0x00);
        assert_eq!(ca.serial.to_bytes_be(), high.to_vec());
        assert_eq!(
            Serial::from_bytes([0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]).hex(),
            "0102000000000000000000000003"
        );
    }

    #[test]
    fn a_leaf_may_not_outlive_its_ca_nor_a_server_lack_sans() {
        let set = make_set(KeyType::EcdsaP256);
        let key = KeyType::EcdsaP256.generate().unwrap();
        let err = set
            .ca
            .sign(
                spec(Role::Client, "c", vec![], 3651, 9),
                &key,
                KeyType::EcdsaP256,
            )
            .unwrap_err();
        assert!(err.to_string().contains("outlive its CA"), "{err}");
        let err = set
            .ca
            .sign(
                spec(Role::Server, "s", vec![], 30, 9),
                &key,
                KeyType::EcdsaP256,
            )
            .unwrap_err();
        assert!(err.to_string().contains("at least one SAN"), "{err}");
    }

    #[test]
    fn a_stored_ca_signs_like_the_one_just_made() {
        let set = make_set(KeyType::EcdsaP256);
        let ca = Ca::from_pem(&set.ca_issued.cert_pem, &set.ca_issued.key_pem).unwrap();
        assert_eq!(ca.not_after, set.ca.not_after);
        let key = KeyType::EcdsaP256.generate().unwrap();
        let leaf = ca
            .sign(
                spec(Role::Client, "c2", vec![], 30, 7),
                &key,
                KeyType::EcdsaP256,
            )
            .unwrap();
        let ca_der = der(&set.ca_issued.cert_pem);
        let (_, ca_cert) = X509Certificate::from_der(&ca_der).unwrap();
        let leaf_der = der(&leaf.cert_pem);
        let (_, leaf_cert) = X509Certificate::from_der(&leaf_der).unwrap();
        leaf_cert
            .verify_signature(Some(ca_cert.public_key()))
            .unwrap();
        assert_eq!(leaf_cert.issuer(), ca_cert.subject());
        let other = make_set(KeyType::EcdsaP256);
        let err = Ca::from_pem(&set.ca_issued.cert_pem, &other.ca_issued.key_pem)
            .err()
            .unwrap();
        assert!(err.to_string().contains("does not belong"), "{err}");
    }

    #[test]
    fn key_types_parse_by_name() {
        for kind in KeyType::ALL {
            assert_eq!(kind.name().parse::<KeyType>(), Ok(kind));
        }
        let err = "dsa-1024".parse::<KeyType>().unwrap_err();
        assert!(err.contains("unknown key type 'dsa-1024'") && err.contains("ecdsa-p256"));
    }
}
