//! Integration tests: the real binary, with HOME, DOCKCERT_HOME, DOCKER_CERT_PATH and DOCKER_CONFIG
//! pointed at temporary directories, and the real openssl, docker CLI and dockerd as peers.

mod audit;
mod crash;
mod docker_verdict;
mod dockerd;
mod doctor;
mod faults;
mod goverdict;
mod helpers;
mod hostile;
mod init;
mod lifecycle;
mod nshost;
mod openssl;
mod provision;
mod robust;
mod shells;
mod verify;
