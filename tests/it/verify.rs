//! `dockcert verify` against real peers: dockerd, openssl s_server, and plain sockets.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::dockerd::{Dockerd, free_port, have_peers};
use crate::helpers::*;

fn verify(sb: &Sandbox, host: &str, cert_path: &Path, extra: &[&str]) -> Output {
    let mut cmd = sb.dockcert();
    cmd.args(["verify", "--host", host, "--cert-path"])
        .arg(cert_path)
        .args(extra);
    cmd.output().expect("run dockcert verify")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)))
}

fn codes(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

/// A client directory that trusts `trust`'s CA but presents `identity`'s certificate and key.
fn mixed_client(root: &Path, trust: &Sandbox, identity: &Sandbox) -> PathBuf {
    let dir = root.join("mixed-client");
    fs::create_dir(&dir).unwrap();
    fs::copy(trust.cert_path().join("ca.pem"), dir.join("ca.pem")).unwrap();
    for name in ["cert.pem", "key.pem"] {
        fs::copy(identity.cert_path().join(name), dir.join(name)).unwrap();
    }
    dir
}

#[test]
fn verify_against_a_real_dockerd() {
    if !have_peers("verify_against_a_real_dockerd") {
        return;
    }
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let other = Sandbox::new();
    other.init_ok(&[]);
    // 127.0.0.2 is loopback too, but not among the certificate's SANs.
    let daemon = Dockerd::start_on(Some(&sb.daemon_dir()), &["127.0.0.1", "127.0.0.2"]);
    let host = format!("tcp://127.0.0.1:{}", daemon.ports[0]);

    // The happy path: exit 0, the engine's version, the TLS summary.
    let out = verify(&sb, &host, &sb.cert_path(), &[]);
    assert_success(&out, "verify");
    let text = stdout(&out);
    for needle in [
        "ok      GET /_ping: OK",
        "Docker Engine 20.",
        "TLS:                TLSv1.3",
        "Days left:          client certificate 36",
        "Result: the daemon works with these certificates.",
    ] {
        assert!(text.contains(needle), "lacks {needle:?}:\n{text}");
    }
    let docker_version = {
        let mut cmd = Command::new("dockerd");
        cmd.arg("--version").output().unwrap()
    };
    let engine_version = stdout(&docker_version);
    let report = json(&verify(&sb, &host, &sb.cert_path(), &["--json"]));
    assert_eq!(report["ok"], true);
    let reported = report["engine"]["version"].as_str().unwrap();
    assert!(
        engine_version.contains(reported),
        "{reported} vs {engine_version}"
    );
    assert_eq!(report["daemon_certificate"]["sans"][1], "IP:127.0.0.1");

    // The daemon's certificate comes from another CA than our ca.pem: fingerprints side by side.
    let out = verify(&other, &host, &other.cert_path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("FAILED  the daemon's certificate is not signed by this ca.pem"),
        "{text}"
    );
    let fingerprint = |path: PathBuf| {
        let der = pem::parse(fs::read(path).unwrap()).unwrap().into_contents();
        dockcert::x509::certinfo::sha256_fingerprint(&der)
    };
    let presented = fingerprint(sb.daemon_dir().join("server-cert.pem"));
    assert!(text.contains(&format!("sha256:  {presented}")), "{text}");
    assert!(
        text.contains(&format!(
            "sha256:  {}",
            fingerprint(other.cert_path().join("ca.pem"))
        )),
        "{text}"
    );
    assert!(text.contains("[0] subject: CN=localhost"), "{text}");

    // Our client certificate comes from another CA than the daemon's --tlscacert. The client's
    // ca.pem only anchors the daemon's chain (split CAs are fine), so the pre-flight only notes
    // it; the docker CLI then sends no certificate at all, since its issuer is not among the CAs
    // the daemon asks for, and verify says so with both names. The real docker CLI agrees.
    let mixed = mixed_client(&sb.root, &sb, &other);
    let out = verify(&sb, &host, &mixed, &["--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(codes(&report), ["client-cert-not-sent"]);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "client-cert-not-sent")
        .unwrap()
        .clone();
    let message = finding["message"].as_str().unwrap();
    let ca_name = |dir: &Path| {
        let der = pem::parse(fs::read(dir.join("ca.pem")).unwrap())
            .unwrap()
            .into_contents();
        dockcert::x509::certinfo::CertSummary::from_der(&der)
            .unwrap()
            .subject
    };
    assert!(
        message.contains(&format!(
            "the daemon accepts client certificates issued by {}, but the client certificate is issued by {}",
            ca_name(&sb.cert_path()),
            ca_name(&other.cert_path())
        )) && message.contains("client didn't provide a certificate"),
        "{message}"
    );
    let notes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(notes.contains(&"client-ca-split"), "{notes:?}");
    let mut docker = Command::new("docker");
    sb.isolate(&mut docker);
    let cli = docker
        .env("DOCKER_CERT_PATH", &mixed)
        .args(["--tlsverify", "-H", &host, "version"])
        .output()
        .unwrap();
    assert!(!cli.status.success(), "the docker CLI fails too");

    // An address that is not among the SANs: the list, and the command that fixes it.
    let out = verify(
        &sb,
        &format!("tcp://127.0.0.2:{}", daemon.ports[1]),
        &sb.cert_path(),
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("FAILED  '127.0.0.2' is not among the daemon certificate's SANs"),
        "{text}"
    );
    assert!(
        text.contains("SANs: DNS:localhost, IP:127.0.0.1, IP:::1"),
        "{text}"
    );
    assert!(
        text.contains("dockcert issue server --name 127.0.0.2 on the machine"),
        "{text}"
    );
}

#[test]
fn verify_names_a_daemon_that_listens_without_tls() {
    if !have_peers("verify_names_a_daemon_that_listens_without_tls") {
        return;
    }
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let daemon = Dockerd::start_on(None, &["127.0.0.1"]);
    let out = verify(
        &sb,
        &format!("tcp://127.0.0.1:{}", daemon.port()),
        &sb.cert_path(),
        &["--json"],
    );
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(codes(&report), ["not-tls"]);
    let message = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "not-tls")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("HTTP/1.1 400 Bad Request") && message.contains("listens without TLS"),
        "{message}"
    );
}

/// `openssl s_server` on a free loopback port; killed on drop.
struct SServer {
    child: Child,
    port: u16,
}

impl SServer {
    fn start(cert: &Path, key: &Path, verify_clients_with: Option<&Path>) -> SServer {
        let port = free_port();
        let mut cmd = Command::new("openssl");
        cmd.args(["s_server", "-quiet", "-www", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(cert)
            .arg("-key")
            .arg(key);
        if let Some(ca) = verify_clients_with {
            cmd.arg("-CAfile").arg(ca).args(["-Verify", "1"]);
        }
        let child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = SServer { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "openssl s_server did not listen");
            sleep(Duration::from_millis(50));
        }
        server
    }

    fn host(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server certificate from the sandbox's CA with whatever dates and names a test needs.
fn server_cert(
    sb: &Sandbox,
    sans: &[&str],
    not_before: (i32, u8, u8),
    not_after: (i32, u8, u8),
) -> (PathBuf, PathBuf) {
    let ca_cert = fs::read_to_string(sb.dockcert_home().join("ca/ca.pem")).unwrap();
    let ca_key = rcgen::KeyPair::from_pem(
        &fs::read_to_string(sb.dockcert_home().join("ca/ca-key.pem")).unwrap(),
    )
    .unwrap();
    let issuer = rcgen::Issuer::from_ca_cert_pem(&ca_cert, ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params =
        rcgen::CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "127.0.0.1");
    params.not_before = rcgen::date_time_ymd(not_before.0, not_before.1, not_before.2);
    params.not_after = rcgen::date_time_ymd(not_after.0, not_after.1, not_after.2);
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, &issuer).unwrap();
    let dir = sb.root.join(format!("server-{}", sans.len()));
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("cert.pem"), cert.pem()).unwrap();
    fs::write(dir.join("key.pem"), key.serialize_pem()).unwrap();
    (dir.join("cert.pem"), dir.join("key.pem"))
}

#[test]
fn verify_against_openssl_s_server() {
    if !require_peer("openssl", "verify_against_openssl_s_server") {
        return;
    }
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let ca = sb.cert_path().join("ca.pem");

    // An expired server certificate: its dates and the local clock.
    let (cert, key) = server_cert(&sb, &["127.0.0.1"], (2020, 1, 1), (2021, 1, 1));
    let server = SServer::start(&cert, &key, Some(&ca));
    let out = verify(&sb, &server.host(), &sb.cert_path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(
            "FAILED  the daemon's certificate expired on 2021-01-01T00:00:00Z (local clock: 20"
        ),
        "{text}"
    );
    drop(server);

    // A CN-only certificate (no SANs), which Go clients reject.
    let (cert, key) = server_cert(&sb, &[], (2020, 1, 1), (2099, 1, 1));
    let server = SServer::start(&cert, &key, Some(&ca));
    let out = verify(&sb, &server.host(), &sb.cert_path(), &["--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(codes(&json(&out)), ["server-cn-only"]);
    drop(server);

    // A server that never asks for a client certificate: TLS without --tlsverify.
    let server = SServer::start(
        &sb.daemon_dir().join("server-cert.pem"),
        &sb.daemon_dir().join("server-key.pem"),
        None,
    );
    let out = verify(&sb, &server.host(), &sb.cert_path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("FAILED  the daemon did not ask for a client certificate"),
        "{text}"
    );
    assert!(
        text.contains("ok      TLSv1.3 handshake"),
        "the handshake itself worked: {text}"
    );
}

#[test]
fn verify_reports_closed_ports_and_silent_peers() {
    let sb = Sandbox::new();
    sb.init_ok(&[]);

    let port = free_port(); // bound and released: nothing listens there now
    let out = verify(
        &sb,
        &format!("tcp://127.0.0.1:{port}"),
        &sb.cert_path(),
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "FAILED  connection to 127.0.0.1:{port} refused: nothing listens on port {port}"
        )),
        "{text}"
    );

    // Accepts the connection (the kernel does, from the backlog) and never says a word.
    let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let host = format!("tcp://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let started = Instant::now();
    let out = verify(&sb, &host, &sb.cert_path(), &["--timeout", "1"]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the timeout was honoured"
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("FAILED  the daemon accepted the connection but sent nothing within 1 s during the TLS handshake"), "{text}");
    drop(listener);
}

#[test]
fn verify_preflight_and_usage_errors() {
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let port = free_port();
    let host = format!("tcp://127.0.0.1:{port}");

    // Nothing configured: the docker CLI would use the local socket, where no TLS is involved;
    // verify says so and fails (exit 1), naming where that came from.
    let out = sb.run(&["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("host unix:///var/run/docker.sock from the docker CLI's default")
            && text.contains("no TLS is involved"),
        "{text}"
    );

    // Usage and local errors: exit 2, one line.
    let err = assert_one_line_error(&sb.run(&["verify", "--host", &host, "--context", "prod"]));
    assert!(
        err.contains("conflicting options: cannot specify both --host and --context"),
        "{err}"
    );
    let err = assert_one_line_error(&sb.run(&["verify", "--host", "unix:///var/run/docker.sock"]));
    assert!(err.contains("TLS applies to TCP hosts only"), "{err}");
    let missing = sb.root.join("nowhere");
    let err = assert_one_line_error(&verify(&sb, &host, &missing, &[]));
    assert!(
        err.contains("nowhere/ca.pem") && err.contains("No such file"),
        "{err}"
    );

    // DOCKER_HOST is used when --host is not given; without DOCKER_TLS_VERIFY the docker CLI
    // talks plain HTTP, and verify says so instead of checking something the CLI won't do.
    let mut cmd = sb.dockcert();
    let out = cmd
        .env("DOCKER_HOST", &host)
        .arg("verify")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(text.contains(&format!("dockcert verify {host}")), "{text}");
    assert!(
        text.contains(&format!("host {host} from DOCKER_HOST")) && text.contains("plain HTTP"),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(1));
    let mut cmd = sb.dockcert();
    let out = cmd
        .env("DOCKER_HOST", &host)
        .env("DOCKER_TLS_VERIFY", "1")
        .args(["verify", "--json"])
        .output()
        .unwrap();
    let report = json(&out);
    let wanted = format!(
        "ca.pem, cert.pem and key.pem in {} from DOCKER_CERT_PATH",
        sb.cert_path().display()
    );
    assert!(
        report["origin"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == &wanted[..]),
        "{report}"
    );
    assert!(
        codes(&report).contains(&"connection-refused".to_string()),
        "{report}"
    );

    // Pre-flight failures are findings (exit 1), found before any connection is tried.
    let other = Sandbox::new();
    other.init_ok(&[]);
    let dir = sb.root.join("bad");
    fs::create_dir(&dir).unwrap();
    fs::copy(sb.cert_path().join("ca.pem"), dir.join("ca.pem")).unwrap();
    fs::copy(sb.cert_path().join("cert.pem"), dir.join("cert.pem")).unwrap();
    fs::copy(other.cert_path().join("key.pem"), dir.join("key.pem")).unwrap();
    let report = json(&verify(&sb, &host, &dir, &["--json"]));
    assert_eq!(codes(&report), ["key-mismatch"]);
    assert!(
        !report.to_string().contains("tcp-connect"),
        "no network before the pre-flight passes"
    );

    // An encrypted key, made by the real openssl.
    if require_peer(
        "openssl",
        "verify_preflight_and_usage_errors (encrypted key)",
    ) {
        let encrypted = dir.join("key.pem");
        fs::remove_file(&encrypted).unwrap();
        let status = Command::new("openssl")
            .args([
                "pkcs8",
                "-topk8",
                "-v2",
                "aes-256-cbc",
                "-passout",
                "pass:secret",
                "-in",
            ])
            .arg(sb.cert_path().join("key.pem"))
            .arg("-out")
            .arg(&encrypted)
            .status()
            .unwrap();
        assert!(status.success());
        let report = json(&verify(&sb, &host, &dir, &["--json"]));
        assert_eq!(codes(&report), ["key-encrypted"]);
    }

    // A server certificate used as a client certificate: no clientAuth.
    fs::copy(
        sb.daemon_dir().join("server-cert.pem"),
        dir.join("cert.pem"),
    )
    .unwrap_or_else(|_| {
        fs::remove_file(dir.join("cert.pem")).unwrap();
        fs::copy(
            sb.daemon_dir().join("server-cert.pem"),
            dir.join("cert.pem"),
        )
        .unwrap()
    });
    fs::remove_file(dir.join("key.pem")).unwrap();
    fs::copy(sb.daemon_dir().join("server-key.pem"), dir.join("key.pem")).unwrap();
    let report = json(&verify(&sb, &host, &dir, &["--json"]));
    assert_eq!(codes(&report), ["client-no-client-auth"]);

    // Environment pitfalls are warnings.
    let mut cmd = sb.dockcert();
    let out = cmd
        .env("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
        .env("DOCKER_TLS_VERIFY", "0")
        .env_remove("DOCKER_CERT_PATH")
        .args(["verify", "--host", &host, "--json", "--cert-path"])
        .arg(sb.cert_path())
        .output()
        .unwrap();
    let report = json(&out);
    let warnings: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "warning")
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(warnings, ["env-ca-bundle", "env-tls-verify-false"]);
}
