//! Gives freed heap memory back to the system. glibc keeps what a thread frees in that thread's
//! arena, and every connection has a thread of its own: after a client sends megabytes (or many
//! clients do), the daemon would stay at its peak for good. Two measures, both on glibc's own
//! allocator (no second allocator to build, audit and tune per platform):
//!
//! - [`configure`], at start: a fixed mmap threshold, so every large buffer (message bodies,
//!   replies, Jira pages) is its own mapping, returned whole when freed (glibc's default raises the
//!   threshold to 32 MiB after the first large free, after which such buffers stay in the arenas);
//!   and few arenas, so small allocations freed by many threads gather where a trim finds them.
//! - [`spawn_trimmer`]: a timer returns the arenas' free pages once enough pile up, so resident
//!   memory comes back near its baseline after a burst.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
use std::time::Duration;

/// How often the free heap is looked at: cheap (a sum over the arenas), and only a large pile of
/// free memory costs a trim.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const CHECK_EVERY: Duration = Duration::from_secs(2);

/// Free heap bytes above which a trim pays for itself.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_ABOVE: usize = 8 << 20;

/// Buffers at least this large get a mapping of their own.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 256 << 10;

/// Arenas for all threads: connections' threads share them (contention is low, each call holds
/// the allocator briefly) instead of each keeping freed memory in an arena of its own.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const ARENA_MAX: libc::c_int = 4;

/// Sets the allocator up for a long-running daemon (see the module doc). Call before threads
/// start. A `GLIBC_TUNABLES` that sets malloc tunables is the user's choice and is left alone.
pub fn configure() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let tuned = std::env::var("GLIBC_TUNABLES").is_ok_and(|t| t.contains("glibc.malloc."));
        if tuned {
            return;
        }
        // SAFETY: mallopt only sets the allocator's parameters; no other thread runs yet.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
            libc::mallopt(libc::M_ARENA_MAX, ARENA_MAX);
        }
    }
}

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
