//! "Practice on this computer": the tabs of one browser form a network over a
//! `BroadcastChannel` named [`CHANNEL`], with no server at all.
//!
//! Every tab hears every frame, so frames name their sender and (except `hello`
//! and `bye`) their one recipient. A tab that opens says `hello`; every tab that
//! hears it answers `welcome` to it, so both sides learn of each other whichever
//! opened first. A tab that closes says `bye` (from `beforeunload`).
//!
//! ```text
//! frame = kind:u8 | from_len:u8 | from | to_len:u8 | to | payload
//! kind  = 1 hello | 2 welcome | 3 bye | 4 data
//! ```

use std::collections::BTreeSet;

use node::classroom::MemberId;

/// The channel's name: the same in every tab of this origin.
pub const CHANNEL: &str = "chainlab-local";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    Hello {
        from: MemberId,
    },
    Welcome {
        from: MemberId,
        to: MemberId,
    },
    Bye {
        from: MemberId,
    },
    Data {
        from: MemberId,
        to: MemberId,
        payload: Vec<u8>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("the frame is cut short")]
    Truncated,
    #[error("unknown frame kind {0}")]
    UnknownKind(u8),
    #[error("a frame names a member id that is not valid")]
    BadMember,
}

impl Frame {
    pub fn encode(&self) -> Vec<u8> {
        let (kind, from, to, payload): (u8, &MemberId, Option<&MemberId>, &[u8]) = match self {
            Frame::Hello { from } => (1, from, None, &[]),
            Frame::Welcome { from, to } => (2, from, Some(to), &[]),
            Frame::Bye { from } => (3, from, None, &[]),
            Frame::Data { from, to, payload } => (4, from, Some(to), payload),
        };
        let mut out = vec![kind];
        put_id(&mut out, Some(from));
        put_id(&mut out, to);
        out.extend_from_slice(payload);
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, FrameError> {
        let (&kind, mut rest) = bytes.split_first().ok_or(FrameError::Truncated)?;
        let from = take_id(&mut rest)?.ok_or(FrameError::BadMember)?;
        let to = take_id(&mut rest)?;
        let need_to = || to.clone().ok_or(FrameError::BadMember);
        Ok(match kind {
            1 => Frame::Hello { from },
            2 => Frame::Welcome {
                from,
                to: need_to()?,
            },
            3 => Frame::Bye { from },
            4 => Frame::Data {
                from,
                to: need_to()?,
                payload: rest.to_vec(),
            },
            other => return Err(FrameError::UnknownKind(other)),
        })
    }
}

fn put_id(out: &mut Vec<u8>, id: Option<&MemberId>) {
    let text = id.map(MemberId::as_str).unwrap_or_default();
    out.push(u8::try_from(text.len()).expect("member ids are at most 64 bytes"));
    out.extend_from_slice(text.as_bytes());
}

fn take_id(rest: &mut &[u8]) -> Result<Option<MemberId>, FrameError> {
    let (&len, tail) = rest.split_first().ok_or(FrameError::Truncated)?;
    let len = usize::from(len);
    if tail.len() < len {
        return Err(FrameError::Truncated);
    }
    let (id, tail) = tail.split_at(len);
    *rest = tail;
    if len == 0 {
        return Ok(None);
    }
    let text = String::from_utf8(id.to_vec()).map_err(|_| FrameError::BadMember)?;
    MemberId::try_from(text)
        .map(Some)
        .map_err(|_| FrameError::BadMember)
}

/// What a frame means for this tab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MeshEvent {
    Joined(MemberId),
    Left(MemberId),
    Packet(MemberId, Vec<u8>),
}

/// One tab's view of the local network.
#[derive(Debug)]
pub struct LocalMesh {
    me: MemberId,
    known: BTreeSet<MemberId>,
}

impl LocalMesh {
    /// A tab with a random id (`entropy` from `crypto.getRandomValues`).
    pub fn new(entropy: [u8; 8]) -> Self {
        let me = MemberId::try_from(format!("local-{}", hex::encode(entropy)))
            .expect("16 hex digits make a valid member id");
        Self {
            me,
            known: BTreeSet::new(),
        }
    }

    pub fn me(&self) -> &MemberId {
        &self.me
    }

    pub fn hello(&self) -> Frame {
        Frame::Hello {
            from: self.me.clone(),
        }
    }

    pub fn bye(&self) -> Frame {
        Frame::Bye {
            from: self.me.clone(),
        }
    }

    pub fn data(&self, to: MemberId, payload: Vec<u8>) -> Frame {
        Frame::Data {
            from: self.me.clone(),
            to,
            payload,
        }
    }

    /// Reads a frame heard on the channel: what it means, and a frame to answer with.
    pub fn on_frame(&mut self, frame: Frame) -> (Option<MeshEvent>, Option<Frame>) {
        match frame {
            Frame::Hello { from } if from != self.me => {
                let welcome = Frame::Welcome {
                    from: self.me.clone(),
                    to: from.clone(),
                };
                (self.joined(from), Some(welcome))
            }
            Frame::Welcome { from, to } if to == self.me => (self.joined(from), None),
            Frame::Bye { from } if self.known.remove(&from) => (Some(MeshEvent::Left(from)), None),
            Frame::Data { from, to, payload } if to == self.me && self.known.contains(&from) => {
                (Some(MeshEvent::Packet(from, payload)), None)
            }
            _ => (None, None),
        }
    }

    fn joined(&mut self, member: MemberId) -> Option<MeshEvent> {
        self.known
            .insert(member.clone())
            .then_some(MeshEvent::Joined(member))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Delivers every frame to every other tab until nothing more is said.
    fn broadcast(tabs: &mut [LocalMesh], from: usize, frame: Frame) -> Vec<(usize, MeshEvent)> {
        let mut queue = vec![(from, frame)];
        let mut events = Vec::new();
        while let Some((sender, frame)) = queue.pop() {
            let bytes = frame.encode();
            for (index, tab) in tabs.iter_mut().enumerate() {
                if index == sender {
                    continue;
                }
                let (event, reply) = tab.on_frame(Frame::decode(&bytes).unwrap());
                events.extend(event.map(|e| (index, e)));
                queue.extend(reply.map(|r| (index, r)));
            }
        }
        events
    }

    #[test]
    fn hello_and_welcome_introduce_every_pair_and_bye_says_goodbye() {
        let mut tabs: Vec<LocalMesh> = (1..=3).map(|n| LocalMesh::new([n; 8])).collect();
        let ids: Vec<MemberId> = tabs.iter().map(|t| t.me().clone()).collect();
        for index in 0..3 {
            let hello = tabs[index].hello();
            broadcast(&mut tabs, index, hello);
        }
        for tab in &tabs {
            assert_eq!(tab.known.len(), 2, "{} knows both others", tab.me());
        }
        let payload = vec![1, 2, 3];
        let data = tabs[0].data(ids[2].clone(), payload.clone());
        let heard = broadcast(&mut tabs, 0, data);
        assert_eq!(heard, vec![(2, MeshEvent::Packet(ids[0].clone(), payload))]);
        let bye = tabs[1].bye();
        let heard = broadcast(&mut tabs, 1, bye);
        assert_eq!(
            heard,
            vec![
                (0, MeshEvent::Left(ids[1].clone())),
                (2, MeshEvent::Left(ids[1].clone()))
            ]
        );
    }

    #[test]
    fn frames_round_trip_and_damaged_ones_are_refused() {
        let a = LocalMesh::new([1; 8]);
        let b = LocalMesh::new([2; 8]);
        let frame = a.data(b.me().clone(), vec![9; 100]);
        assert_eq!(Frame::decode(&frame.encode()).unwrap(), frame);
        let bytes = frame.encode();
        assert_eq!(Frame::decode(&bytes[..5]), Err(FrameError::Truncated));
        let mut bad = bytes.clone();
        bad[0] = 9;
        assert_eq!(Frame::decode(&bad), Err(FrameError::UnknownKind(9)));
        assert_eq!(Frame::decode(&[]), Err(FrameError::Truncated));
        assert_eq!(Frame::decode(&[1, 0, 0]), Err(FrameError::BadMember));
    }

    #[test]
    fn data_from_a_stranger_or_for_another_tab_is_ignored() {
        let mut a = LocalMesh::new([1; 8]);
        let b = LocalMesh::new([2; 8]);
        let c = LocalMesh::new([3; 8]);
        let from_stranger = b.data(a.me().clone(), vec![1]);
        assert_eq!(a.on_frame(from_stranger), (None, None));
        a.on_frame(b.hello());
        let for_c = b.data(c.me().clone(), vec![1]);
        assert_eq!(a.on_frame(for_c), (None, None));
    }
}
