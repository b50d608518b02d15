//! Every lint on certificates made here with rcgen, with fixed dates. (Certificates rcgen cannot
//! make, SHA-1, v1, DSA, P-192, RSA-1024, negative serials, are made with the real openssl in
//! tests/it/audit.rs.)

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DnType, ExtendedKeyUsagePurpose,
    GeneralSubtree, IsCa, Issuer, KeyPair, KeyUsagePurpose, NameConstraints, SerialNumber,
    date_time_ymd,
};

use super::*;

/// The moment every test checks at.
fn now() -> OffsetDateTime {
    date_time_ymd(2026, 6, 1)
}

fn opts() -> Options {
    Options {
        now: now(),
        warn_days: 30,
    }
}

fn base(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.not_before = date_time_ymd(2026, 1, 1);
    params.not_after = date_time_ymd(2027, 1, 1);
    params.serial_number = Some(SerialNumber::from_slice(&[0x01, 0x02, 0x03]));
    // RFC 5280 4.2.1.1: every certificate but a self-signed one names its issuer's key.
    params.use_authority_key_identifier_extension = true;
    params
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut params = base(cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
}

fn server_params(sans: &[&str]) -> CertificateParams {
    let mut params = base("server");
    params.subject_alt_names =
        CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap()
            .subject_alt_names;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.is_ca = IsCa::ExplicitNoCa;
    params
}

fn client_params() -> CertificateParams {
    let mut params = base("client");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.is_ca = IsCa::ExplicitNoCa;
    params
}

/// A CA that can sign.
struct TestCa {
    der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

fn make_ca(params: CertificateParams) -> TestCa {
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    TestCa {
        der: cert.der().clone(),
        issuer: Issuer::new(params, key),
    }
}

fn make_sub_ca(params: CertificateParams, parent: &TestCa) -> TestCa {
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &parent.issuer).unwrap();
    TestCa {
        der: cert.der().clone(),
        issuer: Issuer::new(params, key),
    }
}

/// A leaf, its key's SPKI, signed by `ca`.
fn issue(params: CertificateParams, ca: &TestCa) -> (CertificateDer<'static>, Vec<u8>) {
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca.issuer).unwrap();
    (
        cert.der().clone(),
        rcgen::PublicKeyData::subject_public_key_info(&key),
    )
}

fn certs(name: &str, certs: Vec<CertificateDer<'static>>) -> CertsIn {
    CertsIn {
        path: PathBuf::from(name),
        mode: Some(0o444),
        certs,
    }
}

fn chain(ca: &TestCa, leaf: CertificateDer<'static>, purpose: Purpose) -> ChainIn {
    ChainIn {
        ca: certs("ca.pem", vec![ca.der.clone()]),
        cert: certs("cert.pem", vec![leaf]),
        intermediates: None,
        key: None,
        purpose,
        host: None,
    }
}

fn errors(findings: &[Finding]) -> Vec<&'static str> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.code)
        .collect()
}

/// The errors under `audit --strict` (the RFC 5280 profile).
fn strict_errors(findings: &[Finding]) -> Vec<&'static str> {
    let mut strict = findings.to_vec();
    apply_profile(&mut strict, Profile::Strict);
    errors(&strict)
}

fn warnings(findings: &[Finding]) -> Vec<&'static str> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .map(|f| f.code)
        .collect()
}

#[test]
fn a_good_server_and_client_are_clean() {
    let ca = make_ca(ca_params("CA"));
    let (server, spki) = issue(server_params(&["docker.example.com", "10.0.0.5"]), &ca);
    let mut input = chain(&ca, server, Purpose::Server);
    input.host = Some("tcp://10.0.0.5:2376".to_string());
    input.key = Some(KeyIn {
        path: PathBuf::from("key.pem"),
        mode: Some(0o400),
        state: KeyState::Loaded { spki },
    });
    let found = audit_chain(&input, &opts());
    assert_eq!(errors(&found), Vec::<&str>::new(), "{found:#?}");
    assert_eq!(warnings(&found), Vec::<&str>::new(), "{found:#?}");
    let codes: Vec<&str> = found.iter().map(|f| f.code).collect();
    for code in [
        "chain-ok",
        "host-covered",
        "key-matches",
        "modes-ok",
        "cert-valid",
    ] {
        assert!(codes.contains(&code), "{code}: {found:#?}");
    }

    let (client, _) = issue(client_params(), &ca);
    let found = audit_chain(&chain(&ca, client, Purpose::Client), &opts());
    assert_eq!(errors(&found), Vec::<&str>::new(), "{found:#?}");
}

#[test]
fn expired_not_yet_valid_and_expiring() {
    let ca = make_ca(ca_params("CA"));
    let mut params = client_params();
    params.not_before = date_time_ymd(2024, 1, 1);
    params.not_after = date_time_ymd(2025, 1, 1);
    let (leaf, _) = issue(params, &ca);
    assert_eq!(
        errors(&audit_chain(&chain(&ca, leaf, Purpose::Client), &opts())),
        ["cert-expired"]
    );

    let mut params = client_params();
    params.not_before = date_time_ymd(2026, 12, 1);
    let (leaf, _) = issue(params, &ca);
    assert_eq!(
        errors(&audit_chain(&chain(&ca, leaf, Purpose::Client), &opts())),
        ["cert-not-yet-valid"]
    );

    let mut params = client_params();
    params.not_after = date_time_ymd(2026, 6, 15);
    let (leaf, _) = issue(params, &ca);
    let found = audit_chain(&chain(&ca, leaf, Purpose::Client), &opts());
    assert_eq!(errors(&found), Vec::<&str>::new());
    assert_eq!(warnings(&found), ["cert-expiring"]);

    // An expired CA fails the chain too.
    let mut params = ca_params("Old CA");
    params.not_before = date_time_ymd(2020, 1, 1);
    params.not_after = date_time_ymd(2026, 1, 2);
    let old = make_ca(params);
    let mut params = client_params();
    params.not_before = date_time_ymd(2025, 6, 1);
    params.not_after = date_time_ymd(2026, 1, 1);
    let (leaf, _) = issue(params, &old);
    let found = audit_chain(&chain(&old, leaf, Purpose::Client), &opts());
    assert!(
        found
            .iter()
            .any(|f| f.code == "cert-expired" && f.subject == "ca.pem"),
        "{found:#?}"
    );
}

#[test]
fn signed_by_another_ca_with_the_same_name_or_an_unknown_one() {
    let ca = make_ca(ca_params("CA"));
    let impostor = make_ca(ca_params("CA"));
    let (leaf, _) = issue(client_params(), &impostor);
    assert_eq!(
        errors(&audit_chain(&chain(&ca, leaf, Purpose::Client), &opts())),
        ["bad-signature"]
    );
    let other = make_ca(ca_params("Other CA"));
    let (leaf, _) = issue(client_params(), &other);
    assert_eq!(
        errors(&audit_chain(&chain(&ca, leaf, Purpose::Client), &opts())),
        ["no-path"]
    );
}

#[test]
fn intermediates_from_the_cert_file_or_a_separate_file() {
    let root = make_ca(ca_params("Root"));
    let inter = make_sub_ca(ca_params("Intermediate"), &root);
    let (leaf, _) = issue(client_params(), &inter);
    // Without the intermediate: no path.
    assert_eq!(
        errors(&audit_chain(
            &chain(&root, leaf.clone(), Purpose::Client),
            &opts()
        )),
        ["no-path"]
    );
    let mut input = chain(&root, leaf.clone(), Purpose::Client);
    input.intermediates = Some(certs("inter.pem", vec![inter.der.clone()]));
    let found = audit_chain(&input, &opts());
    assert_eq!(errors(&found), Vec::<&str>::new(), "{found:#?}");
    let mut input = chain(&root, leaf, Purpose::Client);
    input.cert.certs.push(inter.der.clone());
    assert_eq!(errors(&audit_chain(&input, &opts())), Vec::<&str>::new());
}

#[test]
fn wrong_eku_on_the_leaf_and_on_the_chain() {
    let ca = make_ca(ca_params("CA"));
    let (client, _) = issue(client_params(), &ca);
    assert_eq!(
        errors(&audit_chain(&chain(&ca, client, Purpose::Server), &opts())),
        ["wrong-eku", "no-san"]
    );
    let (server, _) = issue(server_params(&["localhost"]), &ca);
    assert_eq!(
        errors(&audit_chain(&chain(&ca, server, Purpose::Client), &opts())),
        ["wrong-eku"]
    );
    // A leaf with only anyExtendedKeyUsage: Go (dockerd, the docker CLI) accepts it.
    let mut params = client_params();
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::Any];
    let (leaf, _) = issue(params, &ca);
    assert_eq!(
        errors(&audit_chain(&chain(&ca, leaf, Purpose::Client), &opts())),
        Vec::<&str>::new()
    );

    // An intermediate restricted to clientAuth cannot vouch for a server.
    let mut params = ca_params("Client-only intermediate");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let inter = make_sub_ca(params, &ca);
    let (server, _) = issue(server_params(&["localhost"]), &inter);
    let mut input = chain(&ca, server, Purpose::Server);
    input.intermediates = Some(certs("inter.pem", vec![inter.der.clone()]));
    assert_eq!(errors(&audit_chain(&input, &opts())), ["chain-eku"]);

    // The same on the trust anchor itself (webpki does not look there; Go does).
    let mut params = ca_params("Client-only root");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let root = make_ca(params);
    let (server, _) = issue(server_params(&["localhost"]), &root);
    assert_eq!(
        errors(&audit_chain(
            &chain(&root, server, Purpose::Server),
            &opts()
        )),
        ["chain-eku"]
    );
}

#[test]
fn cn_only_and_host_matching() {
    let ca = make_ca(ca_params("CA"));
    let mut params = server_params(&[]);
    params
        .distinguished_name
        .push(DnType::CommonName, "docker.example.com");
    let (leaf, _) = issue(params, &ca);
    let mut input = chain(&ca, leaf, Purpose::Server);
    input.host = Some("docker.example.com".to_string());
    assert_eq!(
        errors(&audit_chain(&input, &opts())),
        ["no-san", "host-not-covered"]
    );

    let (leaf, _) = issue(
        server_params(&["*.example.com", "192.0.2.1", "2001:db8::1"]),
        &ca,
    );
    let check = |host: &str| {
        let mut input = chain(&ca, leaf.clone(), Purpose::Server);
        input.host = Some(host.to_string());
        errors(&audit_chain(&input, &opts())).is_empty()
    };
    assert!(check("a.example.com"));
    assert!(check("tcp://a.example.com:2376"));
    assert!(check("A.EXAMPLE.COM"));
    assert!(!check("a.b.example.com"), "a wildcard covers one label");
    assert!(!check("example.com"), "a wildcard needs a label");
    assert!(check("192.0.2.1"));
    assert!(check("tcp://192.0.2.1:2376"));
    assert!(!check("192.0.2.2"));
    assert!(check("tcp://[2001:db8::1]:2376"));
    assert!(check("2001:db8:0:0:0:0:0:1"));
    // An IP address in a DNS SAN does not count, and a name does not match an IP SAN.
    let (leaf, _) = issue(server_params(&["localhost"]), &ca);
    let mut input = chain(&ca, leaf, Purpose::Server);
    input.host = Some("127.0.0.1".to_string());
    assert_eq!(errors(&audit_chain(&input, &opts())), ["host-not-covered"]);
}

#[test]
fn keys_mismatched_encrypted_unusable_and_readable() {
    let ca = make_ca(ca_params("CA"));
    let (leaf, _) = issue(client_params(), &ca);
    let (_, other_spki) = issue(client_params(), &ca);
    let mut input = chain(&ca, leaf, Purpose::Client);
    input.key = Some(KeyIn {
        path: PathBuf::from("key.pem"),
        mode: Some(0o640),
        state: KeyState::Loaded { spki: other_spki },
    });
    let found = audit_chain(&input, &opts());
    assert_eq!(errors(&found), ["key-mismatch", "key-readable"]);
    let readable = found.iter().find(|f| f.code == "key-readable").unwrap();
    assert_eq!(readable.fix.as_deref(), Some("chmod 0400 key.pem"));

    input.key = Some(KeyIn {
        path: PathBuf::from("key.pem"),
        mode: Some(0o600),
        state: KeyState::Encrypted,
    });
    assert_eq!(errors(&audit_chain(&input, &opts())), ["key-encrypted"]);
    input.key = Some(KeyIn {
        path: PathBuf::from("key.pem"),
        mode: Some(0o400),
        state: KeyState::Unusable("a DSA key".to_string()),
    });
    assert_eq!(errors(&audit_chain(&input, &opts())), ["file-malformed"]);
}

#[test]
fn serials_and_critical_extensions() {
    let ca = make_ca(ca_params("CA"));
    let mut params = client_params();
    params.serial_number = Some(SerialNumber::from_slice(&[0]));
    let (leaf, _) = issue(params, &ca);
    let found = audit_chain(&chain(&ca, leaf, Purpose::Client), &opts());
    // Docker accepts a zero serial (a warning); RFC 5280 does not (an error under --strict).
    assert!(warnings(&found).contains(&"bad-serial"), "{found:#?}");
    assert!(!errors(&found).contains(&"bad-serial"), "{found:#?}");
    assert!(strict_errors(&found).contains(&"bad-serial"), "{found:#?}");

    let mut params = client_params();
    params.serial_number = Some(SerialNumber::from_slice(&[0x11; 21]));
    let (leaf, _) = issue(params, &ca);
    let found = audit_chain(&chain(&ca, leaf, Purpose::Client), &opts());
    assert!(warnings(&found).contains(&"bad-serial"), "{found:#?}");
    assert!(strict_errors(&found).contains(&"bad-serial"), "{found:#?}");

    // 20 octets with the top bit set: DER needs a sign octet, and that is fine.
    let mut params = client_params();
    params.serial_number = Some(SerialNumber::from_slice(&[0xff; 20]));
    let (leaf, _) = issue(params, &ca);
    let found = audit_chain(&chain(&ca, leaf, Purpose::Client), &opts());
    assert!(!strict_errors(&found).contains(&"bad-serial"), "{found:#?}");

    let mut params = client_params();
    let mut ext =
        CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 99999, 1], vec![0x05, 0x00]);
    ext.set_criticality(true);
    params.custom_extensions = vec![ext];
    let (leaf, _) = issue(params, &ca);
    assert_eq!(
        errors(&audit_chain(&chain(&ca, leaf, Purpose::Client), &opts())),
        ["unknown-critical-extension"]
    );
}

#[test]
fn issuers_that_are_not_cas_or_cannot_sign() {
    let ca = make_ca(ca_params("CA"));
    // A leaf (CA:FALSE) that signed another leaf.
    let mut params = client_params();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, "not a CA");
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![];
    let fake = make_sub_ca(params, &ca);
    let (leaf, _) = issue(client_params(), &fake);
    let mut input = chain(&ca, leaf, Purpose::Client);
    input.intermediates = Some(certs("inter.pem", vec![fake.der.clone()]));
    assert_eq!(
        errors(&audit_chain(&input, &opts())),
        ["leaf-keycertsign", "issuer-not-ca"]
    );

    // A CA whose keyUsage lacks keyCertSign.
    let mut params = ca_params("CA without keyCertSign");
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let weak = make_ca(params);
    let (leaf, _) = issue(client_params(), &weak);
    assert_eq!(
        errors(&audit_chain(&chain(&weak, leaf, Purpose::Client), &opts())),
        ["issuer-no-keycertsign"]
    );
    assert_eq!(
        errors(&audit_ca(
            &certs("ca.pem", vec![weak.der.clone()]),
            None,
            &opts()
        )),
        ["issuer-no-keycertsign"]
    );
}

#[test]
fn path_length_and_name_constraints() {
    let mut params = ca_params("Root pathlen 0");
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let root = make_ca(params);
    let inter = make_sub_ca(ca_params("Intermediate"), &root);
    let (leaf, _) = issue(client_params(), &inter);
    let mut input = chain(&root, leaf, Purpose::Client);
    input.intermediates = Some(certs("inter.pem", vec![inter.der.clone()]));
    assert_eq!(errors(&audit_chain(&input, &opts())), ["path-length"]);

    let mut params = ca_params("Constrained root");
    params.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![GeneralSubtree::DnsName("example.com".to_string())],
        excluded_subtrees: vec![],
    });
    let root = make_ca(params);
    let (leaf, _) = issue(server_params(&["docker.example.org"]), &root);
    assert_eq!(
        errors(&audit_chain(&chain(&root, leaf, Purpose::Server), &opts())),
        ["name-constraints"]
    );
    let (leaf, _) = issue(server_params(&["docker.example.com"]), &root);
    assert_eq!(
        errors(&audit_chain(&chain(&root, leaf, Purpose::Server), &opts())),
        Vec::<&str>::new()
    );
}

#[test]
fn warnings_leaf_ca_bundle_and_writable() {
    let ca = make_ca(ca_params("CA"));
    let other = make_ca(ca_params("Other CA"));
    let mut params = ca_params("leaf that is a CA");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let leaf_ca = make_sub_ca(params, &ca);
    let mut input = chain(&ca, leaf_ca.der.clone(), Purpose::Client);
    input.ca.certs.push(other.der.clone());
    input.cert.mode = Some(0o666);
    let found = audit_chain(&input, &opts());
    assert_eq!(errors(&found), Vec::<&str>::new(), "{found:#?}");
    assert_eq!(
        warnings(&found),
        ["leaf-is-ca", "ca-bundle", "cert-writable"]
    );
}

#[test]
fn junk_in_place_of_certificates_is_a_finding() {
    let ca = make_ca(ca_params("CA"));
    let input = ChainIn {
        ca: certs("ca.pem", vec![ca.der.clone()]),
        cert: certs("cert.pem", vec![CertificateDer::from(vec![0x30, 0x00])]),
        intermediates: None,
        key: None,
        purpose: Purpose::Client,
        host: None,
    };
    assert_eq!(errors(&audit_chain(&input, &opts())), ["file-malformed"]);
}

#[test]
fn context_copies_that_are_older_than_the_current_files() {
    let ca = make_ca(ca_params("CA"));
    let (old, _) = issue(client_params(), &ca);
    let mut params = client_params();
    params.not_after = date_time_ymd(2028, 1, 1);
    let (new, _) = issue(params, &ca);
    let copy = certs("ctx/cert.pem", vec![old.clone()]);
    let current = certs("home/.docker/cert.pem", vec![new]);
    let finding = audit_context_copy("prod", &copy, &current, "client certificate").unwrap();
    assert_eq!(
        (finding.code, finding.severity),
        ("context-stale", Severity::Warning)
    );
    assert!(audit_context_copy("prod", &copy, &certs("x", vec![old]), "x").is_none());
}

#[test]
fn daemon_json_tcp_without_tlsverify_and_hosts_twice() {
    let path = Path::new("/etc/docker/daemon.json");
    let (found, _) = audit_daemon_json(
        path,
        r#"{"hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]}"#,
        None,
    );
    assert_eq!(errors(&found), ["daemon-tcp-no-tlsverify"]);
    let (found, _) = audit_daemon_json(path, r#"{"tls": true, "hosts": ["0.0.0.0:2376"]}"#, None);
    assert_eq!(errors(&found), ["daemon-tcp-no-tlsverify"]);
    let good = r#"{"tlsverify": true, "tlscacert": "/d/ca.pem", "tlscert": "/d/server-cert.pem",
                   "tlskey": "/d/server-key.pem", "hosts": ["tcp://0.0.0.0:2376"]}"#;
    let (found, tls) = audit_daemon_json(path, good, None);
    assert_eq!(errors(&found), Vec::<&str>::new());
    assert_eq!(tls.cert.as_deref(), Some(Path::new("/d/server-cert.pem")));
    let exec: Vec<String> = ["/usr/bin/dockerd", "-H", "fd://"]
        .map(String::from)
        .to_vec();
    let (found, _) = audit_daemon_json(path, good, Some(&exec));
    assert_eq!(warnings(&found), ["daemon-hosts-conflict"]);
    let (found, _) = audit_daemon_json(path, "{ not json", None);
    assert_eq!(errors(&found), ["daemon-json-invalid"]);
}

#[test]
fn host_of_takes_urls_ports_and_brackets() {
    assert_eq!(host_of("tcp://h.example:2376"), "h.example");
    assert_eq!(host_of("tcp://[::1]:2376"), "::1");
    assert_eq!(host_of("::1"), "::1");
    assert_eq!(host_of("10.0.0.1"), "10.0.0.1");
    assert_eq!(host_of("h:2376"), "h");
    assert_eq!(
        command_line_hosts(&[
            "-H".into(),
            "fd://".into(),
            "--host=tcp://x".into(),
            "-Hunix://".into()
        ]),
        ["fd://", "tcp://x", "unix://"]
    );
}

#[test]
fn every_code_is_listed_once_and_documented() {
    let readme = include_str!("../../../README.md");
    let mut seen = std::collections::HashSet::new();
    for (code, _) in CODES {
        assert!(seen.insert(*code), "{code} twice");
        assert!(
            readme.contains(&format!("`{code}`")),
            "{code} is not in the README"
        );
    }
}

#[test]
fn empty_names_and_missing_key_identifiers() {
    let mut params = ca_params("x");
    params.distinguished_name = rcgen::DistinguishedName::new();
    let ca = make_ca(params);
    let (leaf, _) = issue(client_params(), &ca);
    let found = audit_chain(&chain(&ca, leaf, Purpose::Client), &opts());
    // The leaf's issuer, the CA's issuer and the CA's subject: Docker accepts empty names
    // (warnings), RFC 5280 does not (errors under --strict).
    assert_eq!(errors(&found), Vec::<&str>::new(), "{found:#?}");
    assert_eq!(
        strict_errors(&found),
        ["empty-name", "empty-name", "empty-name"],
        "{found:#?}"
    );

    let ca = make_ca(ca_params("CA"));
    let mut params = client_params();
    params.use_authority_key_identifier_extension = false;
    let (leaf, _) = issue(params, &ca);
    let found = audit_chain(&chain(&ca, leaf, Purpose::Client), &opts());
    // OpenSSL 1.1's `x509 -req` and Python's cryptography make such certificates; Docker
    // accepts them.
    assert_eq!(errors(&found), Vec::<&str>::new(), "{found:#?}");
    assert_eq!(warnings(&found), ["aki-missing"], "{found:#?}");
    assert_eq!(strict_errors(&found), ["aki-missing"]);
}

#[test]
fn a_ca_without_key_usage_is_refused_only_by_strict_verifiers() {
    // As Docker's own openssl recipe makes it (`req -x509` with no extensions file on OpenSSL 1.1
    // or 3.0 gives CA:TRUE and no keyUsage): Go accepts it, OpenSSL's X509_STRICT does not.
    let mut params = ca_params("Recipe CA");
    params.key_usages = Vec::new();
    let ca = make_ca(params);
    let (leaf, _) = issue(client_params(), &ca);
    let found = audit_chain(&chain(&ca, leaf, Purpose::Client), &opts());
    assert_eq!(errors(&found), Vec::<&str>::new(), "{found:#?}");
    assert_eq!(warnings(&found), ["ca-no-key-usage"], "{found:#?}");
    assert_eq!(strict_errors(&found), ["ca-no-key-usage"]);
}

#[test]
fn what_docker_alone_rejects_is_still_an_error() {
    // not-before after not-after: expired as of now, for the lints and for Go.
    let ca = make_ca(ca_params("CA"));
    let mut params = client_params();
    params.not_before = date_time_ymd(2026, 5, 1);
    params.not_after = date_time_ymd(2026, 4, 1);
    let (leaf, _) = issue(params, &ca);
    let found = audit_chain(&chain(&ca, leaf, Purpose::Client), &opts());
    assert!(errors(&found).contains(&"cert-expired"), "{found:#?}");

    // requireExplicitPolicy on an intermediate and no policies: only Go 1.24 (the docker CLI 28)
    // refuses it, and no lint of ours looks at policies.
    let mut params = ca_params("Policy intermediate");
    params.custom_extensions = vec![CustomExtension::from_oid_content(
        &[2, 5, 29, 36],
        vec![0x30, 0x03, 0x80, 0x01, 0x00],
    )];
    let inter = make_sub_ca(params, &ca);
    let (leaf, _) = issue(client_params(), &inter);
    let mut input = chain(&ca, leaf, Purpose::Client);
    input.intermediates = Some(certs("inter.pem", vec![inter.der.clone()]));
    let found = audit_chain(&input, &opts());
    let invalid = found
        .iter()
        .find(|f| f.code == "chain-invalid")
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert!(
        invalid.message.contains("Go 1.24 (the docker CLI 28)"),
        "{invalid:#?}"
    );
    assert!(invalid.message.contains("policy"), "{invalid:#?}");
}

#[test]
fn extensions_that_must_be_critical() {
    // A leaf with an empty subject and a non-critical SAN (rcgen marks the SAN critical only
    // when it knows the subject is empty; a custom extension does not).
    let ca = make_ca(ca_params("CA"));
    let mut params = server_params(&[]);
    params.distinguished_name = rcgen::DistinguishedName::new();
    // SAN dNSName "example.com", non-critical.
    let mut san = vec![0x30, 13, 0x82, 11];
    san.extend_from_slice(b"example.com");
    params.custom_extensions = vec![CustomExtension::from_oid_content(&[2, 5, 29, 17], san)];
    let (leaf, _) = issue(params, &ca);
    let found = audit_chain(&chain(&ca, leaf, Purpose::Server), &opts());
    // Filed under empty-name: OpenSSL's X509_STRICT refuses it as "Subject empty and Subject
    // Alt Name extension not critical".
    assert!(warnings(&found).contains(&"empty-name"), "{found:#?}");
    assert!(strict_errors(&found).contains(&"empty-name"), "{found:#?}");
}

#[test]
fn a_self_signed_leaf_pinned_as_its_own_ca_is_fine() {
    // Go and RFC 5280 accept a certificate that is its own trust anchor: the anchor is a key,
    // so its basicConstraints and keyUsage do not apply.
    let key = KeyPair::generate().unwrap();
    let cert = server_params(&["localhost"]).self_signed(&key).unwrap();
    let mut input = chain(
        &TestCa {
            der: cert.der().clone(),
            issuer: Issuer::new(server_params(&["localhost"]), KeyPair::generate().unwrap()),
        },
        cert.der().clone(),
        Purpose::Server,
    );
    input.host = Some("localhost".to_string());
    let found = audit_chain(&input, &opts());
    assert_eq!(errors(&found), Vec::<&str>::new(), "{found:#?}");
    assert!(found.iter().any(|f| f.code == "chain-ok"), "{found:#?}");
}

#[test]
fn fixes_fit_who_made_the_file() {
    let mut found = vec![
        Finding::error(
            "weak-signature",
            "/etc/docker/tls/server-cert.pem",
            "is signed with SHA-1",
        )
        .with_fix("issue it again with a SHA-256 signature (dockcert init --force)"),
        Finding::error(
            "weak-key",
            "/home/a/.dockcert/daemon/server-cert.pem (certificate 1)",
            "weak",
        )
        .with_fix("issue it again with an ECDSA P-256 or RSA-2048+ key (dockcert init --force)"),
    ];
    fit_fixes(&mut found, |path| path.starts_with("/home/a/.dockcert"));
    assert_eq!(
        found[0].fix.as_deref(),
        Some(
            "issue it again with a SHA-256 signature (from your CA, or `dockcert import-ca` then \
             `dockcert issue …`)"
        )
    );
    assert_eq!(
        found[1].fix.as_deref(),
        Some("issue it again with an ECDSA P-256 or RSA-2048+ key (dockcert init --force)")
    );
}

#[test]
fn self_issued_intermediates_and_a_serial_zero_root_are_fine() {
    // root (serial 0, like Starfield Root G2) -> ICA' -> ICA' (same name, new key) -> ICA'' ->
    // leaf: Go, and so Docker, accept it; it used to be reported as bad-signature and bad-serial.
    let mut params = ca_params("Root serial zero");
    params.serial_number = Some(SerialNumber::from_slice(&[0x00]));
    let root = make_ca(params);
    let ica1 = make_sub_ca(ca_params("ICA prime"), &root);
    let ica2 = make_sub_ca(ca_params("ICA prime"), &ica1);
    let ica3 = make_sub_ca(ca_params("ICA double prime"), &ica2);
    let (leaf, _) = issue(server_params(&["svc.example"]), &ica3);
    let mut input = chain(&root, leaf, Purpose::Server);
    input.host = Some("svc.example".to_string());
    input.intermediates = Some(certs(
        "intermediates.pem",
        vec![ica3.der.clone(), ica2.der.clone(), ica1.der.clone()],
    ));
    let found = audit_chain(&input, &opts());
    assert_eq!(errors(&found), Vec::<&str>::new(), "{found:#?}");
    let ok = found
        .iter()
        .find(|f| f.code == "chain-ok")
        .expect("chain-ok");
    assert_eq!(ok.details.len(), 5, "{ok:#?}");
}

#[test]
fn host_names_match_as_go_matches_them() {
    let ca = make_ca(ca_params("CA"));
    // Two-label wildcards: Go accepts them (rustls does not).
    let (leaf, _) = issue(server_params(&["*.localhost"]), &ca);
    let mut input = chain(&ca, leaf, Purpose::Server);
    input.host = Some("tcp://box.localhost:2376".to_string());
    let found = audit_chain(&input, &opts());
    assert_eq!(errors(&found), Vec::<&str>::new(), "{found:#?}");
    assert!(found.iter().any(|f| f.code == "host-covered"));
    // A wildcard covers one label only.
    input.host = Some("a.box.localhost".to_string());
    let found = audit_chain(&input, &opts());
    assert!(errors(&found).contains(&"host-not-covered"), "{found:#?}");
}

#[test]
fn a_v1_certificate_with_extensions_and_a_path_length_on_a_leaf() {
    let ca = make_ca(ca_params("CA"));
    let mut params = server_params(&["localhost"]);
    params.is_ca = rcgen::IsCa::ExplicitNoCa;
    let (leaf, _) = issue(params, &ca);
    // The same TBS claiming version 1 (the explicit [0] INTEGER 2 becomes 0; lengths unchanged).
    let mut der = leaf.as_ref().to_vec();
    let at = der
        .windows(5)
        .position(|w| w == [0xa0, 0x03, 0x02, 0x01, 0x02])
        .unwrap();
    der[at + 4] = 0x00;
    let found = audit_chain(
        &chain(&ca, CertificateDer::from(der), Purpose::Server),
        &opts(),
    );
    assert!(
        warnings(&found).contains(&"extensions-need-v3"),
        "{found:#?}"
    );
    assert!(
        strict_errors(&found).contains(&"extensions-need-v3"),
        "{found:#?}"
    );

    // basicConstraints CA:FALSE with pathLenConstraint 0, as a custom extension.
    let mut params = server_params(&["localhost"]);
    params.is_ca = rcgen::IsCa::NoCa;
    params.custom_extensions = vec![CustomExtension::from_oid_content(
        &[2, 5, 29, 19],
        vec![0x30, 0x03, 0x02, 0x01, 0x00],
    )];
    let (leaf, _) = issue(params, &ca);
    let found = audit_chain(&chain(&ca, leaf, Purpose::Server), &opts());
    assert!(
        strict_errors(&found).contains(&"path-length-not-ca"),
        "{found:#?}"
    );
}
