//! TLS on the remote transport (rustls): a counter is told and asked by
//! name over `tls://` and `wss://`; a client that does not trust the
//! server's certificate, or that speaks plain TCP to a TLS port, does not
//! get in, and the listener keeps serving.

#[path = "support/raw.rs"]
mod raw;
#[path = "support/behaviors.rs"]
mod support;

use std::net::SocketAddr;
use std::sync::Arc;

use alloy_actors::ActorSpec;
use alloy_counter::Counter;
use olivier_runtime::ActorSystem;
use olivier_runtime::remote::rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer,
};
use olivier_runtime::remote::rustls::{self, ClientConfig, RootCertStore, ServerConfig};
use olivier_runtime::remote::{ConnectError, Endpoint, TlsConfig};
use support::within;

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A self-signed certificate for 127.0.0.1, and its key.
fn certificate() -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).expect("a certificate");
    let key = PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der());
    (certified.cert.der().clone(), PrivateKeyDer::Pkcs8(key))
}

fn server(cert: &CertificateDer<'static>, key: PrivateKeyDer<'static>) -> TlsConfig {
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .expect("a server configuration");
    TlsConfig::new().server(Arc::new(config))
}

fn client(trusted: &CertificateDer<'static>) -> TlsConfig {
    let mut roots = RootCertStore::empty();
    roots.add(trusted.clone()).expect("a root");
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConfig::new().client(Arc::new(config))
}

async fn shop_over_tls() -> (ActorSystem, CertificateDer<'static>) {
    let (cert, key) = certificate();
    let shop = ActorSystem::builder()
        .name("shop")
        .secret(raw::secret())
        .tls(server(&cert, key))
        .listen_on(Endpoint::Tls(loopback()))
        .listen_on(Endpoint::WebSocketTls(loopback()))
        .build()
        .expect("build shop");
    let counter = shop
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .expect("spawn");
    shop.register("tally", &counter).expect("register");
    (shop, cert)
}

fn till(name: &str, tls: TlsConfig) -> ActorSystem {
    ActorSystem::builder()
        .name(name)
        .secret(raw::secret())
        .tls(tls)
        .build()
        .expect("build till")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counter_is_told_and_asked_by_name_over_tls_and_secure_websocket() {
    let (shop, cert) = shop_over_tls().await;
    let endpoints = shop.listen_endpoints();
    assert!(matches!(endpoints[0], Endpoint::Tls(_)), "{endpoints:?}");
    assert!(
        matches!(endpoints[1], Endpoint::WebSocketTls(_)),
        "{endpoints:?}"
    );
    for (n, endpoint) in endpoints.iter().enumerate() {
        let till = till(&format!("till{n}"), client(&cert));
        let count = raw::increment_tally_over(&till, endpoint).await;
        assert_eq!(count, n as i64 + 1, "over {endpoint}");
        within("the shutdown", till.shutdown()).await.expect("till");
    }
    within("the shutdown", shop.shutdown()).await.expect("shop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_and_plain_tcp_do_not_get_in() {
    let (shop, cert) = shop_over_tls().await;
    let Endpoint::Tls(addr) = shop.listen_endpoints()[0] else {
        panic!("a TLS endpoint");
    };
    // A client that trusts another certificate refuses the server's.
    let (other, _) = certificate();
    let wary = till("wary", client(&other));
    let refused = within("connect", wary.connect_to(&Endpoint::Tls(addr))).await;
    assert!(
        matches!(&refused, Err(ConnectError::Io { source, .. }) if source.to_string().contains("certificate")),
        "{refused:?}"
    );
    // Plain TCP to a TLS port: no hello comes back, the handshake fails.
    let plain = till("plain", TlsConfig::new());
    assert!(
        within("connect", plain.connect(addr)).await.is_err(),
        "a plain connection to a TLS port"
    );
    // A system with no client side cannot dial TLS at all.
    assert!(matches!(
        within("connect", plain.connect_to(&Endpoint::Tls(addr))).await,
        Err(ConnectError::Io { .. })
    ));
    // The listener still serves a client that trusts it.
    let trusting = till("trusting", client(&cert));
    within("connect", trusting.connect_to(&Endpoint::Tls(addr)))
        .await
        .expect("a trusting client connects");
    for system in [wary, plain, trusting, shop] {
        within("the shutdown", system.shutdown())
            .await
            .expect("shutdown");
    }
}

#[test]
fn a_tls_endpoint_without_a_server_side_does_not_listen() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let _entered = runtime.enter();
    let built = ActorSystem::builder()
        .name("bare")
        .secret(raw::secret())
        .listen_on(Endpoint::Tls(loopback()))
        .build();
    assert!(
        matches!(built, Err(olivier_runtime::BuildError::Listen { .. })),
        "{built:?}"
    );
}
