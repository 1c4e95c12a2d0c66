//! Admission control for the socket server: how many connections, how long one may take to send
//! a whole message, the open files kept in reserve, and log lines that cannot flood the log.

use super::connection::{now_ms, ConnectionHandle, Hub};
use std::time::Duration;

/// The socket server's limits (from `[limits]`).
#[derive(Debug, Clone)]
pub struct Admission {
    /// Most open connections.
    pub max_connections: usize,
    /// A connection with no whole message this long after it connected is closed.
    pub first_message: Duration,
    /// A message begun this long ago and still not whole closes its connection.
    pub partial_message: Duration,
    /// Open files kept free for everything that is not a client connection.
    pub reserved_files: usize,
}

impl Default for Admission {
    fn default() -> Self {
        Admission {
            max_connections: 512,
            first_message: Duration::from_secs(10),
            partial_message: Duration::from_secs(30),
            reserved_files: 128,
        }
    }
}

/// Connections closed to make room that may still hold their descriptor (their thread is ending):
/// beyond the cap plus this many, the server stops accepting until one is gone, so a burst of new
/// connections waits in the kernel's backlog instead of running the daemon out of descriptors.
pub const CLOSING_SLACK: usize = 32;

/// What to do with a connection just accepted.
#[derive(Debug)]
pub(crate) enum Decision {
    /// Serve it.
    Admit,
    /// Serve it, after closing this connection that has not sent a whole message yet.
    Evict(ConnectionHandle),
    /// Close it: every slot is taken by connections that are talking.
    Refuse,
}

impl Admission {
    /// The cap that fits the open-file limit: one descriptor per connection, the reserve kept,
    /// and room for [`CLOSING_SLACK`] connections on their way out.
    pub fn effective_cap(&self, open_files: u64) -> usize {
        let room = open_files.saturating_sub(self.reserved_files as u64 + CLOSING_SLACK as u64);
        self.max_connections.min(room as usize).max(1)
    }

    /// Whether a new connection may be served beside the `live` ones, and at whose expense.
    pub(crate) fn decide(&self, cap: usize, live: usize, hub: &Hub) -> Decision {
        if live < cap {
            return Decision::Admit;
        }
        // The oldest silent connection goes first: a real client sends its first message at once.
        // One whose message waits unread has spoken, however slow the daemon is to read it.
        match hub
            .connections()
            .into_iter()
            .filter(|c| !c.has_framed() && !c.is_closed() && !c.has_unread())
            .min_by_key(ConnectionHandle::id)
        {
            Some(victim) => Decision::Evict(victim),
            None => Decision::Refuse,
        }
    }

    /// Closes connections past their deadline; returns how many.
    pub(crate) fn reap(&self, hub: &Hub) -> usize {
        let now = now_ms();
        let mut closed = 0;
        for conn in hub.connections() {
            let Some(since) = conn.waiting_since_ms() else {
                continue;
            };
            let limit = if conn.has_framed() {
                self.partial_message
            } else {
                self.first_message
            };
            if now.saturating_sub(since) > limit.as_millis() as u64 && !conn.is_closed() {
                conn.close();
                closed += 1;
            }
        }
        closed
    }

    /// How often [`Admission::reap`] runs: often enough to keep each deadline within a quarter.
    pub fn reap_every(&self) -> Duration {
        (self.first_message.min(self.partial_message) / 4)
            .clamp(Duration::from_millis(20), Duration::from_secs(1))
    }
}

/// Raises the open-file soft limit to the hard limit (a desktop's default soft limit of 1,024 is
/// far below what the kernel allows) and returns the soft limit now in force.
#[cfg(unix)]
pub fn raise_open_file_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the struct it is given; setrlimit reads it.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 1024;
        }
        let before = lim.rlim_cur;
        // macOS refuses more than OPEN_MAX with RLIM_INFINITY as the hard limit.
        let target = if cfg!(target_os = "macos") {
            lim.rlim_max.min(10_240)
        } else {
            lim.rlim_max
        };
        if target > lim.rlim_cur {
            lim.rlim_cur = target;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                lim.rlim_cur = before;
            }
        }
    }
    #[allow(clippy::unnecessary_cast)] // rlim_t is 32 bits on some targets
    let soft = lim.rlim_cur as u64;
    soft
}

/// Without a per-process open-file limit to raise, a large constant.
#[cfg(not(unix))]
pub fn raise_open_file_limit() -> u64 {
    u64::MAX / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue() -> crate::rpc::outbound::OutboundQueue {
        crate::rpc::outbound::OutboundQueue::new(
            1,
            1 << 20,
            crate::rpc::outbound::OutputBudget::new(usize::MAX),
        )
        .0
    }

    #[test]
    fn the_cap_keeps_the_reserve_free() {
        let a = Admission {
            max_connections: 512,
            reserved_files: 128,
            ..Admission::default()
        };
        assert_eq!(a.effective_cap(1024), 512);
        assert_eq!(a.effective_cap(400), 400 - 128 - CLOSING_SLACK);
        assert_eq!(a.effective_cap(100), 1);
    }

    #[test]
    fn silent_connections_make_room_and_talking_ones_do_not() {
        let hub = Hub::new();
        let quiet = ConnectionHandle::new(hub.clone(), queue(), None);
        let talking = ConnectionHandle::new(hub.clone(), queue(), None);
        talking.frame_done(true);
        let a = Admission::default();
        assert!(matches!(a.decide(3, 2, &hub), Decision::Admit));
        assert!(matches!(a.decide(2, 2, &hub), Decision::Evict(c) if c.id() == quiet.id()));
        quiet.close();
        assert!(matches!(a.decide(2, 2, &hub), Decision::Refuse));
    }

    #[test]
    fn a_connection_whose_message_waits_unread_is_not_silent() {
        let hub = Hub::new();
        let unread = ConnectionHandle::new(hub.clone(), queue(), None)
            .with_unread(Some(std::sync::Arc::new(|| true)));
        let quiet = ConnectionHandle::new(hub.clone(), queue(), None);
        let a = Admission::default();
        // The older connection has spoken, though unread: the younger silent one makes room.
        assert!(matches!(a.decide(2, 2, &hub), Decision::Evict(c) if c.id() == quiet.id()));
        quiet.close();
        assert!(matches!(a.decide(2, 2, &hub), Decision::Refuse));
        drop(unread);
    }

    #[test]
    fn deadlines_close_silent_and_stuck_connections() {
        let hub = Hub::new();
        let quiet = ConnectionHandle::new(hub.clone(), queue(), None);
        let idle = ConnectionHandle::new(hub.clone(), queue(), None);
        idle.frame_done(true);
        let a = Admission {
            first_message: Duration::ZERO,
            partial_message: Duration::ZERO,
            ..Admission::default()
        };
        std::thread::sleep(Duration::from_millis(3));
        assert_eq!(a.reap(&hub), 1);
        assert!(
            quiet.is_closed() && !idle.is_closed(),
            "an idle client keeps its connection"
        );
    }
}
