//! `dockcert audit` and `dockcert inspect` through the real binary: layouts made by dockcert init,
//! docker:dind and the real docker CLI's context store, certificates only openssl can make (SHA-1,
//! v1, DSA, P-192, RSA-1024, negative serials), exit codes and hostile files.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::helpers::*;

/// The findings of a `--json` run: (severity, code, subject).
fn findings(out: &Output) -> Vec<(String, String, String)> {
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(out), stderr(out)));
    assert_eq!(doc["schema"], 1);
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_string(),
                f["code"].as_str().unwrap().to_string(),
                f["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn codes(out: &Output, severity: &str) -> Vec<String> {
    findings(out)
        .into_iter()
        .filter(|(s, _, _)| s == severity)
        .map(|(_, c, _)| c)
        .collect()
}

fn audit_json(sb: &Sandbox, args: &[&str]) -> Output {
    sb.run(&[&["audit", "--json"], args].concat())
}

/// The not-after of a PEM certificate as `YYYY-MM-DDTHH:MM:SS` (no zone), via x509-parser.
fn pem_not_after(pem_bytes: &[u8]) -> String {
    let der = pem::parse(pem_bytes).unwrap().into_contents();
    let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
    let t = cert.validity().not_after.to_datetime();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn a_fresh_init_has_no_errors_and_no_warnings() {
    let sb = Sandbox::new();
    sb.init_ok(&["--san", "IP:192.0.2.7", "--san", "docker.example.com"]);
    // Without PATH: DOCKER_CERT_PATH, dockcert's home (with its daemon directory), contexts.
    let out = sb.run(&["audit", "--host", "tcp://docker.example.com:2376"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    for needle in [
        "client directory: ",
        "dockcert CA: ",
        "daemon directory: ",
        "OK: 0 error(s), 0 warning(s)",
        "[host-covered] covers the host docker.example.com",
        "[chain-ok]",
        "[key-matches]",
    ] {
        assert!(text.contains(needle), "{needle}:\n{text}");
    }
    assert!(!text.contains('\x1b'), "no colour when NO_COLOR is set");
    let out = audit_json(&sb, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(codes(&out, "error").is_empty() && codes(&out, "warning").is_empty());
    // The explicit form over the same files.
    let daemon = sb.daemon_dir();
    let out = sb.run(&[
        "audit",
        "--ca",
        p(&daemon.join("ca.pem")),
        "--cert",
        p(&daemon.join("server-cert.pem")),
        "--key",
        p(&daemon.join("server-key.pem")),
        "--host",
        "192.0.2.7",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn nothing_in_the_default_places_is_a_warning() {
    let sb = Sandbox::new();
    let out = audit_json(&sb, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(codes(&out, "warning"), ["nothing-found"]);
}

#[test]
fn exit_codes_errors_and_warnings() {
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    // A host the server certificate does not cover: exit 1.
    let out = audit_json(&sb, &[p(&sb.daemon_dir()), "--host", "docker.example.com"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(codes(&out, "error"), ["host-not-covered"]);
    // DOCKER_HOST names the host when --host is not given.
    let out = sb
        .dockcert()
        .args(["audit", "--json", p(&sb.daemon_dir())])
        .env("DOCKER_HOST", "tcp://docker.example.com:2376")
        .output()
        .unwrap();
    assert_eq!(codes(&out, "error"), ["host-not-covered"]);
    // Expiring within --warn-days: a warning, still exit 0.
    let out = audit_json(&sb, &[p(&sb.cert_path()), "--warn-days", "400"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(codes(&out, "warning").contains(&"cert-expiring".to_string()));
    // --at is floored to whole seconds, as X.509 times are: 5 ms after not-after is still valid.
    let leaf = fs::read(sb.cert_path().join("cert.pem")).unwrap();
    let pem = pem_not_after(&leaf);
    let out = audit_json(&sb, &[p(&sb.cert_path()), "--at", &format!("{pem}.005Z")]);
    assert!(
        !codes(&out, "error").contains(&"cert-expired".to_string()),
        "{}",
        stdout(&out)
    );
    // --at after the expiry: errors.
    let out = audit_json(&sb, &[p(&sb.cert_path()), "--at", "2099-01-01T00:00:00Z"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(codes(&out, "error").contains(&"cert-expired".to_string()));
    // Usage and I/O errors: exit 2, one line.
    let missing = sb.root.join("nope");
    let line = assert_one_line_error(&sb.run(&["audit", p(&missing)]));
    assert!(line.contains(p(&missing)), "{line}");
    let line = assert_one_line_error(&sb.run(&["audit", "--at", "yesterday"]));
    assert!(line.contains("RFC 3339"), "{line}");
    let line =
        assert_one_line_error(&sb.run(&["audit", "--ca", p(&missing), "--cert", p(&missing)]));
    assert!(line.contains("nope"), "{line}");
    assert_one_line_error(&sb.run(&["audit", "--cert", "x.pem"]));
    let empty = sb.root.join("empty");
    fs::create_dir(&empty).unwrap();
    let line = assert_one_line_error(&sb.run(&["audit", p(&empty)]));
    assert!(line.contains("found no Docker TLS files"), "{line}");
}

#[test]
fn modes_keys_and_bundles_in_a_client_directory() {
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let dir = sb.cert_path();
    fs::set_permissions(dir.join("key.pem"), fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(dir.join("cert.pem"), fs::Permissions::from_mode(0o666)).unwrap();
    let out = audit_json(&sb, &[p(&dir)]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(codes(&out, "error"), ["key-readable"]);
    assert_eq!(codes(&out, "warning"), ["cert-writable"]);

    // A missing CA file: the rest is still checked.
    let saved = fs::read(dir.join("ca.pem")).unwrap();
    fs::remove_file(dir.join("ca.pem")).unwrap();
    let out = audit_json(&sb, &[p(&dir)]);
    assert_eq!(codes(&out, "error"), ["file-missing", "key-readable"]);
    fs::write(dir.join("ca.pem"), saved).unwrap();

    // A missing key file.
    let saved = fs::read(dir.join("key.pem")).unwrap();
    fs::remove_file(dir.join("key.pem")).unwrap();
    let out = audit_json(&sb, &[p(&dir)]);
    assert_eq!(codes(&out, "error"), ["file-missing"]);
    fs::write(dir.join("key.pem"), saved).unwrap();

    // Someone else's key next to the certificate; a second CA in ca.pem.
    let other = Sandbox::new();
    other.init_ok(&[]);
    fs::remove_file(dir.join("key.pem")).unwrap();
    fs::copy(other.cert_path().join("key.pem"), dir.join("key.pem")).unwrap();
    let mut ca = fs::read_to_string(dir.join("ca.pem")).unwrap();
    ca.push_str(&fs::read_to_string(other.cert_path().join("ca.pem")).unwrap());
    fs::set_permissions(dir.join("ca.pem"), fs::Permissions::from_mode(0o644)).unwrap();
    fs::write(dir.join("ca.pem"), ca).unwrap();
    let out = audit_json(&sb, &[p(&dir)]);
    assert_eq!(codes(&out, "error"), ["key-mismatch"]);
    assert!(codes(&out, "warning").contains(&"ca-bundle".to_string()));

    // An encrypted key (openssl's PKCS#8 encryption).
    if require_peer("openssl", "modes_keys_and_bundles_in_a_client_directory") {
        let plain = other.cert_path().join("key.pem");
        fs::remove_file(dir.join("key.pem")).unwrap();
        let status = Command::new("openssl")
            .args([
                "pkey",
                "-in",
                p(&plain),
                "-aes256",
                "-passout",
                "pass:secret",
                "-out",
            ])
            .arg(dir.join("key.pem"))
            .status()
            .unwrap();
        assert!(status.success());
        let out = audit_json(&sb, &[p(&dir)]);
        assert!(codes(&out, "error").contains(&"key-encrypted".to_string()));
    }
}

#[test]
fn a_docker_dind_certs_directory() {
    let sb = Sandbox::new();
    sb.init_ok(&["--san", "docker"]);
    // docker:dind's DOCKER_TLS_CERTDIR layout (dockerd-entrypoint.sh): ca/{cert,key}.pem,
    // server/{ca,cert,key}.pem, client/{ca,cert,key}.pem.
    let certs = sb.root.join("certs");
    let home = sb.dockcert_home();
    let copies = [
        (home.join("ca/ca.pem"), "ca/cert.pem"),
        (home.join("ca/ca-key.pem"), "ca/key.pem"),
        (sb.daemon_dir().join("ca.pem"), "server/ca.pem"),
        (sb.daemon_dir().join("server-cert.pem"), "server/cert.pem"),
        (sb.daemon_dir().join("server-key.pem"), "server/key.pem"),
        (sb.cert_path().join("ca.pem"), "client/ca.pem"),
        (sb.cert_path().join("cert.pem"), "client/cert.pem"),
        (sb.cert_path().join("key.pem"), "client/key.pem"),
    ];
    for (from, to) in copies {
        let to = certs.join(to);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(&from, &to).unwrap();
    }
    let out = sb.run(&["audit", p(&certs), "--host", "docker"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for needle in [
        "docker:dind CA: ",
        "docker:dind server: ",
        "docker:dind client: ",
    ] {
        assert!(text.contains(needle), "{needle}:\n{text}");
    }
    // The client certificate in server/ would be caught: the roles come from the layout.
    fs::copy(
        sb.cert_path().join("cert.pem"),
        certs.join("server/cert.pem"),
    )
    .unwrap();
    fs::copy(sb.cert_path().join("key.pem"), certs.join("server/key.pem")).unwrap();
    let out = audit_json(&sb, &[p(&certs)]);
    assert_eq!(out.status.code(), Some(1));
    let errors = codes(&out, "error");
    assert!(errors.contains(&"wrong-eku".to_string()), "{errors:?}");
}

#[test]
fn the_docker_cli_context_store_and_stale_copies() {
    if !require_peer("docker", "the_docker_cli_context_store_and_stale_copies") {
        return;
    }
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let client = sb.cert_path();
    let mut cmd = Command::new("docker");
    sb.isolate(&mut cmd);
    let spec = format!(
        "host=tcp://127.0.0.1:2376,ca={},cert={},key={}",
        p(&client.join("ca.pem")),
        p(&client.join("cert.pem")),
        p(&client.join("key.pem"))
    );
    let out = cmd
        .args(["context", "create", "prod", "--docker", &spec])
        .output()
        .unwrap();
    assert_success(&out, "docker context create");
    // A context that only pins the daemon's CA (no client certificate).
    let mut cmd = Command::new("docker");
    sb.isolate(&mut cmd);
    let ca_only = format!("host=tcp://127.0.0.1:2376,ca={}", p(&client.join("ca.pem")));
    let out = cmd
        .args(["context", "create", "ca-only", "--docker", &ca_only])
        .output()
        .unwrap();
    assert_success(&out, "docker context create ca-only");
    let store = sb.root.join("docker-config/contexts");
    let out = sb.run(&["audit", p(&store)]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("docker context 'prod': "), "{text}");
    assert!(text.contains("docker context 'ca-only': "), "{text}");
    assert!(text.contains("OK: 0 error(s), 0 warning(s)"), "{text}");
    assert!(text.contains("contexts/tls/"), "{text}");

    // After a renewal the context still holds the old copies: a warning. Without PATH the
    // context store is found through DOCKER_CONFIG.
    sb.init_ok(&["--force"]);
    let out = audit_json(&sb, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let stale: Vec<_> = findings(&out)
        .into_iter()
        .filter(|(_, code, _)| code == "context-stale")
        .collect();
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert!(stale[0].2.ends_with("/docker/cert.pem"), "{stale:?}");
}

#[test]
fn a_daemon_json_is_followed() {
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let d = sb.daemon_dir();
    let json = sb.root.join("daemon.json");
    fs::write(
        &json,
        format!(
            r#"{{"tlsverify": true, "tlscacert": "{}", "tlscert": "{}", "tlskey": "{}", "hosts": ["tcp://0.0.0.0:2376"]}}"#,
            p(&d.join("ca.pem")),
            p(&d.join("server-cert.pem")),
            p(&d.join("server-key.pem"))
        ),
    )
    .unwrap();
    let out = audit_json(&sb, &[p(&json)]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(codes(&out, "info").contains(&"chain-ok".to_string()));
    fs::write(
        &json,
        r#"{"tlsverify": true, "hosts": ["tcp://0.0.0.0:2376"]}"#,
    )
    .unwrap();
    let out = audit_json(&sb, &[p(&json)]);
    assert_eq!(codes(&out, "warning"), ["daemon-no-tls"]);
    fs::write(&json, r#"{"hosts": ["tcp://0.0.0.0:2375"]}"#).unwrap();
    let out = audit_json(&sb, &[p(&json)]);
    assert_eq!(codes(&out, "error"), ["daemon-tcp-no-tlsverify"]);
}

/// A directory with an openssl CA and helpers to issue odd certificates from it.
struct Openssl {
    dir: PathBuf,
}

impl Openssl {
    fn run(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap();
        assert_success(&out, &format!("openssl {}", args.join(" ")));
    }

    /// A P-256 CA, v3 (or v1 with `v1`), ten years from now.
    fn new(sb: &Sandbox, v1: bool) -> Openssl {
        let dir = sb.root.join(if v1 { "osl-v1" } else { "osl" });
        fs::create_dir_all(&dir).unwrap();
        let o = Openssl { dir };
        o.run(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "ca.key",
        ]);
        if v1 {
            // `x509 -req -signkey` without extensions makes a version 1 certificate.
            o.run(&[
                "req",
                "-new",
                "-key",
                "ca.key",
                "-subj",
                "/CN=v1 CA",
                "-out",
                "ca.csr",
            ]);
            o.run(&[
                "x509", "-req", "-in", "ca.csr", "-signkey", "ca.key", "-days", "3650", "-out",
                "ca.pem",
            ]);
        } else {
            o.run(&[
                "req",
                "-x509",
                "-new",
                "-key",
                "ca.key",
                "-subj",
                "/CN=openssl CA",
                "-days",
                "3650",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
                "-out",
                "ca.pem",
            ]);
        }
        fs::write(
            o.dir.join("client.ext"),
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
        )
        .unwrap();
        o
    }

    /// Issues `name`.pem for the key `name`.key (made by `genkey`), with extra x509 flags.
    fn issue(&self, name: &str, genkey: &[&str], extra: &[&str]) -> PathBuf {
        let key = format!("{name}.key");
        let mut args = genkey.to_vec();
        args.extend(["-out", &key]);
        self.run(&args);
        let csr = format!("{name}.csr");
        self.run(&[
            "req",
            "-new",
            "-key",
            &key,
            "-subj",
            &format!("/CN={name}"),
            "-out",
            &csr,
        ]);
        let pem = format!("{name}.pem");
        let mut args = vec![
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-days",
            "365",
            "-extfile",
            "client.ext",
            "-out",
            &pem,
        ];
        if !extra.contains(&"-set_serial") {
            args.extend(["-set_serial", "4660"]);
        }
        args.extend(extra);
        self.run(&args);
        self.dir.join(pem)
    }

    fn audit(&self, sb: &Sandbox, cert: &Path) -> Vec<String> {
        let out = audit_json(
            sb,
            &[
                "--ca",
                p(&self.dir.join("ca.pem")),
                "--cert",
                p(cert),
                "--purpose",
                "client",
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        codes(&out, "error")
    }

    /// For what Docker accepts and RFC 5280 does not: the warnings of the default (Docker)
    /// profile, which must have no error (exit 0), and the errors of `--strict` (exit 1).
    fn audit_profiles(&self, sb: &Sandbox, ca: &Path, cert: &Path) -> (Vec<String>, Vec<String>) {
        let args = ["--ca", p(ca), "--cert", p(cert), "--purpose", "client"];
        let docker = audit_json(sb, &args);
        assert_eq!(docker.status.code(), Some(0), "{}", stdout(&docker));
        let strict = audit_json(sb, &[&["--strict"], &args[..]].concat());
        assert_eq!(strict.status.code(), Some(1), "{}", stdout(&strict));
        (codes(&docker, "warning"), codes(&strict, "error"))
    }
}

const P256: &[&str] = &[
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
];

#[test]
fn certificates_only_openssl_can_make() {
    if !require_peer("openssl", "certificates_only_openssl_can_make") {
        return;
    }
    let sb = Sandbox::new();
    let o = Openssl::new(&sb, false);
    let good = o.issue("good", P256, &[]);
    let out = audit_json(
        &sb,
        &[
            "--ca",
            p(&o.dir.join("ca.pem")),
            "--cert",
            p(&good),
            "--purpose",
            "client",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    let sha1 = o.issue("sha1", P256, &["-sha1"]);
    assert_eq!(o.audit(&sb, &sha1), ["weak-signature"]);
    // dockcert did not make it: the fix is to re-issue it from its CA, not `dockcert init --force`.
    let out = audit_json(
        &sb,
        &[
            "--ca",
            p(&o.dir.join("ca.pem")),
            "--cert",
            p(&sha1),
            "--purpose",
            "client",
        ],
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fix = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "weak-signature")
        .unwrap()["fix"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        fix,
        "issue it again with a SHA-256 signature (from your CA, or `dockcert import-ca` then `dockcert issue …`)"
    );
    let rsa = o.issue(
        "rsa1024",
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:1024",
        ],
        &[],
    );
    assert_eq!(o.audit(&sb, &rsa), ["weak-key"]);
    // Its key is weak, not malformed: Go loads it, so dockcert reads it too.
    let out = audit_json(
        &sb,
        &[
            "--ca",
            p(&o.dir.join("ca.pem")),
            "--cert",
            p(&rsa),
            "--key",
            p(&o.dir.join("rsa1024.key")),
            "--purpose",
            "client",
        ],
    );
    assert_eq!(codes(&out, "error"), ["weak-key"], "{}", stdout(&out));
    assert!(codes(&out, "info").contains(&"key-matches".to_string()));
    let p192 = o.issue(
        "p192",
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-192",
        ],
        &[],
    );
    assert_eq!(o.audit(&sb, &p192), ["weak-key"]);
    o.run(&[
        "genpkey",
        "-genparam",
        "-algorithm",
        "DSA",
        "-pkeyopt",
        "dsa_paramgen_bits:1024",
        "-out",
        "dsa.params",
    ]);
    let dsa = o.issue("dsa", &["genpkey", "-paramfile", "dsa.params"], &[]);
    assert_eq!(o.audit(&sb, &dsa), ["weak-key"]);
    // Docker accepts these (the docker CLI 28 is built with x509negativeserial=1; Go reads v1
    // leaves and v1 roots): warnings by default, errors under --strict.
    let ca = o.dir.join("ca.pem");
    let negative = o.issue("negative", P256, &["-set_serial", "-5"]);
    let (warned, strict) = o.audit_profiles(&sb, &ca, &negative);
    assert_eq!(
        (warned, strict),
        (
            vec!["bad-serial".to_string()],
            vec!["bad-serial".to_string()]
        )
    );
    // An empty extension file makes `x509 -req` write a version 1 leaf.
    fs::write(o.dir.join("empty.ext"), "").unwrap();
    let v1_leaf = o.issue("v1-leaf", P256, &["-extfile", "empty.ext"]);
    let (warned, strict) = o.audit_profiles(&sb, &ca, &v1_leaf);
    assert_eq!(
        (warned, strict),
        (vec!["v1-cert".to_string()], vec!["v1-cert".to_string()])
    );

    let v1 = Openssl::new(&sb, true);
    let leaf = v1.issue("under-v1", P256, &[]);
    // The leaf cannot name a key identifier its v1 issuer does not have: aki-missing as well.
    let (warned, strict) = v1.audit_profiles(&sb, &v1.dir.join("ca.pem"), &leaf);
    assert!(warned.contains(&"v1-ca".to_string()), "{warned:?}");
    assert!(strict.contains(&"v1-ca".to_string()), "{strict:?}");
}

#[test]
fn rfc5280_profile_rules_on_openssl_certificates() {
    if !require_peer("openssl", "rfc5280_profile_rules_on_openssl_certificates") {
        return;
    }
    let sb = Sandbox::new();
    let o = Openssl::new(&sb, false);
    let ext = |name: &str, text: &str| {
        fs::write(o.dir.join(name), text).unwrap();
        name.to_string()
    };
    let cases = [
        (
            "no-aki",
            "authorityKeyIdentifier=none\nextendedKeyUsage=clientAuth\n",
            "aki-missing",
        ),
        (
            "critical-aki",
            "authorityKeyIdentifier=critical,keyid:always\nextendedKeyUsage=clientAuth\n",
            "key-id-critical",
        ),
        (
            "ku-certsign",
            "basicConstraints=critical,CA:FALSE\nkeyUsage=digitalSignature,keyCertSign\nextendedKeyUsage=clientAuth\n",
            "leaf-keycertsign",
        ),
    ];
    for (name, text, code) in cases {
        let file = ext(&format!("{name}.ext"), text);
        let cert = o.issue(name, P256, &["-extfile", &file]);
        if code == "aki-missing" {
            // Docker accepts it: a warning, and an error only under --strict.
            let (warned, strict) = o.audit_profiles(&sb, &o.dir.join("ca.pem"), &cert);
            assert_eq!(
                (warned, strict),
                (vec![code.to_string()], vec![code.to_string()])
            );
        } else {
            // The docker CLI 28 refuses a critical AKI; a leaf that can sign certificates is a
            // security defect: errors in either profile.
            assert_eq!(o.audit(&sb, &cert), [code], "{name}");
        }
    }
    // CAs: basicConstraints not critical; no subjectKeyIdentifier.
    for (name, addext, code) in [
        (
            "bc-noncrit",
            "basicConstraints=CA:TRUE",
            "basic-constraints-not-critical",
        ),
        ("no-ski", "subjectKeyIdentifier=none", "ski-missing"),
    ] {
        let key = format!("{name}.key");
        let pem = format!("{name}.pem");
        o.run(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            &key,
        ]);
        let mut args = vec![
            "req",
            "-x509",
            "-new",
            "-key",
            &key,
            "-subj",
            "/CN=odd CA",
            "-days",
            "3650",
            "-addext",
            addext,
        ];
        if name == "no-ski" {
            args.extend(["-addext", "basicConstraints=critical,CA:TRUE"]);
        }
        args.extend(["-out", &pem]);
        o.run(&args);
        let (warned, strict) = o.audit_profiles(&sb, &o.dir.join(&pem), &o.dir.join(&pem));
        assert!(warned.contains(&code.to_string()), "{name}: {warned:?}");
        assert!(strict.contains(&code.to_string()), "{name}: {strict:?}");
    }
}

#[test]
fn inspect_shows_certificates_bundles_and_keys() {
    let sb = Sandbox::new();
    sb.init_ok(&["--san", "IP:192.0.2.7"]);
    let d = sb.daemon_dir();
    let out = sb.run(&["inspect", p(&d.join("server-cert.pem"))]);
    assert_success(&out, "inspect");
    let text = stdout(&out);
    for needle in [
        "subject           CN=localhost",
        "IP:192.0.2.7, DNS:localhost",
        "ECDSA P-256",
        "ecdsa-with-SHA256",
        "critical, CA:FALSE",
        "serverAuth",
        "days left",
        "SHA-256",
    ] {
        assert!(text.contains(needle), "{needle}:\n{text}");
    }
    let out = sb.run(&["inspect", "--json", p(&d.join("server-key.pem"))]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["key"]["key_type"], "ECDSA P-256");
    assert_eq!(doc["key"]["matches"][0], p(&d.join("server-cert.pem")));

    // Certificate and key in one file.
    let combined = sb.root.join("combined.pem");
    let mut both = fs::read(d.join("server-cert.pem")).unwrap();
    both.extend(fs::read(d.join("server-key.pem")).unwrap());
    fs::write(&combined, both).unwrap();
    let out = sb.run(&["inspect", "--json", p(&combined)]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["certificates"].as_array().unwrap().len(), 1);
    assert_eq!(
        doc["key"]["matches"][0],
        format!("{} (certificate 1)", p(&combined))
    );

    // A bundle on standard input.
    let mut bundle = fs::read(d.join("server-cert.pem")).unwrap();
    bundle.extend(fs::read(d.join("ca.pem")).unwrap());
    let mut cmd = sb.dockcert();
    let mut child = cmd
        .args(["inspect", "--json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&bundle).unwrap();
    let out = child.wait_with_output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["certificates"].as_array().unwrap().len(), 2);
    assert_eq!(
        doc["certificates"][1]["basic_constraints"],
        "critical, CA:TRUE, pathlen:0"
    );
}

#[test]
fn hostile_files_give_findings_or_one_line_errors() {
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let dir = sb.cert_path();
    let cert = fs::read_to_string(dir.join("cert.pem")).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("truncated", cert.as_bytes()[..cert.len() / 2].to_vec()),
        (
            "bad base64",
            b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".to_vec(),
        ),
        (
            "random",
            (0..512u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
        ),
    ];
    for (what, bytes) in cases {
        fs::set_permissions(dir.join("cert.pem"), fs::Permissions::from_mode(0o644)).unwrap();
        fs::write(dir.join("cert.pem"), &bytes).unwrap();
        let out = audit_json(&sb, &[p(&dir)]);
        assert_eq!(out.status.code(), Some(1), "{what}: {}", stderr(&out));
        assert!(
            findings(&out).iter().any(|(s, c, subject)| s == "error"
                && c == "file-malformed"
                && subject.ends_with("cert.pem")),
            "{what}: {}",
            stdout(&out)
        );
        let line = assert_one_line_error(&sb.run(&["inspect", p(&dir.join("cert.pem"))]));
        assert!(line.contains("cert.pem"), "{what}: {line}");
    }
    // A legacy encrypted key and EC PARAMETERS before the key.
    let legacy = "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nMAA=\n-----END EC PRIVATE KEY-----\n";
    // Standard input closed at once: an empty input, one error line.
    let line = assert_one_line_error(&sb.run(&["inspect", "--json", "-"]));
    assert!(line.contains("standard input"), "{line}");
    let key = dir.join("key.pem");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
    fs::write(&key, legacy).unwrap();
    let out = sb.run(&["inspect", p(&key)]);
    assert_success(&out, "inspect legacy key");
    assert!(stdout(&out).contains("encrypted"), "{}", stdout(&out));
}
