//! A run the learner can scrub: step forwards and backwards, jump, and fork the future.
//!
//! Going back is deterministic replay from the nearest snapshot (the simulator is
//! `Clone`), so the cost of a jump is at most `interval` steps however long the run is.
//! A fork records an injection at a step; replays pass through the same step and apply
//! it again, so the explored future stays consistent with the recorded trace.

use serde::{Deserialize, Serialize};

use crate::engine::{Injection, NoTrace, Node, Simulator, TraceEvent};

/// An injection made at a step of the timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fork {
    /// The step after which it was made.
    pub step: u64,
    /// What was injected (it takes effect at that step's simulated time).
    pub injection: Injection,
}

/// A scrubbable run.
pub struct Timeline<N: Node> {
    origin: Simulator<N>,
    snapshots: Vec<Simulator<N>>,
    current: Simulator<N>,
    trace: Vec<TraceEvent<N>>,
    explored: u64,
    interval: u64,
    forks: Vec<Fork>,
}

impl<N: Node> Timeline<N> {
    /// Wrap a freshly built simulator; a snapshot is kept every `interval` steps.
    pub fn new(sim: Simulator<N>, interval: u64) -> Self {
        Self {
            origin: sim.clone(),
            snapshots: Vec::new(),
            current: sim,
            trace: Vec::new(),
            explored: 0,
            interval: interval.max(1),
            forks: Vec::new(),
        }
    }

    /// Rebuild a saved lesson: the same simulator and the forks it was given, so the
    /// branch replays exactly as the learner left it.
    pub fn with_forks(sim: Simulator<N>, interval: u64, mut forks: Vec<Fork>) -> Self {
        forks.sort_by_key(|f| f.step);
        let mut timeline = Self::new(sim, interval);
        timeline.forks = forks;
        timeline.apply_forks();
        timeline
    }

    /// The world at the current step.
    pub fn state(&self) -> &Simulator<N> {
        &self.current
    }

    /// The current step (0 before anything happened).
    pub fn position(&self) -> u64 {
        self.current.steps()
    }

    /// The furthest step ever computed on this branch.
    pub fn explored(&self) -> u64 {
        self.explored
    }

    /// Every recorded event of this branch, up to [`Timeline::explored`].
    pub fn trace(&self) -> &[TraceEvent<N>] {
        &self.trace
    }

    /// The events produced by one step.
    pub fn events_at(&self, step: u64) -> &[TraceEvent<N>] {
        let start = self.trace.partition_point(|e| e.step < step);
        let end = self.trace.partition_point(|e| e.step <= step);
        &self.trace[start..end]
    }

    /// The injections made by forking, in order.
    pub fn forks(&self) -> &[Fork] {
        &self.forks
    }

    /// Advance one step; false at the end of the run.
    pub fn forward(&mut self) -> bool {
        self.apply_forks();
        let next = self.current.steps() + 1;
        let moved = if next <= self.explored {
            self.current.step(&mut NoTrace)
        } else {
            let moved = self.current.step(&mut self.trace);
            if moved {
                self.explored = next;
            }
            moved
        };
        if moved
            && next.is_multiple_of(self.interval)
            && self.snapshots.len() as u64 == next / self.interval - 1
        {
            self.snapshots.push(self.current.clone());
        }
        moved
    }

    /// Go back one step; false at step 0.
    pub fn back(&mut self) -> bool {
        match self.position() {
            0 => false,
            p => {
                self.seek(p - 1);
                true
            }
        }
    }

    /// Jump to `step` (or to the end of the run if it finishes earlier).
    pub fn seek(&mut self, step: u64) {
        if step < self.current.steps() {
            let slot = (step / self.interval) as usize;
            self.current = match slot.checked_sub(1).and_then(|i| self.snapshots.get(i)) {
                Some(snapshot) => snapshot.clone(),
                None => self.origin.clone(),
            };
        }
        while self.current.steps() < step && self.forward() {}
        self.apply_forks();
    }

    /// Change the future from the current step: everything explored after it is
    /// forgotten and `injection` happens now.
    pub fn fork(&mut self, injection: Injection) {
        let step = self.position();
        self.forks.retain(|f| f.step <= step);
        let keep = self.trace.partition_point(|e| e.step <= step);
        self.trace.truncate(keep);
        self.snapshots.truncate((step / self.interval) as usize);
        self.explored = step;
        self.forks.push(Fork { step, injection });
        self.apply_forks();
    }

    fn apply_forks(&mut self) {
        while let Some(fork) = self.forks.get(self.current.forks_applied) {
            if fork.step != self.current.steps() {
                break;
            }
            let now = self.current.now();
            self.current.inject(now, fork.injection.clone());
            self.current.forks_applied += 1;
        }
    }
}
