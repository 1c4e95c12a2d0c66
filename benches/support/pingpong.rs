//! What the latency benches share: echo servers answering every line with fixed reply bytes
//! (the bench binary re-executed, so they pay the same cross-process wakeups as the daemon), and
//! round trips measured in interleaved chunks, so that a change in the machine's state during
//! the run (this VM drifts by 1.5x within a minute) weighs on every target alike.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

const ECHO_SOCKET: &str = "BENCH_ECHO_SOCKET";
const ECHO_REPLY: &str = "BENCH_ECHO_REPLY";
const ECHO_TOKIO: &str = "BENCH_ECHO_TOKIO";

/// Round trips per target before measuring, and measured.
pub const WARMUP: usize = 2_000;
pub const N: usize = 20_000;
/// Round trips on one target before moving to the next.
const CHUNK: usize = 500;

/// In a re-executed bench binary: serves as an echo, then returns true.
pub fn serve_if_echo() -> bool {
    let Some(path) = std::env::var_os(ECHO_SOCKET) else {
        return false;
    };
    let reply = std::env::var(ECHO_REPLY).expect("reply");
    if std::env::var_os(ECHO_TOKIO).is_some() {
        tokio_echo(Path::new(&path), reply.as_bytes());
    } else {
        blocking_echo(Path::new(&path), reply.as_bytes());
    }
    true
}

/// An echo process serving one connection.
pub struct Echo {
    child: Child,
    pub sock: PathBuf,
}

impl Echo {
    /// Starts an echo answering with `reply` (one line) on `sock`: a blocking thread, or with
    /// `tokio`, a current-thread runtime like the daemon's (the async I/O floor, without our code).
    pub fn start(sock: PathBuf, reply: &[u8], tokio: bool) -> Echo {
        let mut cmd = super::awake::server(std::env::current_exe().expect("current_exe"));
        cmd.env(ECHO_SOCKET, &sock)
            .env(ECHO_REPLY, std::str::from_utf8(reply).expect("utf8 reply"));
        if tokio {
            cmd.env(ECHO_TOKIO, "1");
        }
        let child = cmd.spawn().expect("spawn echo");
        // The first connection that succeeds is the probe the echo expects.
        while UnixStream::connect(&sock).is_err() {
            std::thread::sleep(Duration::from_millis(5));
        }
        Echo { child, sock }
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking echo serving one connection: read a line, write the reply.
fn blocking_echo(path: &Path, reply: &[u8]) {
    let listener = UnixListener::bind(path).expect("bind echo");
    let _probe = listener.accept().expect("accept probe");
    let (stream, _) = listener.accept().expect("accept");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut writer = stream;
    let mut line = Vec::new();
    while reader
        .read_until(b'\n', &mut line)
        .map(|n| n > 0)
        .unwrap_or(false)
    {
        if writer.write_all(reply).is_err() {
            break;
        }
        line.clear();
    }
}

/// The same echo on a current-thread tokio runtime, the daemon's default runtime.
fn tokio_echo(path: &Path, reply: &[u8]) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let listener = tokio::net::UnixListener::bind(path).expect("bind");
        let _probe = listener.accept().await.expect("probe");
        let (stream, _) = listener.accept().await.expect("accept");
        let (rd, mut wr) = stream.into_split();
        let mut reader = tokio::io::BufReader::new(rd);
        let mut line = Vec::new();
        while reader
            .read_until(b'\n', &mut line)
            .await
            .map(|n| n > 0)
            .unwrap_or(false)
        {
            if wr.write_all(reply).await.is_err() {
                break;
            }
            line.clear();
        }
    });
}

/// One connection, one request line at a time.
pub struct Conn {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
    reply: Vec<u8>,
}

impl Conn {
    pub fn connect(path: &Path) -> Conn {
        let stream = UnixStream::connect(path).expect("connect");
        Conn {
            reader: BufReader::new(stream.try_clone().expect("clone")),
            writer: stream,
            reply: Vec::new(),
        }
    }

    /// One round trip; the reply line.
    pub fn call(&mut self, request: &[u8]) -> &[u8] {
        self.reply.clear();
        self.writer.write_all(request).expect("write");
        self.reader
            .read_until(b'\n', &mut self.reply)
            .expect("read");
        &self.reply
    }
}

/// Latencies of [`N`] round trips of each connection's request, after [`WARMUP`], taken in
/// turns of [`CHUNK`].
pub fn interleaved(conns: &mut [(&mut Conn, &[u8])]) -> Vec<Vec<Duration>> {
    for (c, request) in conns.iter_mut() {
        for _ in 0..WARMUP {
            c.call(request);
        }
    }
    let mut lat: Vec<Vec<Duration>> = conns.iter().map(|_| Vec::with_capacity(N)).collect();
    for _ in 0..N / CHUNK {
        for ((c, request), lat) in conns.iter_mut().zip(&mut lat) {
            for _ in 0..CHUNK {
                let t = Instant::now();
                c.call(request);
                lat.push(t.elapsed());
            }
        }
    }
    lat
}

/// p50 and p99.
pub fn percentiles(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort_unstable();
    (v[v.len() / 2], v[v.len() * 99 / 100])
}

pub fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
