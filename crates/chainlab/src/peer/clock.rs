//! The node's notion of "now".
//!
//! The sans-IO node reads `now` as Unix milliseconds: it stamps block templates and
//! checks that blocks are not from the future. Reading the wall clock on every call
//! would let an NTP step move time backwards under the peer timers, so the clock
//! reads the wall clock once and then advances with the monotonic clock.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Unix milliseconds that never go backwards.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    unix_ms_at_start: u64,
    start: Instant,
}

impl Clock {
    pub fn start() -> Self {
        let unix_ms_at_start = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| {
                u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
            });
        Self {
            unix_ms_at_start,
            start: Instant::now(),
        }
    }

    pub fn now_ms(&self) -> u64 {
        let elapsed = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.unix_ms_at_start.saturating_add(elapsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_at_the_wall_clock_and_never_goes_back() {
        let clock = Clock::start();
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let first = clock.now_ms();
        assert!(first.abs_diff(wall) < 1_000, "{first} vs {wall}");
        std::thread::sleep(std::time::Duration::from_millis(5));
        let second = clock.now_ms();
        assert!(second >= first + 5, "{first} then {second}");
    }
}
