//! A certificate builder with every field under the test's control (version, serial, names,
//! validity, raw extensions, signature algorithm), so the corpus can hold what rcgen refuses to
//! make: v1 and v2 certificates, negative serials, malformed or duplicate extensions, SHA-1 and
//! MD5 signature algorithms. Signatures are real (aws-lc-rs; openssl for RSA keys below 2048 bits).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};

// ---- DER ----

pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

pub fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// OID content octets from dotted text.
pub fn oid_bytes(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().unwrap()).collect();
    let mut out = Vec::new();
    let mut push = |mut v: u64| {
        let mut stack = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            stack.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        stack.reverse();
        out.extend(stack);
    };
    push(arcs[0] * 40 + arcs[1]);
    for &a in &arcs[2..] {
        push(a);
    }
    out
}

pub fn oid(dotted: &str) -> Vec<u8> {
    tlv(0x06, &oid_bytes(dotted))
}

pub fn null() -> Vec<u8> {
    vec![0x05, 0x00]
}

pub fn int(content: &[u8]) -> Vec<u8> {
    tlv(0x02, content)
}

pub fn small_int(v: i64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let mut start = 0;
    while start < 7
        && ((bytes[start] == 0 && bytes[start + 1] & 0x80 == 0)
            || (bytes[start] == 0xff && bytes[start + 1] & 0x80 != 0))
    {
        start += 1;
    }
    int(&bytes[start..])
}

pub fn boolean(v: bool) -> Vec<u8> {
    vec![0x01, 0x01, if v { 0xff } else { 0x00 }]
}

pub fn octets(content: &[u8]) -> Vec<u8> {
    tlv(0x04, content)
}

pub fn bits(content: &[u8]) -> Vec<u8> {
    let mut v = vec![0u8];
    v.extend_from_slice(content);
    tlv(0x03, &v)
}

fn time(unix: i64) -> Vec<u8> {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).unwrap();
    let (y, mo, d) = (t.year(), u8::from(t.month()), t.day());
    let (h, mi, s) = (t.hour(), t.minute(), t.second());
    if (1950..2050).contains(&y) {
        let text = format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z", y % 100);
        tlv(0x17, text.as_bytes())
    } else {
        let text = format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z");
        tlv(0x18, text.as_bytes())
    }
}

/// A Name with one CN (UTF8String).
pub fn name(cn: &str) -> Vec<u8> {
    seq(&[tlv(0x31, &seq(&[oid("2.5.4.3"), tlv(0x0c, cn.as_bytes())]))])
}

// ---- extensions ----

#[derive(Clone, Debug)]
pub struct Ext {
    pub oid: String,
    /// OID content octets used instead of `oid` (for encodings `oid` cannot write).
    pub raw_oid: Option<Vec<u8>>,
    pub critical: bool,
    pub value: Vec<u8>,
}

pub fn ext(oid: &str, critical: bool, value: Vec<u8>) -> Ext {
    Ext {
        oid: oid.to_string(),
        raw_oid: None,
        critical,
        value,
    }
}

pub fn ext_der(e: &Ext) -> Vec<u8> {
    let mut parts = vec![match &e.raw_oid {
        Some(raw) => tlv(0x06, raw),
        None => oid(&e.oid),
    }];
    if e.critical {
        parts.push(boolean(true));
    }
    parts.push(octets(&e.value));
    seq(&parts)
}

pub fn basic_constraints(ca: bool, path_len: Option<i64>, critical: bool) -> Ext {
    let mut parts = Vec::new();
    if ca {
        parts.push(boolean(true));
    }
    if let Some(n) = path_len {
        parts.push(small_int(n));
    }
    ext("2.5.29.19", critical, seq(&parts))
}

pub const KU_DIGITAL_SIGNATURE: u16 = 1 << 0;
pub const KU_KEY_ENCIPHERMENT: u16 = 1 << 2;
pub const KU_CERT_SIGN: u16 = 1 << 5;
pub const KU_CRL_SIGN: u16 = 1 << 6;

/// keyUsage from Go-numbered bits.
pub fn key_usage(usage: u16) -> Ext {
    let mut bytes = [0u8; 2];
    for i in 0..9 {
        if usage & (1 << i) != 0 {
            bytes[i / 8] |= 0x80 >> (i % 8);
        }
    }
    let len = if bytes[1] != 0 { 2 } else { 1 };
    let data = &bytes[..len];
    let last = data[len - 1];
    let unused = if last == 0 {
        0
    } else {
        last.trailing_zeros() as u8
    };
    let mut content = vec![unused];
    content.extend_from_slice(data);
    ext("2.5.29.15", true, tlv(0x03, &content))
}

pub const SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
pub const CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
pub const CODE_SIGNING: &str = "1.3.6.1.5.5.7.3.3";
pub const ANY_EKU: &str = "2.5.29.37.0";

pub fn eku(oids: &[&str], critical: bool) -> Ext {
    ext(
        "2.5.29.37",
        critical,
        seq(&oids.iter().map(|o| oid(o)).collect::<Vec<_>>()),
    )
}

/// A general name: (context tag number, value).
#[derive(Clone, Debug)]
pub enum Gn {
    Dns(String),
    Ip(Vec<u8>),
    Email(String),
    Uri(String),
    Raw(u8, Vec<u8>),
}

pub fn dns(s: &str) -> Gn {
    Gn::Dns(s.to_string())
}

pub fn ip(text: &str) -> Gn {
    Gn::Ip(match text.parse::<std::net::IpAddr>().unwrap() {
        std::net::IpAddr::V4(v4) => v4.octets().to_vec(),
        std::net::IpAddr::V6(v6) => v6.octets().to_vec(),
    })
}

fn gn_der(g: &Gn) -> Vec<u8> {
    match g {
        Gn::Email(s) => tlv(0x81, s.as_bytes()),
        Gn::Dns(s) => tlv(0x82, s.as_bytes()),
        Gn::Uri(s) => tlv(0x86, s.as_bytes()),
        Gn::Ip(b) => tlv(0x87, b),
        Gn::Raw(t, b) => tlv(*t, b),
    }
}

pub fn san(names: &[Gn]) -> Ext {
    ext(
        "2.5.29.17",
        false,
        seq(&names.iter().map(gn_der).collect::<Vec<_>>()),
    )
}

pub fn ski(id: &[u8]) -> Ext {
    ext("2.5.29.14", false, octets(id))
}

pub fn aki(id: &[u8]) -> Ext {
    ext("2.5.29.35", false, seq(&[tlv(0x80, id)]))
}

/// nameConstraints with the given permitted and excluded subtrees (None: field absent).
pub fn name_constraints(permitted: Option<&[Gn]>, excluded: Option<&[Gn]>, critical: bool) -> Ext {
    let subtrees = |list: &[Gn]| -> Vec<u8> {
        list.iter()
            .map(|g| seq(&[gn_der(g)]))
            .collect::<Vec<_>>()
            .concat()
    };
    let mut parts = Vec::new();
    if let Some(p) = permitted {
        parts.push(tlv(0xa0, &subtrees(p)));
    }
    if let Some(e) = excluded {
        parts.push(tlv(0xa1, &subtrees(e)));
    }
    ext("2.5.29.30", critical, seq(&parts))
}

pub fn ip_constraint(addr: &[u8], mask: &[u8]) -> Gn {
    Gn::Raw(0x87, [addr, mask].concat())
}

pub fn policies(oids: &[&str], critical: bool) -> Ext {
    ext(
        "2.5.29.32",
        critical,
        seq(&oids.iter().map(|o| seq(&[oid(o)])).collect::<Vec<_>>()),
    )
}

pub fn aia(uri: &str) -> Ext {
    ext(
        "1.3.6.1.5.5.7.1.1",
        false,
        seq(&[seq(&[oid("1.3.6.1.5.5.7.48.2"), tlv(0x86, uri.as_bytes())])]),
    )
}

// ---- keys ----

pub enum Key {
    P256(EcdsaKeyPair),
    P384(EcdsaKeyPair),
    P521(EcdsaKeyPair),
    Secp256k1(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    Rsa(RsaKeyPair),
    /// RSA-PSS SHA-256 signatures with an RSA key.
    RsaPss(RsaKeyPair),
    /// A key held by openssl (RSA sizes and curves aws-lc-rs will not sign with), signing
    /// SHA-256 with the algorithm identifier `alg`.
    Openssl {
        pem: PathBuf,
        spki: Vec<u8>,
        alg: Vec<u8>,
    },
    /// A public key only (cannot sign): for leaves.
    PublicOnly(Vec<u8>),
}

fn ec_spki(curve: &str, point: &[u8]) -> Vec<u8> {
    seq(&[seq(&[oid("1.2.840.10045.2.1"), oid(curve)]), bits(point)])
}

pub fn p256() -> Key {
    Key::P256(EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_ASN1_SIGNING).unwrap())
}

pub fn p384() -> Key {
    Key::P384(EcdsaKeyPair::generate(&signature::ECDSA_P384_SHA384_ASN1_SIGNING).unwrap())
}

pub fn p521() -> Key {
    Key::P521(EcdsaKeyPair::generate(&signature::ECDSA_P521_SHA512_ASN1_SIGNING).unwrap())
}

pub fn secp256k1() -> Key {
    Key::Secp256k1(EcdsaKeyPair::generate(&signature::ECDSA_P256K1_SHA256_ASN1_SIGNING).unwrap())
}

pub fn ed25519() -> Key {
    Key::Ed25519(Ed25519KeyPair::generate().unwrap())
}

pub fn rsa2048() -> Key {
    Key::Rsa(RsaKeyPair::generate(KeySize::Rsa2048).unwrap())
}

pub fn rsa2048_pss() -> Key {
    Key::RsaPss(RsaKeyPair::generate(KeySize::Rsa2048).unwrap())
}

/// An RSA key of `bits` bits made by openssl in `dir`.
pub fn openssl_rsa(dir: &Path, bits: u32) -> Key {
    openssl_key(
        dir,
        &[
            "-algorithm",
            "RSA",
            "-pkeyopt",
            &format!("rsa_keygen_bits:{bits}"),
        ],
        seq(&[oid("1.2.840.113549.1.1.11"), null()]),
    )
}

/// A P-224 key made by openssl in `dir`.
pub fn openssl_p224(dir: &Path) -> Key {
    openssl_key(
        dir,
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-224"],
        seq(&[oid(ALG_ECDSA_SHA256)]),
    )
}

fn openssl_key(dir: &Path, args: &[&str], alg: Vec<u8>) -> Key {
    let pem = dir.join(format!("key-{}.pem", rand_id()));
    let ok = Command::new("openssl")
        .arg("genpkey")
        .args(args)
        .arg("-out")
        .arg(&pem)
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success();
    assert!(ok, "openssl genpkey {args:?}");
    let out = Command::new("openssl")
        .args(["pkey", "-pubout", "-outform", "DER", "-in"])
        .arg(&pem)
        .output()
        .unwrap();
    assert!(out.status.success());
    Key::Openssl {
        pem,
        spki: out.stdout,
        alg,
    }
}

fn rand_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

pub const ALG_ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
pub const ALG_ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
pub const ALG_ECDSA_SHA512: &str = "1.2.840.10045.4.3.4";
pub const ALG_SHA1_RSA: &str = "1.2.840.113549.1.1.5";
pub const ALG_MD5_RSA: &str = "1.2.840.113549.1.1.4";
pub const ALG_ECDSA_SHA1: &str = "1.2.840.10045.4.1";

fn pss_sha256_ai() -> Vec<u8> {
    let sha256 = seq(&[oid("2.16.840.1.101.3.4.2.1"), null()]);
    seq(&[
        oid("1.2.840.113549.1.1.10"),
        seq(&[
            tlv(0xa0, &sha256),
            tlv(0xa1, &seq(&[oid("1.2.840.113549.1.1.8"), sha256.clone()])),
            tlv(0xa2, &small_int(32)),
        ]),
    ])
}

impl Key {
    /// Another handle on an openssl-held key (the key file is shared).
    pub fn share(&self) -> Key {
        match self {
            Key::Openssl { pem, spki, alg } => Key::Openssl {
                pem: pem.clone(),
                spki: spki.clone(),
                alg: alg.clone(),
            },
            _ => panic!("only openssl keys are shared"),
        }
    }

    pub fn spki(&self) -> Vec<u8> {
        match self {
            Key::P256(k) => ec_spki("1.2.840.10045.3.1.7", k.public_key().as_ref()),
            Key::P384(k) => ec_spki("1.3.132.0.34", k.public_key().as_ref()),
            Key::P521(k) => ec_spki("1.3.132.0.35", k.public_key().as_ref()),
            Key::Secp256k1(k) => ec_spki("1.3.132.0.10", k.public_key().as_ref()),
            Key::Ed25519(k) => seq(&[seq(&[oid("1.3.101.112")]), bits(k.public_key().as_ref())]),
            Key::Rsa(k) | Key::RsaPss(k) => seq(&[
                seq(&[oid("1.2.840.113549.1.1.1"), null()]),
                bits(k.public_key().as_ref()),
            ]),
            Key::Openssl { spki, .. } | Key::PublicOnly(spki) => spki.clone(),
        }
    }

    /// The AlgorithmIdentifier this key signs with by default.
    pub fn default_alg(&self) -> Vec<u8> {
        match self {
            Key::P256(_) | Key::Secp256k1(_) => seq(&[oid(ALG_ECDSA_SHA256)]),
            Key::P384(_) => seq(&[oid(ALG_ECDSA_SHA384)]),
            Key::P521(_) => seq(&[oid(ALG_ECDSA_SHA512)]),
            Key::Ed25519(_) => seq(&[oid("1.3.101.112")]),
            Key::Rsa(_) => seq(&[oid("1.2.840.113549.1.1.11"), null()]),
            Key::Openssl { alg, .. } => alg.clone(),
            Key::RsaPss(_) => pss_sha256_ai(),
            Key::PublicOnly(_) => panic!("a public key cannot sign"),
        }
    }

    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match self {
            Key::P256(k) | Key::P384(k) | Key::P521(k) | Key::Secp256k1(k) => {
                k.sign(&rng, msg).unwrap().as_ref().to_vec()
            }
            Key::Ed25519(k) => k.sign(msg).as_ref().to_vec(),
            Key::Rsa(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                k.sign(&signature::RSA_PKCS1_SHA256, &rng, msg, &mut sig)
                    .unwrap();
                sig
            }
            Key::RsaPss(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                k.sign(&signature::RSA_PSS_SHA256, &rng, msg, &mut sig)
                    .unwrap();
                sig
            }
            Key::Openssl { pem, .. } => {
                let mut child = Command::new("openssl")
                    .args(["dgst", "-sha256", "-sign"])
                    .arg(pem)
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap();
                child.stdin.take().unwrap().write_all(msg).unwrap();
                let out = child.wait_with_output().unwrap();
                assert!(out.status.success());
                out.stdout
            }
            Key::PublicOnly(_) => panic!("a public key cannot sign"),
        }
    }
}

// ---- certificates ----

/// Everything in a certificate, with defaults for a valid v3 leaf.
#[derive(Clone, Debug)]
pub struct Spec {
    /// The version INTEGER (0 = v1, 1 = v2, 2 = v3); None omits the field (v1).
    pub version: Option<i64>,
    pub serial: Vec<u8>,
    pub subject: Vec<u8>,
    /// Overrides the issuer name (default: the signer's subject).
    pub issuer_name: Option<Vec<u8>>,
    pub not_before: i64,
    pub not_after: i64,
    pub extensions: Vec<Ext>,
    /// Emit `[3] Extensions` even when the list is empty.
    pub empty_extensions_field: bool,
    pub unique_ids: bool,
    /// Overrides the signature AlgorithmIdentifier (the signature is then made over the TBS by
    /// the key anyway, so it only verifies if the algorithm matches).
    pub alg: Option<Vec<u8>>,
    /// Overrides only the outer AlgorithmIdentifier.
    pub outer_alg: Option<Vec<u8>>,
    pub corrupt_signature: bool,
    /// Bytes appended after the certificate.
    pub trailing: Vec<u8>,
}

/// 2026-01-01, 2027-01-01, and the moment every case is checked at (2026-06-01).
pub const JAN_2026: i64 = 1_767_225_600;
pub const JAN_2027: i64 = 1_798_761_600;
pub const NOW: i64 = 1_780_272_000;

pub fn spec(cn: &str) -> Spec {
    Spec {
        version: Some(2),
        serial: vec![0x01, 0x23, 0x45],
        subject: name(cn),
        issuer_name: None,
        not_before: JAN_2026,
        not_after: JAN_2027,
        extensions: Vec::new(),
        empty_extensions_field: false,
        unique_ids: false,
        alg: None,
        outer_alg: None,
        corrupt_signature: false,
        trailing: Vec::new(),
    }
}

/// A made certificate with its key and subject.
pub struct Cert {
    pub der: Vec<u8>,
    pub key: Key,
    pub subject: Vec<u8>,
}

/// Signs `spec` over `key`'s public key with `issuer` (None: self-signed).
pub fn make(spec: &Spec, key: Key, issuer: Option<&Cert>) -> Cert {
    let (signer, issuer_name) = match issuer {
        Some(c) => (&c.key, c.subject.clone()),
        None => (&key, spec.subject.clone()),
    };
    let alg = spec.alg.clone().unwrap_or_else(|| signer.default_alg());
    let mut tbs = Vec::new();
    if let Some(v) = spec.version {
        tbs.push(tlv(0xa0, &small_int(v)));
    }
    tbs.push(int(&spec.serial));
    tbs.push(alg.clone());
    tbs.push(spec.issuer_name.clone().unwrap_or(issuer_name));
    tbs.push(seq(&[time(spec.not_before), time(spec.not_after)]));
    tbs.push(spec.subject.clone());
    tbs.push(key.spki());
    if spec.unique_ids {
        tbs.push(tlv(0x81, &[0x00, 0xab]));
        tbs.push(tlv(0x82, &[0x00, 0xcd]));
    }
    if !spec.extensions.is_empty() || spec.empty_extensions_field {
        let list: Vec<Vec<u8>> = spec.extensions.iter().map(ext_der).collect();
        tbs.push(tlv(0xa3, &seq(&list)));
    }
    let tbs = seq(&tbs);
    let mut sig = signer.sign(&tbs);
    if spec.corrupt_signature {
        let last = sig.len() - 1;
        sig[last] ^= 0x01;
    }
    let outer = spec.outer_alg.clone().unwrap_or(alg);
    let mut der = seq(&[tbs, outer, bits(&sig)]);
    der.extend_from_slice(&spec.trailing);
    Cert {
        der,
        key,
        subject: spec.subject.clone(),
    }
}

/// A CA spec: v3, basicConstraints CA (critical), keyUsage keyCertSign + cRLSign.
pub fn ca_spec(cn: &str) -> Spec {
    let mut s = spec(cn);
    s.extensions = vec![
        basic_constraints(true, None, true),
        key_usage(KU_CERT_SIGN | KU_CRL_SIGN),
    ];
    s
}

/// A leaf spec for servers and clients alike: SANs, serverAuth + clientAuth.
pub fn leaf_spec(names: &[Gn]) -> Spec {
    let mut s = spec("leaf");
    s.extensions = vec![
        key_usage(KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT),
        eku(&[SERVER_AUTH, CLIENT_AUTH], false),
    ];
    if !names.is_empty() {
        s.extensions.push(san(names));
    }
    s
}
