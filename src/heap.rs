//! Gives freed heap memory back to the system. glibc keeps what a thread frees in that thread's
//! arena, and every connection has a thread of its own: after a client sends megabytes (or many
//! clients do), the daemon would stay at its peak for good. A timer returns the free pages once
//! enough of them pile up, so resident memory comes back near its baseline after a burst.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
use std::time::Duration;

/// How often the free heap is looked at: cheap (a sum over the arenas), and only a large pile of
/// free memory costs a trim.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const CHECK_EVERY: Duration = Duration::from_secs(2);

/// Free heap bytes above which a trim pays for itself.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_ABOVE: usize = 8 << 20;

/// Starts the timer on the current runtime (glibc only; other allocators return memory themselves).
pub fn spawn_trimmer() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    tokio::spawn(async {
        let mut tick = tokio::time::interval(CHECK_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // SAFETY: both only read and adjust the allocator's own state, under its locks.
            let free = unsafe { libc::mallinfo2() }.fordblks;
            if free > TRIM_ABOVE {
                // SAFETY: as above.
                unsafe { libc::malloc_trim(0) };
            }
        }
    });
}
