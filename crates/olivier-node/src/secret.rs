//! Where the cluster's secret comes from: a file (`--secret-file`) or an
//! environment variable (`--secret-env`, `ALLOY_SECRET` by default), never
//! the command line's own text, which other users of the machine can read.

use std::path::{Path, PathBuf};

use olivier_runtime::remote::Secret;

/// The environment variable read when no `--secret-file` is given.
pub const DEFAULT_SECRET_ENV: &str = "ALLOY_SECRET";

/// Reads the secret from `file` when given (one trailing newline is not
/// part of it), else from the environment variable `env`.
///
/// # Errors
///
/// [`SecretSourceError`] when neither holds a valid secret.
pub fn load(file: Option<&Path>, env: &str) -> Result<Secret, SecretSourceError> {
    let bytes = match file {
        Some(path) => {
            let mut bytes = std::fs::read(path).map_err(|source| SecretSourceError::Read {
                path: path.to_owned(),
                source,
            })?;
            if bytes.last() == Some(&b'\n') {
                bytes.pop();
                if bytes.last() == Some(&b'\r') {
                    bytes.pop();
                }
            }
            bytes
        }
        None => match std::env::var_os(env) {
            Some(value) if !value.is_empty() => value.into_encoded_bytes(),
            _ => {
                return Err(SecretSourceError::NotSet {
                    env: env.to_owned(),
                });
            }
        },
    };
    Secret::new(bytes).map_err(SecretSourceError::Invalid)
}

/// No usable secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretSourceError {
    /// No file was given and the variable is unset or empty.
    #[error("no secret: set {env} or pass --secret-file PATH")]
    NotSet {
        /// The variable read.
        env: String,
    },
    /// The file could not be read.
    #[error("could not read the secret file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The secret is too short.
    #[error("the secret is not valid")]
    Invalid(#[source] olivier_runtime::remote::SecretError),
}
