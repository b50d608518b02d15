//! The verifier on chains made with rcgen (fixed dates). The Go 1.19 verdicts are proven against
//! Go itself in tests/it/goverdict.rs; the Go 1.24 (docker CLI 28) ones are pinned here from
//! /work/shared/docker-verdict-matrix.txt's case names.

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber, date_time_ymd,
};

use super::*;

fn now() -> OffsetDateTime {
    date_time_ymd(2026, 6, 1)
}

fn base(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.not_before = date_time_ymd(2026, 1, 1);
    params.not_after = date_time_ymd(2027, 1, 1);
    params.serial_number = Some(SerialNumber::from_slice(&[0x01, 0x02]));
    params
}

fn ca(cn: &str) -> CertificateParams {
    let mut params = base(cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    params
}

fn server(sans: &[&str]) -> CertificateParams {
    let mut params = base("server");
    params.subject_alt_names = sans
        .iter()
        .map(|s| match s.parse() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => SanType::DnsName(s.to_string().try_into().unwrap()),
        })
        .collect();
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params
}

struct Made {
    der: Vec<u8>,
    key: KeyPair,
    params: CertificateParams,
}

fn self_signed(params: CertificateParams) -> Made {
    let key = KeyPair::generate().unwrap();
    let der = params.self_signed(&key).unwrap().der().to_vec();
    Made { der, key, params }
}

fn signed(params: CertificateParams, by: &Made) -> Made {
    let key = KeyPair::generate().unwrap();
    let issuer = Issuer::from_params(&by.params, &by.key);
    let der = params.signed_by(&key, &issuer).unwrap().der().to_vec();
    Made { der, key, params }
}

fn server_for(host: &str) -> Purpose {
    Purpose::ServerAuth {
        host: Some(host.to_string()),
    }
}

fn go119(verdict: &Verdict) -> Result<&Vec<usize>, &Rejection> {
    verdict.for_release(GoRelease::Go119).unwrap().as_ref()
}

fn cli28(verdict: &Verdict) -> Result<&Vec<usize>, &Rejection> {
    verdict
        .for_release(GoRelease::DockerCli28)
        .unwrap()
        .as_ref()
}

#[test]
fn baseline_server_and_client() {
    let root = self_signed(ca("root"));
    let leaf = signed(server(&["docker.example", "10.0.0.1"]), &root);
    let v = verify(
        &leaf.der,
        &[],
        &[&root.der],
        &server_for("docker.example"),
        now(),
    );
    assert!(v.accepted(), "{:?}", v.rejections());
    assert_eq!(go119(&v), Ok(&vec![0, 1]));
    let v = verify(&leaf.der, &[], &[&root.der], &server_for("10.0.0.1"), now());
    assert!(v.accepted());
    let v = verify(
        &leaf.der,
        &[],
        &[&root.der],
        &server_for("other.example"),
        now(),
    );
    assert_eq!(go119(&v).unwrap_err().code, "host-not-covered");
    // serverAuth only: refused as a client certificate (04d).
    let v = verify(&leaf.der, &[], &[&root.der], &Purpose::ClientAuth, now());
    assert_eq!(cli28(&v).unwrap_err().code, "wrong-eku");
}

#[test]
fn validity_bounds_are_inclusive_and_roots_are_checked() {
    let root = self_signed(ca("root"));
    let leaf = signed(server(&["a.example"]), &root);
    let at = |t| verify(&leaf.der, &[], &[&root.der], &server_for("a.example"), t);
    assert!(at(date_time_ymd(2027, 1, 1)).accepted());
    assert!(at(date_time_ymd(2026, 1, 1)).accepted());
    assert_eq!(
        go119(&at(date_time_ymd(2027, 1, 1) + time::Duration::seconds(1)))
            .unwrap_err()
            .code,
        "expired"
    );
    // 12f: an expired root fails the chain.
    let mut old = ca("old root");
    old.not_after = date_time_ymd(2026, 3, 1);
    let old = self_signed(old);
    let leaf = signed(server(&["a.example"]), &old);
    let v = verify(&leaf.der, &[], &[&old.der], &server_for("a.example"), now());
    assert!(!v.accepted());
}

#[test]
fn self_issued_intermediates_and_serial_zero_root() {
    // root (serial 0, like Starfield Root G2) -> ICA' -> ICA' (same name, new key) -> ICA'' -> leaf
    let mut root = ca("root");
    root.serial_number = Some(SerialNumber::from_slice(&[0x00]));
    let root = self_signed(root);
    let ica1 = signed(ca("ICA prime"), &root);
    let ica2 = signed(ca("ICA prime"), &ica1);
    let ica3 = signed(ca("ICA double prime"), &ica2);
    let leaf = signed(server(&["svc.example"]), &ica3);
    let v = verify(
        &leaf.der,
        &[&ica3.der, &ica2.der, &ica1.der],
        &[&root.der],
        &server_for("svc.example"),
        now(),
    );
    assert!(v.accepted(), "{:?}", v.rejections());
    assert_eq!(go119(&v), Ok(&vec![0, 1, 2, 3, 4]));
}

#[test]
fn pinned_ca_true_leaf_and_leaf_ca_true() {
    // 03b: a self-signed CA:TRUE server certificate pinned as ca.pem.
    let mut params = server(&["pinned.example"]);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let pinned = self_signed(params);
    let v = verify(
        &pinned.der,
        &[],
        &[&pinned.der],
        &server_for("pinned.example"),
        now(),
    );
    assert!(v.accepted());
    assert_eq!(cli28(&v), Ok(&vec![0]));
    // 02: a CA:TRUE leaf issued by a CA.
    let root = self_signed(ca("root"));
    let mut params = server(&["ca-leaf.example"]);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let leaf = signed(params, &root);
    assert!(
        verify(
            &leaf.der,
            &[],
            &[&root.der],
            &server_for("ca-leaf.example"),
            now()
        )
        .accepted()
    );
}

#[test]
fn eku_nests_through_the_chain_and_roots_count() {
    // 04h: a root limited to clientAuth refuses a server chain.
    let mut root = ca("root");
    root.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let root = self_signed(root);
    let leaf = signed(server(&["a.example"]), &root);
    let v = verify(
        &leaf.der,
        &[],
        &[&root.der],
        &server_for("a.example"),
        now(),
    );
    assert_eq!(go119(&v).unwrap_err().code, "wrong-eku");
    // 04g: anyExtendedKeyUsage on an intermediate is fine.
    let root = self_signed(ca("root"));
    let mut int = ca("int");
    int.extended_key_usages = vec![ExtendedKeyUsagePurpose::Any];
    let int = signed(int, &root);
    let leaf = signed(server(&["a.example"]), &int);
    assert!(
        verify(
            &leaf.der,
            &[&int.der],
            &[&root.der],
            &server_for("a.example"),
            now()
        )
        .accepted()
    );
}

#[test]
fn pathlen_zero_root_refuses_an_intermediate() {
    // 11m: root pathlen:0 -> intermediate -> leaf.
    let mut root = ca("root");
    root.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let root = self_signed(root);
    let int = signed(ca("int"), &root);
    let leaf = signed(server(&["a.example"]), &int);
    let v = verify(
        &leaf.der,
        &[&int.der],
        &[&root.der],
        &server_for("a.example"),
        now(),
    );
    assert_eq!(go119(&v).unwrap_err().code, "path-length");
    assert_eq!(cli28(&v).unwrap_err().code, "path-length");
}

/// A DER extension value for a critical subject key identifier (05c).
fn critical_ski() -> CustomExtension {
    let mut ext = CustomExtension::from_oid_content(&[2, 5, 29, 14], vec![0x04, 0x02, 0xab, 0xcd]);
    ext.set_criticality(true);
    ext
}

#[test]
fn releases_disagree_on_critical_key_identifiers_and_bare_wildcards() {
    let root = self_signed(ca("root"));
    // 05c: a critical SKI: Go 1.19 accepts, the CLI 28 refuses at parse time.
    let mut params = server(&["a.example"]);
    params.custom_extensions = vec![critical_ski()];
    let leaf = signed(params, &root);
    let v = verify(
        &leaf.der,
        &[],
        &[&root.der],
        &server_for("a.example"),
        now(),
    );
    assert!(go119(&v).is_ok());
    assert_eq!(cli28(&v).unwrap_err().code, "key-id-critical");
    assert!(!v.accepted());
    // 10d: a bare `*` SAN matches a single-label host in Go 1.19 only.
    let mut params = server(&[]);
    params.subject_alt_names = vec![SanType::DnsName("*".try_into().unwrap())];
    let leaf = signed(params, &root);
    let v = verify(&leaf.der, &[], &[&root.der], &server_for("docker"), now());
    assert!(go119(&v).is_ok());
    assert_eq!(cli28(&v).unwrap_err().code, "host-not-covered");
}

#[test]
fn unhandled_critical_extension_on_a_root_fails() {
    // 08c
    let mut params = ca("root");
    let mut ext = CustomExtension::from_oid_content(&[1, 2, 3, 4], vec![0x05, 0x00]);
    ext.set_criticality(true);
    params.custom_extensions = vec![ext];
    let root = self_signed(params);
    let leaf = signed(server(&["a.example"]), &root);
    let v = verify(
        &leaf.der,
        &[],
        &[&root.der],
        &server_for("a.example"),
        now(),
    );
    assert_eq!(go119(&v).unwrap_err().code, "unhandled-critical-extension");
}

#[test]
fn garbage_and_messages_are_sentences() {
    let root = self_signed(ca("root"));
    let leaf = signed(server(&["a.example"]), &root);
    // 11j: an unusable extra certificate in the presented chain fails the handshake.
    let v = verify(
        &leaf.der,
        &[b"not a certificate"],
        &[&root.der],
        &server_for("a.example"),
        now(),
    );
    for (release, rejection) in v.rejections() {
        assert_eq!(rejection.code, "malformed-certificate");
        assert!(
            rejection.message.ends_with('.'),
            "{release}: {}",
            rejection.message
        );
        assert!(!rejection.message.contains("  "));
    }
    // Nothing usable in ca.pem.
    let v = verify(&leaf.der, &[], &[b"junk"], &server_for("a.example"), now());
    assert_eq!(go119(&v).unwrap_err().code, "no-usable-root");
    // Another CA with the same name: a bad signature.
    let other = self_signed(ca("root"));
    let v = verify(
        &leaf.der,
        &[],
        &[&other.der],
        &server_for("a.example"),
        now(),
    );
    assert_eq!(go119(&v).unwrap_err().code, "bad-signature");
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(300))]

    /// Any byte of a real chain changed, cut or extended: a verdict, never a panic, and the same
    /// verdict when asked twice.
    #[test]
    fn mutated_chains_never_panic(
        which in 0usize..3,
        at in 0usize..4096,
        value in proptest::prelude::any::<u8>(),
        cut in proptest::prelude::any::<bool>(),
    ) {
        use std::sync::OnceLock;
        static CHAIN: OnceLock<[Vec<u8>; 3]> = OnceLock::new();
        let chain = CHAIN.get_or_init(|| {
            let root = self_signed(ca("root"));
            let int = signed(ca("int"), &root);
            let leaf = signed(server(&["a.example", "10.0.0.1"]), &int);
            [leaf.der, int.der, root.der]
        });
        let mut certs = chain.clone();
        let target = &mut certs[which];
        let at = at % target.len();
        if cut {
            target.truncate(at);
        } else {
            target[at] = value;
        }
        let purpose = server_for("a.example");
        let first = verify(&certs[0], &[&certs[1]], &[&certs[2]], &purpose, now());
        let again = verify(&certs[0], &[&certs[1]], &[&certs[2]], &purpose, now());
        proptest::prop_assert_eq!(&first, &again);
        for (_, rejection) in first.rejections() {
            proptest::prop_assert!(rejection.message.ends_with('.'));
        }
    }
}
