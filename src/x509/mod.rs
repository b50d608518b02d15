//! Reading and judging certificates. `goverify` answers what Docker's Go (`crypto/x509`,
//! `crypto/tls`) decides about a chain.

mod der;
mod gonames;
mod goparse;
mod gosig;
pub mod goverify;

pub use goverify::{
    GoRelease, PERMITTED_DIFFERENCES, Purpose, Rejection, Verdict, covers_host, verify,
};
