//! A [`Channel`](alloy_actors::Channel) in memory: two ends that pass
//! frames to each other, for actors (or a test) that want the channel
//! contract without a socket.

use alloy_actors::Channel;
use tokio::sync::mpsc;

use super::ConnectionError;

/// One end of an in-process channel of frames ([`InProcessChannel::pair`]).
///
/// ```
/// use alloy_actors::Channel;
/// use olivier_runtime::remote::InProcessChannel;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> anyhow::Result<()> {
/// let (mut here, mut there) = InProcessChannel::pair(1024, 16);
/// here.send(b"frame".to_vec()).await?;
/// assert_eq!(there.receive().await?, Some(b"frame".to_vec()));
/// here.close().await?;
/// assert_eq!(there.receive().await?, None);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct InProcessChannel {
    to: Option<mpsc::Sender<Vec<u8>>>,
    from: mpsc::Receiver<Vec<u8>>,
    max_frame_len: usize,
}

impl InProcessChannel {
    /// Two connected ends, each holding at most `capacity` frames the
    /// other has not taken (a sender waits for room), each frame at most
    /// `max_frame_len` bytes.
    pub fn pair(max_frame_len: usize, capacity: usize) -> (Self, Self) {
        let capacity = capacity.max(1);
        let (a_to, b_from) = mpsc::channel(capacity);
        let (b_to, a_from) = mpsc::channel(capacity);
        (
            Self {
                to: Some(a_to),
                from: a_from,
                max_frame_len,
            },
            Self {
                to: Some(b_to),
                from: b_from,
                max_frame_len,
            },
        )
    }
}

impl Channel for InProcessChannel {
    type Error = ConnectionError;

    async fn send(&mut self, frame: Vec<u8>) -> Result<(), ConnectionError> {
        if frame.len() > self.max_frame_len {
            return Err(ConnectionError::OutgoingTooLarge {
                len: frame.len(),
                max: self.max_frame_len,
            });
        }
        let Some(to) = &self.to else {
            return Err(ConnectionError::Closed);
        };
        to.send(frame).await.map_err(|_| ConnectionError::Closed)
    }

    async fn receive(&mut self) -> Result<Option<Vec<u8>>, ConnectionError> {
        Ok(self.from.recv().await)
    }

    async fn close(&mut self) -> Result<(), ConnectionError> {
        self.to = None;
        self.from.close();
        Ok(())
    }

    fn is_open(&self) -> bool {
        self.to.as_ref().is_some_and(|to| !to.is_closed())
    }
}
