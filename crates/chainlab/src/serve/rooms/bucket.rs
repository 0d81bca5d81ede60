//! A token bucket per peer: a burst when a peer joins a full room and must reach every
//! roommate at once, then a steady rate, so one tab in a loop cannot flood the room.

use std::time::Duration;

/// Tokens are counted in thousandths so that refills stay exact integers.
const MILLI: u64 = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub per_second: u32,
}

#[derive(Clone, Debug)]
pub struct TokenBucket {
    rate: Rate,
    milli_tokens: u64,
    last: Duration,
}

impl TokenBucket {
    pub fn full(rate: Rate, now: Duration) -> Self {
        Self {
            rate,
            milli_tokens: u64::from(rate.burst) * MILLI,
            last: now,
        }
    }

    /// Takes one token if there is one; `now` comes from the caller's clock.
    pub fn take(&mut self, now: Duration) -> bool {
        let elapsed_ms = now.saturating_sub(self.last).as_millis();
        let refill = elapsed_ms.saturating_mul(u128::from(self.rate.per_second));
        let cap = u64::from(self.rate.burst) * MILLI;
        self.milli_tokens = u64::try_from(u128::from(self.milli_tokens) + refill)
            .unwrap_or(cap)
            .min(cap);
        self.last = self.last.max(now);
        if self.milli_tokens < MILLI {
            return false;
        }
        self.milli_tokens -= MILLI;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RATE: Rate = Rate {
        burst: 10,
        per_second: 5,
    };

    #[test]
    fn burst_then_refill_at_the_rate() {
        let mut bucket = TokenBucket::full(RATE, Duration::ZERO);
        assert!((0..10).all(|_| bucket.take(Duration::ZERO)));
        assert!(!bucket.take(Duration::ZERO));
        assert!(!bucket.take(Duration::from_millis(199)));
        assert!(bucket.take(Duration::from_millis(200)));
        assert!(!bucket.take(Duration::from_millis(200)));
    }

    #[test]
    fn a_long_pause_refills_only_up_to_the_burst() {
        let mut bucket = TokenBucket::full(RATE, Duration::ZERO);
        let later = Duration::from_secs(3600);
        assert_eq!((0..20).filter(|_| bucket.take(later)).count(), 10);
    }

    proptest! {
        #[test]
        fn never_more_than_burst_plus_rate_times_elapsed(steps in proptest::collection::vec(0u64..500, 1..200)) {
            let mut bucket = TokenBucket::full(RATE, Duration::ZERO);
            let mut now = 0u64;
            let mut taken = 0u64;
            for step in steps {
                now += step;
                taken += u64::from(bucket.take(Duration::from_millis(now)));
            }
            prop_assert!(taken <= 10 + now * 5 / 1000);
        }
    }
}
