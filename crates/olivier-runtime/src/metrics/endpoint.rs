//! The optional HTTP endpoint: `GET /metrics` on a loopback (or any) TCP
//! address, served by a small tokio listener (HTTP/1.1, one request per
//! connection).

use std::sync::Weak;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::system::SystemInner;

/// The largest request head read.
const MAX_HEAD: usize = 8 * 1024;
/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts connections until the system is gone or has shut down.
pub(crate) async fn serve(listener: TcpListener, system: Weak<SystemInner>) {
    let Some(mut ended) = system.upgrade().map(|inner| inner.exit_watch()) else {
        return;
    };
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = ended.wait_for(Option::is_some) => return,
        };
        match accepted {
            Ok((stream, _)) => {
                let system = Weak::clone(&system);
                tokio::spawn(async move {
                    if let Err(error) = answer(stream, system).await {
                        tracing::debug!(target: "olivier::metrics", %error, "metrics request failed");
                    }
                });
            }
            Err(error) => {
                tracing::warn!(target: "olivier::metrics", %error, "metrics endpoint accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn answer(mut stream: TcpStream, system: Weak<SystemInner>) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(512);
    let complete = tokio::time::timeout(READ_TIMEOUT, async {
        let mut chunk = [0u8; 1024];
        while !head.windows(4).any(|window| window == b"\r\n\r\n") && head.len() < MAX_HEAD {
            let read = stream.read(&mut chunk).await?;
            if read == 0 {
                break;
            }
            head.extend_from_slice(&chunk[..read]);
        }
        Ok::<_, std::io::Error>(())
    })
    .await;
    if !matches!(complete, Ok(Ok(()))) {
        return Ok(());
    }
    let line = head
        .split(|byte| *byte == b'\n')
        .next()
        .map(|line| String::from_utf8_lossy(line).trim_end().to_owned())
        .unwrap_or_default();
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next(), parts.next());
    let (status, content_type, body) = match (method, target) {
        (Some("GET"), Some("/metrics")) => match system.upgrade() {
            Some(system) => (
                "200 OK",
                "text/plain; version=0.0.4; charset=utf-8",
                system.metrics_text(),
            ),
            None => (
                "503 Service Unavailable",
                "text/plain; charset=utf-8",
                "the actor system is gone\n".to_owned(),
            ),
        },
        (Some("GET"), Some(_)) => (
            "404 Not Found",
            "text/plain; charset=utf-8",
            "only /metrics is served here\n".to_owned(),
        ),
        _ => (
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            "only GET /metrics is served here\n".to_owned(),
        ),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}
