//! One PBFT replica: the three-phase normal case, checkpoints with watermarks, and the
//! view change. Byzantine replicas use the same type with a different `fault`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::messages::{Certificate, Digest, Msg, Request, ViewChangeBody, mix, reissue};
use super::{Note, PbftConfig, Timer};
use crate::engine::{Fault, NodeId};

pub(crate) type Ctx<'a> = crate::engine::Ctx<'a, super::PbftNode>;

/// Prepare and commit votes for one (view, digest) at one sequence number.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Votes {
    /// View the votes are for.
    pub view: u64,
    /// Digest they vote for.
    pub digest: Digest,
    /// Replicas that sent PREPARE (bit i = replica i).
    pub prepares: u128,
    /// Replicas that sent COMMIT.
    pub commits: u128,
}

/// Everything a replica knows about one sequence number.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Slot {
    /// The accepted PRE-PREPARE: (view, digest, request).
    pub pre_prepare: Option<(u64, Digest, Option<Request>)>,
    /// Votes seen, per (view, digest).
    pub votes: Vec<Votes>,
    /// Highest-view prepared certificate, kept for view changes.
    pub prepared: Option<Certificate>,
    /// View in which this replica sent COMMIT.
    pub sent_commit: Option<u64>,
    /// Committed-local: prepared plus 2f+1 matching commits.
    pub committed: bool,
}

/// A request this replica executed, in sequence order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Executed {
    /// Sequence number.
    pub seq: u64,
    /// Digest of what was executed there.
    pub digest: Digest,
    /// The request itself (`None`: a null request).
    pub request: Option<Request>,
}

/// A PBFT replica.
#[derive(Clone, Debug, Serialize)]
pub struct Replica {
    pub(crate) id: NodeId,
    pub(crate) n: usize,
    pub(crate) quorum: usize,
    pub(crate) config: PbftConfig,
    pub(crate) fault: Fault,
    pub(crate) allies: u128,
    pub(crate) view: u64,
    pub(crate) active: bool,
    pub(crate) next_seq: u64,
    pub(crate) low: u64,
    pub(crate) slots: BTreeMap<u64, Slot>,
    pub(crate) executed: Vec<Executed>,
    pub(crate) state: Digest,
    checkpoints: BTreeMap<u64, Vec<(NodeId, Digest)>>,
    pending: BTreeMap<(NodeId, u64), Request>,
    assigned: BTreeSet<(NodeId, u64)>,
    replies: HashMap<NodeId, (u64, u64)>,
    view_changes: BTreeMap<u64, BTreeMap<NodeId, ViewChangeBody>>,
    voted: BTreeSet<(u64, u64, Digest)>,
    early: Vec<(u64, u64, Option<Request>)>,
    fetching: u64,
    attempts: u32,
    last_tick: u64,
    status_armed: bool,
    stable_state: Digest,
    new_view: Option<Msg>,
    timer_epoch: u64,
    timer_running: bool,
}

fn bit(i: NodeId) -> u128 {
    1u128 << i
}

impl Replica {
    pub(crate) fn new(
        id: NodeId,
        n: usize,
        config: PbftConfig,
        fault: Fault,
        allies: u128,
    ) -> Self {
        let f = (n - 1) / 3;
        Self {
            id,
            n,
            quorum: (n + f + 2) / 2,
            config,
            fault,
            allies,
            view: 0,
            active: true,
            next_seq: 1,
            low: 0,
            slots: BTreeMap::new(),
            executed: Vec::new(),
            state: Digest(0),
            checkpoints: BTreeMap::new(),
            pending: BTreeMap::new(),
            assigned: BTreeSet::new(),
            replies: HashMap::new(),
            view_changes: BTreeMap::new(),
            voted: BTreeSet::new(),
            early: Vec::new(),
            fetching: 0,
            attempts: 0,
            last_tick: 0,
            status_armed: false,
            stable_state: Digest(0),
            new_view: None,
            timer_epoch: 0,
            timer_running: false,
        }
    }

    /// Current view (the target view while a view change is under way).
    pub fn view(&self) -> u64 {
        self.view
    }
    /// Whether the replica is working normally (false during a view change).
    pub fn active(&self) -> bool {
        self.active
    }
    /// Sequence number of the last stable checkpoint (the low watermark).
    pub fn low_watermark(&self) -> u64 {
        self.low
    }
    /// The high watermark: no sequence number above it is accepted.
    pub fn high_watermark(&self) -> u64 {
        self.low + self.config.window
    }
    /// Executed requests, in order.
    pub fn executed(&self) -> &[Executed] {
        &self.executed
    }
    /// The per-sequence log between the watermarks.
    pub fn slots(&self) -> &BTreeMap<u64, Slot> {
        &self.slots
    }
    /// Matching messages needed for a quorum (2f+1 when n = 3f+1).
    pub fn quorum(&self) -> usize {
        self.quorum
    }
    /// How this replica misbehaves.
    pub fn fault(&self) -> Fault {
        self.fault
    }

    fn primary(&self, view: u64) -> NodeId {
        (view % self.n as u64) as usize
    }

    fn is_byzantine(&self) -> bool {
        matches!(self.fault, Fault::Equivocate | Fault::Lie)
    }

    fn broadcast(&self, msg: &Msg, ctx: &mut Ctx<'_>) {
        ctx.send_to_all(0..self.n, msg);
    }

    pub(crate) fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<'_>) {
        if self.is_byzantine() {
            return self.byzantine(from, msg, ctx);
        }
        match msg {
            Msg::Request { request } => self.on_request(from, request, ctx),
            Msg::PrePrepare { view, seq, request } => {
                self.on_pre_prepare(from, view, seq, request, ctx)
            }
            Msg::Prepare { view, seq, digest } => self.on_vote(from, view, seq, digest, false, ctx),
            Msg::Commit { view, seq, digest } => self.on_vote(from, view, seq, digest, true, ctx),
            Msg::Checkpoint { seq, state } => self.on_checkpoint(from, seq, state, ctx),
            Msg::ViewChange { view, body } => self.on_view_change(from, view, body, ctx),
            Msg::NewView {
                view,
                proofs,
                pre_prepares,
            } => self.on_new_view(from, view, proofs, pre_prepares, ctx),
            Msg::Status {
                view,
                executed,
                low,
            } => self.on_status(from, view, (executed, low), ctx),
            Msg::FetchState { have, seq } => self.on_fetch_state(from, have, seq, ctx),
            Msg::State { have, entries } => self.on_state(have, entries, ctx),
            Msg::Reply { .. } => {}
        }
    }

    /// Start the stuck-check ticks when work arrives; they stop again once the replica
    /// is idle, so a finished run has nothing left in its queue.
    fn arm_status(&mut self, ctx: &mut Ctx<'_>) {
        if !self.status_armed && self.config.status_interval > 0 {
            self.status_armed = true;
            self.last_tick = self.executed.len() as u64;
            ctx.set_timer(self.config.status_interval, Timer::Status);
        }
    }

    pub(crate) fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_>) {
        if self.is_byzantine() {
            return;
        }
        match timer {
            Timer::Status => self.on_status_timer(ctx),
            Timer::Request { epoch } if epoch == self.timer_epoch && self.timer_running => {
                self.start_view_change(self.view + 1, ctx)
            }
            Timer::ViewChange { epoch, view }
                if epoch == self.timer_epoch && !self.active && view == self.view =>
            {
                self.start_view_change(view + 1, ctx)
            }
            _ => {}
        }
    }

    /// PBFT assumes lost messages are eventually retransmitted. A replica that executed
    /// nothing since the last tick while work is pending says where it stands; the
    /// others answer in [`Replica::on_status`].
    fn on_status_timer(&mut self, ctx: &mut Ctx<'_>) {
        let executed = self.executed.len() as u64;
        let waiting = !self.active
            || !self.pending.is_empty()
            || self.slots.range(executed + 1..).next().is_some();
        if executed == self.last_tick && waiting {
            if let Some(body) = self
                .view_changes
                .get(&self.view)
                .and_then(|v| v.get(&self.id))
                .filter(|_| !self.active)
            {
                self.broadcast(
                    &Msg::ViewChange {
                        view: self.view,
                        body: body.clone(),
                    },
                    ctx,
                );
            }
            self.broadcast(
                &Msg::Status {
                    view: self.view,
                    executed,
                    low: self.low,
                },
                ctx,
            );
        }
        self.last_tick = executed;
        if waiting {
            ctx.set_timer(self.config.status_interval, Timer::Status);
        } else {
            self.status_armed = false;
        }
    }

    /// Resend to a stuck replica what it may have lost: this replica's ordering messages
    /// for the sequence numbers it has not executed, and checkpoints it can use for state
    /// transfer.
    fn on_status(
        &mut self,
        from: NodeId,
        view: u64,
        (executed, low): (u64, u64),
        ctx: &mut Ctx<'_>,
    ) {
        if view == self.view && self.active {
            let primary = self.primary(view) == self.id;
            for (&seq, slot) in self.slots.range(executed + 1..) {
                let Some((v, digest, request)) = slot.pre_prepare.filter(|p| p.0 == view) else {
                    continue;
                };
                match primary {
                    true => ctx.send(
                        from,
                        Msg::PrePrepare {
                            view: v,
                            seq,
                            request,
                        },
                    ),
                    false => ctx.send(
                        from,
                        Msg::Prepare {
                            view: v,
                            seq,
                            digest,
                        },
                    ),
                }
                if slot.sent_commit == Some(view) {
                    ctx.send(
                        from,
                        Msg::Commit {
                            view: v,
                            seq,
                            digest,
                        },
                    );
                }
            }
        }
        if low < self.low {
            ctx.send(
                from,
                Msg::Checkpoint {
                    seq: self.low,
                    state: self.stable_state,
                },
            );
        }
        for (&seq, votes) in self.checkpoints.range(executed + 1..) {
            if let Some(&(_, state)) = votes.iter().find(|(r, _)| *r == self.id) {
                ctx.send(from, Msg::Checkpoint { seq, state });
            }
        }
    }

    fn on_request(&mut self, from: NodeId, request: Request, ctx: &mut Ctx<'_>) {
        let key = (request.client, request.timestamp);
        if let Some(&(timestamp, result)) = self.replies.get(&request.client)
            && timestamp >= request.timestamp
        {
            if timestamp == request.timestamp {
                ctx.send(
                    request.client,
                    Msg::Reply {
                        view: self.view,
                        timestamp,
                        result,
                    },
                );
            }
            return;
        }
        self.pending.insert(key, request);
        self.arm_status(ctx);
        if self.primary(self.view) == self.id {
            if self.active {
                self.assign(ctx);
            }
        } else {
            if from == request.client {
                ctx.send(self.primary(self.view), Msg::Request { request });
            }
            if !self.timer_running && self.active {
                self.arm_request_timer(ctx);
            }
        }
    }

    /// Primary: give every unassigned pending request a sequence number, as far as the
    /// high watermark allows (requests beyond it wait for the next stable checkpoint).
    fn assign(&mut self, ctx: &mut Ctx<'_>) {
        let waiting: Vec<Request> = self
            .pending
            .iter()
            .filter(|(k, _)| !self.assigned.contains(k))
            .map(|(_, r)| *r)
            .collect();
        for request in waiting {
            if self.next_seq > self.high_watermark() {
                break;
            }
            let seq = self.next_seq;
            self.next_seq += 1;
            self.assigned.insert((request.client, request.timestamp));
            let view = self.view;
            self.slots.entry(seq).or_default().pre_prepare =
                Some((view, Digest::of(Some(&request)), Some(request)));
            self.broadcast(
                &Msg::PrePrepare {
                    view,
                    seq,
                    request: Some(request),
                },
                ctx,
            );
            self.progress(seq, ctx);
        }
    }

    fn in_window(&self, seq: u64) -> bool {
        seq > self.low && seq <= self.high_watermark()
    }

    fn on_pre_prepare(
        &mut self,
        from: NodeId,
        view: u64,
        seq: u64,
        request: Option<Request>,
        ctx: &mut Ctx<'_>,
    ) {
        if from != self.primary(view) || view < self.view {
            return;
        }
        if view > self.view || !self.active {
            // The new primary's PRE-PREPAREs can overtake its NEW-VIEW; keep them.
            self.early.push((view, seq, request));
            return;
        }
        if self.in_window(seq) {
            self.accept_pre_prepare(view, seq, request, ctx);
        }
    }

    fn accept_pre_prepare(
        &mut self,
        view: u64,
        seq: u64,
        request: Option<Request>,
        ctx: &mut Ctx<'_>,
    ) {
        let digest = Digest::of(request.as_ref());
        let slot = self.slots.entry(seq).or_default();
        if slot.pre_prepare.is_some_and(|(v, _, _)| v == view) {
            return;
        }
        slot.pre_prepare = Some((view, digest, request));
        ctx.note(Note::PrePrepared { view, seq, digest });
        self.arm_status(ctx);
        if self.primary(view) != self.id {
            self.record(seq, view, digest, self.id, false);
            self.broadcast(&Msg::Prepare { view, seq, digest }, ctx);
        }
        self.progress(seq, ctx);
    }

    fn record(&mut self, seq: u64, view: u64, digest: Digest, from: NodeId, commit: bool) {
        let slot = self.slots.entry(seq).or_default();
        let votes = match slot
            .votes
            .iter_mut()
            .position(|v| v.view == view && v.digest == digest)
        {
            Some(i) => &mut slot.votes[i],
            None => {
                slot.votes.push(Votes {
                    view,
                    digest,
                    prepares: 0,
                    commits: 0,
                });
                slot.votes.last_mut().expect("just pushed")
            }
        };
        if commit {
            votes.commits |= bit(from);
        } else {
            votes.prepares |= bit(from);
        }
    }

    fn on_vote(
        &mut self,
        from: NodeId,
        view: u64,
        seq: u64,
        digest: Digest,
        commit: bool,
        ctx: &mut Ctx<'_>,
    ) {
        if view < self.view || !self.in_window(seq) || from >= self.n {
            return;
        }
        // Votes for a view this replica has not entered yet are kept: they can overtake
        // the NEW-VIEW on the wire and are needed once it arrives.
        self.record(seq, view, digest, from, commit);
        self.progress(seq, ctx);
    }

    /// Prepared: the pre-prepare plus `quorum - 1` matching prepares from backups.
    fn prepared(&self, seq: u64, view: u64) -> Option<Digest> {
        let slot = self.slots.get(&seq)?;
        let (v, digest, _) = slot.pre_prepare?;
        let prepares = slot
            .votes
            .iter()
            .find(|x| x.view == view && x.digest == digest)
            .map_or(0, |x| x.prepares);
        let backups = prepares & !bit(self.primary(view));
        (v == view && backups.count_ones() as usize + 1 >= self.quorum).then_some(digest)
    }

    fn commit_votes(&self, seq: u64, view: u64, digest: Digest) -> usize {
        self.slots[&seq]
            .votes
            .iter()
            .find(|x| x.view == view && x.digest == digest)
            .map_or(0, |x| x.commits.count_ones() as usize)
    }

    fn progress(&mut self, seq: u64, ctx: &mut Ctx<'_>) {
        if !self.active {
            return;
        }
        let view = self.view;
        let Some(digest) = self.prepared(seq, view) else {
            return;
        };
        let request = self.slots[&seq].pre_prepare.and_then(|(_, _, r)| r);
        let slot = self.slots.get_mut(&seq).expect("prepared slot exists");
        if slot.sent_commit != Some(view) {
            slot.sent_commit = Some(view);
            slot.prepared = Some(Certificate { view, seq, request });
            ctx.note(Note::Prepared { view, seq, digest });
            self.record(seq, view, digest, self.id, true);
            self.broadcast(&Msg::Commit { view, seq, digest }, ctx);
        }
        if !self.slots[&seq].committed && self.commit_votes(seq, view, digest) >= self.quorum {
            self.slots.get_mut(&seq).expect("slot exists").committed = true;
            ctx.note(Note::Committed { view, seq, digest });
            self.execute_ready(ctx);
        }
    }

    fn execute_ready(&mut self, ctx: &mut Ctx<'_>) {
        loop {
            let seq = self.executed.len() as u64 + 1;
            let Some(slot) = self.slots.get(&seq).filter(|s| s.committed) else {
                break;
            };
            let Some((_, digest, request)) = slot.pre_prepare else {
                break;
            };
            self.execute(seq, digest, request, ctx);
        }
    }

    fn execute(&mut self, seq: u64, digest: Digest, request: Option<Request>, ctx: &mut Ctx<'_>) {
        self.apply(seq, digest, request, ctx);
        if let Some(r) = request {
            let key = (r.client, r.timestamp);
            self.pending.remove(&key);
            if let Some(result) = self.remember_reply(r) {
                ctx.send(
                    r.client,
                    Msg::Reply {
                        view: self.view,
                        timestamp: r.timestamp,
                        result,
                    },
                );
            }
        }
        if self.pending.is_empty() {
            self.stop_request_timer();
        } else if self.active && self.primary(self.view) != self.id {
            self.arm_request_timer(ctx);
        }
        if seq.is_multiple_of(self.config.checkpoint_interval) {
            let state = self.state;
            self.checkpoints
                .entry(seq)
                .or_default()
                .push((self.id, state));
            self.broadcast(&Msg::Checkpoint { seq, state }, ctx);
            self.check_stable(seq, ctx);
        }
    }

    fn apply(&mut self, seq: u64, digest: Digest, request: Option<Request>, ctx: &mut Ctx<'_>) {
        self.executed.push(Executed {
            seq,
            digest,
            request,
        });
        self.state = digest.chain(self.state);
        ctx.note(Note::Executed { seq, digest });
    }

    /// Record the result of a client's request, unless an older retry is replayed.
    fn remember_reply(&mut self, r: Request) -> Option<u64> {
        let fresh = self
            .replies
            .get(&r.client)
            .is_none_or(|(t, _)| *t < r.timestamp);
        fresh.then(|| {
            let result = mix(self.state.0, r.op);
            self.replies.insert(r.client, (r.timestamp, result));
            result
        })
    }

    fn on_checkpoint(&mut self, from: NodeId, seq: u64, state: Digest, ctx: &mut Ctx<'_>) {
        if seq <= self.low {
            return;
        }
        let votes = self.checkpoints.entry(seq).or_default();
        if !votes.iter().any(|(r, _)| *r == from) {
            votes.push((from, state));
        }
        self.check_stable(seq, ctx);
    }

    /// A checkpoint is stable once a quorum vouches for the state this replica itself
    /// reached there; the log below it can then be discarded and the window slides.
    fn check_stable(&mut self, seq: u64, ctx: &mut Ctx<'_>) {
        let Some(mine) = self.state_at(seq) else {
            return self.maybe_fetch(seq, ctx);
        };
        let matching = self
            .checkpoints
            .get(&seq)
            .map_or(0, |v| v.iter().filter(|(_, d)| *d == mine).count());
        if seq <= self.low || matching < self.quorum {
            return;
        }
        self.low = seq;
        self.stable_state = mine;
        self.slots = self.slots.split_off(&(seq + 1));
        self.checkpoints = self.checkpoints.split_off(&(seq + 1));
        ctx.note(Note::Stable { seq });
        if self.primary(self.view) == self.id && self.active {
            self.assign(ctx);
        }
    }

    /// The digest a quorum vouches for at `seq`, if there is one.
    fn certified(&self, seq: u64) -> Option<Digest> {
        let votes = self.checkpoints.get(&seq)?;
        votes
            .iter()
            .map(|(_, d)| *d)
            .find(|d| votes.iter().filter(|(_, x)| x == d).count() >= self.quorum)
    }

    /// Messages can be lost, so a replica can fall behind a stable checkpoint it can no
    /// longer reach by ordering; it then fetches the missing history from a voter.
    fn maybe_fetch(&mut self, seq: u64, ctx: &mut Ctx<'_>) {
        let have = self.executed.len() as u64;
        if seq <= have || self.certified(seq).is_none() || self.fetching >= seq {
            return;
        }
        self.fetching = seq;
        let voters: Vec<NodeId> = self.checkpoints[&seq]
            .iter()
            .map(|(r, _)| *r)
            .filter(|r| *r != self.id)
            .collect();
        let source = voters[ctx.rng().below(voters.len() as u64) as usize];
        ctx.send(source, Msg::FetchState { have, seq });
    }

    fn on_fetch_state(&mut self, from: NodeId, have: u64, seq: u64, ctx: &mut Ctx<'_>) {
        if seq as usize <= self.executed.len() && have < seq {
            let entries = self.executed[have as usize..seq as usize]
                .iter()
                .map(|e| (e.digest, e.request))
                .collect();
            ctx.send(from, Msg::State { have, entries });
        }
    }

    fn on_state(&mut self, have: u64, entries: Vec<(Digest, Option<Request>)>, ctx: &mut Ctx<'_>) {
        let seq = have + entries.len() as u64;
        if have != self.executed.len() as u64 || entries.is_empty() {
            return;
        }
        let reached = entries
            .iter()
            .fold(self.state, |state, (d, _)| d.chain(state));
        if self.certified(seq) != Some(reached) {
            return;
        }
        for (offset, (digest, request)) in entries.into_iter().enumerate() {
            self.apply(have + 1 + offset as u64, digest, request, ctx);
            if let Some(r) = request {
                self.pending.remove(&(r.client, r.timestamp));
                self.remember_reply(r);
            }
        }
        ctx.note(Note::Transferred {
            from_seq: have + 1,
            to_seq: seq,
        });
        let state = self.state;
        self.checkpoints
            .entry(seq)
            .or_default()
            .push((self.id, state));
        self.check_stable(seq, ctx);
        self.execute_ready(ctx);
    }

    fn state_at(&self, seq: u64) -> Option<Digest> {
        self.checkpoints
            .get(&seq)?
            .iter()
            .find(|(r, _)| *r == self.id)
            .map(|(_, d)| *d)
    }

    fn arm_request_timer(&mut self, ctx: &mut Ctx<'_>) {
        self.timer_epoch += 1;
        self.timer_running = true;
        ctx.set_timer(
            self.config.view_timeout,
            Timer::Request {
                epoch: self.timer_epoch,
            },
        );
    }

    fn stop_request_timer(&mut self) {
        self.timer_epoch += 1;
        self.timer_running = false;
    }

    fn start_view_change(&mut self, view: u64, ctx: &mut Ctx<'_>) {
        self.view = view;
        self.active = false;
        self.timer_epoch += 1;
        self.timer_running = false;
        let prepared = self
            .slots
            .range(self.low + 1..)
            .filter_map(|(_, s)| s.prepared.clone())
            .collect();
        let body = ViewChangeBody {
            stable: self.low,
            prepared,
        };
        ctx.note(Note::ViewChange { view });
        self.arm_status(ctx);
        self.view_changes
            .entry(view)
            .or_default()
            .insert(self.id, body.clone());
        self.broadcast(&Msg::ViewChange { view, body }, ctx);
        // Each failed attempt waits longer, so a slow but correct primary gets a chance.
        self.attempts = (self.attempts + 1).min(6);
        ctx.set_timer(
            self.config.view_timeout << self.attempts,
            Timer::ViewChange {
                epoch: self.timer_epoch,
                view,
            },
        );
        self.try_new_view(view, ctx);
    }

    fn on_view_change(&mut self, from: NodeId, view: u64, body: ViewChangeBody, ctx: &mut Ctx<'_>) {
        if view == self.view && self.active {
            // The sender missed this view's NEW-VIEW; the primary sends it again.
            if let Some(new_view) = self
                .new_view
                .as_ref()
                .filter(|_| self.primary(view) == self.id)
            {
                ctx.send(from, new_view.clone());
            }
            return;
        }
        if view < self.view {
            return;
        }
        self.view_changes
            .entry(view)
            .or_default()
            .insert(from, body);
        // f+1 replicas asking for higher views prove a correct one suspects the primary.
        let mut askers: BTreeSet<NodeId> = BTreeSet::new();
        for (_, senders) in self.view_changes.range(self.view + 1..) {
            askers.extend(senders.keys());
        }
        if askers.len() > (self.n - 1) / 3
            && let Some(&next) = self
                .view_changes
                .range(self.view + 1..)
                .map(|(v, _)| v)
                .next()
        {
            self.start_view_change(next, ctx);
        }
        self.try_new_view(self.view, ctx);
    }

    fn try_new_view(&mut self, view: u64, ctx: &mut Ctx<'_>) {
        if self.active || view != self.view || self.primary(view) != self.id {
            return;
        }
        let Some(senders) = self
            .view_changes
            .get(&view)
            .filter(|s| s.len() >= self.quorum)
        else {
            return;
        };
        let proofs: Vec<(NodeId, ViewChangeBody)> =
            senders.iter().map(|(r, b)| (*r, b.clone())).collect();
        let pre_prepares = reissue(&proofs);
        let new_view = Msg::NewView {
            view,
            proofs,
            pre_prepares: pre_prepares.clone(),
        };
        self.broadcast(&new_view, ctx);
        self.new_view = Some(new_view);
        self.enter_view(view, pre_prepares, ctx);
    }

    fn on_new_view(
        &mut self,
        from: NodeId,
        view: u64,
        proofs: Vec<(NodeId, ViewChangeBody)>,
        pre_prepares: Vec<(u64, Option<Request>)>,
        ctx: &mut Ctx<'_>,
    ) {
        let distinct: BTreeSet<NodeId> = proofs.iter().map(|(r, _)| *r).collect();
        let valid = from == self.primary(view)
            && distinct.len() >= self.quorum
            && reissue(&proofs) == pre_prepares;
        if !valid || view < self.view || (view == self.view && self.active) {
            return;
        }
        self.enter_view(view, pre_prepares, ctx);
    }

    fn enter_view(
        &mut self,
        view: u64,
        pre_prepares: Vec<(u64, Option<Request>)>,
        ctx: &mut Ctx<'_>,
    ) {
        self.view = view;
        self.active = true;
        self.attempts = 0;
        self.view_changes = self.view_changes.split_off(&(view + 1));
        self.assigned.clear();
        ctx.note(Note::NewView { view });
        let top = pre_prepares.last().map_or(0, |(s, _)| *s);
        self.next_seq = top.max(self.low).max(self.executed.len() as u64) + 1;
        for (seq, request) in pre_prepares {
            if let Some(r) = request {
                self.assigned.insert((r.client, r.timestamp));
            }
            if self.in_window(seq) {
                if self.primary(view) == self.id {
                    self.slots.entry(seq).or_default().pre_prepare =
                        Some((view, Digest::of(request.as_ref()), request));
                    self.progress(seq, ctx);
                } else {
                    self.accept_pre_prepare(view, seq, request, ctx);
                }
            }
        }
        let early = std::mem::take(&mut self.early);
        for (v, seq, request) in early.into_iter().filter(|(v, _, _)| *v >= view) {
            let primary = self.primary(v);
            self.on_pre_prepare(primary, v, seq, request, ctx);
        }
        self.stop_request_timer();
        if self.primary(view) == self.id {
            self.assign(ctx);
        } else if !self.pending.is_empty() {
            self.arm_request_timer(ctx);
        }
    }

    /// Faulty replicas collude: they vote PREPARE and COMMIT for whatever they see
    /// (`Equivocate`) or for a forged digest (`Lie`), and a faulty primary sends
    /// conflicting PRE-PREPAREs for the same sequence number to different backups.
    fn byzantine(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<'_>) {
        match msg {
            Msg::Request { request } if self.primary(self.view) == self.id => {
                let key = (request.client, request.timestamp);
                if from == request.client && self.assigned.insert(key) {
                    self.equivocate(request, ctx);
                }
            }
            Msg::PrePrepare { view, seq, request } => {
                self.collude(view, seq, Digest::of(request.as_ref()), ctx)
            }
            Msg::Prepare { view, seq, digest } | Msg::Commit { view, seq, digest } => {
                self.collude(view, seq, digest, ctx)
            }
            _ => {}
        }
    }

    fn equivocate(&mut self, request: Request, ctx: &mut Ctx<'_>) {
        let (view, seq) = (self.view, self.next_seq);
        self.next_seq += 1;
        let real = Msg::PrePrepare {
            view,
            seq,
            request: Some(request),
        };
        let fake = Msg::PrePrepare {
            view,
            seq,
            request: None,
        };
        for to in (0..self.n).filter(|r| *r != self.id) {
            if self.allies & bit(to) != 0 {
                ctx.send(to, real.clone());
                ctx.send(to, fake.clone());
            } else if self.fault == Fault::Lie || ctx.rng().chance(0.5) {
                ctx.send(to, fake.clone());
            } else {
                ctx.send(to, real.clone());
            }
        }
        ctx.note(Note::Equivocated { view, seq });
        self.collude(view, seq, Digest::of(Some(&request)), ctx);
        self.collude(view, seq, Digest::NULL, ctx);
    }

    fn collude(&mut self, view: u64, seq: u64, digest: Digest, ctx: &mut Ctx<'_>) {
        let digest = if self.fault == Fault::Lie {
            Digest(digest.0 ^ 0xBAD)
        } else {
            digest
        };
        if !self.voted.insert((view, seq, digest)) {
            return;
        }
        if self.primary(view) != self.id {
            self.broadcast(&Msg::Prepare { view, seq, digest }, ctx);
        }
        self.broadcast(&Msg::Commit { view, seq, digest }, ctx);
    }
}
