//! A run the learner scrubs, and the clock its animation is drawn at.

use consensus::{Injection, Node, Simulator, Timeline};

use super::controls::Drive;

/// Steps between the timeline's snapshots: a jump replays at most this many events.
const SNAPSHOT_EVERY: u64 = 256;
/// Most events one animation tick may process, so a tick never stalls the page.
const MAX_EVENTS_PER_TICK: usize = 2_000;

/// The timeline plus the simulated time the picture shows. While playing, the clock
/// runs smoothly between events (timer arcs shrink); after a step it jumps to the
/// event's time.
pub struct Run<N: Node> {
    pub timeline: Timeline<N>,
    pub clock: u64,
}

impl<N: Node> Run<N> {
    pub fn new(sim: Simulator<N>) -> Self {
        Self {
            timeline: Timeline::new(sim, SNAPSHOT_EVERY),
            clock: 0,
        }
    }

    /// Do what the player asks.
    pub fn drive(&mut self, drive: Drive) {
        match drive {
            Drive::Advance(by) => self.advance(by),
            Drive::Step { back: true } => {
                self.timeline.back();
            }
            Drive::Step { back: false } => {
                self.timeline.forward();
            }
            Drive::Seek(step) => self.timeline.seek(step),
        }
        if !matches!(drive, Drive::Advance(_)) {
            self.sync_clock();
        }
    }

    /// Play `by` simulated milliseconds: the clock runs on between events.
    fn advance(&mut self, by: u64) {
        let target = self.clock + by;
        let mut budget = MAX_EVENTS_PER_TICK;
        while budget > 0
            && self
                .timeline
                .state()
                .next_time()
                .is_some_and(|t| t <= target)
        {
            self.timeline.forward();
            budget -= 1;
        }
        self.clock = target.max(self.timeline.state().now());
    }

    /// The learner changes the future from here; show its first event at once.
    pub fn act(&mut self, injection: Injection) {
        self.timeline.fork(injection);
        self.timeline.forward();
        self.sync_clock();
    }

    fn sync_clock(&mut self) {
        self.clock = self.timeline.state().now();
    }
}
