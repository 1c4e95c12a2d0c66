//! Keeps every CPU busy with lowest-priority spinners while a benchmark runs.
//!
//! On a virtual machine an idle vCPU halts, and waking it costs the host a reschedule: measured
//! here, a bare socket echo's round trip went from 5 µs to 48 µs once the machine was otherwise
//! idle, drowning every difference between the daemon and the echo. Spinners at nice 19 keep the
//! vCPUs running; any woken benchmark thread preempts them at once. `BENCH_NO_SPIN=1` disables them.
//!
//! Placement mattered as much: the same binary measured 10 µs or 37 µs per round trip depending on
//! whether the scheduler put the server beside the client or not. With two CPUs or more (and
//! `taskset`), the measuring thread runs on CPU 0 and every server on CPU 1, so the daemon and
//! the echoes are measured in the same placement. `BENCH_NO_PIN=1` leaves placement alone.

use std::process::{Child, Command, Stdio};

pub struct KeepAwake(Vec<Child>);

impl KeepAwake {
    pub fn start() -> KeepAwake {
        if std::env::var_os("BENCH_NO_SPIN").is_some() {
            return KeepAwake(Vec::new());
        }
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let spinners = (0..cpus)
            .filter_map(|cpu| {
                on_cpu(cpu, "nice")
                    .args(["-n", "19", "sh", "-c", "while :; do :; done"])
                    .stdin(Stdio::null())
                    .spawn()
                    .ok()
            })
            .collect();
        KeepAwake(spinners)
    }
}

/// The CPU servers run on, when placement is pinned.
const SERVER_CPU: usize = 1;

fn pinning() -> bool {
    std::env::var_os("BENCH_NO_PIN").is_none()
        && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
        && Command::new("taskset")
            .arg("-V")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

/// `program` run on `cpu` (through `taskset`) when pinning, else as it is.
fn on_cpu(cpu: usize, program: impl AsRef<std::ffi::OsStr>) -> Command {
    if !pinning() {
        return Command::new(program);
    }
    let mut cmd = Command::new("taskset");
    cmd.args(["-c", &cpu.to_string()]).arg(program);
    cmd
}

/// A command for a server process (the daemon, an echo), placed on the server CPU.
pub fn server(program: impl AsRef<std::ffi::OsStr>) -> Command {
    on_cpu(SERVER_CPU, program)
}

/// Moves the calling thread (the bench's main thread, which measures) to CPU 0.
pub fn pin_measuring_thread() {
    if pinning() {
        let _ = Command::new("taskset")
            .args(["-p", "-c", "0", &std::process::id().to_string()])
            .stdout(Stdio::null())
            .status();
    }
}

impl Drop for KeepAwake {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
