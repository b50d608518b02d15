//! The endpoint the docker CLI and the Python docker SDK really use, against dockcert's
//! resolution (`verify` without --host, `doctor`): a real dockerd with TLS, the real docker CLI 28
//! and the real Python docker SDK in target/peers/venv (tests/install-peers.sh makes it).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::dockerd::{Dockerd, free_port, have_peers};
use crate::helpers::*;

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)))
}

/// The docker CLI 28 (the one the resolution follows); the PATH one when it is missing.
fn docker_cli() -> &'static str {
    if Path::new("/usr/local/bin/docker").is_file() {
        "/usr/local/bin/docker"
    } else {
        "docker"
    }
}

/// One setting of the environment and flags, applied to both dockcert and docker.
#[derive(Clone, Default)]
struct Way {
    name: &'static str,
    env: Vec<(&'static str, String)>,
    unset: Vec<&'static str>,
    flags: Vec<String>,
}

impl Way {
    fn apply(&self, cmd: &mut Command) {
        for var in &self.unset {
            cmd.env_remove(var);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
    }

    fn docker(&self, sb: &Sandbox) -> Output {
        let mut cmd = Command::new(docker_cli());
        sb.isolate(&mut cmd);
        self.apply(&mut cmd);
        cmd.args(&self.flags)
            .args(["version", "--format", "{{.Server.Version}}"])
            .output()
            .expect("run docker")
    }

    fn verify(&self, sb: &Sandbox) -> Output {
        let mut cmd = sb.dockcert();
        self.apply(&mut cmd);
        cmd.arg("verify")
            .args(&self.flags)
            .args(["--json", "--timeout", "20"])
            .output()
            .expect("run dockcert")
    }
}

/// A context written by the real docker CLI in `config`, with the files in `files`.
fn docker_context(sb: &Sandbox, config: &Path, name: &str, host: &str, files: &Path) {
    let mut cmd = Command::new(docker_cli());
    sb.isolate(&mut cmd);
    let out = cmd
        .env("DOCKER_CONFIG", config)
        .args(["context", "create", name, "--docker"])
        .arg(format!(
            "host={host},ca={0}/ca.pem,cert={0}/cert.pem,key={0}/key.pem",
            files.display()
        ))
        .output()
        .unwrap();
    assert_success(&out, "docker context create");
}

fn set_current(config: &Path, name: &str) {
    fs::create_dir_all(config).unwrap();
    fs::write(
        config.join("config.json"),
        format!("{{\n\t\"currentContext\": \"{name}\"\n}}\n"),
    )
    .unwrap();
}

fn context_tls(config: &Path, name: &str) -> PathBuf {
    let id = dockcert::docker::context_id(name);
    config.join("contexts/tls").join(id).join("docker")
}

/// For each way of choosing the endpoint, `dockcert verify` (no --host) and `docker version`
/// both succeed, against the same daemon, with the same files: every wrong choice points at a
/// port where nothing listens or at a client certificate of another CA, so it cannot pass by
/// accident. Conflicting settings give the CLI's own refusal.
#[test]
fn verify_resolves_the_endpoint_as_the_docker_cli_does() {
    if !have_peers("verify_resolves_the_endpoint_as_the_docker_cli_does") {
        return;
    }
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let other = Sandbox::new();
    other.init_ok(&[]);
    let daemon = Dockerd::start(&sb.daemon_dir());
    let good = format!("tcp://127.0.0.1:{}", daemon.port());
    let decoy = format!("tcp://127.0.0.1:{}", free_port());
    let config = sb.root.join("docker-config");
    let elsewhere = sb.root.join("elsewhere");
    // Right files, and a client from another CA (the daemon refuses it).
    let right = sb.cert_path();
    let foreign = sb.root.join("foreign");
    fs::create_dir(&foreign).unwrap();
    fs::copy(right.join("ca.pem"), foreign.join("ca.pem")).unwrap();
    for f in ["cert.pem", "key.pem"] {
        fs::copy(other.cert_path().join(f), foreign.join(f)).unwrap();
    }
    docker_context(&sb, &config, "prod", &good, &right);
    docker_context(&sb, &config, "decoy", &decoy, &foreign);
    docker_context(&sb, &config, "wrongcert", &good, &foreign);
    docker_context(&sb, &elsewhere, "prod2", &good, &right);
    set_current(&config, "decoy");
    set_current(&elsewhere, "prod2");

    let env = |pairs: &[(&'static str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (*k, v.to_string()))
            .collect::<Vec<_>>()
    };
    let prod_ca = context_tls(&config, "prod").join("ca.pem");
    let ways: Vec<(Way, PathBuf)> = vec![
        (
            Way {
                name: "--context beats DOCKER_HOST and currentContext",
                env: env(&[("DOCKER_HOST", &decoy), ("DOCKER_TLS_VERIFY", "1")]),
                flags: vec!["--context".into(), "prod".into()],
                ..Way::default()
            },
            prod_ca.clone(),
        ),
        (
            Way {
                name: "DOCKER_CONTEXT beats currentContext",
                env: env(&[("DOCKER_CONTEXT", "prod")]),
                ..Way::default()
            },
            prod_ca.clone(),
        ),
        (
            Way {
                name: "DOCKER_HOST beats DOCKER_CONTEXT and currentContext",
                env: env(&[
                    ("DOCKER_HOST", &good),
                    ("DOCKER_TLS_VERIFY", "1"),
                    ("DOCKER_CONTEXT", "wrongcert"),
                ]),
                ..Way::default()
            },
            right.join("ca.pem"),
        ),
        (
            Way {
                name: "currentContext in config.json",
                env: env(&[("DOCKER_CERT_PATH", foreign.to_str().unwrap())]),
                ..Way::default()
            },
            prod_ca.clone(),
        ),
        (
            Way {
                name: "DOCKER_CONFIG elsewhere",
                env: env(&[("DOCKER_CONFIG", elsewhere.to_str().unwrap())]),
                ..Way::default()
            },
            context_tls(&elsewhere, "prod2").join("ca.pem"),
        ),
        (
            Way {
                name: "--context default reads DOCKER_HOST and DOCKER_CERT_PATH",
                env: env(&[("DOCKER_HOST", &good), ("DOCKER_TLS_VERIFY", "1")]),
                flags: vec!["--context".into(), "default".into()],
                ..Way::default()
            },
            right.join("ca.pem"),
        ),
        (
            Way {
                name: "the default context reads its files from DOCKER_CONFIG without DOCKER_CERT_PATH",
                env: env(&[
                    ("DOCKER_HOST", &good),
                    ("DOCKER_TLS_VERIFY", "1"),
                    ("DOCKER_CONFIG", right.to_str().unwrap()),
                ]),
                unset: vec!["DOCKER_CERT_PATH"],
                ..Way::default()
            },
            right.join("ca.pem"),
        ),
    ];
    // currentContext 'prod' for the cases that rely on it.
    for (way, ca) in &ways {
        if way.name == "currentContext in config.json" {
            set_current(&config, "prod");
        } else {
            set_current(&config, "decoy");
        }
        let docker = way.docker(&sb);
        assert_success(&docker, &format!("docker version ({})", way.name));
        let out = way.verify(&sb);
        let report = json(&out);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: dockcert verify failed where docker works: {report:#}",
            way.name
        );
        assert_eq!(report["host"], good.as_str(), "{}", way.name);
        assert_eq!(report["ca"], ca.to_str().unwrap(), "{}", way.name);
        assert_eq!(
            report["engine"]["version"].as_str().unwrap(),
            stdout(&docker).trim(),
            "{}",
            way.name
        );
        if way.name.starts_with("DOCKER_HOST beats") {
            let origin = report["origin"].to_string();
            assert!(
                origin.contains("DOCKER_HOST wins over DOCKER_CONTEXT=wrongcert")
                    && origin.contains("DOCKER_HOST wins over currentContext 'decoy'"),
                "the silent precedence is said aloud: {origin}"
            );
        }
    }

    // Settings the CLI refuses, or where it would not use TLS: both fail, with the CLI's words.
    set_current(&config, "decoy");
    let empty = sb.root.join("empty");
    fs::create_dir(&empty).unwrap();
    let failing = [
        Way {
            name: "a context that does not exist",
            env: env(&[("DOCKER_CONTEXT", "nope")]),
            ..Way::default()
        },
        Way {
            name: "DOCKER_TLS_VERIFY with a DOCKER_CERT_PATH without ca.pem",
            env: env(&[
                ("DOCKER_HOST", &good),
                ("DOCKER_TLS_VERIFY", "1"),
                ("DOCKER_CERT_PATH", empty.to_str().unwrap()),
            ]),
            ..Way::default()
        },
        Way {
            name: "DOCKER_HOST with https://",
            env: env(&[("DOCKER_HOST", &good.replace("tcp://", "https://"))]),
            ..Way::default()
        },
    ];
    for way in &failing {
        let docker = way.docker(&sb);
        assert!(!docker.status.success(), "{}: docker worked", way.name);
        let out = way.verify(&sb);
        assert_eq!(out.status.code(), Some(1), "{}", way.name);
        let report = json(&out);
        let message = report["findings"][0]["message"].as_str().unwrap();
        // The client's own words, quoted: from the first '"' to the last '" ('.
        let quoted = message
            .split_once('"')
            .and_then(|(_, rest)| rest.rsplit_once("\" ("))
            .map(|(quoted, _)| quoted)
            .unwrap_or_default();
        assert!(
            !quoted.is_empty() && stderr(&docker).contains(quoted),
            "{}: dockcert predicted \"{quoted}\"; docker said: {}",
            way.name,
            stderr(&docker)
        );
    }
    // Plain HTTP: DOCKER_HOST without DOCKER_TLS_VERIFY.
    let way = Way {
        name: "DOCKER_HOST without DOCKER_TLS_VERIFY",
        env: env(&[("DOCKER_HOST", &good)]),
        ..Way::default()
    };
    let docker = way.docker(&sb);
    assert!(!docker.status.success());
    assert!(
        stderr(&docker).contains("Client sent an HTTP request to an HTTPS server"),
        "{}",
        stderr(&docker)
    );
    let report = json(&way.verify(&sb));
    assert_eq!(
        report["findings"][0]["code"], "endpoint-plain-http",
        "{report:#}"
    );
    // A context with the wrong client certificate: both fail at the daemon.
    let way = Way {
        name: "a context whose client certificate is from another CA",
        flags: vec!["-c".into(), "wrongcert".into()],
        ..Way::default()
    };
    assert!(!way.docker(&sb).status.success());
    let out = way.verify(&sb);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    // --host with --context: the CLI's refusal, as a usage error.
    let mut cmd = Command::new(docker_cli());
    sb.isolate(&mut cmd);
    let docker = cmd
        .args(["-H", &good, "--context", "prod", "version"])
        .output()
        .unwrap();
    let err = assert_one_line_error(&sb.run(&["verify", "-H", &good, "--context", "prod"]));
    assert!(
        stderr(&docker).contains("conflicting options: cannot specify both --host and --context")
            && err.contains("conflicting options: cannot specify both --host and --context"),
        "{err}\n{}",
        stderr(&docker)
    );
}

/// The Python interpreter of the SDK's virtualenv, or a loud skip (a failure under
/// DOCKCERT_E2E=1).
fn sdk_python(test: &str) -> Option<PathBuf> {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/peers/venv/bin/python");
    let ok = python.is_file()
        && Command::new(&python)
            .args(["-c", "import docker"])
            .status()
            .is_ok_and(|s| s.success());
    if ok {
        return Some(python);
    }
    let message = format!(
        "{test}: SKIPPED: the Python docker SDK is not installed in {} (run bash tests/install-peers.sh)",
        python.display()
    );
    if std::env::var("DOCKCERT_E2E").as_deref() == Ok("1") {
        panic!("{message}; DOCKCERT_E2E=1 requires it");
    }
    eprintln!("\n!!!!!!!! {message} !!!!!!!!\n");
    None
}

/// `docker.from_env().version()` in the sandbox: its base URL and version, or its error.
fn sdk(sb: &Sandbox, python: &Path, env: &[(&str, &str)], unset: &[&str]) -> Output {
    let mut cmd = Command::new(python);
    sb.isolate(&mut cmd);
    for var in unset {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args([
        "-c",
        "import docker\nc = docker.from_env(timeout=20)\nprint(c.api.base_url)\nprint(c.version()['Version'])",
    ])
    .output()
    .expect("run python")
}

fn doctor(
    sb: &Sandbox,
    env: &[(&str, &str)],
    unset: &[&str],
    args: &[&str],
) -> (Output, serde_json::Value) {
    let mut cmd = sb.dockcert();
    for var in unset {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .arg("doctor")
        .args(args)
        .args(["--json", "--timeout", "20"])
        .output()
        .unwrap();
    let report = json(&out);
    (out, report)
}

/// REQUESTS_CA_BUNDLE replaces the SDK's ca.pem: doctor predicts the failure, and the real SDK
/// fails; without it both work. With the CLI on a context and the SDK on DOCKER_HOST, doctor
/// reports both endpoints, and each client really reaches the one predicted.
#[test]
fn doctor_predicts_the_python_sdk_and_the_docker_cli() {
    let test = "doctor_predicts_the_python_sdk_and_the_docker_cli";
    if !have_peers(test) {
        return;
    }
    let Some(python) = sdk_python(test) else {
        return;
    };
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let other = Sandbox::new();
    other.init_ok(&[]);
    let daemon = Dockerd::start(&sb.daemon_dir());
    let good = format!("tcp://127.0.0.1:{}", daemon.port());
    let by_name = format!("tcp://localhost:{}", daemon.port());
    let bundle = other.cert_path().join("ca.pem"); // a trust store without our CA
    let base = [("DOCKER_HOST", good.as_str()), ("DOCKER_TLS_VERIFY", "1")];

    // Unset: both work, the same endpoint.
    let (out, report) = doctor(&sb, &base, &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["same_endpoint"], true);
    for client in report["clients"].as_array().unwrap() {
        assert_eq!(client["verdict"]["state"], "works", "{report:#}");
    }
    assert_eq!(report["checks"].as_array().unwrap().len(), 1);
    let real = sdk(&sb, &python, &base, &[]);
    assert_success(&real, "the Python SDK without REQUESTS_CA_BUNDLE");
    assert!(stdout(&real).starts_with(&good.replace("tcp://", "https://")));

    // REQUESTS_CA_BUNDLE set: doctor predicts the SDK's failure, the CLI still works.
    let with_bundle = [
        base[0],
        base[1],
        ("REQUESTS_CA_BUNDLE", bundle.to_str().unwrap()),
    ];
    let (out, report) = doctor(&sb, &with_bundle, &[], &[]);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(report["clients"][0]["verdict"]["state"], "works");
    assert_eq!(report["clients"][1]["verdict"]["state"], "fails");
    let summary = report["clients"][1]["verdict"]["summary"].as_str().unwrap();
    assert!(
        summary.contains("REQUESTS_CA_BUNDLE replaces ca.pem"),
        "{summary}"
    );
    assert!(
        report["fixes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f.as_str().unwrap().starts_with("unset REQUESTS_CA_BUNDLE")),
        "{report:#}"
    );
    let real = sdk(&sb, &python, &with_bundle, &[]);
    assert!(!real.status.success(), "the SDK worked: {}", stdout(&real));
    assert!(
        stderr(&real).contains("CERTIFICATE_VERIFY_FAILED"),
        "{}",
        stderr(&real)
    );
    // And the fix it names works: the bundle with our CA added.
    let fixed = sb.root.join("bundle.pem");
    fs::write(
        &fixed,
        [
            fs::read(&bundle).unwrap(),
            fs::read(sb.cert_path().join("ca.pem")).unwrap(),
        ]
        .concat(),
    )
    .unwrap();
    let with_fixed = [
        base[0],
        base[1],
        ("REQUESTS_CA_BUNDLE", fixed.to_str().unwrap()),
    ];
    let (out, report) = doctor(&sb, &with_fixed, &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_success(
        &sdk(&sb, &python, &with_fixed, &[]),
        "the SDK with the CA in its bundle",
    );

    // The CLI on a context, the SDK on DOCKER_HOST: two endpoints, both reported and both real.
    let config = sb.root.join("docker-config");
    docker_context(&sb, &config, "prod", &good, &sb.cert_path());
    let sdk_env = [
        ("DOCKER_HOST", by_name.as_str()),
        ("DOCKER_TLS_VERIFY", "1"),
    ];
    let (out, report) = doctor(&sb, &sdk_env, &[], &["--context", "prod"]);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["same_endpoint"], false);
    assert_eq!(
        report["clients"][0]["endpoint"]["host"]["value"],
        good.as_str()
    );
    assert_eq!(report["clients"][0]["endpoint"]["context"]["value"], "prod");
    assert_eq!(
        report["clients"][1]["endpoint"]["host"]["value"],
        by_name.as_str()
    );
    assert_eq!(
        report["clients"][1]["endpoint"]["host"]["from"],
        "DOCKER_HOST"
    );
    assert_eq!(report["checks"].as_array().unwrap().len(), 2);
    let real = sdk(&sb, &python, &sdk_env, &[]);
    assert_success(&real, "the SDK on DOCKER_HOST");
    assert!(stdout(&real).starts_with(&by_name.replace("tcp://", "https://")));

    // No DOCKER_HOST, currentContext prod: the SDK 7.2 follows the CLI's context too.
    set_current(&config, "prod");
    let (out, report) = doctor(&sb, &[], &["DOCKER_CERT_PATH"], &[]);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["same_endpoint"], true, "{report:#}");
    assert_eq!(
        report["clients"][1]["endpoint"]["host"]["value"],
        good.as_str()
    );
    let real = sdk(&sb, &python, &[], &["DOCKER_CERT_PATH"]);
    assert_success(&real, "the SDK on the current context");
    assert!(
        stdout(&real).starts_with(&good.replace("tcp://", "https://")),
        "{}",
        stdout(&real)
    );

    // DOCKER_TLS (not _VERIFY) and the files only in DOCKER_CONFIG: the CLI uses TLS without
    // verifying, with DOCKER_CONFIG's files, and works; the SDK reads neither, talks plain HTTP to
    // the TLS port and fails. doctor predicts both, and says why.
    let config_only = sb.root.join("config-only");
    fs::create_dir(&config_only).unwrap();
    for f in ["ca.pem", "cert.pem", "key.pem"] {
        fs::copy(sb.cert_path().join(f), config_only.join(f)).unwrap();
    }
    let tls_only = [
        ("DOCKER_HOST", good.as_str()),
        ("DOCKER_TLS", "1"),
        ("DOCKER_CONFIG", config_only.to_str().unwrap()),
    ];
    let (out, report) = doctor(&sb, &tls_only, &["DOCKER_CERT_PATH"], &[]);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(
        report["clients"][0]["verdict"]["state"], "works",
        "{report:#}"
    );
    assert_eq!(
        report["clients"][0]["endpoint"]["tls"]["value"],
        "no-verify"
    );
    assert_eq!(
        report["clients"][0]["endpoint"]["cert"]["value"],
        config_only.join("cert.pem").to_str().unwrap()
    );
    assert_eq!(
        report["clients"][1]["verdict"]["state"], "fails",
        "{report:#}"
    );
    assert_eq!(report["clients"][1]["endpoint"]["tls"]["value"], "off");
    let codes: Vec<&str> = report["environment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"env-docker-tls"), "{codes:?}");
    let mut cmd = Command::new(docker_cli());
    sb.isolate(&mut cmd);
    cmd.env_remove("DOCKER_CERT_PATH");
    for (k, v) in tls_only {
        cmd.env(k, v);
    }
    assert_success(
        &cmd.arg("version").output().unwrap(),
        "docker with DOCKER_TLS",
    );
    let real = sdk(&sb, &python, &tls_only, &["DOCKER_CERT_PATH"]);
    assert!(!real.status.success(), "the SDK worked: {}", stdout(&real));

    // DOCKER_HOST without a port: the CLI would use 2375, the SDK refuses; doctor says both.
    let no_port = [
        ("DOCKER_HOST", "tcp://127.0.0.1"),
        ("DOCKER_TLS_VERIFY", "1"),
    ];
    let (out, report) = doctor(&sb, &no_port, &[], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        report["clients"][0]["endpoint"]["host"]["value"],
        "tcp://127.0.0.1:2375"
    );
    let refusal = report["clients"][1]["refusal"]["message"].as_str().unwrap();
    let real = sdk(&sb, &python, &no_port, &[]);
    assert!(!real.status.success());
    let said = refusal.trim_start_matches("docker.errors.DockerException: ");
    assert!(
        stderr(&real).contains(said),
        "predicted {said}; the SDK said {}",
        stderr(&real)
    );
}

/// After `renew`, a context made by `docker context create` still holds the old copies: doctor
/// flags them and names the exact command, which (run as printed) refreshes them.
#[test]
fn doctor_flags_stale_context_copies_after_renew() {
    let test = "doctor_flags_stale_context_copies_after_renew";
    if !have_peers(test) {
        return;
    }
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let daemon = Dockerd::start(&sb.daemon_dir());
    let good = format!("tcp://127.0.0.1:{}", daemon.port());
    let config = sb.root.join("docker-config");
    docker_context(&sb, &config, "prod", &good, &sb.cert_path());
    set_current(&config, "prod");
    let (out, report) = doctor(&sb, &[], &[], &[]);
    assert!(
        !report.to_string().contains("context-stale"),
        "{report:#}\n{}",
        stderr(&out)
    );
    // DOCKER_CERT_PATH without DOCKER_HOST is no pitfall when a context is in use: the CLI uses
    // the context, not the local socket (and the endpoint notes that DOCKER_CERT_PATH is ignored).
    assert!(
        !report.to_string().contains("env-cert-path-without-host"),
        "{report:#}"
    );
    assert!(
        report["clients"][0]["endpoint"]["notes"]
            .to_string()
            .contains("DOCKER_CERT_PATH is ignored"),
        "{report:#}"
    );

    assert_success(&sb.run(&["renew", "--within", "400"]), "renew");
    let (_, report) = doctor(&sb, &[], &[], &[]);
    let stale: Vec<&serde_json::Value> = report["audit"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "context-stale")
        .collect();
    assert!(!stale.is_empty(), "{report:#}");
    let fix = stale[0]["fix"].as_str().unwrap();
    assert!(
        fix.starts_with("docker context update prod --docker \"host=")
            && fix.contains(&format!("host={good},")),
        "{fix}"
    );
    assert!(report["fixes"].as_array().unwrap().iter().any(|f| f == fix));

    // The command as printed, in a real shell, with the real docker CLI.
    let mut cmd = Command::new("sh");
    sb.isolate(&mut cmd);
    let out = cmd
        .arg("-c")
        .arg(fix.replacen("docker ", &format!("{} ", docker_cli()), 1))
        .output()
        .unwrap();
    assert_success(&out, "the fix doctor named");
    let (out, report) = doctor(&sb, &[], &[], &[]);
    assert!(!report.to_string().contains("context-stale"), "{report:#}");
    assert_eq!(out.status.code(), Some(0), "{report:#}");
}

/// A unix socket is answered, not refused: no TLS is involved, doctor says so, checks only that
/// the socket answers (as `docker version` finds too), and verify says there is nothing to verify.
#[test]
fn doctor_answers_for_a_unix_socket() {
    let test = "doctor_answers_for_a_unix_socket";
    if !have_peers(test) {
        return;
    }
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let daemon = Dockerd::start(&sb.daemon_dir());
    let socket = format!("unix://{}", daemon.socket().display());
    let env = [("DOCKER_HOST", socket.as_str()), ("DOCKER_TLS_VERIFY", "1")];
    let mut cmd = Command::new(docker_cli());
    sb.isolate(&mut cmd);
    assert_success(
        &cmd.env("DOCKER_HOST", &socket)
            .arg("version")
            .output()
            .unwrap(),
        "docker version on the socket",
    );
    let (out, report) = doctor(&sb, &env, &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    for client in report["clients"].as_array().unwrap() {
        assert_eq!(client["endpoint"]["transport"], "unix");
        assert_eq!(client["endpoint"]["tls"]["value"], "off");
        let summary = client["verdict"]["summary"].as_str().unwrap();
        assert!(summary.contains("no TLS is involved"), "{summary}");
    }
    assert_eq!(
        report["checks"].as_array().unwrap().len(),
        0,
        "no TLS check"
    );
    let text = stdout(&sb.dockcert().envs(env).arg("doctor").output().unwrap());
    assert!(
        text.contains("TLS settings (DOCKER_TLS_VERIFY) do not apply"),
        "{text}"
    );

    let gone = format!("unix://{}", sb.root.join("nothing.sock").display());
    let (out, report) = doctor(&sb, &[("DOCKER_HOST", gone.as_str())], &[], &[]);
    assert_eq!(out.status.code(), Some(1));
    let summary = report["clients"][0]["verdict"]["summary"].as_str().unwrap();
    assert!(
        summary.contains("does not answer") && summary.contains("no TLS"),
        "{summary}"
    );

    let out = sb.dockcert().envs(env).arg("verify").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("nothing to verify"),
        "{}",
        stdout(&out)
    );
}

/// Plain HTTP is a mistake each client makes in its own way: each verdict and fix names that
/// client and its own setting, never the other's (no daemon is needed: nothing is sent).
#[test]
fn doctor_words_plain_http_for_each_client() {
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    // DOCKER_CERT_PATH alone would turn TLS on for the SDK (not for the CLI).
    let (out, report) = doctor(
        &sb,
        &[("DOCKER_HOST", "tcp://127.0.0.1:9")],
        &["DOCKER_CERT_PATH"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    let clients = report["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 2, "{report:#}");
    for (client, own, other) in [
        (
            &clients[0],
            "the docker CLI would talk plain HTTP",
            "Python",
        ),
        (
            &clients[1],
            "the Python docker SDK would talk plain HTTP",
            "docker CLI",
        ),
    ] {
        let summary = client["verdict"]["summary"].as_str().unwrap();
        assert!(summary.contains(own), "{summary}");
        assert!(!summary.contains(other), "{summary}");
    }
    let fixes = report["fixes"].to_string();
    assert!(
        fixes.contains("DOCKER_CERT_PATH=DIR (the directory"),
        "{fixes}"
    );
}
