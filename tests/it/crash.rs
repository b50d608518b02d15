//! Crash safety: a real dockcert process is killed with SIGKILL at every step of each multi-file
//! command's transaction (`DOCKCERT_CRASH_AT`, compiled into debug builds only) and at random
//! moments, and the next command on the home must find the state before the run or after it,
//! never a mix: the inventory parses, every record's files exist and match their keys, no
//! certificate lacks its record, no temporary file is left.
//!
//! `DOCKCERT_CRASH_SCALE=N` (the `make crash` target) multiplies the random kills and visits every
//! index instead of a sample.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use dockcert::store::inventory::Inventory;

use crate::helpers::{Sandbox, assert_success, snapshot, stderr};

/// One multi-file command, and the state it starts from.
pub struct Scenario {
    pub name: &'static str,
    pub args: Vec<String>,
    /// The sandbox's files before the command (copied back before every kill).
    pub template: tempfile::TempDir,
    /// The state a complete run leaves, with the parts that vary between runs (serials, dates,
    /// backup time stamps, key bytes) left out.
    reference: Shape,
}

/// What a state is made of, minus what differs between two equally successful runs.
#[derive(Debug, PartialEq, Eq, Clone)]
struct Shape {
    files: Vec<String>,
    records: Vec<String>,
}

fn scale() -> usize {
    std::env::var("DOCKCERT_CRASH_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1)
}

/// A cheap deterministic random sequence (xorshift), seeded per scenario so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Copies a tree, keeping modes (keys stay 0400, directories 0700).
pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let meta = fs::symlink_metadata(entry.path()).unwrap();
        let target = to.join(entry.file_name());
        if meta.is_dir() {
            copy_tree(&entry.path(), &target);
            fs::set_permissions(&target, fs::Permissions::from_mode(meta.mode() & 0o7777)).unwrap();
        } else if meta.file_type().is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(entry.path()).unwrap(), &target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Makes the sandbox's root exactly the template again.
pub fn restore(sb: &Sandbox, template: &Path) {
    for entry in fs::read_dir(&sb.root).unwrap() {
        let path = entry.unwrap().path();
        if fs::symlink_metadata(&path).unwrap().is_dir() {
            fs::remove_dir_all(&path).unwrap();
        } else {
            fs::remove_file(&path).unwrap();
        }
    }
    copy_tree(template, &sb.root);
}

fn save(sb: &Sandbox) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&sb.root, dir.path());
    dir
}

/// The exact state, for "nothing changed": every file with mode and contents, except the lock
/// file (created by any run, never removed).
pub fn exact(sb: &Sandbox) -> Vec<String> {
    snapshot(&sb.root)
        .into_iter()
        .filter(|line| !line.starts_with("dockcert/.lock "))
        .collect()
}

/// `name.bak-20260301T120000Z-2` → `name.bak-*`.
fn normalise(path: &str) -> String {
    match path.find(".bak-") {
        Some(at) => format!("{}.bak-*", &path[..at]),
        None => path.to_string(),
    }
}

fn walk(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        out.push(path.clone());
        if fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            walk(&path, out);
        }
    }
}

fn shape(sb: &Sandbox) -> Shape {
    let mut paths = Vec::new();
    walk(&sb.root, &mut paths);
    let mut files: Vec<String> = paths
        .iter()
        .filter(|p| !p.ends_with(".lock"))
        .map(|p| {
            let rel = p.strip_prefix(&sb.root).unwrap().display().to_string();
            let mode = fs::symlink_metadata(p).unwrap().mode() & 0o7777;
            format!("{} {mode:o}", normalise(&rel))
        })
        .collect();
    files.sort();
    let records = match fs::read_to_string(sb.dockcert_home().join("inventory.json")) {
        Ok(text) => Inventory::from_json(&text, Path::new("inventory.json"))
            .map(|inv| {
                inv.certificates
                    .iter()
                    .map(|r| {
                        let dirs: Vec<String> = r
                            .locations
                            .iter()
                            .map(|l| format!("{}:{}", l.layout, l.dir.display()))
                            .collect();
                        format!(
                            "{} {} {} replaced={} {}",
                            r.role,
                            // A CA's name carries its random serial.
                            if r.role == "ca" { "(CA)" } else { &r.name },
                            r.key_type,
                            r.replaced_by.is_some(),
                            dirs.join(",")
                        )
                    })
                    .collect()
            })
            .unwrap_or_else(|e| vec![format!("unparsable: {e:#}")]),
        Err(_) => vec!["no inventory".to_string()],
    };
    Shape { files, records }
}

/// The invariant: the inventory parses and matches the disk.
pub fn check_invariant(sb: &Sandbox) -> Result<(), String> {
    let home = sb.dockcert_home();
    let mut all = Vec::new();
    walk(&sb.root, &mut all);
    if let Some(temp) = all.iter().find(|p| p.to_string_lossy().contains(".tmp-")) {
        return Err(format!("temporary file left: {}", temp.display()));
    }
    if home.join("journal").exists() {
        return Err("the journal is still there after a run took the lock".to_string());
    }
    let text = fs::read_to_string(home.join("inventory.json"))
        .map_err(|e| format!("inventory unreadable: {e}"))?;
    let inventory = Inventory::from_json(&text, Path::new("inventory.json"))
        .map_err(|e| format!("inventory does not parse: {e:#}"))?;
    let mut serials = std::collections::HashSet::new();
    for record in &inventory.certificates {
        if !serials.insert(record.serial.clone()) {
            return Err(format!("serial {} recorded twice", record.serial));
        }
    }
    // Where each current certificate must be.
    let mut expected: BTreeMap<PathBuf, String> = BTreeMap::new();
    for record in inventory.current() {
        for location in &record.locations {
            let (cert, key) = match location.docker_layout() {
                Some(layout) => {
                    let files = layout.files_in(&location.dir);
                    (files.cert, files.key)
                }
                None => (location.dir.join("ca.pem"), location.dir.join("ca-key.pem")),
            };
            let summary = cert_summary(&cert)?;
            if summary.serial != record.serial {
                return Err(format!(
                    "{} holds serial {}, the inventory says {}",
                    cert.display(),
                    summary.serial,
                    record.serial
                ));
            }
            let key_file = dockcert::x509::load::read_private_key(&key)
                .map_err(|e| format!("{}: {e}", key.display()))?;
            let info = dockcert::x509::load::key_info(&key_file)
                .map_err(|e| format!("{}: {e}", key.display()))?;
            if !dockcert::x509::load::same_public_key(&info.spki, &summary.spki) {
                return Err(format!(
                    "{} does not match {}",
                    key.display(),
                    cert.display()
                ));
            }
            expected.insert(cert, record.serial.clone());
        }
    }
    // Every leaf certificate on disk (not a backup) has its record: a current one where the
    // inventory puts it, or one replaced since (init --force leaves the old clients' files).
    for path in &all {
        let name = path.file_name().unwrap().to_string_lossy();
        if (name == "cert.pem" || name == "server-cert.pem") && !expected.contains_key(path) {
            let serial = cert_summary(path)?.serial;
            if !inventory.has_serial(&serial) {
                return Err(format!(
                    "{} (serial {serial}) has no record in the inventory",
                    path.display()
                ));
            }
        }
    }
    Ok(())
}

fn cert_summary(path: &Path) -> Result<dockcert::x509::certinfo::CertSummary, String> {
    let file = dockcert::x509::load::read_certificates(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let der = file
        .certs
        .first()
        .ok_or_else(|| format!("{} holds no certificate", path.display()))?;
    dockcert::x509::certinfo::CertSummary::from_der(der.as_ref())
        .ok_or_else(|| format!("{} does not parse", path.display()))
}

/// Runs `args` with `DOCKCERT_CRASH_AT=at`, or kills it after `delay`. True when it was killed.
fn run_killed(sb: &Sandbox, args: &[String], at: Option<&str>, delay: Option<Duration>) -> bool {
    let mut cmd = sb.dockcert();
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(at) = at {
        cmd.env("DOCKCERT_CRASH_AT", at);
    }
    let mut child = cmd.spawn().unwrap();
    if let Some(delay) = delay {
        std::thread::sleep(delay);
        // SAFETY: kill(2) on our own child's pid (not yet reaped, so not reused).
        unsafe {
            libc::kill(child.id() as i32, libc::SIGKILL);
        }
    }
    let status = child.wait().unwrap();
    status.signal() == Some(libc::SIGKILL)
}

/// After a kill: the next command recovers (optionally itself killed during the recovery first),
/// then the state must be the old one exactly or a complete new one.
fn after_kill(
    sb: &Sandbox,
    scenario: &Scenario,
    before: &[String],
    what: &str,
) -> Result<(), String> {
    let out = sb.run(&["list"]);
    if !out.status.success() {
        return Err(format!("list after {what} failed: {}", stderr(&out)));
    }
    let err = stderr(&out);
    if err.lines().count() > 1 || (!err.is_empty() && !err.starts_with("dockcert: recovered ")) {
        return Err(format!("unexpected stderr after {what}: {err}"));
    }
    check_invariant(sb).map_err(|e| format!("{}: after {what}: {e}", scenario.name))?;
    if exact(sb) == before {
        return Ok(());
    }
    let now = shape(sb);
    if now != scenario.reference {
        let reference = &scenario.reference;
        let only = |a: &[String], b: &[String]| -> Vec<String> {
            a.iter().filter(|x| !b.contains(x)).cloned().collect()
        };
        return Err(format!(
            "{}: after {what} the state is neither the old nor the new one: more than new: {:?} \
             {:?}; missing: {:?} {:?}",
            scenario.name,
            only(&now.files, &reference.files),
            only(&now.records, &reference.records),
            only(&reference.files, &now.files),
            only(&reference.records, &now.records),
        ));
    }
    Ok(())
}

/// Kills the scenario's command at every step (a sample of the indexed ones unless scaled up),
/// during recovery, and at random moments. Returns the number of processes killed.
fn torture(
    sb: &Sandbox,
    scenario: &Scenario,
    seed: u64,
    violations: &mut Vec<String>,
) -> (usize, usize) {
    restore(sb, scenario.template.path());
    let before = exact(sb);
    let mut kills = 0;
    let mut steps: Vec<String> = ["journal", "synced", "placed", "committed"]
        .iter()
        .map(ToString::to_string)
        .collect();
    // Indexed steps: until the command runs to the end without reaching the index.
    let stride = if scale() > 1 { 1 } else { 3 };
    let mut timing = Duration::ZERO;
    for step in ["temp", "place", "finish"] {
        let mut n = 0;
        loop {
            let at = format!("{step}:{n}");
            restore(sb, scenario.template.path());
            let started = Instant::now();
            let killed = run_killed(sb, &scenario.args, Some(&at), None);
            timing = timing.max(started.elapsed());
            if !killed {
                break;
            }
            kills += 1;
            if let Err(e) = after_kill(sb, scenario, &before, &at) {
                violations.push(e);
            }
            // Small plans: every index; large ones: every third (all with DOCKCERT_CRASH_SCALE).
            n += if n < 12 { 1 } else { stride };
        }
    }
    for at in steps.drain(..) {
        restore(sb, scenario.template.path());
        if run_killed(sb, &scenario.args, Some(&at), None) {
            kills += 1;
            if let Err(e) = after_kill(sb, scenario, &before, &at) {
                violations.push(e);
            }
        } else {
            violations.push(format!("{}: step {at} was never reached", scenario.name));
        }
    }
    // A crash during the recovery itself: the one after it recovers the same way.
    for k in [0, 1, 2] {
        restore(sb, scenario.template.path());
        if !run_killed(sb, &scenario.args, Some("placed"), None) {
            continue;
        }
        kills += 1;
        let list = vec!["list".to_string()];
        if run_killed(sb, &list, Some(&format!("recover:{k}")), None) {
            kills += 1;
        }
        if let Err(e) = after_kill(sb, scenario, &before, &format!("placed, then recover:{k}")) {
            violations.push(e);
        }
    }
    // Random moments, across the whole run (most land before the transaction, in key
    // generation; the rest anywhere in it). A run that ended before its kill does not count, and
    // makes the next delays shorter.
    let mut rng = Rng(seed);
    let mut max_us = timing.as_micros().max(1000) as u64;
    let (mut random, mut attempts) = (0, 0);
    while random < 15 * scale() && attempts < 60 * scale() {
        attempts += 1;
        restore(sb, scenario.template.path());
        let delay = Duration::from_micros(rng.next() % max_us);
        if run_killed(sb, &scenario.args, None, Some(delay)) {
            random += 1;
            if let Err(e) = after_kill(sb, scenario, &before, &format!("a kill after {delay:?}")) {
                violations.push(e);
            }
        } else {
            max_us = (max_us * 3 / 4).max(1000);
        }
    }
    (kills + random, random)
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(ToString::to_string).collect()
}

/// Records the state a complete run leaves, from the template.
fn scenario(sb: &Sandbox, name: &'static str, args: Vec<String>) -> Scenario {
    let template = save(sb);
    let out = sb.dockcert().args(&args).output().unwrap();
    assert_success(&out, name);
    check_invariant(sb)
        .unwrap_or_else(|e| panic!("{name}: a complete run breaks the invariant: {e}"));
    let reference = shape(sb);
    restore(sb, template.path());
    Scenario {
        name,
        args,
        template,
        reference,
    }
}

/// Every multi-file command, each with the state it starts from, in `sb` (with an outside CA to
/// import in the returned directory, which must outlive the scenarios).
pub fn world(sb: &Sandbox) -> (tempfile::TempDir, Vec<Scenario>) {
    // An outside CA to import, made in a home of its own (outside the sandbox's tree).
    let ext_dir = tempfile::tempdir().unwrap();
    let ext = ext_dir.path().join("ext");
    let out = sb
        .dockcert()
        .args(["init", "--home"])
        .arg(&ext)
        .args(["--daemon-dir"])
        .arg(ext.join("d"))
        .args(["--client-dir"])
        .arg(ext.join("c"))
        .output()
        .unwrap();
    assert_success(&out, "init of the outside CA");
    sb.init_ok(&["--san", "daemon.example"]);
    assert_success(
        &sb.run(&["issue", "client", "--name", "ci"]),
        "issue client",
    );
    fs::create_dir_all(sb.root.join("etc")).unwrap();
    fs::write(sb.root.join("etc/daemon.json"), "{\"debug\": true}\n").unwrap();
    fs::create_dir_all(sb.root.join("docker-config")).unwrap();
    fs::write(
        sb.root.join("docker-config/config.json"),
        "{\n\t\"auths\": {}\n}\n",
    )
    .unwrap();
    let hosts: String = (0..30).map(|i| format!("host{i}.example\n")).collect();
    fs::write(sb.root.join("hosts.txt"), hosts).unwrap();

    let mut scenarios = vec![
        scenario(
            sb,
            "init --force",
            strings(&["init", "--force", "--san", "d2.example"]),
        ),
        scenario(
            sb,
            "issue client",
            strings(&["issue", "client", "--name", "c2"]),
        ),
        scenario(
            sb,
            "issue server --from (30 hosts)",
            strings(&["issue", "server", "--from", "hosts.txt"]),
        ),
        scenario(sb, "renew", strings(&["renew", "--within", "4000"])),
        scenario(
            sb,
            "import-ca --force",
            vec![
                "import-ca".into(),
                "--force".into(),
                "--cert".into(),
                ext.join("ca/ca.pem").display().to_string(),
                "--key".into(),
                ext.join("ca/ca-key.pem").display().to_string(),
            ],
        ),
        scenario(
            sb,
            "context create --use",
            strings(&[
                "context",
                "create",
                "prod",
                "--host",
                "tcp://10.0.0.5:2376",
                "--use",
            ]),
        ),
        scenario(
            sb,
            "daemon-config --apply",
            vec![
                "daemon-config".into(),
                "--apply".into(),
                "--systemd".into(),
                "--systemd-dir".into(),
                sb.root.join("systemd").display().to_string(),
                "--config".into(),
                sb.root.join("etc/daemon.json").display().to_string(),
            ],
        ),
        scenario(sb, "rotate-ca --begin", strings(&["rotate-ca", "--begin"])),
    ];
    // The later rotation steps start where the earlier ones end.
    assert_success(&sb.run(&["rotate-ca", "--begin"]), "rotate-ca --begin");
    scenarios.push(scenario(
        sb,
        "rotate-ca --reissue",
        strings(&["rotate-ca", "--reissue"]),
    ));
    assert_success(&sb.run(&["rotate-ca", "--reissue"]), "rotate-ca --reissue");
    scenarios.push(scenario(
        sb,
        "rotate-ca --finish",
        strings(&["rotate-ca", "--finish"]),
    ));
    // A forced batch over 30 existing servers: every file replaced, with backups.
    assert_success(
        &sb.run(&["issue", "server", "--from", "hosts.txt"]),
        "issue --from",
    );
    scenarios.push(scenario(
        sb,
        "issue server --from --force (30 replaced)",
        strings(&["issue", "server", "--from", "hosts.txt", "--force"]),
    ));
    (ext_dir, scenarios)
}

#[test]
fn every_multi_file_command_is_all_or_nothing_under_kill_9() {
    let sb = Sandbox::new();
    let (_ext, scenarios) = world(&sb);
    let mut violations = Vec::new();
    let mut total = 0;
    let mut report = Vec::new();
    for (i, scenario) in scenarios.iter().enumerate() {
        let (kills, random) = torture(
            &sb,
            scenario,
            0x9e37_79b9_7f4a_7c15 ^ (i as u64 + 1),
            &mut violations,
        );
        report.push(format!(
            "{}: {kills} kills ({random} at random moments)",
            scenario.name
        ));
        total += kills;
    }
    eprintln!("crash test: {total} kills\n  {}", report.join("\n  "));
    assert!(
        violations.is_empty(),
        "{} invariant violations in {total} kills:\n{}",
        violations.len(),
        violations.join("\n")
    );
    assert!(total >= 500, "only {total} kills: {report:?}");
}

/// Eight `issue` runs at once on one home, some killed: one consistent inventory, unique serials,
/// every run that finished recorded.
#[test]
fn eight_parallel_issues_some_killed_leave_one_consistent_inventory() {
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for round in 0..3 {
        let children: Vec<_> = (0..8)
            .map(|i| {
                sb.dockcert()
                    .args(["issue", "client", "--name", &format!("p{round}-{i}")])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut finished = Vec::new();
        for (i, mut child) in children.into_iter().enumerate() {
            if i % 3 == 1 {
                std::thread::sleep(Duration::from_millis(rng.next() % 40));
                // SAFETY: our own child, not yet reaped.
                unsafe {
                    libc::kill(child.id() as i32, libc::SIGKILL);
                }
            }
            let status = child.wait().unwrap();
            if status.success() {
                finished.push(format!("p{round}-{i}"));
            }
        }
        let out = sb.run(&["list"]);
        assert_success(&out, "list");
        check_invariant(&sb).unwrap_or_else(|e| panic!("round {round}: {e}"));
        let inventory = Inventory::from_json(
            &fs::read_to_string(sb.dockcert_home().join("inventory.json")).unwrap(),
            Path::new("inventory.json"),
        )
        .unwrap();
        for name in &finished {
            assert!(
                inventory.certificates.iter().any(|r| &r.name == name),
                "{name} finished but is not in the inventory"
            );
        }
        assert!(
            finished.len() >= 5,
            "round {round}: only {finished:?} finished"
        );
    }
}

/// The advisory lock of a killed process never blocks the next run.
#[test]
fn a_dead_holder_of_the_lock_never_blocks() {
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let killed = run_killed(
        &sb,
        &strings(&["issue", "client", "--name", "x"]),
        Some("place:1"),
        None,
    );
    assert!(killed);
    let started = Instant::now();
    let out = sb.run(&["issue", "client", "--name", "y"]);
    assert_success(&out, "issue after a killed run");
    let err = stderr(&out);
    assert!(
        err.starts_with("dockcert: recovered from an interrupted 'dockcert issue client' (pid ")
            && err.contains("rolled back 2 files"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    check_invariant(&sb).unwrap();
}
