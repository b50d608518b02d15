//! `dockcert list`: the inventory, with days left.

use anyhow::Result;
use time::OffsetDateTime;

use crate::Env;
use crate::cli::ListArgs;
use crate::home::Home;
use crate::report::{ListEntry, ListReport};

/// Runs `list`.
pub fn run(args: &ListArgs, env: &Env, now: OffsetDateTime) -> Result<ListReport> {
    let home = Home::resolve(args.home.home.as_deref(), env.dockcert_home.as_deref())?;
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
