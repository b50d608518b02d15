//! Reading and judging certificates. [`load`] reads PEM/DER certificates and keys, [`certinfo`]
//! summarises a certificate, [`inspect`] describes one field by field, `goverify` answers what
//! Docker's Go (`crypto/x509`, `crypto/tls`) decides about a chain, and [`audit`] adds the lints.

pub mod audit;
pub mod certinfo;
mod der;
mod gonames;
mod goparse;
mod gosig;
pub mod goverify;
pub mod inspect;
pub mod load;

pub use goverify::{
    GoRelease, PERMITTED_DIFFERENCES, Purpose, Rejection, Verdict, covers_host, verify,
};
