//! Talking to other machines: ssh to remote hosts (with the system's OpenSSH client).

pub mod ssh;
