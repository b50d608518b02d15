//! One module per subcommand: glue only (resolve paths -> pki -> store -> report).

pub mod audit;
pub mod init;
pub mod inspect;
