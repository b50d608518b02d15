//! The real openssl accepts what dockcert writes, for the purpose each certificate is for.

use std::path::Path;
use std::process::{Command, Output};

use crate::helpers::*;

fn openssl(sb: &Sandbox, args: &[&Path]) -> Output {
    let mut cmd = Command::new("openssl");
    sb.isolate(&mut cmd);
    cmd.args(args).output().expect("run openssl")
}

fn verify(sb: &Sandbox, purpose: &str, cert: &Path) -> Output {
    let ca = sb.dockcert_home().join("ca/ca.pem");
    openssl(
        sb,
        &[
            "verify".as_ref(),
            "-x509_strict".as_ref(),
            "-CAfile".as_ref(),
            &ca,
            "-purpose".as_ref(),
            purpose.as_ref(),
            cert,
        ],
    )
}

fn public_key(sb: &Sandbox, args: &[&str], file: &Path) -> String {
    let mut full: Vec<&Path> = args.iter().map(Path::new).collect();
    full.push(file);
    let out = openssl(sb, &full);
    assert_success(&out, "openssl public key");
    stdout(&out)
}

#[test]
fn openssl_verifies_server_and_client_for_their_purposes_and_no_other() {
    if !require_peer("openssl", "openssl_verifies_server_and_client") {
        return;
    }
    for key_type in ["ecdsa-p256", "ecdsa-p384", "ed25519", "rsa-2048"] {
        let sb = Sandbox::new();
        sb.init_ok(&["--key-type", key_type, "--san", "IP:192.0.2.1"]);
        let server = sb.daemon_dir().join("server-cert.pem");
        let client = sb.cert_path().join("cert.pem");
        for (purpose, cert) in [("sslserver", &server), ("sslclient", &client)] {
            let out = verify(&sb, purpose, cert);
            assert_success(
                &out,
                &format!("{key_type}: openssl verify -purpose {purpose}"),
            );
            assert!(stdout(&out).contains(": OK"), "{}", stdout(&out));
        }
        // The wrong purpose must fail: this is what makes the checks above mean something.
        for (purpose, cert) in [("sslclient", &server), ("sslserver", &client)] {
            let out = verify(&sb, purpose, cert);
            assert!(
                !out.status.success(),
                "{key_type}: {purpose} accepted the wrong certificate"
            );
        }
        // Each key is readable by openssl without a password and belongs to its certificate.
        for (cert, key) in [
            (server.clone(), sb.daemon_dir().join("server-key.pem")),
            (client.clone(), sb.cert_path().join("key.pem")),
            (
                sb.dockcert_home().join("ca/ca.pem"),
                sb.dockcert_home().join("ca/ca-key.pem"),
            ),
        ] {
            let from_cert = public_key(&sb, &["x509", "-noout", "-pubkey", "-in"], &cert);
            let from_key = public_key(&sb, &["pkey", "-pubout", "-passin", "pass:", "-in"], &key);
            assert_eq!(
                from_cert,
                from_key,
                "{key_type}: {} matches {}",
                key.display(),
                cert.display()
            );
        }
    }
}

#[test]
fn openssl_reads_the_fields_docker_needs() {
    if !require_peer("openssl", "openssl_reads_the_fields_docker_needs") {
        return;
    }
    let sb = Sandbox::new();
    sb.init_ok(&[
        "--san",
        "IP:192.0.2.1,docker.example",
        "--key-type",
        "rsa-2048",
    ]);
    let text = |file: &Path| {
        let out = openssl(
            &sb,
            &[
                "x509".as_ref(),
                "-noout".as_ref(),
                "-text".as_ref(),
                "-in".as_ref(),
                file,
            ],
        );
        assert_success(&out, "openssl x509 -text");
        stdout(&out)
    };
    let ca = text(&sb.dockcert_home().join("ca/ca.pem"));
    for needle in [
        "X509v3 Basic Constraints: critical\n                CA:TRUE, pathlen:0",
        "X509v3 Key Usage: critical\n                Certificate Sign, CRL Sign",
        "X509v3 Subject Key Identifier",
        "Signature Algorithm: sha256WithRSAEncryption",
        "Public-Key: (2048 bit)",
    ] {
        assert!(ca.contains(needle), "CA lacks {needle:?}:\n{ca}");
    }
    assert!(!ca.contains("Extended Key Usage"), "{ca}");
    let server = text(&sb.daemon_dir().join("server-cert.pem"));
    for needle in [
        "X509v3 Key Usage: critical\n                Digital Signature, Key Encipherment",
        "X509v3 Extended Key Usage: \n                TLS Web Server Authentication",
        "DNS:docker.example",
        "IP Address:192.0.2.1",
        "IP Address:0:0:0:0:0:0:0:1",
        "X509v3 Authority Key Identifier",
        "CA:FALSE",
    ] {
        assert!(
            server.contains(needle),
            "server lacks {needle:?}:\n{server}"
        );
    }
    assert!(!server.to_lowercase().contains("sha1with"), "{server}");
    let client = text(&sb.cert_path().join("cert.pem"));
    for needle in [
        "X509v3 Key Usage: critical\n                Digital Signature\n",
        "TLS Web Client Authentication",
        "Subject: CN = client",
    ] {
        assert!(
            client.contains(needle),
            "client lacks {needle:?}:\n{client}"
        );
    }
}
