//! Content work that can take a while (parsing a large response, normalizing and converting issue
//! text) runs on tokio's blocking pool, never on the threads that accept connections or read other
//! clients' requests. Each piece of work is bounded (responses by `max_response_bytes`, converters
//! linear in their input), and stops early when its caller goes away.

use super::budget::Stop;
use super::JiraError;

/// Sets the stop flag when the waiting future is dropped.
struct StopOnDrop(Stop);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.raise();
    }
}

/// Input below this size is handled in place: a hop to the pool would cost more than the work.
const IN_PLACE_BYTES: usize = 64 << 10;

/// The size to give [`heavy`] for normalizing and converting issues: how much text they hold is not
/// known before the work, so it always goes to the pool.
pub const UNKNOWN_SIZE: usize = usize::MAX;

/// Runs `work` on the blocking pool (in place when `size` is small). `work` should check
/// [`Stop::requested`] between units of work (issues of a page, for instance), and give each
/// conversion a [`super::budget::Budget`] made from the stop, so a long one stops part-way too.
pub async fn heavy<T, F>(size: usize, work: F) -> Result<T, JiraError>
where
    T: Send + 'static,
    F: FnOnce(&Stop) -> T + Send + 'static,
{
    let stop = Stop::default();
    if size < IN_PLACE_BYTES {
        return Ok(work(&stop));
    }
    let _stop_on_drop = StopOnDrop(stop.clone());
    tokio::task::spawn_blocking(move || work(&stop))
        .await
        .map_err(|e| JiraError::Protocol(format!("converting Jira content failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn large_work_runs_off_the_calling_thread_and_small_work_in_place() {
        let here = std::thread::current().id();
        let small = heavy(10, |_| std::thread::current().id()).await.unwrap();
        let large = heavy(1 << 20, |_| std::thread::current().id())
            .await
            .unwrap();
        assert_eq!(small, here);
        assert_ne!(large, here);
    }

    #[tokio::test]
    async fn work_stops_when_its_caller_goes_away() {
        let (tx, rx) = std::sync::mpsc::channel();
        let call = heavy(1 << 20, move |stop| {
            let mut units = 0u64;
            while !stop.requested() && units < 10_000 {
                std::thread::sleep(Duration::from_millis(1));
                units += 1;
            }
            let _ = tx.send(units);
        });
        // The caller gives up after 20 ms: the work sees the stop long before its 10,000 units.
        let _ = tokio::time::timeout(Duration::from_millis(20), call).await;
        let units = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(units < 10_000, "work ran to the end: {units} units");
    }
}
