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
