//! `dockcert provision` against real hosts: each a network and mount namespace with the real
//! sshd and Debian's dockerd started by its real init script (see `nshost`).

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::process::Command;

use crate::helpers::*;
use crate::nshost::*;

fn host_file(host: &NsHost, rel: &str) -> String {
    fs::read_to_string(host.etc_docker(rel)).unwrap_or_else(|e| panic!("{rel} on {}: {e}", host.ip))
}

fn cert_text(pem_path: &std::path::Path) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in"])
        .arg(pem_path)
        .output()
        .unwrap();
    assert_success(&out, "openssl x509");
    stdout(&out)
}

/// Every file under `root` whose bytes contain `needle`.
fn files_containing(root: &std::path::Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let meta = fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file()
                && String::from_utf8_lossy(&fs::read(&path).unwrap_or_default()).contains(needle)
            {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

/// A fleet of five hosts in one run (from a file, one with an extra SAN; one with other keys in
/// daemon.json and `-H` in DOCKER_OPTS; one reached as a non-root user with sudo), with a host
/// that cannot be reached in the middle: the five are provisioned and checked, `docker --context`
/// works on each, the unreachable one fails alone, and the exit code says so. Then `--dry-run` on
/// a provisioned host plans nothing new, and `renew` pushes a new certificate to one of them.
#[test]
fn a_fleet_is_provisioned_in_one_run_and_one_unreachable_host_fails_alone() {
    let test = "a_fleet_is_provisioned_in_one_run_and_one_unreachable_host_fails_alone";
    if !can_make_hosts(test) {
        return;
    }
    let sb = provision_sandbox();
    let lab = Lab::new();
    let fresh = lab.host(&HostSpec::default());
    let keyed = lab.host(&HostSpec {
        daemon_json: Some(
            "{\"iptables\": false, \"bridge\": \"none\", \"log-level\": \"warn\", \"labels\": [\"site=lab\"]}\n"
                .to_string(),
        ),
        default_docker: Some(
            "# Debian's file, with the listening address given the old way\nDOCKER_OPTS=\"-H unix:///var/run/docker.sock --debug\"\n"
                .to_string(),
        ),
        ..HostSpec::default()
    });
    let sudoer = lab.host(&HostSpec {
        user: Some("deploy".to_string()),
        sudo: true,
        ..HostSpec::default()
    });
    let more: Vec<NsHost> = (0..2).map(|_| lab.host(&HostSpec::default())).collect();
    let mut gone = lab.host(&HostSpec::default());
    gone.stop_sshd();

    // --dry-run first: the plan, and nothing changes anywhere.
    let before = host_file(&keyed, "daemon.json");
    let out = provision(&sb, &lab, &["--dry-run", &keyed.root()]);
    assert_success(&out, "provision --dry-run");
    let plan = stdout(&out);
    assert!(
        plan.contains(&format!("Plan for {}", keyed.root())),
        "{plan}"
    );
    assert!(plan.contains("+   \"tls\": true,"), "{plan}");
    assert!(
        plan.contains("    \"log-level\": \"warn\","),
        "the other keys stay: {plan}"
    );
    assert!(
        plan.contains("/etc/default/docker 0644  DOCKER_OPTS without -H"),
        "{plan}"
    );
    assert!(plan.contains("service docker restart"), "{plan}");
    assert!(
        plan.contains("validation: this dockerd has no --validate"),
        "{plan}"
    );
    assert!(plan.contains(&format!("DNS:{}", keyed.fqdn)), "{plan}");
    assert_eq!(host_file(&keyed, "daemon.json"), before);
    assert!(!keyed.etc_docker("tls").exists());
    assert!(!sb.dockcert_home().join("hosts.json").exists());

    let list = sb.root.join("hosts.txt");
    fs::write(
        &list,
        format!(
            "# the lab\n{} DNS:extra.dockcert.test\n{}\n{}\n{}   # unreachable\ndeploy@{}\n{}\n",
            fresh.root(),
            keyed.root(),
            more[0].root(),
            gone.root(),
            sudoer.ip,
            more[1].root()
        ),
    )
    .unwrap();
    // Three at a time: the unreachable fourth host is tried mid-run, once a first host is done,
    // and the two after it still go ahead.
    let out = provision(
        &sb,
        &lab,
        &["--from", list.to_str().unwrap(), "--parallel", "3"],
    );
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "one host failed: {text}\n{}",
        stderr(&out)
    );
    let ok_hosts = [&fresh, &keyed, &more[0], &sudoer, &more[1]];
    for host in ok_hosts {
        let row = text
            .lines()
            .find(|l| {
                l.contains(&format!("{} ", host.ip))
                    || l.starts_with(&format!("deploy@{}", host.ip))
            })
            .unwrap_or_else(|| panic!("no row for {}: {text}", host.ip));
        assert!(
            row.contains("provisioned") && row.contains("TLSv1.3") && row.contains("20.10"),
            "{row}\n{text}"
        );
        // docker --context HOST works at once.
        let out = docker_context_version(&sb, &host.ip);
        assert_success(&out, &format!("docker --context {} version", host.ip));
        assert!(stdout(&out).contains("20.10"), "{}", stdout(&out));
        // The server files: in /etc/docker/tls, the key 0400.
        let key = host.etc_docker("tls/server-key.pem");
        assert_eq!(fs::metadata(&key).unwrap().mode() & 0o777, 0o400);
        let cert = cert_text(&host.etc_docker("tls/server-cert.pem"));
        assert!(cert.contains(&format!("IP Address:{}", host.ip)), "{cert}");
        assert!(cert.contains(&format!("DNS:{}", host.fqdn)), "{cert}");
        // The key never touched this machine's disk.
        let key_pem = fs::read_to_string(&key).unwrap();
        let body = key_pem.lines().nth(1).unwrap();
        assert!(
            files_containing(&sb.root, body).is_empty(),
            "the server key is on the local disk"
        );
    }
    let gone_row = text.lines().find(|l| l.starts_with(&gone.root())).unwrap();
    assert!(gone_row.contains("failed"), "{gone_row}");
    assert!(
        text.contains(&format!("{}: cannot reach {}", gone.root(), gone.root()))
            && text.contains("nothing was changed"),
        "{text}"
    );
    assert!(text.contains("5 of 6 host(s) provisioned"), "{text}");
    assert!(
        cert_text(&fresh.etc_docker("tls/server-cert.pem")).contains("DNS:extra.dockcert.test")
    );

    // Other keys kept, a backup made, -H gone from DOCKER_OPTS (with a backup), hosts in daemon.json.
    let merged: serde_json::Value =
        serde_json::from_str(&host_file(&keyed, "daemon.json")).unwrap();
    assert_eq!(merged["log-level"], "warn");
    assert_eq!(merged["labels"], serde_json::json!(["site=lab"]));
    assert_eq!(
        merged["hosts"],
        serde_json::json!(["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"])
    );
    assert_eq!(merged["tlskey"], "/etc/docker/tls/server-key.pem");
    let backups: Vec<String> = fs::read_dir(keyed.etc_docker(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("daemon.json.dockcert-backup-"))
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(host_file(&keyed, &backups[0]), before);
    let default = fs::read_to_string(keyed.dir.path().join("etc-default/docker")).unwrap();
    assert!(default.contains("DOCKER_OPTS=\"--debug\""), "{default}");
    // --debug from DOCKER_OPTS and the label from daemon.json: dockerd reads both still.
    let mut cmd = Command::new("docker");
    sb.isolate(&mut cmd);
    let info = cmd
        .args([
            "--context",
            &keyed.ip,
            "info",
            "--format",
            "{{.Debug}} {{.Labels}}",
        ])
        .output()
        .unwrap();
    assert_eq!(stdout(&info).trim(), "true [site=lab]", "{}", stderr(&info));

    // The inventory and hosts.json know the five.
    let hosts: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(sb.dockcert_home().join("hosts.json")).unwrap())
            .unwrap();
    assert_eq!(hosts["hosts"].as_array().unwrap().len(), 5, "{hosts}");
    let inventory = fs::read_to_string(sb.dockcert_home().join("inventory.json")).unwrap();
    assert!(
        inventory.contains(&format!("ssh://{}/etc/docker/tls", fresh.root())),
        "{inventory}"
    );
    // renew pushes a new certificate to a provisioned host, restarts it the same way and checks.
    let serial_of = |host: &NsHost| {
        let out = Command::new("openssl")
            .args(["x509", "-noout", "-serial", "-in"])
            .arg(host.etc_docker("tls/server-cert.pem"))
            .output()
            .unwrap();
        stdout(&out)
    };
    let (old_fresh, old_more) = (serial_of(&fresh), serial_of(&more[0]));
    let out = sb.run(&["renew", "--within", "400", "--name", &fresh.ip]);
    assert_success(&out, "renew (push)");
    let text = stdout(&out);
    assert!(
        text.contains(&format!("  {}: pushed", fresh.root())),
        "{text}"
    );
    assert_ne!(
        serial_of(&fresh),
        old_fresh,
        "a new certificate is on the host"
    );
    assert!(
        cert_text(&fresh.etc_docker("tls/server-cert.pem")).contains("DNS:extra.dockcert.test")
    );
    assert_success(
        &docker_context_version(&sb, &fresh.ip),
        "docker --context after renew",
    );
    let hosts = fs::read_to_string(sb.dockcert_home().join("hosts.json")).unwrap();
    let new_serial = serial_of(&fresh)
        .trim()
        .trim_start_matches("serial=")
        .to_lowercase();
    assert!(
        hosts.contains(new_serial.trim_start_matches('0')),
        "{hosts}"
    );
    // --no-push renews locally only.
    let out = sb.run(&[
        "renew",
        "--within",
        "400",
        "--name",
        &more[0].ip,
        "--no-push",
    ]);
    assert_success(&out, "renew --no-push");
    assert!(!stdout(&out).contains("Pushed"), "{}", stdout(&out));
    assert_eq!(serial_of(&more[0]), old_more);
    // Without client files to check with, nothing is pushed, and the host says so (exit 1).
    let old_last = serial_of(&more[1]);
    let out = sb
        .dockcert()
        .env("DOCKER_CERT_PATH", sb.root.join("nowhere"))
        .args(["renew", "--within", "400", "--name", &more[1].ip])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("  {}: not pushed: cannot read", more[1].root())),
        "{}",
        stdout(&out)
    );
    assert_eq!(serial_of(&more[1]), old_last);
}

/// dockerd refuses the new configuration (a flag in DOCKER_OPTS repeats a daemon.json key, which
/// no validation of the file alone can see): every file is restored, dockerd restarted, and it
/// serves again; the report shows dockerd's own last log lines.
#[test]
fn a_daemon_that_does_not_start_is_rolled_back_and_serves_again() {
    let test = "a_daemon_that_does_not_start_is_rolled_back_and_serves_again";
    if !can_make_hosts(test) {
        return;
    }
    let sb = provision_sandbox();
    let lab = Lab::new();
    let host = lab.host(&HostSpec {
        default_docker: Some("DOCKER_OPTS=\"--tls=false\"\n".to_string()),
        ..HostSpec::default()
    });
    let before = host_file(&host, "daemon.json");
    let out = provision(&sb, &lab, &[&host.root()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}\n{}", stderr(&out));
    assert!(text.contains("rolled back"), "{text}");
    assert!(
        text.contains("dockerd did not start with the new configuration"),
        "{text}"
    );
    assert!(
        text.contains("dockerd runs again with its previous configuration"),
        "{text}"
    );
    assert!(
        text.contains("dockerd: ")
            && text.contains("specified both as a flag and in the configuration file"),
        "dockerd's own words: {text}"
    );
    assert_eq!(host_file(&host, "daemon.json"), before);
    assert!(
        !host.etc_docker("tls/server-key.pem").exists(),
        "a key that was not there before is removed"
    );
    // It serves again on its socket.
    let out = host.exec("docker version --format '{{.Server.Version}}'");
    assert_success(&out, "docker version on the host after the rollback");
    assert!(
        !sb.dockcert_home().join("hosts.json").exists(),
        "a failed host is not recorded"
    );
}

/// Nothing changes on a host where the ssh user is not root and may not sudo without a password,
/// nor on one whose host key is unknown; both say what to do, and the run exits 1.
#[test]
fn no_sudo_rights_and_an_unknown_host_key_are_refused_before_any_change() {
    let test = "no_sudo_rights_and_an_unknown_host_key_are_refused_before_any_change";
    if !can_make_hosts(test) {
        return;
    }
    let sb = provision_sandbox();
    let lab = Lab::new();
    let plain = lab.host(&HostSpec {
        user: Some("alice".to_string()),
        sudo: false,
        ..HostSpec::default()
    });
    let stranger = lab.untrusted_host(&HostSpec::default());
    let before = [
        host_file(&plain, "daemon.json"),
        host_file(&stranger, "daemon.json"),
    ];
    let alice = format!("alice@{}", plain.ip);
    let out = provision(&sb, &lab, &[&alice, &stranger.root()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}\n{}", stderr(&out));
    assert!(
        text.contains(&format!(
            "{alice}: alice is not root on the host and cannot use sudo without a password (sudo -n said: sudo: a password is required)"
        )) && text.contains("NOPASSWD"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{}: the host key of {} is not in known_hosts",
            stranger.root(),
            stranger.root()
        )) && text.contains(&format!("ssh-keyscan {}", stranger.ip)),
        "{text}"
    );
    assert_eq!(
        text.matches("nothing was changed on it").count(),
        2,
        "{text}"
    );
    assert_eq!(host_file(&plain, "daemon.json"), before[0]);
    assert_eq!(host_file(&stranger, "daemon.json"), before[1]);
    assert!(!plain.etc_docker("tls").exists() && !stranger.etc_docker("tls").exists());
    // --no-sudo: the user must be root.
    let out = provision(&sb, &lab, &["--no-sudo", "--json", &alice]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["hosts"][0]["result"], "failed");
    assert!(
        report["hosts"][0]["error"]
            .as_str()
            .unwrap()
            .contains("alice is not root on the host and --no-sudo was given"),
        "{report}"
    );
    assert!(
        stderr(&out).is_empty(),
        "no progress lines with --json: {}",
        stderr(&out)
    );
    // On a terminal: one live line per host, redrawn in place (script(1) gives it a pty).
    if require_peer("script", test) {
        let command = format!(
            "{} provision --ssh-config {} {alice}",
            env!("CARGO_BIN_EXE_dockcert"),
            lab.config().display()
        );
        let mut cmd = Command::new("script");
        sb.isolate(&mut cmd);
        let out = cmd.args(["-qec", &command, "/dev/null"]).output().unwrap();
        let shown = stdout(&out);
        assert!(
            shown.contains(&format!("{alice}: waiting\r\n"))
                && shown.contains(&format!("\x1b[1A\x1b[2K{alice}: connecting"))
                && shown.contains(&format!("\x1b[1A\x1b[2K{alice}: failed (nothing changed)")),
            "{shown:?}"
        );
    }
    // With the key accepted, the same host is provisioned.
    lab.trust(&stranger);
    let out = provision(&sb, &lab, &[&stranger.root()]);
    assert_success(&out, "provision after accepting the host key");
}

/// ProxyJump from the ssh configuration: the target lets only the jump host in, and is
/// provisioned through it; the check and the context use the address ssh resolves.
#[test]
fn a_host_behind_a_jump_host_is_provisioned_through_proxyjump() {
    let test = "a_host_behind_a_jump_host_is_provisioned_through_proxyjump";
    if !can_make_hosts(test) {
        return;
    }
    let sb = provision_sandbox();
    let lab = Lab::new();
    let jump = lab.host(&HostSpec::default());
    let mut target = lab.host(&HostSpec::default());
    let (jump_side, inner) = jump.link_to(&target);
    target.allow_only_from(&jump_side);
    lab.trust_as(&target, &inner);
    // Straight to the target: refused by its sshd.
    let out = provision(&sb, &lab, &[&format!("root@{inner}")]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(!target.etc_docker("tls").exists());
    // Through the jump host, as the ssh configuration says.
    lab.write_config(&format!("Host {inner}\n  ProxyJump root@{}\n", jump.ip));
    let out = provision(
        &sb,
        &lab,
        &[&format!("root@{inner}"), "--context", "behind"],
    );
    assert_success(&out, "provision through ProxyJump");
    let out = docker_context_version(&sb, "behind");
    assert_success(&out, "docker --context behind version");
    assert!(
        cert_text(&target.etc_docker("tls/server-cert.pem"))
            .contains(&format!("IP Address:{inner}"))
    );
    assert!(
        !jump.etc_docker("tls").exists(),
        "the jump host is not touched"
    );
}

/// The drop-in dockcert writes for Debian's docker.io unit (`-H fd://` and `$DOCKER_OPTS`) keeps
/// the unit's own command line without -H, and systemd accepts it (`systemd-analyze verify`).
#[test]
fn the_drop_in_for_debians_unit_passes_systemd_analyze_verify() {
    let test = "the_drop_in_for_debians_unit_passes_systemd_analyze_verify";
    let unit = std::path::Path::new("/lib/systemd/system/docker.service");
    if !require_peer("systemd-analyze", test) || !unit.is_file() {
        return;
    }
    let sb = provision_sandbox();
    let root = sb.root.join("image");
    let lib = root.join("lib/systemd/system");
    fs::create_dir_all(&lib).unwrap();
    fs::copy(unit, lib.join("docker.service")).unwrap();
    fs::copy(
        "/lib/systemd/system/docker.socket",
        lib.join("docker.socket"),
    )
    .unwrap();
    let config = sb.root.join("daemon.json");
    let out = sb.run(&[
        "daemon-config",
        "--config",
        config.to_str().unwrap(),
        "--systemd",
        "--unit-root",
        root.to_str().unwrap(),
        "--systemd-dir",
        lib.to_str().unwrap(),
        "--apply",
    ]);
    assert_success(&out, "daemon-config --systemd --apply");
    let drop_in = fs::read_to_string(lib.join("docker.service.d/dockcert-hosts.conf")).unwrap();
    let stock = fs::read_to_string(unit).unwrap();
    let line = stock
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .unwrap();
    let expected: Vec<&str> = line
        .split_whitespace()
        .filter(|w| *w != "-H" && *w != "fd://")
        .collect();
    assert!(
        drop_in.contains(&format!("ExecStart=\nExecStart={}\n", expected.join(" "))),
        "{drop_in}"
    );
    let verify = |dir: &std::path::Path| {
        Command::new("systemd-analyze")
            .args(["verify", "--man=no"])
            .arg(dir.join("docker.service"))
            .env("SYSTEMD_UNIT_PATH", format!("{}:", dir.display()))
            .output()
            .unwrap()
    };
    let out = verify(&lib);
    assert_success(&out, "systemd-analyze verify with dockcert's drop-in");
    // And it can fail: a drop-in that forgets to clear ExecStart is refused.
    fs::write(
        lib.join("docker.service.d/dockcert-hosts.conf"),
        "[Service]\nExecStart=/usr/sbin/dockerd\n",
    )
    .unwrap();
    let out = verify(&lib);
    assert!(
        !out.status.success(),
        "systemd-analyze accepted two ExecStart lines"
    );
    // Without a unit, --systemd refuses instead of guessing one.
    let empty = sb.root.join("empty-root");
    fs::create_dir_all(&empty).unwrap();
    let err = assert_one_line_error(&sb.run(&[
        "daemon-config",
        "--config",
        config.to_str().unwrap(),
        "--systemd",
        "--unit-root",
        empty.to_str().unwrap(),
        "--systemd-dir",
        lib.to_str().unwrap(),
    ]));
    assert!(err.contains("found no docker.service"), "{err}");
}

/// rotate-ca's three steps reach a provisioned host: `ca.pem` (old and new CA, then the new one
/// alone) and the re-issued server certificate are pushed, dockerd restarted and checked each
/// time, and `docker --context` keeps working throughout.
#[test]
fn rotate_ca_pushes_each_step_to_a_provisioned_host() {
    let test = "rotate_ca_pushes_each_step_to_a_provisioned_host";
    if !can_make_hosts(test) {
        return;
    }
    let sb = provision_sandbox();
    let lab = Lab::new();
    let host = lab.host(&HostSpec::default());
    assert_success(&provision(&sb, &lab, &[&host.root()]), "provision");
    let certs_in = |rel: &str| host_file(&host, rel).matches("BEGIN CERTIFICATE").count();
    let issuer = || {
        let out = Command::new("openssl")
            .args(["x509", "-noout", "-issuer", "-in"])
            .arg(host.etc_docker("tls/server-cert.pem"))
            .output()
            .unwrap();
        stdout(&out)
    };
    let old_issuer = issuer();
    assert_eq!(certs_in("tls/ca.pem"), 1);
    for (step, ca_count) in [("--begin", 2), ("--reissue", 2), ("--finish", 1)] {
        let out = sb.run(&["rotate-ca", step]);
        assert_success(&out, &format!("rotate-ca {step}"));
        assert!(
            stdout(&out).contains(&format!("  {}: pushed", host.root())),
            "{step}: {}",
            stdout(&out)
        );
        assert_eq!(certs_in("tls/ca.pem"), ca_count, "{step}");
        assert_success(
            &docker_context_version(&sb, &host.ip),
            &format!("docker --context after rotate-ca {step}"),
        );
        if step == "--reissue" {
            assert_ne!(
                issuer(),
                old_issuer,
                "the server certificate is the new CA's"
            );
        }
    }
}
