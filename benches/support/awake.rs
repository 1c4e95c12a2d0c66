//! Keeps every CPU busy with lowest-priority spinners while a benchmark runs.
//!
//! On a virtual machine an idle vCPU halts, and waking it costs the host a reschedule: measured
//! here, a bare socket echo's round trip went from 5 µs to 48 µs once the machine was otherwise
//! idle, drowning every difference between the daemon and the echo. Spinners at nice 19 keep the
//! vCPUs running; any woken benchmark thread preempts them at once. `BENCH_NO_SPIN=1` disables them.

use std::process::{Child, Command, Stdio};

pub struct KeepAwake(Vec<Child>);

impl KeepAwake {
    pub fn start() -> KeepAwake {
        if std::env::var_os("BENCH_NO_SPIN").is_some() {
            return KeepAwake(Vec::new());
        }
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let spinners = (0..cpus)
            .filter_map(|_| {
                Command::new("nice")
                    .args(["-n", "19", "sh", "-c", "while :; do :; done"])
                    .stdin(Stdio::null())
                    .spawn()
                    .ok()
            })
            .collect();
        KeepAwake(spinners)
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
