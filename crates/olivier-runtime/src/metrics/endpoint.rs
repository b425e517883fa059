//! The optional HTTP endpoint: `GET /metrics` on a loopback (or any) TCP
//! address, served by a small tokio listener (HTTP/1.1, one request per
//! connection).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the endpoint serves: the metrics text, or `None` once the system
/// is gone. A function, so the endpoint needs nothing of the system.
pub(crate) type Render = Arc<dyn Fn() -> Option<String> + Send + Sync>;

/// The largest request head read.
const MAX_HEAD: usize = 8 * 1024;
/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts connections until `ended` resolves (the system has shut down).
pub(crate) async fn serve(
    listener: TcpListener,
    render: Render,
    ended: impl Future<Output = ()> + Send,
) {
    let mut ended = std::pin::pin!(ended);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut ended => return,
        };
        match accepted {
            Ok((stream, _)) => {
                let render = Arc::clone(&render);
                tokio::spawn(async move {
                    if let Err(error) = answer(stream, render).await {
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

async fn answer(mut stream: TcpStream, render: Render) -> std::io::Result<()> {
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
        (Some("GET"), Some("/metrics")) => match render() {
            Some(text) => ("200 OK", "text/plain; version=0.0.4; charset=utf-8", text),
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
