//! Talking to other machines. The live side of `verify`: the rustls verifier that gives Docker's
//! verdict, what other clients of the daemon would say, naming replies that are not TLS, and RSA
//! keys below 2048 bits; and ssh to remote hosts, with the system's OpenSSH client.

pub mod docker_verifier;
pub mod not_tls;
pub mod other_clients;
pub mod rsa_legacy;
pub mod ssh;
