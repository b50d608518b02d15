//! `dockcert rotate-ca`: replace the CA in three steps so that every party trusts a CA before
//! anything it signed is presented to it.
//!
//! 1. `--begin`: a new CA signs from now on; the old CA's certificate and key are archived
//!    (0400, never deleted); every known `ca.pem` becomes a bundle of old and new.
//! 2. `--reissue`: every known leaf is re-issued by the new CA (bundles stay).
//! 3. `--finish`: every known `ca.pem` holds the new CA only.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use time::OffsetDateTime;

use crate::cli::RotateArgs;
use crate::commands::renew::{add_for_layout, reissue};
use crate::docker::Layout;
use crate::env::Env;
use crate::pki::{self, CertSpec, MAX_DAYS, Role, Validity};
use crate::report::RotateReport;
use crate::store::home::{Home, Phase, Rotation};
use crate::store::inventory::{Inventory, Location, Record};
use crate::store::{self, CERT_MODE, KEY_MODE};
use crate::x509::certinfo::CertSummary;

/// Runs `rotate-ca`.
pub fn run(args: &RotateArgs, env: &Env, now: OffsetDateTime) -> Result<RotateReport> {
    let home = Home::resolve(args.home.home.as_deref(), env.dockcert_home.as_deref())?;
    let _lock = super::lock_home(&home)?;
    let rotation = home.read_rotation()?;
    let mut inventory = home.read_inventory()?;
    let phase = rotation.as_ref().map(|r| r.phase);
    let in_progress = matches!(phase, Some(Phase::Begun | Phase::Reissued));
    let mut report = RotateReport {
        step: "status".to_string(),
        phase,
        old_serial: rotation.as_ref().map(|r| r.old_serial.clone()),
        new_serial: rotation.as_ref().map(|r| r.new_serial.clone()),
        old_key_archive: rotation.as_ref().map(|r| r.old_key_archive.clone()),
        rewritten: Vec::new(),
        renewed: Vec::new(),
        restart: Vec::new(),
        distribute: Vec::new(),
        next: String::new(),
        pushed: Vec::new(),
    };
    let dirs = leaf_dirs(&inventory);
    let mut reissued = Vec::new();
    if args.begin {
        if in_progress {
            bail!(
                "a CA rotation is already in progress (phase {:?}); run 'dockcert rotate-ca' to see the next step",
                phase.unwrap_or(Phase::Begun)
            );
        }
        begin(&home, args, &mut inventory, &mut report, now)?;
    } else if args.reissue {
        let Some(mut rotation) = rotation.filter(|r| r.phase == Phase::Begun) else {
            bail!(
                "nothing to re-issue: start a rotation with 'dockcert rotate-ca --begin' (see 'dockcert rotate-ca')"
            );
        };
        report.step = "reissue".to_string();
        let ca = home.read_ca(&args.home.passphrase())?;
        let leaves: Vec<Record> = inventory
            .current()
            .filter(|r| matches!(r.role(), Some(Role::Server | Role::Client)))
            .cloned()
            .collect();
        let mut plan = home.plan();
        let done = reissue(&ca, &leaves, &mut inventory, &mut plan, now, false)?;
        report.renewed = done.renewed;
        reissued = done.issued;
        rotation.phase = Phase::Reissued;
        report.phase = Some(Phase::Reissued);
        plan.add_state(home.inventory_path(), inventory.to_json(), 0o600);
        plan.add_state(home.rotation_path(), rotation_json(&rotation)?, 0o600);
        store::apply(&plan, true, now)?;
    } else if args.finish {
        let Some(mut rotation) = rotation.filter(|r| r.phase == Phase::Reissued) else {
            bail!(match phase {
                Some(Phase::Begun) => {
                    "run 'dockcert rotate-ca --reissue' first: certificates from the old CA would stop working"
                }
                _ => "no rotation to finish: start one with 'dockcert rotate-ca --begin'",
            });
        };
        report.step = "finish".to_string();
        let new_ca = crate::bounded::read_to_string(home.ca_cert())
            .with_context(|| format!("failed to read {}", home.ca_cert().display()))?;
        let mut plan = home.plan();
        for (layout, dir) in &dirs {
            let path = dir.join("ca.pem");
            add_for_layout(
                &mut plan,
                *layout,
                path.clone(),
                new_ca.as_bytes(),
                layout.cert_mode(),
            );
            report.rewritten.push(path);
        }
        plan.add_state(home.bundle_path(), new_ca.as_bytes(), CERT_MODE);
        rotation.phase = Phase::Finished;
        report.phase = Some(Phase::Finished);
        plan.add_state(home.rotation_path(), rotation_json(&rotation)?, 0o600);
        store::apply(&plan, true, now)?;
    }
    if report.step != "status" {
        report.restart = of(&dirs, Layout::is_daemon);
        report.distribute = of(&dirs, |layout| layout == Layout::Client);
    }
    report.next = next_step(report.phase).to_string();
    // The hosts provision set up get the new files the same safe way (after the lock is released:
    // the pushes record new serials under it).
    drop(_lock);
    if !args.no_push {
        report.pushed = match report.step.as_str() {
            "begin" | "finish" => crate::commands::provision::push_ca(&home, env, now)?,
            "reissue" => crate::commands::provision::push_renewed(&home, &reissued, env, now)?,
            _ => Vec::new(),
        };
    }
    Ok(report)
}

fn begin(
    home: &Home,
    args: &RotateArgs,
    inventory: &mut Inventory,
    report: &mut RotateReport,
    now: OffsetDateTime,
) -> Result<()> {
    if !(1..=MAX_DAYS).contains(&args.ca_days) {
        bail!(
            "--ca-days {}: give a number of days from 1 to {MAX_DAYS}",
            args.ca_days
        );
    }
    report.step = "begin".to_string();
    // The current CA must be usable: it is what everyone trusts until the end of the rotation.
    home.read_ca(&args.home.passphrase())?;
    let old_cert = crate::bounded::read_to_string(home.ca_cert())
        .with_context(|| format!("failed to read {}", home.ca_cert().display()))?;
    let old_key = zeroize::Zeroizing::new(
        crate::bounded::read_to_string(home.ca_key())
            .with_context(|| format!("failed to read {}", home.ca_key().display()))?,
    );
    let old_serial = pem::parse(&old_cert)
        .ok()
        .and_then(|block| CertSummary::from_der(block.contents()))
        .map(|summary| summary.serial)
        .unwrap_or_default();

    let key = args.key_type.generate()?;
    let serial = crate::commands::issue::fresh_serial(inventory, &[])?;
    let spec = CertSpec {
        role: Role::Ca,
        common_name: format!("dockcert CA {} {}", now.date(), serial.short()),
        sans: Vec::new(),
        validity: Validity::days_from(now, args.ca_days),
        serial,
    };
    let (_, new_ca) = pki::self_signed_ca(spec, key, args.key_type)?;
    // The new key is stored encrypted when asked, or when the current one is.
    let encrypt = args.encrypt_ca_key || old_key.contains("ENCRYPTED");
    let new_key_pem = if encrypt {
        let secret = args
            .home
            .passphrase()
            .get("to encrypt the new CA key", true)?;
        let der = pem::parse(new_ca.key_pem.as_bytes())?.into_contents();
        zeroize::Zeroizing::new(crate::pki::keycrypt::encrypt_pkcs8(
            &der,
            secret.as_bytes(),
        )?)
    } else {
        new_ca.key_pem.clone()
    };
    let bundle = format!("{}{}", ensure_newline(&old_cert), new_ca.cert_pem);

    let archive = home.root().join("ca").join("archive");
    let old_key_archive = archive.join(format!("{old_serial}-ca-key.pem"));
    let mut plan = home.plan();
    plan.add(
        archive.join(format!("{old_serial}-ca.pem")),
        old_cert.as_bytes(),
        CERT_MODE,
    );
    plan.add(old_key_archive.clone(), old_key.as_bytes(), KEY_MODE);
    // The archive above is the old CA's copy; the active files are replaced in place.
    plan.add_state(home.ca_cert(), new_ca.cert_pem.as_bytes(), CERT_MODE);
    plan.add_state(home.ca_key(), new_key_pem.as_bytes(), KEY_MODE);
    plan.add_state(home.bundle_path(), bundle.as_bytes(), CERT_MODE);
    for (layout, dir) in leaf_dirs(inventory) {
        let path = dir.join("ca.pem");
        add_for_layout(
            &mut plan,
            layout,
            path.clone(),
            bundle.as_bytes(),
            layout.cert_mode(),
        );
        report.rewritten.push(path);
    }
    let new_serial = new_ca.spec.serial.hex();
    let old_ca_records: Vec<String> = inventory
        .current()
        .filter(|r| r.role() == Some(Role::Ca))
        .map(|r| r.serial.clone())
        .collect();
    for serial in old_ca_records {
        inventory.replace(&serial, &new_serial);
    }
    let ca_location = Location {
        layout: "ca".to_string(),
        dir: home.root().join("ca"),
    };
    inventory.add(Record::new(&new_ca, vec![ca_location]));
    let rotation = Rotation {
        phase: Phase::Begun,
        old_serial: old_serial.clone(),
        old_cert_pem: old_cert.clone(),
        old_key_archive: old_key_archive.clone(),
        new_serial: new_serial.clone(),
        started: now,
    };
    plan.add_state(home.inventory_path(), inventory.to_json(), 0o600);
    plan.add_state(home.rotation_path(), rotation_json(&rotation)?, 0o600);
    store::apply(&plan, true, now)?;
    report.phase = Some(Phase::Begun);
    report.old_serial = Some(old_serial);
    report.new_serial = Some(new_serial);
    report.old_key_archive = Some(old_key_archive);
    Ok(())
}

fn ensure_newline(text: &str) -> String {
    if text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}\n")
    }
}

fn rotation_json(rotation: &Rotation) -> Result<String> {
    Ok(serde_json::to_string_pretty(rotation)? + "\n")
}

/// Every directory of a current leaf, with its layout, daemons first.
fn leaf_dirs(inventory: &Inventory) -> Vec<(Layout, PathBuf)> {
    let mut dirs: Vec<(Layout, PathBuf)> = Vec::new();
    for record in inventory.current() {
        for location in &record.locations {
            if let Some(layout) = location.docker_layout()
                && !dirs.iter().any(|(_, dir)| *dir == location.dir)
            {
                dirs.push((layout, location.dir.clone()));
            }
        }
    }
    dirs.sort_by_key(|(layout, _)| !layout.is_daemon());
    dirs
}

/// The directories among `dirs` whose layout is `wanted`.
fn of(dirs: &[(Layout, PathBuf)], wanted: impl Fn(Layout) -> bool) -> Vec<PathBuf> {
    dirs.iter()
        .filter(|(l, _)| wanted(*l))
        .map(|(_, dir)| dir.clone())
        .collect()
}

fn next_step(phase: Option<Phase>) -> &'static str {
    match phase {
        None | Some(Phase::Finished) => {
            "no rotation in progress; 'dockcert rotate-ca --begin' starts one"
        }
        Some(Phase::Begun) => {
            "restart every daemon listed and copy ca.pem to every client listed; then run 'dockcert rotate-ca --reissue'"
        }
        Some(Phase::Reissued) => {
            "restart every daemon listed and copy cert.pem, key.pem and ca.pem to every client listed; \
             when every client has its new certificate, run 'dockcert rotate-ca --finish'"
        }
    }
}
