//! `dockcert list`: the inventory, with days left.

use anyhow::Result;
use time::OffsetDateTime;

use crate::cli::ListArgs;
use crate::env::Env;
use crate::report::{ListEntry, ListReport};
use crate::store::home::Home;

/// Runs `list`.
pub fn run(args: &ListArgs, env: &Env, now: OffsetDateTime) -> Result<ListReport> {
    let home = Home::resolve(args.home.home.as_deref(), env.dockcert_home.as_deref())?;
    // The lock (an existing home only: list never creates one) recovers an interrupted run
    // first, so that the list always agrees with the disk. A home we cannot write to (another
    // user's, a read-only mount) is still listed when there is nothing to recover.
    let _lock = if home.root().is_dir() {
        match super::lock_home(&home) {
            Ok(lock) => Some(lock),
            Err(_) if !home.journal_dir().exists() => None,
            Err(err) => return Err(err),
        }
    } else {
        None
    };
    let inventory = home.read_inventory()?;
    let certificates = inventory
        .certificates
        .into_iter()
        .filter(|record| args.all || record.is_current())
        .map(|record| ListEntry {
            days_left: (record.not_after - now).whole_days(),
            record,
        })
        .collect();
    Ok(ListReport {
        inventory: home.inventory_path(),
        certificates,
    })
}
