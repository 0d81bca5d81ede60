//! What the PBFT widget draws: the run a learner's settings describe, each replica's
//! votes for one sequence number against the quorum, the client's replies, and the
//! phase every message belongs to.

use consensus::pbft::{Msg, Note, PbftConfig, PbftNode, PbftParams, Replica};
use consensus::{Fault, Injection, Scheduled, Simulator, TraceEvent, What};

use super::settings::{PbftFault, PbftSettings};

/// Requests the client sends in one lesson run.
pub const REQUESTS: u64 = 30;

/// The engine parameters for these settings.
pub fn params(settings: &PbftSettings, seed: u64) -> PbftParams {
    let mut params = PbftParams::new(settings.n, 0, REQUESTS, seed);
    let faulty = settings.faulty();
    match settings.fault {
        PbftFault::None => {}
        PbftFault::SilentPrimary | PbftFault::EquivocatingPrimary => {
            params.faulty = faulty;
            params.fault = if settings.fault == PbftFault::SilentPrimary {
                Fault::Silent
            } else {
                Fault::Equivocate
            };
        }
        PbftFault::CrashedBackup => {
            params.injections = (settings.n - faulty..settings.n)
                .map(|node| Scheduled {
                    at: 0,
                    injection: Injection::Crash { node },
                })
                .collect();
        }
    }
    params
}

/// The phase a message belongs to, as its arrow is labelled.
pub fn phase(msg: &Msg) -> &'static str {
    match msg {
        Msg::Request { .. } => "REQUEST",
        Msg::PrePrepare { .. } => "PRE-PREPARE",
        Msg::Prepare { .. } => "PREPARE",
        Msg::Commit { .. } => "COMMIT",
        Msg::Reply { .. } => "REPLY",
        Msg::Checkpoint { .. } => "CHECKPOINT",
        Msg::ViewChange { .. } => "VIEW-CHANGE",
        Msg::NewView { .. } => "NEW-VIEW",
        Msg::Status { .. } => "STATUS",
        Msg::FetchState { .. } | Msg::State { .. } => "STATE",
    }
}

/// The replicas (the client, the last node, is left out).
pub fn replicas(sim: &Simulator<PbftNode>) -> Vec<&Replica> {
    sim.nodes()
        .iter()
        .filter_map(|node| match node {
            PbftNode::Replica(r) => Some(r),
            PbftNode::Client(_) => None,
        })
        .collect()
}

/// One replica's progress on one sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Votes {
    pub pre_prepared: bool,
    pub prepares: u32,
    pub commits: u32,
    pub committed: bool,
}

/// The sequence number the counters follow: the newest one any replica has heard of.
pub fn focus_seq(sim: &Simulator<PbftNode>) -> Option<u64> {
    replicas(sim)
        .iter()
        .filter_map(|r| r.slots().keys().next_back().copied())
        .max()
}

/// A replica's votes at `seq` for the view and digest it pre-prepared (or the
/// best-supported one when it has no pre-prepare yet).
pub fn votes(replica: &Replica, seq: u64) -> Votes {
    let Some(slot) = replica.slots().get(&seq) else {
        let executed = replica.executed().iter().any(|e| e.seq == seq);
        return Votes {
            pre_prepared: executed,
            prepares: 0,
            commits: 0,
            committed: executed,
        };
    };
    let chosen = slot.pre_prepare.as_ref().map(|(v, d, _)| (*v, *d));
    let best = slot
        .votes
        .iter()
        .filter(|v| chosen.is_none_or(|(view, digest)| v.view == view && v.digest == digest))
        .max_by_key(|v| (v.view, v.prepares.count_ones() + v.commits.count_ones()));
    Votes {
        pre_prepared: slot.pre_prepare.is_some(),
        prepares: best.map_or(0, |v| v.prepares.count_ones()),
        commits: best.map_or(0, |v| v.commits.count_ones()),
        committed: slot.committed,
    }
}

/// Replicas whose REPLY for the client's current request has arrived, up to `step`.
pub fn replies(trace: &[TraceEvent<PbftNode>], client: usize, completed: u64, step: u64) -> usize {
    let mut from = std::collections::BTreeSet::new();
    for event in trace.iter().take_while(|e| e.step <= step) {
        if let What::Deliver {
            from: replica,
            to,
            msg: Msg::Reply { timestamp, .. },
            ..
        } = &event.what
            && *to == client
            && *timestamp == completed + 1
        {
            from.insert(*replica);
        }
    }
    from.len()
}

/// The client's completed requests.
pub fn completed(sim: &Simulator<PbftNode>) -> u64 {
    sim.nodes()
        .iter()
        .find_map(|node| match node {
            PbftNode::Client(c) => Some(c.completed()),
            PbftNode::Replica(_) => None,
        })
        .unwrap_or(0)
}

/// One replica's place on the sequence-number strip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowRow {
    /// Low watermark h: the last stable checkpoint (0 before the first).
    pub low: u64,
    /// High watermark H = h + L: nothing above it is accepted yet.
    pub high: u64,
    /// The last sequence number it executed.
    pub executed: u64,
}

/// Every replica's watermark window, stable checkpoint and progress.
pub fn window_rows(replicas: &[&Replica]) -> Vec<WindowRow> {
    replicas
        .iter()
        .map(|r| WindowRow {
            low: r.low_watermark(),
            high: r.high_watermark(),
            executed: r.executed().last().map_or(0, |e| e.seq),
        })
        .collect()
}

/// Where checkpoints are taken (every K sequence numbers) up to `end`: the strip's
/// grid lines.
pub fn checkpoint_marks(end: u64) -> Vec<u64> {
    let k = PbftConfig::default().checkpoint_interval;
    (1..=end / k).map(|i| i * k).collect()
}

/// The strip's last sequence number: far enough for the last request's window, so
/// the scale stays put while the windows slide right along it.
pub fn strip_end(rows: &[WindowRow]) -> u64 {
    let last_window = REQUESTS + PbftConfig::default().window;
    rows.iter()
        .map(|r| r.high)
        .max()
        .unwrap_or(0)
        .max(last_window)
}

/// Whether the trace up to `step` holds a note matching `pred` (a commit, a new view).
pub fn noted(trace: &[TraceEvent<PbftNode>], step: u64, pred: impl Fn(&Note) -> bool) -> bool {
    trace
        .iter()
        .take_while(|e| e.step <= step)
        .any(|e| matches!(&e.what, What::Note { note, .. } if pred(note)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::Timeline;

    fn timeline(settings: PbftSettings) -> Timeline<PbftNode> {
        Timeline::new(params(&settings, 1).build().unwrap(), 256)
    }

    #[test]
    fn four_replicas_reach_the_quorum_of_three_and_commit() {
        let mut tl = timeline(PbftSettings::default());
        while !noted(tl.trace(), tl.position(), |n| {
            matches!(n, Note::Committed { .. })
        }) {
            assert!(tl.forward());
        }
        let sim = tl.state();
        let r = replicas(sim);
        assert_eq!(r.len(), 4);
        assert_eq!(r[0].quorum(), 3, "2f+1 with f = 1");
        let committed: Vec<Votes> = r
            .iter()
            .map(|r| votes(r, 1))
            .filter(|v| v.committed)
            .collect();
        assert!(!committed.is_empty());
        assert!(committed.iter().all(|v| v.commits >= 3 && v.pre_prepared));
        assert_eq!(focus_seq(sim), Some(1));
        while completed(tl.state()) == 0 {
            assert!(tl.forward());
        }
        let before = tl.position() - 1;
        tl.seek(before);
        assert!(
            replies(tl.trace(), 4, 0, tl.position()) >= 1,
            "f+1 = 2 replies complete it"
        );
    }

    #[test]
    fn a_silent_primary_causes_a_view_change() {
        let settings = PbftSettings {
            fault: PbftFault::SilentPrimary,
            ..PbftSettings::default()
        };
        let mut tl = timeline(settings);
        while !noted(tl.trace(), tl.position(), |n| {
            matches!(n, Note::NewView { .. })
        }) {
            assert!(tl.forward(), "no view change");
        }
        assert!(replicas(tl.state()).iter().skip(1).any(|r| r.view() >= 1));
    }

    #[test]
    fn checkpoints_become_stable_and_slide_the_watermark_window() {
        let mut tl = timeline(PbftSettings::default());
        let rows = window_rows(&replicas(tl.state()));
        assert!(rows.iter().all(|r| *r
            == WindowRow {
                low: 0,
                high: 20,
                executed: 0
            }));
        assert_eq!(strip_end(&rows), 50, "room for the window of request 30");
        while !noted(tl.trace(), tl.position(), |n| {
            matches!(n, Note::Stable { seq: 10 })
        }) {
            assert!(tl.forward(), "no stable checkpoint");
        }
        let rows = window_rows(&replicas(tl.state()));
        let moved: Vec<&WindowRow> = rows.iter().filter(|r| r.low == 10).collect();
        assert!(!moved.is_empty());
        assert!(moved.iter().all(|r| r.high == 30 && r.executed >= 10));
        assert_eq!(strip_end(&rows), 50, "the scale does not move");
        assert_eq!(checkpoint_marks(50), vec![10, 20, 30, 40, 50]);
    }

    #[test]
    fn settings_map_to_engine_faults() {
        let s = PbftSettings {
            n: 7,
            f: 3,
            fault: PbftFault::EquivocatingPrimary,
        };
        let p = params(&s, 1);
        assert_eq!(
            (p.faulty, p.fault),
            (2, Fault::Equivocate),
            "f is capped at (n-1)/3"
        );
        let s = PbftSettings {
            n: 4,
            f: 1,
            fault: PbftFault::CrashedBackup,
        };
        let p = params(&s, 1);
        assert_eq!(p.faulty, 0);
        assert_eq!(p.injections[0].injection, Injection::Crash { node: 3 });
        assert_eq!(
            phase(&Msg::Status {
                view: 0,
                executed: 0,
                low: 0
            }),
            "STATUS"
        );
    }
}
