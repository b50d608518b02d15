//! More certificates from one CA (`issue`), the inventory (`list`), and renewal, with the real
//! dockerd and docker CLI where it matters.

use std::fs;
use std::process::Command;

use crate::dockerd::{Dockerd, have_peers};
use crate::helpers::*;

fn json(out: &std::process::Output) -> serde_json::Value {
    assert_success(out, "dockcert");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn docker_version(sb: &Sandbox, port: u16, cert_path: &std::path::Path) -> std::process::Output {
    let mut cmd = Command::new("docker");
    sb.isolate(&mut cmd);
    cmd.env("DOCKER_CERT_PATH", cert_path)
        .args([
            "--tlsverify",
            "-H",
            &format!("tcp://127.0.0.1:{port}"),
            "version",
        ])
        .output()
        .unwrap()
}

#[test]
fn issue_without_a_ca_says_how_to_get_one() {
    let sb = Sandbox::new();
    let err = assert_one_line_error(&sb.run(&["issue", "client", "--name", "alice"]));
    assert!(
        err.contains("there is no CA") && err.contains("dockcert init"),
        "{err}"
    );
}

#[test]
fn issued_server_and_client_work_with_dockerd_and_are_listed() {
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let out = sb.run(&[
        "issue",
        "server",
        "--name",
        "127.0.0.1",
        "--san",
        "docker2.example",
    ]);
    assert_success(&out, "issue server");
    let server_dir = sb.dockcert_home().join("servers/127.0.0.1");
    let out = sb.run(&["issue", "client", "--name", "alice", "--days", "30"]);
    assert_success(&out, "issue client");
    assert!(
        stdout(&out).contains("client  CN=alice"),
        "{}",
        stdout(&out)
    );
    let alice = sb.dockcert_home().join("clients/alice");
    for (path, want) in [
        (server_dir.join("server-key.pem"), 0o400),
        (server_dir.join("server-cert.pem"), 0o444),
        (alice.join("key.pem"), 0o400),
        (alice.join("ca.pem"), 0o444),
        (sb.dockcert_home().join("inventory.json"), 0o600),
    ] {
        assert_eq!(mode(&path), want, "{}", path.display());
    }

    let list = json(&sb.run(&["list", "--json"]));
    let names: Vec<(&str, &str)> = list["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["role"].as_str().unwrap(), c["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("ca", names[0].1),
            ("server", "localhost"),
            ("client", "client"),
            ("server", "127.0.0.1"),
            ("client", "alice")
        ]
    );
    let alice_entry = &list["certificates"][4];
    // Whole days left, rounded down: 30 at the moment of issue, 29 a second later.
    let days = alice_entry["days_left"].as_i64().unwrap();
    assert!((29..=30).contains(&days), "{days}");
    assert_eq!(
        alice_entry["locations"][0]["dir"],
        alice.display().to_string()
    );
    let text = stdout(&sb.run(&["list"]));
    assert!(
        text.contains("alice")
            && text.contains("SANs: IP:127.0.0.1, DNS:docker2.example, DNS:localhost"),
        "{text}"
    );

    // audit of the home finds what issue wrote, and finds nothing wrong with it.
    let out = sb.run(&["audit", sb.dockcert_home().to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let audit = stdout(&out);
    assert!(
        audit.contains("clients/alice/cert.pem")
            && audit.contains("servers/127.0.0.1/server-cert.pem"),
        "{audit}"
    );

    // Refuses to overwrite an existing client without --force.
    let err = assert_one_line_error(&sb.run(&["issue", "client", "--name", "alice"]));
    assert!(
        err.contains("already exist") && err.contains("--force"),
        "{err}"
    );

    if !have_peers("issued_server_and_client_work_with_dockerd_and_are_listed") {
        return;
    }
    let daemon = Dockerd::start(&server_dir);
    let out = docker_version(&sb, daemon.port(), &alice);
    assert_success(&out, "docker version with alice's issued certificate");
    assert!(stdout(&out).contains("Server:"));
    // The client made by init works with the issued server too: one CA.
    assert_success(
        &docker_version(&sb, daemon.port(), &sb.cert_path()),
        "init's client",
    );
}

#[test]
fn many_servers_from_a_file_in_one_run() {
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let hosts = sb.root.join("hosts.txt");
    fs::write(
        &hosts,
        "# the fleet\nd1.example 10.0.0.1\nd2.example\n10.0.0.3 DNS:d3.example,IP:10.0.1.3\n",
    )
    .unwrap();
    let report = json(&sb.run(&[
        "issue",
        "server",
        "--from",
        hosts.to_str().unwrap(),
        "--json",
    ]));
    let certs = report["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 3);
    assert_eq!(certs[2]["sans"][0], "IP:10.0.0.3");
    assert_eq!(certs[2]["sans"][1], "DNS:d3.example");
    for host in ["d1.example", "d2.example", "10.0.0.3"] {
        assert!(
            sb.dockcert_home()
                .join("servers")
                .join(host)
                .join("server-cert.pem")
                .is_file(),
            "{host}"
        );
    }
    let serials: std::collections::HashSet<&str> = certs
        .iter()
        .map(|c| c["serial"].as_str().unwrap())
        .collect();
    assert_eq!(serials.len(), 3);

    // A bad line stops the whole run before anything is written.
    fs::write(&hosts, "d4.example\nd5.example IP:999.1.1.1\n").unwrap();
    let before = sb.snapshot();
    let err =
        assert_one_line_error(&sb.run(&["issue", "server", "--from", hosts.to_str().unwrap()]));
    assert!(
        err.contains("hosts.txt line 2") && err.contains("999.1.1.1"),
        "{err}"
    );
    assert_eq!(sb.snapshot(), before);
}

#[test]
fn concurrent_issues_on_one_home_are_serialised() {
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let children: Vec<_> = (0..2)
        .map(|i| {
            sb.dockcert()
                .args([
                    "issue",
                    "client",
                    "--name",
                    &format!("runner-{i}"),
                    "--json",
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut serials = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let report = json(&out);
        serials.push(
            report["certificates"][0]["serial"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_ne!(serials[0], serials[1]);
    let list = json(&sb.run(&["list", "--json"]));
    let listed: Vec<&str> = list["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["serial"].as_str().unwrap())
        .collect();
    for serial in &serials {
        assert!(
            listed.contains(&serial.as_str()),
            "{serial} missing from the inventory: {listed:?}"
        );
    }
    assert_eq!(listed.len(), 5, "CA, init's two, and both runners");
}

#[test]
fn renew_reissues_what_expires_everywhere_it_was_written() {
    let sb = Sandbox::new();
    sb.init_ok(&["--days", "10"]);
    let old_server = fs::read_to_string(sb.daemon_dir().join("server-cert.pem")).unwrap();
    let old_key = fs::read_to_string(sb.cert_path().join("key.pem")).unwrap();

    // Nothing within 5 days; both within 30.
    let report = json(&sb.run(&["renew", "--within", "5", "--json"]));
    assert_eq!(report["renewed"].as_array().unwrap().len(), 0);
    let before = sb.snapshot();
    let report = json(&sb.run(&["renew", "--within", "30", "--dry-run", "--json"]));
    assert_eq!(report["renewed"].as_array().unwrap().len(), 2);
    assert_eq!(sb.snapshot(), before, "a dry run writes nothing");

    let out = sb.run(&["renew", "--within", "30"]);
    assert_success(&out, "renew");
    let text = stdout(&out);
    assert!(text.contains("Renewed 2 certificate(s)"), "{text}");
    assert!(
        text.contains("Restart these daemons")
            && text.contains(&sb.daemon_dir().display().to_string()),
        "{text}"
    );
    let new_server = fs::read_to_string(sb.daemon_dir().join("server-cert.pem")).unwrap();
    assert_ne!(new_server, old_server);
    assert_ne!(
        fs::read_to_string(sb.cert_path().join("key.pem")).unwrap(),
        old_key,
        "a new key"
    );
    // The old files are kept as backups, with their modes.
    let backups: Vec<_> = fs::read_dir(sb.cert_path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("key.pem.bak-"))
        .collect();
    assert_eq!(backups.len(), 1);
    assert_eq!(fs::read_to_string(&backups[0]).unwrap(), old_key);
    assert_eq!(mode(&backups[0]), 0o400);

    let list = json(&sb.run(&["list", "--all", "--json"]));
    let certs = list["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 5);
    assert!(certs[1]["replaced_by"].is_string() && certs[2]["replaced_by"].is_string());
    let days = certs[3]["days_left"].as_i64().unwrap();
    assert!(
        (9..=10).contains(&days),
        "same validity length as before: {days}"
    );

    let err = assert_one_line_error(&sb.run(&["renew", "--name", "nobody"]));
    assert!(err.contains("no certificate named 'nobody'"), "{err}");

    if !have_peers("renew_reissues_what_expires_everywhere_it_was_written") {
        return;
    }
    let daemon = Dockerd::start(&sb.daemon_dir());
    assert_success(
        &docker_version(&sb, daemon.port(), &sb.cert_path()),
        "renewed server and client",
    );
}

/// A copy of a client directory as a user holds it: it does not change when the source does.
fn snapshot_client(sb: &Sandbox, from: &std::path::Path, name: &str) -> std::path::PathBuf {
    let dir = sb.root.join(name);
    fs::create_dir(&dir).unwrap();
    for file in ["ca.pem", "cert.pem", "key.pem"] {
        fs::copy(from.join(file), dir.join(file)).unwrap();
    }
    dir
}

fn rotate(sb: &Sandbox, step: &str) -> serde_json::Value {
    let mut args = vec!["rotate-ca", "--json"];
    if !step.is_empty() {
        args.push(step);
    }
    json(&sb.run(&args))
}

#[test]
fn a_ca_rotation_never_cuts_anyone_off() {
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let old_ca = fs::read_to_string(sb.dockcert_home().join("ca/ca.pem")).unwrap();
    let old_key = fs::read_to_string(sb.dockcert_home().join("ca/ca-key.pem")).unwrap();
    assert_eq!(
        rotate(&sb, "")["next"],
        "no rotation in progress; 'dockcert rotate-ca --begin' starts one"
    );
    let err = assert_one_line_error(&sb.run(&["rotate-ca", "--finish"]));
    assert!(err.contains("no rotation to finish"), "{err}");

    // Step 1: bundles everywhere, leaves untouched.
    let old_server = fs::read_to_string(sb.daemon_dir().join("server-cert.pem")).unwrap();
    let report = rotate(&sb, "--begin");
    assert_eq!(report["phase"], "begun");
    let bundle = fs::read_to_string(sb.daemon_dir().join("ca.pem")).unwrap();
    assert_eq!(bundle.matches("BEGIN CERTIFICATE").count(), 2);
    assert!(bundle.starts_with(&old_ca));
    assert_eq!(
        fs::read_to_string(sb.cert_path().join("ca.pem")).unwrap(),
        bundle
    );
    assert_eq!(
        fs::read_to_string(sb.daemon_dir().join("server-cert.pem")).unwrap(),
        old_server
    );
    let archive = std::path::PathBuf::from(report["old_key_archive"].as_str().unwrap());
    assert_eq!(
        fs::read_to_string(&archive).unwrap(),
        old_key,
        "the old key is archived"
    );
    assert_eq!(mode(&archive), 0o400);
    let err = assert_one_line_error(&sb.run(&["rotate-ca", "--finish"]));
    assert!(err.contains("--reissue' first"), "{err}");
    // A user's copy of the client files after step 1: old certificate, bundle.
    let old_client = snapshot_client(&sb, &sb.cert_path(), "old-client");

    let peers = have_peers("a_ca_rotation_never_cuts_anyone_off");
    if peers {
        let daemon = Dockerd::start(&sb.daemon_dir());
        assert_success(
            &docker_version(&sb, daemon.port(), &old_client),
            "after --begin: old client",
        );
    }

    // Step 2: every leaf re-issued under the new CA; bundles stay.
    let report = rotate(&sb, "--reissue");
    assert_eq!(report["renewed"].as_array().unwrap().len(), 2);
    assert_ne!(
        fs::read_to_string(sb.daemon_dir().join("server-cert.pem")).unwrap(),
        old_server
    );
    assert_eq!(
        fs::read_to_string(sb.cert_path().join("ca.pem")).unwrap(),
        bundle
    );
    if peers {
        let daemon = Dockerd::start(&sb.daemon_dir());
        assert_success(
            &docker_version(&sb, daemon.port(), &old_client),
            "after --reissue: old client",
        );
        assert_success(
            &docker_version(&sb, daemon.port(), &sb.cert_path()),
            "after --reissue: new client",
        );
    }

    // Step 3: only the new CA.
    let report = rotate(&sb, "--finish");
    assert_eq!(report["phase"], "finished");
    let new_ca = fs::read_to_string(sb.dockcert_home().join("ca/ca.pem")).unwrap();
    assert_eq!(
        fs::read_to_string(sb.daemon_dir().join("ca.pem")).unwrap(),
        new_ca
    );
    assert_eq!(new_ca.matches("BEGIN CERTIFICATE").count(), 1);
    assert!(archive.exists(), "the archived key is never deleted");
    if peers {
        let daemon = Dockerd::start(&sb.daemon_dir());
        let out = docker_version(&sb, daemon.port(), &old_client);
        assert!(
            !out.status.success(),
            "after --finish the old client is refused"
        );
        assert!(stderr(&out).contains("bad certificate"), "{}", stderr(&out));
        assert_success(
            &docker_version(&sb, daemon.port(), &sb.cert_path()),
            "after --finish: new client",
        );
    }
    // Issuing works with the new CA afterwards.
    assert_success(
        &sb.run(&["issue", "client", "--name", "after"]),
        "issue after rotation",
    );
}

fn openssl_in(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert_success(&out, &format!("openssl {}", args.join(" ")));
}

/// A CA and a server certificate (SAN 127.0.0.1) the way Docker's guide makes them, RSA-2048 to
/// keep the test fast; `key_args` choose how the CA key is stored.
fn openssl_recipe_ca(dir: &std::path::Path, key_args: &[&str]) {
    fs::create_dir_all(dir).unwrap();
    let mut genrsa = vec!["genrsa", "-out", "ca-key.pem"];
    genrsa.extend_from_slice(key_args);
    genrsa.push("2048");
    openssl_in(dir, &genrsa);
    openssl_in(
        dir,
        &[
            "req",
            "-new",
            "-x509",
            "-days",
            "365",
            "-key",
            "ca-key.pem",
            "-passin",
            "pass:s3cret",
            "-sha256",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=recipe CA",
        ],
    );
    openssl_in(dir, &["genrsa", "-out", "server-key.pem", "2048"]);
    openssl_in(
        dir,
        &[
            "req",
            "-subj",
            "/CN=127.0.0.1",
            "-sha256",
            "-new",
            "-key",
            "server-key.pem",
            "-out",
            "server.csr",
        ],
    );
    fs::write(
        dir.join("extfile.cnf"),
        "subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n",
    )
    .unwrap();
    openssl_in(
        dir,
        &[
            "x509",
            "-req",
            "-days",
            "365",
            "-sha256",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca-key.pem",
            "-passin",
            "pass:s3cret",
            "-CAcreateserial",
            "-out",
            "server-cert.pem",
            "-extfile",
            "extfile.cnf",
        ],
    );
}

#[test]
fn import_ca_adopts_a_ca_made_by_the_openssl_recipe() {
    if !require_peer(
        "openssl",
        "import_ca_adopts_a_ca_made_by_the_openssl_recipe",
    ) {
        return;
    }
    let cases: [(&str, &[&str], bool); 4] = [
        ("pkcs8-plain", &[], false),
        ("pkcs1-plain", &["-traditional"], false),
        (
            "pkcs8-aes256",
            &["-aes256", "-passout", "pass:s3cret"],
            true,
        ),
        (
            "legacy-aes256",
            &["-aes256", "-passout", "pass:s3cret", "-traditional"],
            true,
        ),
    ];
    let mut last = None;
    for (name, key_args, encrypted) in cases {
        let sb = Sandbox::new();
        let recipe = sb.root.join("recipe");
        openssl_recipe_ca(&recipe, key_args);
        let key_text = fs::read_to_string(recipe.join("ca-key.pem")).unwrap();
        assert_eq!(
            key_text.contains("ENCRYPTED"),
            encrypted,
            "{name}: {key_text:.60}"
        );
        let import = |pass: Option<&str>| {
            let mut cmd = sb.dockcert();
            cmd.args(["import-ca", "--cert"])
                .arg(recipe.join("ca.pem"))
                .arg("--key")
                .arg(recipe.join("ca-key.pem"));
            if let Some(pass) = pass {
                cmd.env("DOCKCERT_CA_PASSPHRASE", pass);
            }
            cmd.output().unwrap()
        };
        if encrypted {
            let err = assert_one_line_error(&import(None));
            assert!(err.contains("DOCKCERT_CA_PASSPHRASE"), "{name}: {err}");
            let err = assert_one_line_error(&import(Some("wrong")));
            assert!(err.contains("wrong passphrase"), "{name}: {err}");
        }
        let out = import(Some("s3cret"));
        assert_success(&out, &format!("{name}: import-ca"));
        assert!(
            stdout(&out).contains("Adopted the CA CN=recipe CA"),
            "{}",
            stdout(&out)
        );
        let stored = fs::read_to_string(sb.dockcert_home().join("ca/ca-key.pem")).unwrap();
        assert!(
            stored.starts_with("-----BEGIN PRIVATE KEY-----"),
            "{name}: stored as plain PKCS#8"
        );
        assert_eq!(mode(&sb.dockcert_home().join("ca/ca-key.pem")), 0o400);
        assert_success(
            &sb.run(&["issue", "client", "--name", "alice"]),
            &format!("{name}: issue client"),
        );
        last = Some((sb, recipe));
    }

    // A server certificate from the openssl recipe, a client from dockcert: the docker CLI works.
    let (sb, recipe) = last.unwrap();
    if have_peers("import_ca_adopts_a_ca_made_by_the_openssl_recipe") {
        let daemon = Dockerd::start(&recipe);
        let alice = sb.dockcert_home().join("clients/alice");
        assert_success(
            &docker_version(&sb, daemon.port(), &alice),
            "recipe daemon, dockcert client",
        );
    }

    // A server certificate is not a CA.
    let err = assert_one_line_error(
        &sb.dockcert()
            .args(["import-ca", "--force", "--cert"])
            .arg(recipe.join("server-cert.pem"))
            .arg("--key")
            .arg(recipe.join("server-key.pem"))
            .output()
            .unwrap(),
    );
    assert!(err.contains("is not a CA certificate"), "{err}");
}

#[test]
fn an_encrypted_ca_key_is_readable_by_openssl_and_needs_its_passphrase() {
    let sb = Sandbox::new();
    let pass_file = sb.root.join("pass.txt");
    fs::write(&pass_file, "correct horse battery\n").unwrap();
    sb.init_ok(&[
        "--encrypt-ca-key",
        "--passphrase-file",
        pass_file.to_str().unwrap(),
    ]);
    let key = sb.dockcert_home().join("ca/ca-key.pem");
    assert!(
        fs::read_to_string(&key)
            .unwrap()
            .starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    );
    // The leaf keys are never encrypted.
    assert!(
        fs::read_to_string(sb.cert_path().join("key.pem"))
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );

    if require_peer("openssl", "an_encrypted_ca_key_is_readable_by_openssl") {
        let out = Command::new("openssl")
            .args([
                "pkey",
                "-noout",
                "-passin",
                "pass:correct horse battery",
                "-in",
            ])
            .arg(&key)
            .output()
            .unwrap();
        assert_success(&out, "openssl pkey reads the encrypted CA key");
        let out = Command::new("openssl")
            .args(["asn1parse", "-in"])
            .arg(&key)
            .output()
            .unwrap();
        let text = stdout(&out);
        for needle in [
            "PBES2",
            "PBKDF2",
            "hmacWithSHA256",
            "aes-256-cbc",
            ":0927C0",
        ] {
            assert!(
                text.contains(needle),
                "{needle} (600000 = 0x0927C0 iterations):\n{text}"
            );
        }
    }

    // Issuing needs the passphrase; a wrong one is a clear error.
    let err = assert_one_line_error(&sb.run(&["issue", "client", "--name", "bob"]));
    assert!(
        err.contains("DOCKCERT_CA_PASSPHRASE") && err.contains("--passphrase-file"),
        "{err}"
    );
    let out = sb
        .dockcert()
        .env("DOCKCERT_CA_PASSPHRASE", "wrong")
        .args(["issue", "client", "--name", "bob"])
        .output()
        .unwrap();
    let err = assert_one_line_error(&out);
    assert!(err.contains("wrong passphrase"), "{err}");
    let out = sb
        .dockcert()
        .env("DOCKCERT_CA_PASSPHRASE", "correct horse battery")
        .args(["issue", "client", "--name", "bob"])
        .output()
        .unwrap();
    assert_success(&out, "issue with the passphrase");
}

#[test]
fn a_context_written_by_dockcert_works_with_the_docker_cli_and_is_renewed() {
    let sb = Sandbox::new();
    sb.init_ok(&["--days", "10"]);
    let config = sb.root.join("docker-config");
    fs::create_dir_all(&config).unwrap();
    fs::write(
        config.join("config.json"),
        "{\n\t\"auths\": {},\n\t\"psFormat\": \"table {{.ID}}\"\n}\n",
    )
    .unwrap();
    let port = crate::dockerd::free_port();
    let host = format!("tcp://127.0.0.1:{port}");
    let out = sb.run(&[
        "context",
        "create",
        "dc-test",
        "--host",
        &host,
        "--description",
        "made by dockcert",
        "--use",
    ]);
    assert_success(&out, "context create");
    let real_id = {
        let out = Command::new("sh")
            .args(["-c", "printf %s dc-test | sha256sum"])
            .output()
            .unwrap();
        stdout(&out).split_whitespace().next().unwrap().to_string()
    };
    let meta = fs::read_to_string(
        config
            .join("contexts/meta")
            .join(&real_id)
            .join("meta.json"),
    )
    .unwrap();
    assert_eq!(
        meta,
        format!(
            r#"{{"Name":"dc-test","Metadata":{{"Description":"made by dockcert"}},"Endpoints":{{"docker":{{"Host":"{host}","SkipTLSVerify":false}}}}}}"#
        )
    );
    let tls = config.join("contexts/tls").join(&real_id).join("docker");
    for name in ["ca.pem", "cert.pem", "key.pem"] {
        assert_eq!(mode(&tls.join(name)), 0o600, "{name}");
    }
    assert_eq!(mode(&tls), 0o700);
    let cfg = fs::read_to_string(config.join("config.json")).unwrap();
    assert_eq!(
        cfg,
        "{\n\t\"auths\": {},\n\t\"psFormat\": \"table {{.ID}}\",\n\t\"currentContext\": \"dc-test\"\n}\n"
    );
    let err = assert_one_line_error(&sb.run(&["context", "create", "dc-test", "--host", &host]));
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    let err = assert_one_line_error(&sb.run(&["context", "create", "default", "--host", &host]));
    assert!(err.contains("reserved"), "{err}");

    // The real docker CLI lists it and uses it.
    let docker = |args: &[&str]| {
        let mut cmd = Command::new("docker");
        sb.isolate(&mut cmd);
        cmd.args(args).output().unwrap()
    };
    if have_peers("a_context_written_by_dockcert_works_with_the_docker_cli") {
        let out = docker(&["context", "ls"]);
        assert_success(&out, "docker context ls");
        assert!(
            stdout(&out).contains("dc-test *") && stdout(&out).contains("made by dockcert"),
            "{}",
            stdout(&out)
        );
    }

    // renew refreshes the context's copies.
    let old_copy = fs::read_to_string(tls.join("cert.pem")).unwrap();
    assert_success(&sb.run(&["renew", "--within", "30"]), "renew");
    let new_copy = fs::read_to_string(tls.join("cert.pem")).unwrap();
    assert_ne!(new_copy, old_copy);
    assert_eq!(
        new_copy,
        fs::read_to_string(sb.cert_path().join("cert.pem")).unwrap()
    );
    assert_eq!(mode(&tls.join("key.pem")), 0o600);

    if have_peers("a_context_written_by_dockcert_works_with_the_docker_cli") {
        // A dockerd on the port the context names.
        let daemon = Dockerd::start_on_port(&sb.daemon_dir(), port);
        let out = docker(&[
            "--context",
            "dc-test",
            "version",
            "--format",
            "{{.Server.Version}}",
        ]);
        assert_success(&out, "docker --context dc-test version");
        drop(daemon);
    }
}

#[test]
fn env_prints_what_the_docker_cli_needs_for_each_shell() {
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let out = sb.run(&["env", "--host", "tcp://127.0.0.1:2376", "--shell", "bash"]);
    assert_success(&out, "env");
    let text = stdout(&out);
    assert!(
        text.contains("export DOCKER_HOST='tcp://127.0.0.1:2376'"),
        "{text}"
    );
    assert!(text.contains("export DOCKER_TLS_VERIFY='1'"), "{text}");
    assert!(
        text.contains(&format!(
            "export DOCKER_CERT_PATH='{}'",
            sb.cert_path().display()
        )),
        "{text}"
    );
    let fish = stdout(&sb.run(&["env", "--host", "tcp://h:2376", "--shell", "fish"]));
    assert!(
        fish.contains("set -gx DOCKER_HOST 'tcp://h:2376';"),
        "{fish}"
    );
    let unset = stdout(&sb.run(&["env", "--unset", "--shell", "bash"]));
    assert_eq!(
        unset,
        "unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH\n"
    );
    let err = assert_one_line_error(&sb.run(&[
        "env",
        "--host",
        "tcp://h:1",
        "--cert-path",
        "/nonexistent",
    ]));
    assert!(err.contains("/nonexistent/ca.pem does not exist"), "{err}");

    // eval "$(dockcert env …)" in a real bash, then the real docker CLI.
    if have_peers("env_prints_what_the_docker_cli_needs_for_each_shell") {
        let daemon = Dockerd::start(&sb.daemon_dir());
        let script = format!(
            "eval \"$(\"$0\" env --host tcp://127.0.0.1:{})\" && docker version --format '{{{{.Server.Version}}}}'",
            daemon.port()
        );
        let mut cmd = Command::new("bash");
        sb.isolate(&mut cmd);
        let out = cmd
            .env_remove("DOCKER_CERT_PATH")
            .env("DOCKER_CERT_PATH", sb.cert_path())
            .args(["-c", &script, env!("CARGO_BIN_EXE_dockcert")])
            .output()
            .unwrap();
        assert_success(&out, "eval \"$(dockcert env)\" && docker version");
        assert!(!stdout(&out).trim().is_empty());
    }
}

#[test]
fn a_dind_certdir_works_with_the_paths_its_entrypoint_uses() {
    let sb = Sandbox::new();
    let certdir = sb.root.join("dind-certs");
    let out = sb.run(&[
        "init",
        "--layout",
        "dind",
        "--certdir",
        certdir.to_str().unwrap(),
        "--san",
        "auto",
    ]);
    assert_success(&out, "init --layout dind");
    let text = stdout(&out);
    assert!(text.contains("--san auto added:"), "{text}");
    assert!(text.contains("DOCKER_HOST=tcp://"), "{text}");
    for file in [
        "ca/cert.pem",
        "server/ca.pem",
        "server/cert.pem",
        "server/key.pem",
        "client/ca.pem",
        "client/cert.pem",
        "client/key.pem",
    ] {
        assert!(certdir.join(file).is_file(), "{file}");
    }
    // With a ca/key.pem the entrypoint would regenerate every certificate at each start.
    assert!(!certdir.join("ca/key.pem").exists());
    assert_eq!(mode(&certdir.join("server/key.pem")), 0o400);
    // The dind service name is among the SANs, after the discovered ones.
    let report = json(&sb.run(&["list", "--json"]));
    let server = &report["certificates"][1];
    assert!(
        server["sans"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "DNS:docker"),
        "{server}"
    );
    assert_eq!(server["locations"][0]["layout"], "dind-server");

    if require_peer("openssl", "dind: the entrypoint's openssl verify") {
        // What the entrypoint runs before it starts dockerd.
        let out = Command::new("openssl")
            .args(["verify", "-CAfile"])
            .arg(certdir.join("server/ca.pem"))
            .arg(certdir.join("server/cert.pem"))
            .output()
            .unwrap();
        assert_success(&out, "openssl verify -CAfile server/ca.pem server/cert.pem");
    }
    if have_peers("a_dind_certdir_works_with_the_paths_its_entrypoint_uses") {
        let daemon = Dockerd::start_with_files(
            &certdir.join("server/ca.pem"),
            &certdir.join("server/cert.pem"),
            &certdir.join("server/key.pem"),
        );
        assert_success(
            &docker_version(&sb, daemon.port(), &certdir.join("client")),
            "docker with DOCKER_CERT_PATH=client/",
        );
    }
}

#[test]
fn daemon_config_makes_a_daemon_json_that_dockerd_serves_tls_from() {
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let etc = sb.root.join("etc-docker");
    fs::create_dir(&etc).unwrap();
    let config = etc.join("daemon.json");
    fs::write(
        &config,
        "{\n  \"log-level\": \"warn\",\n  \"tlsverify\": false\n}\n",
    )
    .unwrap();
    let port = crate::dockerd::free_port();
    let sock = sb.root.join("docker.sock");
    let tcp = format!("tcp://127.0.0.1:{port}");
    let unix = format!("unix://{}", sock.display());
    let systemd = sb.root.join("systemd");
    // Debian's docker.io unit under a root of its own (as in an image build): --systemd reads it
    // instead of guessing Docker's upstream line.
    let unit_root = sb.root.join("image");
    let unit_dir = unit_root.join("lib/systemd/system");
    fs::create_dir_all(&unit_dir).unwrap();
    fs::write(
        unit_dir.join("docker.service"),
        "[Service]\nEnvironmentFile=-/etc/default/docker\nExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS\n",
    )
    .unwrap();
    let base = |apply: bool| {
        let mut args = vec![
            "daemon-config",
            "--config",
            config.to_str().unwrap(),
            "--host",
            &tcp,
            "--host",
            &unix,
            "--systemd",
            "--systemd-dir",
            systemd.to_str().unwrap(),
            "--unit-root",
            unit_root.to_str().unwrap(),
        ];
        if apply {
            args.push("--apply");
        }
        args.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };

    // Without --apply: what would change, and nothing written.
    let args = base(false);
    let out = sb.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_success(&out, "daemon-config");
    let text = stdout(&out);
    assert!(
        text.contains("tlsverify: false -> true") && text.contains("Would write"),
        "{text}"
    );
    assert!(
        text.contains(
            "ExecStart=\nExecStart=/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock $DOCKER_OPTS\n"
        ),
        "{text}"
    );
    assert!(!systemd.exists());
    assert_eq!(
        fs::read_to_string(&config).unwrap(),
        "{\n  \"log-level\": \"warn\",\n  \"tlsverify\": false\n}\n"
    );

    // With --apply: merged (other keys kept, in order), a backup, and the drop-in.
    let args = base(true);
    let out = sb.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_success(&out, "daemon-config --apply");
    let merged: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&config).unwrap()).unwrap();
    let keys: Vec<&String> = merged.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "log-level",
            "tlsverify",
            "tls",
            "tlscacert",
            "tlscert",
            "tlskey",
            "hosts"
        ]
    );
    assert_eq!(
        merged["tlscacert"],
        sb.daemon_dir().join("ca.pem").display().to_string()
    );
    assert!(fs::read_dir(&etc).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("daemon.json.bak-")
    }));
    let drop_in = fs::read_to_string(systemd.join("docker.service.d/dockcert-hosts.conf")).unwrap();
    assert!(
        drop_in.contains("[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd --containerd="),
        "{drop_in}"
    );
    assert!(stdout(&out).contains("systemctl restart docker"));

    // A broken daemon.json is a clear error and is left as it is.
    let broken = etc.join("broken.json");
    fs::write(&broken, "{ \"debug\": tru").unwrap();
    let err = assert_one_line_error(&sb.run(&[
        "daemon-config",
        "--config",
        broken.to_str().unwrap(),
        "--apply",
    ]));
    assert!(
        err.contains("is not valid JSON") && err.contains("left untouched"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&broken).unwrap(), "{ \"debug\": tru");

    // A dockerd with only --config-file serves TLS; the docker CLI reaches it through a context.
    if have_peers("daemon_config_makes_a_daemon_json_that_dockerd_serves_tls_from") {
        let _daemon = Dockerd::start_with_config(&config, port);
        assert_success(
            &sb.run(&["context", "create", "from-json", "--host", &tcp]),
            "context create",
        );
        let mut cmd = Command::new("docker");
        sb.isolate(&mut cmd);
        let out = cmd
            .args([
                "--context",
                "from-json",
                "version",
                "--format",
                "{{.Server.Version}}",
            ])
            .output()
            .unwrap();
        assert_success(&out, "docker --context from-json version");
        // And plain HTTP is not served on that port.
        let mut cmd = Command::new("docker");
        sb.isolate(&mut cmd);
        let out = cmd.args(["-H", &tcp, "version"]).output().unwrap();
        assert!(!out.status.success(), "the daemon answered without TLS");
    }
}

#[test]
fn completions_and_man_page_come_from_the_command_definitions() {
    let sb = Sandbox::new();
    let out = sb.run(&["completions", "bash"]);
    assert_success(&out, "completions bash");
    let script = stdout(&out);
    assert!(
        script.contains("dockcert") && script.contains("rotate-ca") && script.contains("--san"),
        "bash completion lists the commands"
    );
    let check = Command::new("bash")
        .args(["-n", "-c", &script])
        .output()
        .unwrap();
    assert_success(&check, "bash -n on the completion script");
    for shell in ["zsh", "fish", "powershell"] {
        assert_success(&sb.run(&["completions", shell]), shell);
    }
    let man = stdout(&sb.run(&["man"]));
    assert!(
        man.contains(".TH dockcert 1") && man.contains("daemon\\-config"),
        "{}",
        &man[..man.len().min(300)]
    );
}

/// `rotate-ca` without a step says where a rotation stands, in words (not an enum's name).
#[test]
fn rotate_ca_without_a_step_says_where_the_rotation_stands() {
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let out = sb.run(&["rotate-ca"]);
    assert_success(&out, "rotate-ca without a step");
    assert!(
        stdout(&out).contains("CA rotation: no rotation has been started."),
        "{}",
        stdout(&out)
    );
    assert_success(&sb.run(&["rotate-ca", "--begin"]), "rotate-ca --begin");
    let out = sb.run(&["rotate-ca"]);
    assert_success(&out, "rotate-ca without a step, after --begin");
    let text = stdout(&out);
    assert!(
        text.contains("CA rotation: begun: every ca.pem trusts both CAs."),
        "{text}"
    );
    assert!(!text.contains("Begun"), "{text}");
}
