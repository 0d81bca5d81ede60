//! How bytes reach the other members: a WebRTC mesh through `chainlab serve`'s
//! signaling (matchbox), or the BroadcastChannel of this browser's tabs.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use gloo::events::EventListener;
use js_sys::Uint8Array;
use matchbox_socket::{Packet, PeerId as RoomPeer, PeerState, RtcIceServerConfig, WebRtcSocket};
use node::classroom::MemberId;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{BroadcastChannel, MessageEvent};

use super::clock::random;
use crate::classroom::local::{CHANNEL, Frame, LocalMesh, MeshEvent};

/// What happened on the transport.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Happening {
    /// Our own id is known.
    Me(MemberId),
    Joined(MemberId),
    Left(MemberId),
    Packet(MemberId, Vec<u8>),
    /// The transport stopped for good, with why.
    Ended(String),
}

pub enum Transport {
    Web(WebMesh),
    Local(LocalTabs),
}

impl Transport {
    pub fn poll(&mut self) -> Vec<Happening> {
        match self {
            Transport::Web(web) => web.poll(),
            Transport::Local(local) => local.poll(),
        }
    }

    pub fn send(&mut self, to: &MemberId, bytes: Vec<u8>) {
        match self {
            Transport::Web(web) => web.send(to, bytes),
            Transport::Local(local) => local.send(to, bytes),
        }
    }

    /// Says goodbye (the tab is closing or leaving the page).
    pub fn close(&mut self) {
        match self {
            Transport::Web(web) => web.socket.close(),
            Transport::Local(local) => local.close(),
        }
    }
}

/// The room's WebRTC mesh.
pub struct WebMesh {
    socket: WebRtcSocket,
    ended: Rc<RefCell<Option<String>>>,
    announced: bool,
    peers: BTreeMap<MemberId, RoomPeer>,
}

impl WebMesh {
    pub fn open(signal_url: String, ice: RtcIceServerConfig) -> Self {
        let (socket, message_loop) = WebRtcSocket::builder(signal_url)
            .ice_server(ice)
            .reconnect_attempts(Some(3))
            .add_reliable_channel()
            .build();
        let ended = Rc::new(RefCell::new(None));
        let flag = ended.clone();
        spawn_local(async move {
            let why = match message_loop.await {
                Ok(()) => "the classroom server closed the connection".to_string(),
                Err(error) => error.to_string(),
            };
            *flag.borrow_mut() = Some(why);
        });
        Self {
            socket,
            ended,
            announced: false,
            peers: BTreeMap::new(),
        }
    }

    fn poll(&mut self) -> Vec<Happening> {
        let mut out = Vec::new();
        if !self.announced
            && let Some(id) = self.socket.id()
            && let Ok(me) = MemberId::try_from(id.to_string())
        {
            self.announced = true;
            out.push(Happening::Me(me));
        }
        if let Ok(changes) = self.socket.try_update_peers() {
            for (peer, state) in changes {
                let Ok(member) = MemberId::try_from(peer.to_string()) else {
                    continue;
                };
                match state {
                    PeerState::Connected => {
                        self.peers.insert(member.clone(), peer);
                        out.push(Happening::Joined(member));
                    }
                    PeerState::Disconnected => {
                        self.peers.remove(&member);
                        out.push(Happening::Left(member));
                    }
                }
            }
            if let Ok(channel) = self.socket.get_channel_mut(0) {
                for (peer, packet) in channel.receive() {
                    if let Ok(member) = MemberId::try_from(peer.to_string()) {
                        out.push(Happening::Packet(member, packet.to_vec()));
                    }
                }
            }
        }
        if let Some(why) = self.ended.borrow_mut().take() {
            out.push(Happening::Ended(why));
        }
        out
    }

    fn send(&mut self, to: &MemberId, bytes: Vec<u8>) {
        if let Some(peer) = self.peers.get(to).copied()
            && let Ok(channel) = self.socket.get_channel_mut(0)
        {
            let _ = channel.try_send(Packet::from(bytes), peer);
        }
    }
}

/// This browser's tabs on one BroadcastChannel.
pub struct LocalTabs {
    channel: BroadcastChannel,
    mesh: Rc<RefCell<LocalMesh>>,
    inbox: Rc<RefCell<VecDeque<Happening>>>,
    _listener: EventListener,
}

impl LocalTabs {
    pub fn open() -> Result<Self, String> {
        let channel = BroadcastChannel::new(CHANNEL)
            .map_err(|_| "this browser has no BroadcastChannel".to_string())?;
        let mesh = Rc::new(RefCell::new(LocalMesh::new(random())));
        let inbox = Rc::new(RefCell::new(VecDeque::new()));
        let me = mesh.borrow().me().clone();
        inbox.borrow_mut().push_back(Happening::Me(me));
        let listener = {
            let (mesh, inbox, channel) = (mesh.clone(), inbox.clone(), channel.clone());
            EventListener::new(&channel.clone(), "message", move |event| {
                let Some(data) = event.dyn_ref::<MessageEvent>().map(MessageEvent::data) else {
                    return;
                };
                let Ok(bytes) = data.dyn_into::<Uint8Array>() else {
                    return;
                };
                let Ok(frame) = Frame::decode(&bytes.to_vec()) else {
                    return;
                };
                let (event, reply) = mesh.borrow_mut().on_frame(frame);
                if let Some(reply) = reply {
                    post(&channel, &reply);
                }
                let happening = match event {
                    Some(MeshEvent::Joined(member)) => Happening::Joined(member),
                    Some(MeshEvent::Left(member)) => Happening::Left(member),
                    Some(MeshEvent::Packet(member, bytes)) => Happening::Packet(member, bytes),
                    None => return,
                };
                inbox.borrow_mut().push_back(happening);
            })
        };
        post(&channel, &mesh.borrow().hello());
        Ok(Self {
            channel,
            mesh,
            inbox,
            _listener: listener,
        })
    }

    fn poll(&mut self) -> Vec<Happening> {
        self.inbox.borrow_mut().drain(..).collect()
    }

    fn send(&mut self, to: &MemberId, bytes: Vec<u8>) {
        let frame = self.mesh.borrow().data(to.clone(), bytes);
        post(&self.channel, &frame);
    }

    fn close(&mut self) {
        post(&self.channel, &self.mesh.borrow().bye());
        self.channel.close();
    }
}

fn post(channel: &BroadcastChannel, frame: &Frame) {
    let bytes = Uint8Array::from(frame.encode().as_slice());
    let _ = channel.post_message(&bytes);
}
