//! daemon.json and dockerd's systemd unit, as rules on text: the TLS keys merged into what is
//! there, whether a dockerd command line sets listening addresses, and the drop-in that removes
//! them. Pure; `daemon-config` (this machine) and `provision` (remote hosts) both use them.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::docker::TlsFiles;

/// Docker's upstream unit (docker-ce). Debian's and Ubuntu's docker.io differ
/// (`/usr/sbin/dockerd … $DOCKER_OPTS`), so `--systemd` reads the unit files instead of assuming it.
pub const STOCK_EXEC_START: &str =
    "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock";

/// daemon.json with the TLS keys set (in place when present, appended otherwise), and the
/// changes as `key: old -> new` lines.
pub fn merge(existing: Option<Value>, files: &TlsFiles, hosts: &[String]) -> (Value, Vec<String>) {
    let mut object = match existing {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let wanted: [(&str, Value); 6] = [
        ("tls", Value::Bool(true)),
        ("tlsverify", Value::Bool(true)),
        ("tlscacert", Value::String(files.ca.display().to_string())),
        ("tlscert", Value::String(files.cert.display().to_string())),
        ("tlskey", Value::String(files.key.display().to_string())),
        (
            "hosts",
            Value::Array(hosts.iter().cloned().map(Value::String).collect()),
        ),
    ];
    let mut changes = Vec::new();
    for (key, value) in wanted {
        match object.get(key) {
            Some(old) if *old == value => {}
            Some(old) => changes.push(format!("{key}: {old} -> {value}")),
            None => changes.push(format!("{key}: (absent) -> {value}")),
        }
        object.insert(key.to_string(), value);
    }
    (Value::Object(object), changes)
}

fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// Whether a dockerd command line sets listening addresses.
pub fn has_host_flag(line: &str) -> bool {
    let args: Vec<String> = words(line).into_iter().map(str::to_string).collect();
    !crate::x509::audit::command_line_hosts(&args).is_empty()
}

/// A command line without its `-H`/`--host` options.
pub fn without_hosts(line: &str) -> String {
    let mut kept = Vec::new();
    let mut skip = false;
    for word in line.split_whitespace() {
        if skip {
            skip = false;
            continue;
        }
        if word == "-H" || word == "--host" {
            skip = true;
            continue;
        }
        if word.starts_with("-H") || word.starts_with("--host=") {
            continue;
        }
        kept.push(word);
    }
    kept.join(" ")
}

/// The drop-in that clears ExecStart and restarts dockerd without -H, keeping its other flags
/// (--containerd among them).
pub fn drop_in(exec_start: &str) -> String {
    format!(
        "# Written by dockcert: the listening addresses are in daemon.json (\"hosts\"), and dockerd\n\
         # refuses to start when they are given both there and with -H on its command line.\n\
         [Service]\nExecStart=\nExecStart={}\n",
        without_hosts(exec_start)
    )
}

/// Where the drop-in would go for `systemd_dir`.
pub fn drop_in_path(systemd_dir: &Path) -> PathBuf {
    systemd_dir
        .join("docker.service.d")
        .join("dockcert-hosts.conf")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::Layout;

    #[test]
    fn merges_in_place_and_keeps_other_keys_in_order() {
        let existing: Value =
            serde_json::from_str(r#"{"log-level":"warn","tlsverify":false,"debug":true}"#).unwrap();
        let files = Layout::Daemon.files_in(Path::new("/d"));
        let (merged, changes) = merge(Some(existing), &files, &["tcp://0.0.0.0:2376".to_string()]);
        let keys: Vec<&String> = merged.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "log-level",
                "tlsverify",
                "debug",
                "tls",
                "tlscacert",
                "tlscert",
                "tlskey",
                "hosts"
            ]
        );
        assert!(
            changes.contains(&"tlsverify: false -> true".to_string()),
            "{changes:?}"
        );
        assert_eq!(merged["tlscacert"], "/d/ca.pem");
    }

    #[test]
    fn the_drop_in_drops_only_the_host_flags() {
        assert!(has_host_flag(STOCK_EXEC_START));
        assert!(!has_host_flag(
            "/usr/bin/dockerd --containerd=/run/containerd/containerd.sock"
        ));
        let text = drop_in(
            "/usr/bin/dockerd -H fd:// --host=tcp://0.0.0.0:2375 -H unix:///x --containerd=/run/c.sock",
        );
        assert!(
            text.contains(
                "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd --containerd=/run/c.sock\n"
            ),
            "{text}"
        );
        assert_eq!(
            drop_in_path(Path::new("/etc/systemd/system")),
            Path::new("/etc/systemd/system/docker.service.d/dockcert-hosts.conf")
        );
    }
}
