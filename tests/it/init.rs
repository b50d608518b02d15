//! `dockcert init` through the real binary: files, modes, refusals, bad input.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::helpers::*;

const DAEMON_FILES: [&str; 3] = ["ca.pem", "server-cert.pem", "server-key.pem"];
const CLIENT_FILES: [&str; 3] = ["ca.pem", "cert.pem", "key.pem"];

fn expected_modes(sb: &Sandbox) -> Vec<(std::path::PathBuf, u32)> {
    let mut files = vec![
        (sb.dockcert_home().join("ca/ca.pem"), 0o444),
        (sb.dockcert_home().join("ca/ca-key.pem"), 0o400),
    ];
    for name in DAEMON_FILES {
        let mode = if name.ends_with("key.pem") {
            0o400
        } else {
            0o444
        };
        files.push((sb.daemon_dir().join(name), mode));
    }
    for name in CLIENT_FILES {
        let mode = if name.ends_with("key.pem") {
            0o400
        } else {
            0o444
        };
        files.push((sb.cert_path().join(name), mode));
    }
    files
}

#[test]
fn writes_the_whole_set_with_safe_modes_and_a_summary() {
    let sb = Sandbox::new();
    let out = sb.init_ok(&["--san", "IP:192.0.2.7"]);
    for (path, want) in expected_modes(&sb) {
        assert_eq!(mode(&path), want, "{}", path.display());
        assert!(
            fs::read_to_string(&path)
                .unwrap()
                .starts_with("-----BEGIN ")
        );
    }
    for dir in [
        sb.dockcert_home(),
        sb.dockcert_home().join("ca"),
        sb.daemon_dir(),
        sb.cert_path(),
    ] {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
    // The same CA everywhere.
    let ca = fs::read(sb.dockcert_home().join("ca/ca.pem")).unwrap();
    assert_eq!(fs::read(sb.daemon_dir().join("ca.pem")).unwrap(), ca);
    assert_eq!(fs::read(sb.cert_path().join("ca.pem")).unwrap(), ca);
    // Keys are unencrypted PKCS#8.
    let key = fs::read_to_string(sb.cert_path().join("key.pem")).unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"), "{key}");
    // Nothing but the three files in the client directory.
    assert_eq!(fs::read_dir(sb.cert_path()).unwrap().count(), 3);

    let text = stdout(&out);
    let daemon = sb.daemon_dir();
    for needle in [
        format!("0400  {}", daemon.join("server-key.pem").display()),
        format!("--tlscacert={}", daemon.join("ca.pem").display()),
        format!("--tlscert={}", daemon.join("server-cert.pem").display()),
        format!("--tlskey={}", daemon.join("server-key.pem").display()),
        "--tlsverify".to_string(),
        "-H=0.0.0.0:2376".to_string(),
        "DOCKER_HOST=tcp://192.0.2.7:2376 DOCKER_TLS_VERIFY=1".to_string(),
        format!("DOCKER_CERT_PATH={}", sb.cert_path().display()),
        "SANs: IP:192.0.2.7, DNS:localhost, IP:127.0.0.1, IP:::1".to_string(),
        "CN=localhost".to_string(),
        "CN=client".to_string(),
        "(365 days)".to_string(),
        "(3650 days)".to_string(),
    ] {
        assert!(text.contains(&needle), "summary lacks {needle:?}:\n{text}");
    }
}

#[test]
fn modes_do_not_depend_on_the_umask() {
    for umask in ["000", "077", "777"] {
        let sb = Sandbox::new();
        let mut cmd = std::process::Command::new("sh");
        sb.isolate(&mut cmd);
        let script = format!("umask {umask}; exec \"$0\" init");
        let out = cmd
            .args(["-c", &script, env!("CARGO_BIN_EXE_dockcert")])
            .output()
            .unwrap();
        assert_success(&out, &format!("init under umask {umask}"));
        for (path, want) in expected_modes(&sb) {
            assert_eq!(mode(&path), want, "umask {umask}: {}", path.display());
        }
        for dir in [
            sb.dockcert_home().join("ca"),
            sb.daemon_dir(),
            sb.cert_path(),
        ] {
            assert_eq!(mode(&dir), 0o700, "umask {umask}: {}", dir.display());
        }
    }
}

#[test]
fn refuses_to_overwrite_and_changes_nothing() {
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let before = sb.snapshot();
    let err = assert_one_line_error(&sb.run(&["init"]));
    assert!(
        err.contains("already exist") && err.contains("--force"),
        "{err}"
    );
    assert!(
        err.contains(
            &sb.dockcert_home()
                .join("ca/ca-key.pem")
                .display()
                .to_string()
        ),
        "{err}"
    );
    assert_eq!(sb.snapshot(), before);
}

#[test]
fn an_existing_ca_alone_blocks_init_and_nothing_else_is_written() {
    let sb = Sandbox::new();
    let ca_dir = sb.dockcert_home().join("ca");
    fs::create_dir_all(&ca_dir).unwrap();
    fs::write(ca_dir.join("ca-key.pem"), "my precious CA key").unwrap();
    let before = sb.snapshot();
    let err = assert_one_line_error(&sb.run(&["init"]));
    assert!(
        err.contains("ca-key.pem") && err.contains("--force"),
        "{err}"
    );
    assert!(
        !err.contains("server-key.pem"),
        "only existing files are named: {err}"
    );
    assert_eq!(sb.snapshot(), before);
    assert!(!sb.daemon_dir().exists() && !sb.cert_path().exists());
}

#[test]
fn force_replaces_and_keeps_timestamped_backups() {
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let old_ca = fs::read_to_string(sb.dockcert_home().join("ca/ca.pem")).unwrap();
    let old_key = fs::read_to_string(sb.dockcert_home().join("ca/ca-key.pem")).unwrap();
    let out = sb.init_ok(&["--force", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 8);
    for file in files {
        let backup = file["backup"]
            .as_str()
            .expect("every replaced file has a backup");
        let path = file["path"].as_str().unwrap();
        assert!(backup.starts_with(&format!("{path}.bak-")), "{backup}");
        assert_eq!(
            mode(backup.as_ref()),
            mode(path.as_ref()),
            "backup keeps the mode"
        );
    }
    let key_backup = files[1]["backup"].as_str().unwrap();
    assert_eq!(fs::read_to_string(key_backup).unwrap(), old_key);
    assert_eq!(mode(key_backup.as_ref()), 0o400);
    let new_ca = fs::read_to_string(sb.dockcert_home().join("ca/ca.pem")).unwrap();
    assert_ne!(new_ca, old_ca, "a new CA was made");
    assert_eq!(
        fs::read_to_string(sb.cert_path().join("ca.pem")).unwrap(),
        new_ca
    );
}

#[test]
fn bad_input_gets_one_clear_line_and_writes_nothing() {
    let unwritable = Sandbox::new();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--san".into(), "".into()], "empty SAN"),
        (
            vec!["--san".into(), "IP:999.1.1.1".into()],
            "'999.1.1.1' is not a valid IPv4 or IPv6 address",
        ),
        (vec!["--san".into(), "IP:fe80::1%eth0".into()], "zone id"),
        (
            vec!["--san".into(), "DNS:bad name".into()],
            "DNS name 'bad name' contains ' '",
        ),
        (
            vec!["--san".into(), "DNS:a..b".into()],
            "DNS name 'a..b' has an empty label",
        ),
        (
            vec!["--san".into(), "DNS:-x.example".into()],
            "'-x.example'",
        ),
        (
            vec!["--san".into(), "*.*.example".into()],
            "'*.*.example': a wildcard",
        ),
        (
            vec!["--san".into(), "f*.example".into()],
            "'f*.example': a wildcard",
        ),
        (vec!["--san".into(), "*".into()], "DNS name '*': a wildcard"),
        (
            vec!["--san".into(), "URI:https://docker.example".into()],
            "unknown SAN prefix 'URI:'",
        ),
        (vec!["--san".into(), "ok.example,,".into()], "empty SAN"),
        (
            vec!["--key-type".into(), "dsa-1024".into()],
            "unknown key type 'dsa-1024'",
        ),
        (
            vec!["--days".into(), "0".into()],
            "--days 0: a certificate must be valid for at least 1 day",
        ),
        (vec!["--days".into(), "-1".into()], "--days -1"),
        (
            vec!["--days".into(), "abc".into()],
            "invalid value 'abc' for '--days <N>'",
        ),
        (
            vec!["--days".into(), "4000".into()],
            "--days 4000 is longer than --ca-days 3650",
        ),
        (
            vec![
                "--days".into(),
                "30".into(),
                "--ca-days".into(),
                "20".into(),
            ],
            "outlive their CA",
        ),
        (vec!["--ca-days".into(), "0".into()], "--ca-days 0"),
        (
            vec!["--cn".into(), "x".repeat(65)],
            "longer than 64 characters",
        ),
        (
            vec![
                "--daemon-dir".into(),
                unwritable.root.join("a-file/daemon").display().to_string(),
            ],
            "is not a directory",
        ),
    ];
    fs::write(unwritable.root.join("a-file"), "in the way").unwrap();
    for (args, needle) in cases {
        let sb = Sandbox::new();
        let before = sb.snapshot();
        let mut full = vec!["init".to_string()];
        full.extend(args.iter().cloned());
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        let err = assert_one_line_error(&sb.run(&refs));
        assert!(
            err.contains(needle),
            "{args:?}: expected {needle:?} in: {err}"
        );
        assert_eq!(sb.snapshot(), before, "{args:?} wrote something");
    }
}

#[test]
fn a_directory_without_write_permission_is_refused_before_writing() {
    let sb = Sandbox::new();
    let locked = sb.root.join("locked");
    fs::create_dir(&locked).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o500)).unwrap();
    // Root may write anywhere; then the same path below a regular file stands in for it.
    let is_root = unsafe_euid_is_root();
    let daemon_dir = if is_root {
        fs::write(sb.root.join("plain-file"), "").unwrap();
        sb.root.join("plain-file/daemon")
    } else {
        locked.join("daemon")
    };
    let before = sb.snapshot();
    let out = sb.run(&["init", "--daemon-dir", daemon_dir.to_str().unwrap()]);
    let err = assert_one_line_error(&out);
    assert!(err.contains(&daemon_dir.display().to_string()), "{err}");
    assert_eq!(sb.snapshot(), before);
}

fn unsafe_euid_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

#[test]
fn a_planted_symlink_is_never_written_through() {
    let sb = Sandbox::new();
    let victim = sb.root.join("victim");
    fs::write(&victim, "do not touch").unwrap();
    fs::create_dir_all(sb.cert_path()).unwrap();
    std::os::unix::fs::symlink(&victim, sb.cert_path().join("key.pem")).unwrap();
    for args in [vec!["init"], vec!["init", "--force"]] {
        let err = assert_one_line_error(&sb.run(&args));
        assert!(err.contains("key.pem is a symbolic link"), "{err}");
    }
    assert_eq!(fs::read_to_string(&victim).unwrap(), "do not touch");
    assert!(!sb.dockcert_home().exists(), "nothing written");
}

#[test]
fn a_symlinked_docker_directory_is_followed_when_it_is_safe() {
    let sb = Sandbox::new();
    let dotfiles = sb.root.join("dotfiles/docker");
    fs::create_dir_all(&dotfiles).unwrap();
    fs::set_permissions(&dotfiles, fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::symlink(&dotfiles, sb.home().join(".docker")).unwrap();
    let mut cmd = sb.dockcert();
    cmd.env_remove("DOCKER_CERT_PATH")
        .env_remove("DOCKER_CONFIG")
        .arg("init");
    assert_success(&cmd.output().unwrap(), "init through a symlinked ~/.docker");
    assert_eq!(mode(&dotfiles.join("key.pem")), 0o400);

    let sb = Sandbox::new();
    let shared = sb.root.join("shared");
    fs::create_dir(&shared).unwrap();
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o777)).unwrap();
    std::os::unix::fs::symlink(&shared, sb.home().join(".docker")).unwrap();
    let mut cmd = sb.dockcert();
    cmd.env_remove("DOCKER_CERT_PATH")
        .env_remove("DOCKER_CONFIG")
        .arg("init");
    let err = assert_one_line_error(&cmd.output().unwrap());
    assert!(err.contains("anyone can write"), "{err}");
    assert_eq!(fs::read_dir(&shared).unwrap().count(), 0);
}

#[test]
fn client_files_go_to_docker_cert_path_else_home_dot_docker() {
    // (DOCKER_CONFIG, between the two, is the_client_files_go_where_the_docker_cli_reads_them.)
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    assert!(sb.cert_path().join("cert.pem").is_file());
    assert!(!sb.home().join(".docker").exists());

    let sb = Sandbox::new();
    let mut cmd = sb.dockcert();
    cmd.env("DOCKER_CERT_PATH", "")
        .env_remove("DOCKER_CONFIG")
        .arg("init");
    assert_success(&cmd.output().unwrap(), "init without DOCKER_CERT_PATH");
    assert!(sb.home().join(".docker/cert.pem").is_file());
    assert!(!sb.cert_path().exists());
}

#[test]
fn explicit_directories_and_names() {
    let sb = Sandbox::new();
    let out = sb.init_ok(&[
        "--home",
        "myhome",
        "--daemon-dir",
        "srv",
        "--client-dir",
        "cli",
        "--san",
        "docker.example.com,IP:[2001:db8::7]",
        "--client-cn",
        "ci-runner",
        "--days",
        "30",
        "--ca-days",
        "60",
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let certs = report["certificates"].as_array().unwrap();
    assert_eq!(
        certs[1]["subject"], "CN=docker.example.com",
        "CN defaults to the first DNS SAN"
    );
    assert_eq!(
        certs[1]["sans"],
        serde_json::json!([
            "DNS:docker.example.com",
            "IP:2001:db8::7",
            "DNS:localhost",
            "IP:127.0.0.1",
            "IP:::1"
        ])
    );
    assert_eq!(certs[2]["subject"], "CN=ci-runner");
    assert_eq!(certs[1]["days_left"], 30);
    assert_eq!(certs[0]["days_left"], 60);
    assert_eq!(
        report["client_env"][0]["value"],
        "tcp://docker.example.com:2376"
    );
    // Relative paths are resolved against the working directory and reported absolute.
    assert!(sb.root.join("myhome/ca/ca-key.pem").is_file());
    assert!(sb.root.join("srv/server-key.pem").is_file());
    assert!(sb.root.join("cli/key.pem").is_file());
    assert!(!sb.dockcert_home().exists() && !sb.cert_path().exists());
    let dockerd = report["dockerd"].as_array().unwrap();
    assert_eq!(
        dockerd[2],
        format!("--tlscacert={}", sb.root.join("srv/ca.pem").display())
    );
}

#[test]
fn internationalised_names_become_punycode_and_the_conversion_is_printed() {
    let sb = Sandbox::new();
    let out = sb.init_ok(&["--san", "DNS:bücher.example"]);
    let text = stdout(&out);
    assert!(
        text.contains("Converted bücher.example to xn--bcher-kva.example"),
        "{text}"
    );
    assert!(
        text.contains("SANs: DNS:xn--bcher-kva.example, DNS:localhost"),
        "{text}"
    );
}

#[test]
fn the_same_directory_for_daemon_and_client_is_refused() {
    let sb = Sandbox::new();
    let err =
        assert_one_line_error(&sb.run(&["init", "--daemon-dir", "same", "--client-dir", "same"]));
    assert!(err.contains("ca.pem is planned twice"), "{err}");
    assert!(!sb.dockcert_home().exists());
}

#[test]
fn help_shows_examples_and_exits_zero() {
    let sb = Sandbox::new();
    let out = sb.run(&["init", "--help"]);
    assert_success(&out, "init --help");
    let text = stdout(&out);
    assert!(
        text.contains("Examples:") && text.contains("dockcert init --san IP:203.0.113.7"),
        "{text}"
    );
    let out = sb.run(&["--version"]);
    assert_success(&out, "--version");
    assert!(stdout(&out).starts_with("dockcert "));
}

/// A real failure half-way: with the file size limit at 4 KiB (and SIGXFSZ ignored, so write(2)
/// returns EFBIG), the CA files fit but a server certificate with many SANs does not.
fn init_with_file_size_limit(sb: &Sandbox, extra: &str) -> std::process::Output {
    let sans: Vec<String> = (0..100)
        .map(|i| format!("host-{i:03}.a-rather-long-domain-name.example"))
        .collect();
    let script = format!(
        "trap '' XFSZ; ulimit -f 4; exec \"$0\" init --san {} {extra}",
        sans.join(",")
    );
    let mut cmd = std::process::Command::new("bash");
    sb.isolate(&mut cmd);
    cmd.args(["-c", &script, env!("CARGO_BIN_EXE_dockcert")])
        .output()
        .unwrap()
}

#[test]
fn a_write_failing_half_way_leaves_nothing_behind() {
    let sb = Sandbox::new();
    let before = sb.snapshot();
    let err = assert_one_line_error(&init_with_file_size_limit(&sb, ""));
    assert!(
        err.contains("server-cert.pem")
            && err.contains("File too large")
            && err.contains("nothing was changed"),
        "{err}"
    );
    // Only the home's lock file stays (lock files are never removed: another run may hold it).
    let after: Vec<String> = sb
        .snapshot()
        .into_iter()
        .filter(|entry| {
            !entry.starts_with("dockcert 700") && !entry.starts_with("dockcert/.lock 600")
        })
        .collect();
    assert_eq!(
        after, before,
        "the CA files written before the failure were removed"
    );
    assert!(!sb.dockcert_home().join("ca").exists());
    assert!(!sb.dockcert_home().join("inventory.json").exists());
}

#[test]
fn a_forced_run_failing_half_way_restores_the_old_files() {
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let before = sb.snapshot();
    let err = assert_one_line_error(&init_with_file_size_limit(&sb, "--force"));
    assert!(
        err.contains("File too large") && err.contains("nothing was changed"),
        "{err}"
    );
    assert_eq!(
        sb.snapshot(),
        before,
        "old set intact, no backups or temporary files left"
    );
}

/// Without DOCKER_CERT_PATH the docker CLI reads its files from DOCKER_CONFIG (docker/cli
/// `cli/flags/options.go`: `dockerCertPath = config.Dir()`), so that is where init writes them,
/// where `env` points, and where `audit` looks.
#[test]
fn the_client_files_go_where_the_docker_cli_reads_them() {
    let sb = Sandbox::new();
    let config = sb.root.join("docker-config");
    let out = sb
        .dockcert()
        .env_remove("DOCKER_CERT_PATH")
        .args(["init"])
        .output()
        .unwrap();
    assert_success(&out, "dockcert init without DOCKER_CERT_PATH");
    for name in ["ca.pem", "cert.pem", "key.pem"] {
        assert!(config.join(name).is_file(), "{name} not in DOCKER_CONFIG");
        assert!(
            !sb.home().join(".docker").join(name).exists(),
            "{name} in ~/.docker"
        );
    }
    let out = sb
        .dockcert()
        .env_remove("DOCKER_CERT_PATH")
        .args(["env", "--shell", "bash", "--host", "tcp://127.0.0.1:2376"])
        .output()
        .unwrap();
    assert_success(&out, "dockcert env");
    assert!(
        stdout(&out).contains(config.to_str().unwrap()),
        "{}",
        stdout(&out)
    );
}
