//! The PBFT client: one request at a time, done after f+1 matching replies.

use serde::Serialize;

use super::messages::{Msg, Request};
use super::{Note, Timer};
use crate::engine::NodeId;

use super::replica::Ctx;

/// A closed-loop client that issues `total` requests in order.
#[derive(Clone, Debug, Serialize)]
pub struct Client {
    pub(crate) id: NodeId,
    n: usize,
    f: usize,
    total: u64,
    timeout: u64,
    view: u64,
    current: u64,
    sent_at: u64,
    replies: Vec<(NodeId, u64)>,
    pub(crate) completed: u64,
}

impl Client {
    pub(crate) fn new(id: NodeId, n: usize, total: u64, timeout: u64) -> Self {
        Self {
            id,
            n,
            f: (n - 1) / 3,
            total,
            timeout,
            view: 0,
            current: 0,
            sent_at: 0,
            replies: Vec::new(),
            completed: 0,
        }
    }

    /// Requests answered by f+1 matching replies.
    pub fn completed(&self) -> u64 {
        self.completed
    }

    fn request(&self) -> Request {
        Request {
            client: self.id,
            timestamp: self.current,
            op: self.current.wrapping_mul(0x2545_F491_4F6C_DD1D),
        }
    }

    pub(crate) fn send_next(&mut self, ctx: &mut Ctx<'_>) {
        if self.current >= self.total {
            return;
        }
        self.current += 1;
        self.replies.clear();
        self.sent_at = ctx.now();
        let primary = (self.view % self.n as u64) as usize;
        ctx.send(
            primary,
            Msg::Request {
                request: self.request(),
            },
        );
        ctx.set_timer(
            self.timeout,
            Timer::Retransmit {
                timestamp: self.current,
            },
        );
    }

    pub(crate) fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<'_>) {
        let Msg::Reply {
            view,
            timestamp,
            result,
        } = msg
        else {
            return;
        };
        if timestamp != self.current
            || self.completed >= timestamp
            || from >= self.n
            || self.replies.iter().any(|(r, _)| *r == from)
        {
            return;
        }
        self.replies.push((from, result));
        let matching = self.replies.iter().filter(|(_, x)| *x == result).count();
        if matching > self.f {
            self.view = view;
            self.completed += 1;
            ctx.note(Note::Completed {
                timestamp,
                latency: ctx.now() - self.sent_at,
            });
            self.send_next(ctx);
        }
    }

    /// No answer in time: the primary may be faulty, so tell every replica; backups
    /// then start their view-change timers.
    pub(crate) fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_>) {
        if let Timer::Retransmit { timestamp } = timer
            && timestamp == self.current
            && self.completed < timestamp
        {
            ctx.send_to_all(
                0..self.n,
                &Msg::Request {
                    request: self.request(),
                },
            );
            ctx.set_timer(self.timeout, Timer::Retransmit { timestamp });
        }
    }
}
