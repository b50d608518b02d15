//! `dockcert renew`: re-issue what expires soon — a new key, the same role, subject and SANs —
//! into every directory the inventory knows, the old files kept as backups.

use std::path::PathBuf;

use anyhow::{Result, anyhow, bail};
use time::{Duration, OffsetDateTime};

use crate::cli::RenewArgs;
use crate::commands::issue::{LeafJob, sign_all};
use crate::docker::Layout;
use crate::env::Env;
use crate::pki::names;
use crate::pki::{CLOCK_SKEW_ALLOWANCE, Ca, Issued, KeyType, Role};
use crate::report::{RenewReport, Renewed};
use crate::store::home::Home;
use crate::store::inventory::{Inventory, Record};
use crate::store::{self, Plan};

/// Runs `renew`.
pub fn run(args: &RenewArgs, env: &Env, now: OffsetDateTime) -> Result<RenewReport> {
    if args.within < 0 {
        bail!("--within {}: give a number of days, 0 or more", args.within);
    }
    let home = Home::resolve(args.home.home.as_deref(), env.dockcert_home.as_deref())?;
    let _lock = super::lock_home(&home)?;
    let mut inventory = home.read_inventory()?;
    let horizon = now + Duration::days(args.within);
    let due: Vec<Record> = inventory
        .current()
        .filter(|r| matches!(r.role(), Some(Role::Server | Role::Client)))
        .filter(|r| args.name.as_ref().is_none_or(|name| &r.name == name))
        .filter(|r| r.not_after <= horizon)
        .cloned()
        .collect();
    if let Some(name) = &args.name
        && !inventory.current().any(|r| &r.name == name)
    {
        bail!(
            "no certificate named '{name}' in {}; see 'dockcert list'",
            home.inventory_path().display()
        );
    }
    let mut report = RenewReport {
        dry_run: args.dry_run,
        within_days: args.within,
        renewed: Vec::new(),
        restart: Vec::new(),
        distribute: Vec::new(),
        pushed: Vec::new(),
    };
    if due.is_empty() {
        return Ok(report);
    }
    let ca = home.read_ca(&args.home.passphrase())?;
    let mut plan = home.plan();
    let outcome = reissue(&ca, &due, &mut inventory, &mut plan, now, args.dry_run)?;
    report.renewed = outcome.renewed;
    report.restart = outcome.restart;
    report.distribute = outcome.distribute;
    if !args.dry_run {
        plan.add_state(home.inventory_path(), inventory.to_json(), 0o600);
        // Renewal replaces the files it made before: --force semantics, with backups.
        store::apply(&plan, true, now)?;
        drop(_lock);
        if !args.no_push {
            report.pushed =
                crate::commands::provision::push_renewed(&home, &outcome.issued, env, now)?;
        }
    }
    Ok(report)
}

/// What re-issuing did.
pub struct Reissued {
    /// Each certificate, old and new.
    pub renewed: Vec<Renewed>,
    /// Daemon directories to restart.
    pub restart: Vec<PathBuf>,
    /// Client directories to distribute.
    pub distribute: Vec<PathBuf>,
    /// The new certificates, by the serial they replace (for the pushes to provisioned hosts).
    pub issued: Vec<(String, Issued)>,
}

/// Re-issues `records` under `ca` into every directory they were written to: the files go into
/// `plan` (certificate and key; `ca.pem` is left alone), the new records into `inventory`. With
/// `dry_run`, nothing is signed and only the report is made.
pub fn reissue(
    ca: &Ca,
    records: &[Record],
    inventory: &mut Inventory,
    plan: &mut Plan,
    now: OffsetDateTime,
    dry_run: bool,
) -> Result<Reissued> {
    let ca_days_left = (ca.not_after - now).whole_days();
    let jobs = records
        .iter()
        .map(|record| job_for(record, ca_days_left))
        .collect::<Result<Vec<_>>>()?;
    let issued = if dry_run {
        Vec::new()
    } else {
        sign_all(ca, &jobs, now, inventory)?
    };
    let mut out = Reissued {
        renewed: Vec::new(),
        restart: Vec::new(),
        distribute: Vec::new(),
        issued: Vec::new(),
    };
    for (index, (record, job)) in records.iter().zip(&jobs).enumerate() {
        let cert = issued.get(index);
        for location in &record.locations {
            let Some(layout) = location.docker_layout() else {
                continue;
            };
            let files = layout.files_in(&location.dir);
            if let Some(cert) = cert {
                add_for_layout(
                    plan,
                    layout,
                    files.cert,
                    cert.cert_pem.as_bytes(),
                    layout.cert_mode(),
                );
                add_for_layout(
                    plan,
                    layout,
                    files.key,
                    cert.key_pem.as_bytes(),
                    layout.key_mode(),
                );
            }
            // A context's copies live on this machine and are refreshed here: nothing to do.
            let list = match layout {
                Layout::Daemon | Layout::DindServer => &mut out.restart,
                Layout::Client => &mut out.distribute,
                Layout::Context => continue,
            };
            if !list.contains(&location.dir) {
                list.push(location.dir.clone());
            }
        }
        if let Some(cert) = cert {
            inventory.replace(&record.serial, &cert.spec.serial.hex());
            inventory.add(Record {
                locations: record.locations.clone(),
                ..Record::new(cert, Vec::new())
            });
        }
        out.renewed.push(Renewed {
            role: record.role.clone(),
            name: record.name.clone(),
            old_serial: record.serial.clone(),
            old_not_after: record.not_after,
            new_serial: cert.map(|c| c.spec.serial.hex()),
            new_not_after: cert.map(|c| c.spec.validity.not_after),
            days: job.days,
        });
    }
    out.issued = records
        .iter()
        .map(|r| r.serial.clone())
        .zip(issued)
        .collect();
    Ok(out)
}

/// Adds a file for a directory of `layout`. A context's files are copies, replaced without a
/// backup beside them: the docker CLI warns about every unknown file in a context's TLS bundle.
pub fn add_for_layout(plan: &mut Plan, layout: Layout, path: PathBuf, contents: &[u8], mode: u32) {
    if layout == Layout::Context {
        plan.add_state(path, contents, mode);
    } else {
        plan.add(path, contents, mode);
    }
}

/// The same certificate again: role, name, SANs and key type; the same validity length, but never
/// past the CA.
fn job_for(record: &Record, ca_days_left: i64) -> Result<LeafJob> {
    let role = record
        .role()
        .ok_or_else(|| anyhow!("the inventory names an unknown role '{}'", record.role))?;
    let sans = record
        .sans
        .iter()
        .map(|text| names::parse_san(text).map(|arg| arg.san))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| {
            anyhow!(
                "the inventory's SANs of '{}' no longer parse: {err}",
                record.name
            )
        })?;
    let key_type: KeyType = record
        .key_type
        .parse()
        .map_err(|err: String| anyhow!(err))?;
    let length = (record.not_after - record.not_before - CLOCK_SKEW_ALLOWANCE)
        .whole_days()
        .max(1);
    let days = length.min(ca_days_left);
    if days < 1 {
        bail!("the CA expires within a day: rotate it ('dockcert rotate-ca') before renewing");
    }
    let dir = record
        .locations
        .first()
        .map(|location| location.dir.clone())
        .ok_or_else(|| anyhow!("the inventory records no directory for '{}'", record.name))?;
    Ok(LeafJob {
        role,
        name: record.name.clone(),
        sans,
        dir,
        key_type,
        days,
    })
}
