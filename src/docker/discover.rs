//! Finding Docker TLS files on disk: which layout a directory is in (client, daemon, dockcert's
//! home, docker:dind's `DOCKER_TLS_CERTDIR`, the docker CLI's context store) and what each set of
//! files is for. Only reads directory entries and small JSON files.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::x509::audit::Purpose;

/// Something to audit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// A leaf with its CA and key.
    Chain {
        /// What the layout calls it, e.g. "client directory".
        kind: String,
        /// The trusted CA file.
        ca: PathBuf,
        /// The leaf certificate.
        cert: PathBuf,
        /// The leaf's key.
        key: PathBuf,
        /// What the leaf is for.
        purpose: Purpose,
    },
    /// A CA certificate on its own, with its key if present.
    Ca {
        /// What the layout calls it.
        kind: String,
        /// The CA certificate.
        cert: PathBuf,
        /// The CA key.
        key: Option<PathBuf>,
    },
    /// A dockerd configuration file.
    DaemonJson(PathBuf),
    /// One docker CLI context with TLS files.
    Context {
        /// The context's name.
        name: String,
        /// Its `meta.json`.
        meta: PathBuf,
        /// `contexts/tls/<id>/docker/`.
        tls_dir: PathBuf,
    },
}

impl Target {
    /// A one-line description for reports.
    pub fn describe(&self) -> (String, PathBuf) {
        match self {
            Target::Chain { kind, cert, .. } => (kind.clone(), cert.clone()),
            Target::Ca { kind, cert, .. } => (kind.clone(), cert.clone()),
            Target::DaemonJson(path) => ("daemon.json".to_string(), path.clone()),
            Target::Context { name, tls_dir, .. } => {
                (format!("docker context '{name}'"), tls_dir.clone())
            }
        }
    }
}

/// Whether something that is not a directory is at `path`: a regular file, or a FIFO, a device,
/// a dangling link or a link loop in its place, which the audit then reports by name (reading it
/// is refused without blocking) instead of skipping it silently.
fn is_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|meta| !meta.is_dir()) && !path.is_dir()
}

/// The sets of TLS files under `path` (a directory in a known layout, or a daemon.json).
/// An error when `path` does not exist or holds nothing dockcert recognises.
pub fn discover(path: &Path) -> Result<Vec<Target>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_file() {
        if path.extension().is_some_and(|ext| ext == "json") {
            return Ok(vec![Target::DaemonJson(path.to_path_buf())]);
        }
        bail!(
            "{} is a file, not a directory or a daemon.json; to check one certificate use \
             'dockcert audit --ca CA --cert {0}' or 'dockcert inspect {0}'",
            path.display()
        );
    }
    // An unreadable directory is named as such, not as one without Docker files.
    std::fs::read_dir(path)
        .with_context(|| format!("cannot read the directory {}", path.display()))?;
    let found = discover_dir(path)?;
    if found.is_empty() {
        bail!(
            "found no Docker TLS files in {}: expected ca.pem with cert.pem/key.pem (client) or \
             server-cert.pem/server-key.pem (daemon), dockcert's ca/ca.pem, a docker:dind certs \
             directory (ca/, server/, client/), a docker context store, or a daemon.json",
            path.display()
        );
    }
    Ok(found)
}

/// Like [`discover`], but a missing or empty directory is simply nothing (for the default places).
pub fn discover_quietly(path: &Path) -> Vec<Target> {
    if !path.exists() {
        return Vec::new();
    }
    discover(path).unwrap_or_default()
}

fn discover_dir(dir: &Path) -> Result<Vec<Target>> {
    discover_at(dir, 0)
}

/// `depth` 0 is the directory the user named; a home's `daemon/`, `clients/*` and `servers/*` are
/// depth 1 and are never searched further, so a tree of homes within homes (10,000 deep, say)
/// costs one level, not a stack overflow.
fn discover_at(dir: &Path, depth: usize) -> Result<Vec<Target>> {
    let mut found = Vec::new();
    let dind = ["ca", "server", "client"]
        .iter()
        .filter(|sub| dir.join(sub).join("cert.pem").is_file())
        .count();
    if dind > 0 && !dir.join("ca").join("ca.pem").is_file() {
        // docker:dind's DOCKER_TLS_CERTDIR: ca/{cert,key}.pem, server/ and client/ with
        // {ca,cert,key}.pem each.
        let ca = dir.join("ca");
        if ca.join("cert.pem").is_file() {
            found.push(Target::Ca {
                kind: "docker:dind CA".to_string(),
                cert: ca.join("cert.pem"),
                key: Some(ca.join("key.pem")).filter(|k| k.exists()),
            });
        }
        for (sub, purpose) in [("server", Purpose::Server), ("client", Purpose::Client)] {
            let sub_dir = dir.join(sub);
            if sub_dir.join("cert.pem").is_file() || sub_dir.join("ca.pem").is_file() {
                found.push(Target::Chain {
                    kind: format!("docker:dind {sub}"),
                    ca: sub_dir.join("ca.pem"),
                    cert: sub_dir.join("cert.pem"),
                    key: sub_dir.join("key.pem"),
                    purpose,
                });
            }
        }
        return Ok(found);
    }
    if dir.join("ca").join("ca.pem").is_file() {
        // dockcert's home.
        found.push(Target::Ca {
            kind: "dockcert CA".to_string(),
            cert: dir.join("ca").join("ca.pem"),
            key: Some(dir.join("ca").join("ca-key.pem")).filter(|k| k.exists()),
        });
        let daemon = dir.join("daemon");
        if depth == 0 && daemon.is_dir() {
            found.extend(discover_at(&daemon, depth + 1)?);
        }
        // What `issue` wrote: clients/NAME/ and servers/HOST/.
        for group in ["clients", "servers"].into_iter().filter(|_| depth == 0) {
            let Ok(entries) = std::fs::read_dir(dir.join(group)) else {
                continue;
            };
            let mut subdirs: Vec<PathBuf> = entries
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|path| path.is_dir())
                .collect();
            subdirs.sort();
            for sub in subdirs {
                found.extend(discover_at(&sub, depth + 1)?);
            }
        }
    }
    if is_file(&dir.join("server-cert.pem")) || is_file(&dir.join("server-key.pem")) {
        found.push(Target::Chain {
            kind: "daemon directory".to_string(),
            ca: dir.join("ca.pem"),
            cert: dir.join("server-cert.pem"),
            key: dir.join("server-key.pem"),
            purpose: Purpose::Server,
        });
    }
    if is_file(&dir.join("cert.pem")) || is_file(&dir.join("key.pem")) {
        found.push(Target::Chain {
            kind: "client directory".to_string(),
            ca: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
            purpose: Purpose::Client,
        });
    }
    if found.is_empty() && is_file(&dir.join("ca.pem")) {
        found.push(Target::Ca {
            kind: "CA file".to_string(),
            cert: dir.join("ca.pem"),
            key: None,
        });
    }
    if is_file(&dir.join("daemon.json")) {
        found.push(Target::DaemonJson(dir.join("daemon.json")));
    }
    // The context store: PATH is `contexts/` itself or the docker config directory holding it.
    let store = if dir.join("meta").is_dir() || dir.join("tls").is_dir() {
        Some(dir.to_path_buf())
    } else if dir.join("contexts").is_dir() {
        Some(dir.join("contexts"))
    } else {
        None
    };
    if let Some(store) = store {
        found.extend(contexts(&store)?);
    }
    Ok(found)
}

/// Every context in a context store (`<DOCKER_CONFIG>/contexts`) that has TLS files.
pub fn contexts(store: &Path) -> Result<Vec<Target>> {
    let mut found = Vec::new();
    let meta_dir = store.join("meta");
    let tls_root = store.join("tls");
    let mut ids: Vec<(String, Option<PathBuf>)> = Vec::new();
    if meta_dir.is_dir() {
        for entry in std::fs::read_dir(&meta_dir)
            .with_context(|| format!("cannot list {}", meta_dir.display()))?
        {
            let entry = entry.with_context(|| format!("cannot list {}", meta_dir.display()))?;
            let id = entry.file_name().to_string_lossy().into_owned();
            ids.push((id, Some(entry.path().join("meta.json"))));
        }
    }
    if tls_root.is_dir() {
        for entry in std::fs::read_dir(&tls_root)
            .with_context(|| format!("cannot list {}", tls_root.display()))?
        {
            let entry = entry.with_context(|| format!("cannot list {}", tls_root.display()))?;
            let id = entry.file_name().to_string_lossy().into_owned();
            if !ids.iter().any(|(known, _)| *known == id) {
                ids.push((id, None));
            }
        }
    }
    ids.sort();
    for (id, meta) in ids {
        let tls_dir = tls_root.join(&id).join("docker");
        if !tls_dir.is_dir() {
            continue;
        }
        let name = meta
            .as_deref()
            .and_then(|m| crate::bounded::read_to_string(m).ok())
            .and_then(|text| context_name(&text))
            .unwrap_or_else(|| format!("(no meta.json; id {id})"));
        found.push(Target::Context {
            name,
            meta: meta.unwrap_or_else(|| meta_dir.join(&id).join("meta.json")),
            tls_dir,
        });
    }
    Ok(found)
}

/// The `Name` of a context's meta.json.
pub fn context_name(meta_json: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(meta_json).ok()?;
    value.get("Name")?.as_str().map(str::to_string)
}

/// The docker endpoint's `Host` in a context's meta.json.
pub fn context_host(meta_json: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(meta_json).ok()?;
    value
        .get("Endpoints")?
        .get("docker")?
        .get("Host")?
        .as_str()
        .map(str::to_string)
}

/// dockerd's command line from a systemd unit text (the last `ExecStart=` wins; an empty one
/// resets), split into words, for the hosts-conflict check.
pub fn unit_exec_start(unit: &str) -> Option<Vec<String>> {
    exec_start_line(unit).map(|line| line.split_whitespace().map(str::to_string).collect())
}

/// The command of the last `ExecStart=` of a unit text, as written (`$DOCKER_OPTS` unexpanded),
/// continuation lines joined and systemd's `-@:+!` prefixes removed. An empty `ExecStart=` (as
/// drop-ins use to replace the command) resets it.
pub fn exec_start_line(unit: &str) -> Option<String> {
    let mut last = None;
    let mut logical = String::new();
    for raw in unit.lines() {
        let line = raw.trim_end();
        if let Some(head) = line.strip_suffix('\\') {
            logical.push_str(head);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        let whole = std::mem::take(&mut logical);
        let whole = whole.trim();
        if let Some(command) = whole.strip_prefix("ExecStart=") {
            let command = command.trim().trim_start_matches(['-', '@', ':', '+', '!']);
            let words: Vec<&str> = command.split_whitespace().collect();
            last = (!words.is_empty()).then(|| words.join(" "));
        }
    }
    last
}

/// Where systemd looks for units, highest priority first.
pub const UNIT_DIRS: [&str; 4] = [
    "/etc/systemd/system",
    "/run/systemd/system",
    "/lib/systemd/system",
    "/usr/lib/systemd/system",
];

/// docker.service's `ExecStart` as systemd would assemble it from files on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitCommand {
    /// The command as written in the unit, e.g. `/usr/sbin/dockerd -H fd:// … $DOCKER_OPTS`.
    pub line: String,
    /// The files it came from: the unit, then the drop-ins that set it.
    pub from: Vec<PathBuf>,
}

/// docker.service's command line from its unit files, as systemd reads them: the unit from the
/// highest-priority directory of [`UNIT_DIRS`], then every `docker.service.d/*.conf` drop-in
/// (a name in a higher-priority directory hides the same name below it) in the order of their
/// names. `files` holds `(path, text)` pairs, e.g. read by [`local_unit_files`] or on a remote host.
pub fn exec_start_from_unit_files(files: &[(PathBuf, String)]) -> Option<UnitCommand> {
    let text_of = |path: &Path| files.iter().find(|(p, _)| p == path).map(|(_, t)| t);
    let unit = UNIT_DIRS
        .iter()
        .map(|dir| Path::new(dir).join("docker.service"))
        .find(|path| text_of(path).is_some())?;
    let mut line = exec_start_line(text_of(&unit)?);
    let mut from = vec![unit];
    let mut dropins: Vec<(String, PathBuf)> = Vec::new();
    for dir in UNIT_DIRS {
        let base = Path::new(dir).join("docker.service.d");
        for (path, _) in files {
            if path.parent() == Some(base.as_path())
                && path.extension().is_some_and(|ext| ext == "conf")
                && let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned())
                && !dropins.iter().any(|(known, _)| *known == name)
            {
                dropins.push((name, path.clone()));
            }
        }
    }
    dropins.sort();
    for (_, path) in dropins {
        let Some(text) = text_of(&path) else { continue };
        if text
            .lines()
            .any(|l| l.trim_start().starts_with("ExecStart="))
        {
            line = exec_start_line(text);
            from.push(path);
        }
    }
    line.map(|line| UnitCommand { line, from })
}

/// docker.service's unit files and drop-ins under `root` (`/` normally), as `(path, text)` with
/// paths as seen from `root`.
pub fn local_unit_files(root: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for dir in UNIT_DIRS {
        let seen = Path::new(dir);
        let on_disk = root.join(dir.trim_start_matches('/'));
        if let Ok(text) = crate::bounded::read_to_string(on_disk.join("docker.service")) {
            out.push((seen.join("docker.service"), text));
        }
        if let Ok(entries) = std::fs::read_dir(on_disk.join("docker.service.d")) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                if let Ok(text) = crate::bounded::read_to_string(entry.path()) {
                    out.push((seen.join("docker.service.d").join(name), text));
                }
            }
        }
    }
    out
}

/// The command of `systemctl show docker.service --property=ExecStart` (`argv[]=…`).
pub fn exec_start_from_systemctl_show(text: &str) -> Option<String> {
    let argv = text.split("argv[]=").nth(1)?.split(" ;").next()?.trim();
    (!argv.is_empty()).then(|| argv.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_context_meta() {
        let meta = r#"{"Name":"prod","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://10.0.0.5:2376","SkipTLSVerify":false}}}"#;
        assert_eq!(context_name(meta).as_deref(), Some("prod"));
        assert_eq!(context_host(meta).as_deref(), Some("tcp://10.0.0.5:2376"));
        assert_eq!(context_name("{"), None);
    }

    #[test]
    fn exec_start_takes_the_last_and_resets() {
        let unit = "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n";
        let args = unit_exec_start(unit).unwrap();
        assert_eq!(args[1..3], ["-H", "fd://"]);
        assert_eq!(unit_exec_start("[Service]\nExecStart=\n"), None);
    }

    #[test]
    fn the_unit_comes_from_files_as_systemd_reads_them() {
        let debian = "[Service]\nEnvironmentFile=-/etc/default/docker\nExecStart=/usr/sbin/dockerd -H fd:// \\\n  --containerd=/run/containerd/containerd.sock $DOCKER_OPTS\n";
        let files = vec![
            (
                PathBuf::from("/lib/systemd/system/docker.service"),
                debian.to_string(),
            ),
            (
                PathBuf::from("/lib/systemd/system/docker.service.d/10-x.conf"),
                "[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H unix:// --debug\n"
                    .to_string(),
            ),
            (
                PathBuf::from("/etc/systemd/system/docker.service.d/10-x.conf"),
                "[Service]\nLimitNOFILE=100\n".to_string(),
            ),
            (
                PathBuf::from("/etc/systemd/system/docker.service.d/20-mem.conf"),
                "[Service]\nMemoryMax=1G\n".to_string(),
            ),
        ];
        // /etc's 10-x.conf hides /lib's, so the stock command line stands.
        let unit = exec_start_from_unit_files(&files).unwrap();
        assert_eq!(
            unit.line,
            "/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS"
        );
        assert_eq!(
            unit.from,
            [PathBuf::from("/lib/systemd/system/docker.service")]
        );
        // Without the hiding file, the drop-in replaces it.
        let unit = exec_start_from_unit_files(&[files[0].clone(), files[1].clone()]).unwrap();
        assert_eq!(unit.line, "/usr/sbin/dockerd -H unix:// --debug");
        assert_eq!(unit.from.len(), 2);
        assert_eq!(exec_start_from_unit_files(&files[1..]), None);
        let show = "ExecStart={ path=/usr/sbin/dockerd ; argv[]=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS ; ignore_errors=no ; start_time=[n/a] }";
        assert_eq!(
            exec_start_from_systemctl_show(show).as_deref(),
            Some("/usr/sbin/dockerd -H fd:// $DOCKER_OPTS")
        );
    }
}
