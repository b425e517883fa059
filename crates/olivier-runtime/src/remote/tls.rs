//! TLS for the remote transport (rustls): the server side of `tls://` and
//! `wss://` listeners, the client side for connecting to them. The
//! handshake's proofs run inside TLS as on any other transport, so TLS
//! adds privacy and a certificate check; the secret still decides who may
//! talk.

use std::fmt;
use std::sync::Arc;

pub use tokio_rustls::rustls;

/// The TLS settings of a system ([`ActorSystemBuilder::tls`](crate::ActorSystemBuilder::tls)):
/// a server configuration to listen on `tls://` and `wss://` endpoints,
/// a client configuration to connect to them. A certificate must name the
/// IP address it is reached at (endpoints hold socket addresses).
///
/// ```
/// use std::sync::Arc;
/// use olivier_runtime::remote::TlsConfig;
/// use olivier_runtime::remote::rustls;
///
/// let roots = rustls::RootCertStore::empty();
/// let client = rustls::ClientConfig::builder_with_provider(Arc::new(
///     rustls::crypto::ring::default_provider(),
/// ))
/// .with_safe_default_protocol_versions()?
/// .with_root_certificates(roots)
/// .with_no_client_auth();
/// let tls = TlsConfig::new().client(Arc::new(client));
/// assert!(tls.has_client() && !tls.has_server());
/// # Ok::<(), rustls::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct TlsConfig {
    server: Option<Arc<rustls::ServerConfig>>,
    client: Option<Arc<rustls::ClientConfig>>,
}

impl TlsConfig {
    /// No TLS yet: add a server or client side.
    pub fn new() -> Self {
        Self::default()
    }

    /// The server side, for `tls://` and `wss://` listeners.
    #[must_use]
    pub fn server(mut self, config: Arc<rustls::ServerConfig>) -> Self {
        self.server = Some(config);
        self
    }

    /// The client side, for connecting to `tls://` and `wss://` endpoints.
    #[must_use]
    pub fn client(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.client = Some(config);
        self
    }

    /// Whether it has a server side.
    pub fn has_server(&self) -> bool {
        self.server.is_some()
    }

    /// Whether it has a client side.
    pub fn has_client(&self) -> bool {
        self.client.is_some()
    }

    pub(crate) fn server_config(&self) -> Option<Arc<rustls::ServerConfig>> {
        self.server.clone()
    }

    pub(crate) fn connector(&self) -> Option<tokio_rustls::TlsConnector> {
        self.client.clone().map(tokio_rustls::TlsConnector::from)
    }
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field("server", &self.server.is_some())
            .field("client", &self.client.is_some())
            .finish()
    }
}
