//! Resolution against a fake home: each rule of the CLI and of the SDK, with the origin it
//! reports. (The real CLI and SDK are compared with these in tests/it/doctor.rs.)

use super::*;
use std::fs;

struct Fake {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Fake {
    fn new() -> Fake {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        fs::create_dir_all(root.join("home/.docker")).unwrap();
        Fake { _dir: dir, root }
    }

    fn env(&self) -> Env {
        Env {
            home_dir: Some(self.root.join("home")),
            ..Env::default()
        }
    }

    fn config(&self) -> PathBuf {
        self.root.join("home/.docker")
    }

    fn client_files(&self, dir: &Path) {
        fs::create_dir_all(dir).unwrap();
        for f in ["ca.pem", "cert.pem", "key.pem"] {
            fs::write(dir.join(f), "x").unwrap();
        }
    }

    fn context(&self, config: &Path, name: &str, host: &str, tls: bool) {
        let id = crate::docker::context_id(name);
        let meta = config.join("contexts/meta").join(&id);
        fs::create_dir_all(&meta).unwrap();
        fs::write(
            meta.join("meta.json"),
            crate::docker::context_meta_json(name, None, host),
        )
        .unwrap();
        if tls {
            self.client_files(&config.join("contexts/tls").join(&id).join("docker"));
        }
    }

    fn current(&self, config: &Path, name: &str) {
        fs::write(
            config.join("config.json"),
            format!("{{\"currentContext\":\"{name}\"}}"),
        )
        .unwrap();
    }
}

fn cli(env: &Env) -> Endpoint {
    docker_cli(&CliFlags::default(), env).unwrap_or_else(|r| panic!("{}", r.message))
}

#[test]
fn nothing_set_is_the_default_context_on_the_local_socket() {
    let fake = Fake::new();
    let ep = cli(&fake.env());
    assert_eq!(ep.context.as_ref().unwrap().value, "default");
    assert_eq!(ep.host.value, DEFAULT_UNIX_SOCKET);
    assert_eq!(ep.transport, Transport::Unix);
    assert_eq!(ep.tls.value, Tls::Off);
    let sdk = python_sdk(&fake.env()).unwrap();
    assert_eq!(sdk.host.value, DEFAULT_UNIX_SOCKET);
    assert!(ep.same_as(&sdk));
}

#[test]
fn docker_host_without_tls_verify_is_plain_http_with_port_2375_when_none_is_given() {
    let fake = Fake::new();
    let env = Env {
        docker_host: Some("tcp://h.example".into()),
        docker_cert_path: Some(fake.root.join("certs")),
        ..fake.env()
    };
    let ep = cli(&env);
    assert_eq!(ep.host.value, "tcp://h.example:2375");
    assert_eq!(ep.host.origin, Origin::Env("DOCKER_HOST"));
    assert_eq!(ep.tls.value, Tls::Off);
    assert!(
        ep.notes.iter().any(|n| n.contains("port 2375")),
        "{:?}",
        ep.notes
    );
    assert!(
        ep.notes
            .iter()
            .any(|n| n.contains("DOCKER_CERT_PATH is ignored"))
    );
    // The SDK first refuses DOCKER_CERT_PATH without the files, then a host without a port.
    let err = python_sdk(&env).unwrap_err();
    assert!(err.message.contains("client_cert"), "{}", err.message);
    let env = Env {
        docker_cert_path: None,
        ..env
    };
    let err = python_sdk(&env).unwrap_err();
    assert!(err.message.contains("port is required"), "{}", err.message);
}

#[test]
fn tls_verify_reads_the_files_from_docker_cert_path_else_docker_config() {
    let fake = Fake::new();
    let config = fake.root.join("cfg");
    fake.client_files(&config);
    let env = Env {
        docker_host: Some("tcp://h:2376".into()),
        docker_tls_verify: Some("1".into()),
        docker_config: Some(config.clone()),
        ..fake.env()
    };
    let ep = cli(&env);
    assert_eq!(ep.tls.value, Tls::Verify);
    assert_eq!(ep.ca.as_ref().unwrap().value, config.join("ca.pem"));
    // The SDK never reads DOCKER_CONFIG for certificates: ~/.docker has none here.
    let err = python_sdk(&env).unwrap_err();
    assert!(err.message.contains("client_cert"), "{}", err.message);

    let certs = fake.root.join("certs");
    fake.client_files(&certs);
    let env = Env {
        docker_cert_path: Some(certs.clone()),
        ..env
    };
    let ep = cli(&env);
    assert_eq!(ep.key.as_ref().unwrap().value, certs.join("key.pem"));
    assert_eq!(
        ep.key.as_ref().unwrap().origin,
        Origin::Env("DOCKER_CERT_PATH")
    );
    let sdk = python_sdk(&env).unwrap();
    assert!(ep.same_as(&sdk));
}

#[test]
fn a_missing_ca_is_refused_and_a_missing_client_cert_dropped() {
    let fake = Fake::new();
    let certs = fake.root.join("certs");
    fs::create_dir_all(&certs).unwrap();
    let env = Env {
        docker_tls_verify: Some("1".into()),
        docker_cert_path: Some(certs.clone()),
        ..fake.env()
    };
    let err = docker_cli(&CliFlags::default(), &env).unwrap_err();
    assert_eq!(
        err.message,
        format!(
            "unable to resolve docker endpoint: open {}: no such file or directory",
            certs.join("ca.pem").display()
        )
    );
    fs::write(certs.join("ca.pem"), "x").unwrap();
    let ep = cli(&env);
    assert_eq!(ep.host.value, "tcp://localhost:2376");
    assert!(ep.cert.is_none() && ep.key.is_none());
}

#[test]
fn context_choice_follows_the_cli_precedence_and_says_what_it_overrides() {
    let fake = Fake::new();
    let config = fake.config();
    fake.context(&config, "prod", "tcp://prod:2376", true);
    fake.context(&config, "stage", "tcp://stage:2376", false);
    fake.current(&config, "prod");

    let ep = cli(&fake.env());
    assert_eq!(ep.host.value, "tcp://prod:2376");
    assert_eq!(
        ep.context.as_ref().unwrap().origin,
        Origin::CurrentContext(config.join("config.json"))
    );
    assert_eq!(ep.tls.value, Tls::Verify);
    let ca = ep.ca.as_ref().unwrap();
    assert!(ca.value.ends_with("docker/ca.pem"));
    assert!(ca.origin.describe().starts_with("the context 'prod'"));

    let env = Env {
        docker_context: Some("stage".into()),
        ..fake.env()
    };
    let ep = cli(&env);
    assert_eq!(ep.host.value, "tcp://stage:2376");
    assert_eq!(ep.tls.value, Tls::Off, "a context without TLS material");
    assert!(
        ep.notes
            .iter()
            .any(|n| n.contains("wins over currentContext 'prod'"))
    );

    let env = Env {
        docker_context: Some("stage".into()),
        docker_host: Some("tcp://other:2376".into()),
        ..fake.env()
    };
    let ep = cli(&env);
    assert_eq!(ep.context.as_ref().unwrap().value, "default");
    assert_eq!(ep.host.value, "tcp://other:2376");
    assert!(
        ep.notes
            .iter()
            .any(|n| n.contains("DOCKER_HOST wins over DOCKER_CONTEXT=stage"))
    );
    assert!(
        ep.notes
            .iter()
            .any(|n| n.contains("DOCKER_HOST wins over currentContext 'prod'"))
    );

    // --context beats DOCKER_HOST; --context default still reads DOCKER_HOST.
    let flags = CliFlags {
        context: Some("prod".into()),
        ..CliFlags::default()
    };
    assert_eq!(
        docker_cli(&flags, &env).unwrap().host.value,
        "tcp://prod:2376"
    );
    let flags = CliFlags {
        context: Some("default".into()),
        ..CliFlags::default()
    };
    assert_eq!(
        docker_cli(&flags, &env).unwrap().host.value,
        "tcp://other:2376"
    );
}

#[test]
fn a_context_host_without_a_port_uses_the_scheme_s_port() {
    let fake = Fake::new();
    let config = fake.config();
    fake.context(&config, "np", "tcp://h.example", true);
    fake.context(&config, "plain", "tcp://h.example", false);
    let flags = |name: &str| CliFlags {
        context: Some(name.into()),
        ..CliFlags::default()
    };
    let ep = docker_cli(&flags("np"), &fake.env()).unwrap();
    assert_eq!(ep.host.value, "tcp://h.example:443");
    assert!(ep.notes.iter().any(|n| n.contains("port 443")));
    let ep = docker_cli(&flags("plain"), &fake.env()).unwrap();
    assert_eq!(ep.host.value, "tcp://h.example:80");
}

#[test]
fn refusals_are_the_cli_s_own_words() {
    let fake = Fake::new();
    let flags = CliFlags {
        host: Some("tcp://h:2376".into()),
        context: Some("prod".into()),
    };
    let err = docker_cli(&flags, &fake.env()).unwrap_err();
    assert!(err.usage);
    assert_eq!(
        err.message,
        "conflicting options: cannot specify both --host and --context"
    );
    let env = Env {
        docker_context: Some("nope".into()),
        ..fake.env()
    };
    let err = docker_cli(&CliFlags::default(), &env).unwrap_err();
    assert!(
        err.message.starts_with(
            "unable to resolve docker endpoint: context \"nope\": context not found: open "
        ) && err
            .message
            .ends_with("/meta.json: no such file or directory"),
        "{}",
        err.message
    );
    // The SDK does not refuse: it falls back to the socket, and says so.
    let sdk = python_sdk(&env).unwrap();
    assert_eq!(sdk.host.value, DEFAULT_UNIX_SOCKET);
    let env = Env {
        docker_host: Some("https://h:2376".into()),
        ..fake.env()
    };
    let err = docker_cli(&CliFlags::default(), &env).unwrap_err();
    assert_eq!(err.message, "invalid bind address format: https://h:2376");
}

#[test]
fn the_sdk_uses_the_current_context_only_without_docker_host_and_its_bundle_replaces_ca() {
    let fake = Fake::new();
    let config = fake.config();
    fake.context(&config, "prod", "tcp://prod:2376", true);
    fake.current(&config, "prod");
    let sdk = python_sdk(&fake.env()).unwrap();
    assert_eq!(sdk.host.value, "tcp://prod:2376");
    assert_eq!(sdk.tls.value, Tls::Verify);

    fake.client_files(&config);
    let env = Env {
        docker_host: Some("tcp://env:2376".into()),
        docker_tls_verify: Some("1".into()),
        requests_ca_bundle: Some("/etc/ssl/certs/ca-certificates.crt".into()),
        ..fake.env()
    };
    let sdk = python_sdk(&env).unwrap();
    let cli = cli(&env);
    assert_eq!(sdk.host.value, "tcp://env:2376");
    assert_eq!(cli.host.value, "tcp://env:2376");
    assert_eq!(
        sdk.effective_ca().unwrap().value,
        PathBuf::from("/etc/ssl/certs/ca-certificates.crt")
    );
    assert!(!cli.same_as(&sdk), "the SDK trusts another CA file");
}

#[test]
fn sockets_and_ssh_involve_no_tls() {
    let fake = Fake::new();
    fake.client_files(&fake.config());
    for (host, transport) in [
        ("unix:///run/user/1/docker.sock", Transport::Unix),
        ("ssh://me@h", Transport::Ssh),
    ] {
        let env = Env {
            docker_host: Some(host.into()),
            docker_tls_verify: Some("1".into()),
            ..fake.env()
        };
        let ep = cli(&env);
        assert_eq!(ep.transport, transport);
        assert_eq!(ep.tls.value, Tls::Off);
        assert!(ep.ca.is_none());
        let sdk = python_sdk(&env).unwrap();
        assert_eq!(sdk.transport, transport);
        assert_eq!(sdk.tls.value, Tls::Off);
    }
}

#[test]
fn hosts_parse_as_opts_hosts_go_does() {
    for (raw, want) in [
        ("tcp://1.2.3.4:2376", Ok("tcp://1.2.3.4:2376")),
        ("1.2.3.4", Ok("tcp://1.2.3.4:2375")),
        ("tcp://", Ok("tcp://localhost:2375")),
        ("tcp://:2376", Ok("tcp://localhost:2376")),
        ("tcp://[::1]:9", Ok("tcp://[::1]:9")),
        ("tcp://[::1]", Ok("tcp://[::1]:2375")),
        ("unix://", Ok("unix:///var/run/docker.sock")),
        ("ssh://u@h", Ok("ssh://u@h")),
        (
            "https://h:2376",
            Err("invalid bind address format: https://h:2376"),
        ),
        ("tcp://h:x", Err("invalid bind address format: tcp://h:x")),
    ] {
        assert_eq!(
            parse_cli_host(raw).as_deref(),
            want.map_err(str::to_string).as_deref(),
            "{raw}"
        );
    }
}

#[test]
fn environment_pitfalls_name_both_clients() {
    let fake = Fake::new();
    let env = Env {
        docker_tls: Some("1".into()),
        docker_cert_path: Some(fake.root.join("nowhere")),
        docker_host: Some("https://h.example".into()),
        ..fake.env()
    };
    let findings = env_pitfalls(&env);
    let codes: Vec<&str> = findings.iter().map(|f| f.code).collect();
    assert_eq!(
        codes,
        [
            "env-docker-tls",
            "env-cert-path-incomplete",
            "env-host-https"
        ]
    );
    assert_eq!(
        findings[2].fix.as_deref(),
        Some("export DOCKER_HOST=tcp://h.example:2376")
    );
    let env = Env {
        docker_host: Some("tcp://h.example".into()),
        ..fake.env()
    };
    let findings = env_pitfalls(&env);
    assert_eq!(findings[0].code, "env-host-no-port");
    assert_eq!(
        findings[0].fix.as_deref(),
        Some("export DOCKER_HOST=tcp://h.example:2376")
    );
    let quiet = Env {
        docker_host: Some("tcp://h.example:2376".into()),
        docker_tls_verify: Some("1".into()),
        ..fake.env()
    };
    assert!(env_pitfalls(&quiet).is_empty());
}
