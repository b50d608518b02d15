//! One module per subcommand: glue only (resolve paths -> pki -> store -> report).

pub mod audit;
pub mod context;
pub mod daemon_config;
pub mod doctor;
pub mod env;
pub mod import;
pub mod init;
pub mod inspect;
pub mod issue;
pub mod list;
pub mod provision;
pub mod renew;
pub mod rotate;
pub mod verify;

use crate::store::home::Home;

/// Takes `home`'s lock ([`Home::lock`]) and says on stderr which interrupted runs it finished or
/// undid first: the one place that reports a recovery.
pub fn lock_home(home: &Home) -> anyhow::Result<crate::store::Lock> {
    let (lock, recovered) = home.lock()?;
    crate::report::print_recovered(&recovered);
    Ok(lock)
}
