//! A Unix socket connection served from a thread of its own: the reader sleeps in `read(2)`
//! instead of the runtime's `epoll_wait`, so a call that finishes at once costs one read and one
//! send, like a bare blocking echo (the async path paid an `epoll_wait` per request too, about
//! 1.14x of the echo's round trip before any work). The dispatcher is the same
//! ([`serve_peer`], told how to wake this reader and probe for hang-ups): its future runs on this thread with the daemon's runtime entered, so calls
//! that wait, the writer task and timers all go to the runtime.

use crate::rpc::connection::{HangupProbe, Interrupt};
use crate::rpc::dispatch::{serve_peer, Peer};
use crate::rpc::Router;
use crate::rpc::{Hub, ServeOptions};
use std::io::{self, Read};
use std::net::Shutdown;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::sync::oneshot;

/// Serves `stream` (an accepted, peer-checked connection) on a new thread; the receiver resolves
/// when the connection is done.
pub(crate) fn serve_on_thread(
    stream: UnixStream,
    methods: Router,
    hub: Hub,
    opts: ServeOptions,
    hangup: HangupProbe,
) -> io::Result<oneshot::Receiver<()>> {
    stream.set_nonblocking(false)?;
    // One descriptor per connection, shared by the reader, the writer and the interrupt: a
    // connection's cost in open files is what the connection cap counts.
    let stream = Arc::new(stream);
    let reader = BlockingRead(stream.clone());
    let writer = SocketWriter {
        stream: stream.clone(),
        waiting: None,
    };
    let probed = stream.clone();
    // Closing the connection or stopping the daemon must wake a reader asleep in `read`.
    let interrupt: Interrupt = Arc::new(move || {
        let _ = stream.shutdown(Shutdown::Read);
    });
    let unread: HangupProbe = Arc::new(move || {
        let mut n: libc::c_int = 0;
        // SAFETY: FIONREAD writes one int through a valid pointer; the descriptor is open for as
        // long as `probed` holds the stream.
        let rc = unsafe { libc::ioctl(probed.as_raw_fd(), libc::FIONREAD, &mut n) };
        rc == 0 && n > 0
    });
    let peer = Peer {
        hangup: Some(hangup),
        interrupt: Some(interrupt),
        unread: Some(unread),
    };
    let runtime = tokio::runtime::Handle::current();
    let (done, finished) = oneshot::channel();
    std::thread::Builder::new()
        .name("jirad-conn".into())
        .stack_size(super::THREAD_STACK)
        .spawn(move || {
            let _entered = runtime.enter();
            futures::executor::block_on(serve_peer(methods, hub, reader, writer, opts, peer));
            let _ = done.send(());
        })?;
    Ok(finished)
}

/// Reads block the thread: it has nothing else to do until the client sends.
struct BlockingRead(Arc<UnixStream>);

impl AsyncRead for BlockingRead {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            match (&*self.0).read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

/// Writes never block (`MSG_DONTWAIT`), whichever thread writes: a full socket registers with the
/// runtime's reactor until it drains, so a client that stops reading holds no thread.
struct SocketWriter {
    stream: Arc<UnixStream>,
    /// The socket's registration for writability, only while a write waits (the reader never
    /// registers: it blocks in `read`).
    waiting: Option<AsyncFd<Arc<UnixStream>>>,
}

impl SocketWriter {
    fn send(&self, buf: &[u8]) -> io::Result<usize> {
        // SAFETY: the pointer and length describe `buf`, borrowed for the call; the fd is open
        // while `self.stream` lives.
        let n = unsafe {
            libc::send(
                self.stream.as_raw_fd(),
                buf.as_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
            )
        };
        usize::try_from(n).map_err(|_| io::Error::last_os_error())
    }
}

impl AsyncWrite for SocketWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            let Some(fd) = &self.waiting else {
                match self.send(buf) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        let stream = self.stream.clone();
                        // SAFETY: the registration holds the stream, so its fd stays open and
                        // unchanged while registered; nothing else registers it (the reader
                        // blocks in `read`).
                        self.waiting = Some(unsafe {
                            AsyncFd::register_with_interest(stream, Interest::WRITABLE)
                        }?);
                        continue;
                    }
                    other => return Poll::Ready(other),
                }
            };
            let mut ready = ready!(fd.poll_write_ready(cx))?;
            match self.send(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => ready.clear_ready(),
                other => {
                    drop(ready);
                    self.waiting = None;
                    return Poll::Ready(other);
                }
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.stream.shutdown(Shutdown::Write))
    }
}
