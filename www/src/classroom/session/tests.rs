//! Whole classrooms of sessions in memory: packets are delivered by hand, the clock
//! is a number, and every scenario is played out as a class would.

use ledger::chain::mine_header;
use node::classroom::{ChainSettings, MemberId, PeerStatus, Role, RoomParams, Scenario, Side};

use super::*;
use crate::classroom::board::{Board, Member};
use crate::classroom::feed::FeedKind;
use crate::classroom::history::{Direction, PaymentState};

fn id(text: &str) -> MemberId {
    MemberId::try_from(text.to_string()).unwrap()
}

fn easy(epoch: u32, scenario: Scenario) -> RoomParams {
    RoomParams {
        epoch,
        chain: ChainSettings {
            start_bits: 0x207f_ffff,
            ..ChainSettings::default()
        },
        scenario,
        observers: Vec::new(),
    }
}

fn coins(n: u64) -> Amount {
    Amount::from_sat(n * Amount::COIN.to_sat()).unwrap()
}

/// A room of sessions named a, b, c... that are all connected at the transport.
struct Room {
    sessions: Vec<Session>,
    ids: Vec<MemberId>,
    now: u64,
}

impl Room {
    fn new(names: &[&str], params: RoomParams) -> Self {
        Self::with_instructor(names, params, None)
    }

    /// A room where member `instructor` (an index) is the dashboard's observer.
    fn with_instructor(names: &[&str], params: RoomParams, instructor: Option<usize>) -> Self {
        let now = (u64::from(params.chain_params().genesis_time) + 1_000) * 1_000;
        let ids: Vec<MemberId> = names.iter().map(|n| id(n)).collect();
        let mut sessions: Vec<Session> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let wallet = Wallet::from_entropy([i as u8 + 1; 32]).unwrap();
                let role = if Some(i) == instructor {
                    Role::Instructor
                } else {
                    Role::Student
                };
                Session::new(name.to_string(), role, params.clone(), wallet)
            })
            .collect();
        for (i, session) in sessions.iter_mut().enumerate() {
            session.set_me(ids[i].clone(), now);
        }
        let mut room = Self { sessions, ids, now };
        for i in 0..names.len() {
            for j in 0..names.len() {
                if i != j {
                    let other = room.ids[j].clone();
                    room.sessions[i].peer_joined(other, now);
                }
            }
        }
        room.settle();
        room.publish_board();
        room
    }

    fn index(&self, member: &MemberId) -> usize {
        self.ids.iter().position(|m| m == member).unwrap()
    }

    /// Delivers every queued packet until the room is quiet.
    fn settle(&mut self) {
        for _ in 0..10_000 {
            let mut moved = false;
            for from in 0..self.sessions.len() {
                while let Some(transmit) = self.sessions[from].poll_transmit() {
                    moved = true;
                    let to = self.index(&transmit.to);
                    let sender = self.ids[from].clone();
                    self.sessions[to].receive(&sender, &transmit.bytes, self.now);
                }
            }
            if !moved {
                return;
            }
        }
        panic!("the room never went quiet");
    }

    /// Every session reports its status and reads the board, as the server relays.
    fn publish_board(&mut self) {
        let params = self.sessions[0].params().clone();
        self.publish_board_with(params);
    }

    fn publish_board_with(&mut self, params: RoomParams) {
        let members: Vec<Member> = self
            .sessions
            .iter()
            .zip(&self.ids)
            .map(|(session, member)| Member {
                member: member.clone(),
                status: session.status(0.0, false),
                age_ms: 0,
            })
            .collect();
        for session in &mut self.sessions {
            session.apply_params(params.clone(), self.now);
            let board = Board {
                params: params.clone(),
                members: members.clone(),
            };
            session.set_board(board, self.now);
        }
        self.settle();
    }

    /// Session `i` mines one block on its tip and relays it.
    fn mine(&mut self, i: usize) -> BlockHash {
        self.now += 1_000;
        let session = &mut self.sessions[i];
        let mut block = session.block_template(self.now);
        let chain = session.node().chain();
        let seed = chain.seed_for_child(&chain.tip());
        assert!(mine_header(&mut block.header, &**chain.hasher(), &seed));
        let hash = block.block_hash();
        session.submit_mined(block, self.now).unwrap();
        self.settle();
        hash
    }

    fn tips(&self) -> Vec<BlockHash> {
        self.sessions
            .iter()
            .map(|s| s.node().chain().tip())
            .collect()
    }

    fn feed_of(&self, i: usize) -> Vec<FeedKind> {
        self.sessions[i]
            .feed()
            .newest_first()
            .map(|item| item.kind.clone())
            .collect()
    }
}

#[test]
fn a_room_mines_converges_and_logs_each_block_with_its_miner() {
    let mut room = Room::new(&["a", "b", "c"], easy(0, Scenario::Normal));
    assert_eq!(room.sessions[0].peers_linked(), 2);
    let first = room.mine(0);
    room.mine(1);
    let tips = room.tips();
    assert!(
        tips.iter().all(|tip| *tip == tips[0]),
        "one tip for all: {tips:?}"
    );
    let c = &room.sessions[2];
    assert_eq!(c.node().chain().height(), 2);
    assert_eq!(c.arrivals().len(), 2);
    assert_eq!(c.arrivals()[0].hash, first);
    assert_eq!(c.arrivals()[0].height, 1);
    let feed = room.feed_of(2);
    assert!(feed.contains(&FeedKind::NewBlock {
        height: 1,
        hash: first,
        by: Miner::Named("a".into()),
    }));
    assert!(matches!(
        room.feed_of(0)[1],
        FeedKind::NewBlock { by: Miner::Me, .. }
    ));
    let status = room.sessions[0].status(1234.5, true);
    assert_eq!(status.height, 2);
    assert_eq!(status.peers, 2);
    assert_eq!(status.balance, coins(50));
    assert!(status.validate().is_ok());
}

#[test]
fn a_payment_to_a_classmate_is_received_then_confirmed_on_both_sides() {
    let mut room = Room::new(&["a", "b", "c"], easy(0, Scenario::Normal));
    room.mine(0);
    let to = room.sessions[1].wallet().address();
    let now = room.now;
    let txid = room.sessions[0]
        .pay(to, coins(7), Amount::from_sat(1_000).unwrap(), now)
        .unwrap();
    room.settle();
    let b = &room.sessions[1];
    let pending = b.history().get(&txid).unwrap();
    assert_eq!(pending.direction, Direction::Received);
    assert_eq!(pending.state, PaymentState::Pending);
    assert_eq!(pending.amount, coins(7));
    assert!(room.feed_of(1).contains(&FeedKind::PaymentReceived {
        txid,
        amount: coins(7)
    }));
    room.mine(2);
    let b = &room.sessions[1];
    assert_eq!(b.history().get(&txid).unwrap().confirmations(2), 1);
    assert!(room.feed_of(1).contains(&FeedKind::PaymentConfirmed {
        txid,
        amount: coins(7)
    }));
    assert_eq!(b.status(0.0, false).balance, coins(7));
    let sent = room.sessions[0].history().get(&txid).unwrap();
    assert_eq!(sent.direction, Direction::Sent);
    assert_eq!(sent.amount, coins(7));
    assert_eq!(sent.counterparty, Some(to));
}

#[test]
fn a_payment_beyond_the_balance_is_refused_and_changes_nothing() {
    let mut room = Room::new(&["a", "b"], easy(0, Scenario::Normal));
    room.mine(0);
    let to = room.sessions[1].wallet().address();
    let now = room.now;
    let error = room.sessions[0]
        .pay(to, coins(60), Amount::ZERO, now)
        .unwrap_err();
    assert!(matches!(
        error,
        PayError::Wallet(WalletError::InsufficientFunds { .. })
    ));
    assert!(room.sessions[0].node().mempool().is_empty());
    assert!(room.sessions[0].poll_transmit().is_none());
}

#[test]
fn a_partition_forks_the_class_and_the_heal_reorganises_the_weaker_side() {
    let mut room = Room::new(&["a", "b", "c"], easy(0, Scenario::Normal));
    room.mine(0);
    let split = easy(
        0,
        Scenario::Partition {
            side: vec![id("a")],
        },
    );
    room.publish_board_with(split);
    assert_eq!(room.sessions[0].side(), Side::Group);
    assert_eq!(room.sessions[1].side(), Side::Rest);
    assert_eq!(room.sessions[0].peers_linked(), 0);
    assert_eq!(room.sessions[1].peers_linked(), 1);
    assert!(room.feed_of(1).contains(&FeedKind::Scenario {
        side: Side::Rest,
        split: true
    }));
    let lonely = room.mine(0);
    room.mine(1);
    let winner = room.mine(2);
    assert_eq!(
        room.sessions[0].node().chain().tip(),
        lonely,
        "side A did not hear side B"
    );
    room.publish_board_with(easy(0, Scenario::Normal));
    assert!(
        room.tips().iter().all(|tip| *tip == winner),
        "everyone follows the most work"
    );
    assert!(
        room.feed_of(0)
            .iter()
            .any(|k| matches!(k, FeedKind::Reorg { depth: 1, .. }))
    );
}

#[test]
fn the_instructor_sees_both_sides_of_a_partition_without_joining_them() {
    let mut room = Room::with_instructor(&["a", "b", "t"], easy(0, Scenario::Normal), Some(2));
    room.mine(0);
    let split = RoomParams {
        observers: vec![id("t")],
        ..easy(
            0,
            Scenario::Partition {
                side: vec![id("a")],
            },
        )
    };
    room.publish_board_with(split);
    let lonely = room.mine(0);
    let winner = room.mine(1);
    room.mine(1);
    assert_eq!(
        room.sessions[0].node().chain().tip(),
        lonely,
        "a stays alone"
    );
    assert_ne!(
        room.sessions[1].node().chain().tip(),
        lonely,
        "b never hears a"
    );
    let tree = room.sessions[2].node().chain().tree();
    assert!(tree.iter().any(|block| block.hash == lonely), "{tree:?}");
    assert!(tree.iter().any(|block| block.hash == winner), "{tree:?}");
    assert_eq!(
        room.sessions[2].peers_linked(),
        2,
        "the instructor hears both"
    );
}

#[test]
fn a_reset_starts_a_new_chain_and_keeps_the_wallet() {
    let mut room = Room::new(&["a", "b"], easy(0, Scenario::Normal));
    room.mine(0);
    let address = room.sessions[0].wallet().address();
    room.publish_board_with(easy(1, Scenario::Normal));
    let a = &room.sessions[0];
    assert_eq!(a.node().chain().height(), 0);
    assert_eq!(a.node().chain().params().name, "classroom-1");
    assert_eq!(a.wallet().address(), address);
    assert!(a.arrivals().is_empty());
    assert!(room.feed_of(0).contains(&FeedKind::EpochReset { epoch: 1 }));
    assert_eq!(
        room.sessions[0].peers_linked(),
        1,
        "peers meet again on the new chain"
    );
    room.mine(1);
    assert_eq!(room.tips()[0], room.tips()[1]);
}

#[test]
fn a_double_spend_pays_the_merchant_then_reverses_the_payment() {
    let mut room = Room::new(
        &["attacker", "merchant", "honest"],
        easy(0, Scenario::Normal),
    );
    room.mine(0);
    room.publish_board();
    let attack = Scenario::DoubleSpend {
        attacker: id("attacker"),
        merchant: id("merchant"),
        amount: coins(20),
        group: vec![id("attacker")],
    };
    room.publish_board_with(easy(0, attack));
    assert!(matches!(room.feed_of(0)[0], FeedKind::AttackStarted { .. }));
    let paid = room.sessions[1]
        .history()
        .payments()
        .into_iter()
        .find(|p| p.direction == Direction::Received)
        .cloned()
        .expect("the merchant sees the payment");
    assert_eq!(paid.amount, coins(20));
    room.mine(2);
    let merchant = &room.sessions[1];
    let height = merchant.node().chain().height();
    assert_eq!(
        merchant
            .history()
            .get(&paid.txid)
            .unwrap()
            .confirmations(height),
        1
    );
    for _ in 0..3 {
        room.mine(0);
    }
    room.publish_board_with(easy(0, Scenario::Normal));
    let tips = room.tips();
    assert!(
        tips.iter().all(|tip| *tip == tips[0]),
        "the secret chain wins: {tips:?}"
    );
    let merchant = &room.sessions[1];
    assert_eq!(
        merchant.history().get(&paid.txid).unwrap().state,
        PaymentState::Reversed
    );
    assert!(room.feed_of(1).contains(&FeedKind::PaymentReversed {
        txid: paid.txid,
        amount: coins(20),
    }));
    assert_eq!(merchant.status(0.0, false).balance, Amount::ZERO);
}

#[test]
fn a_member_that_sends_garbage_is_banned_and_stays_cut_off() {
    let mut room = Room::new(&["a", "b"], easy(0, Scenario::Normal));
    let now = room.now;
    let b = id("b");
    room.sessions[0].receive(&b, &[0xff; 40], now);
    assert!(
        room.feed_of(0)
            .iter()
            .any(|k| matches!(k, FeedKind::PeerBanned { name, .. } if name == "b"))
    );
    assert_eq!(room.sessions[0].peers_linked(), 0);
    room.publish_board_with(easy(
        0,
        Scenario::Partition {
            side: vec![id("a")],
        },
    ));
    room.publish_board_with(easy(0, Scenario::Normal));
    assert_eq!(
        room.sessions[0].peers_linked(),
        0,
        "a heal does not lift a ban"
    );
    room.mine(1);
    assert_eq!(
        room.sessions[0].node().chain().height(),
        0,
        "nothing from b gets in"
    );
}

#[test]
fn a_snapshot_restores_chain_and_wallet_and_a_damaged_one_is_refused() {
    let mut room = Room::new(&["a", "b"], easy(0, Scenario::Normal));
    room.mine(0);
    room.mine(0);
    let a = &room.sessions[0];
    let bytes = a.snapshot();
    let params = a.params().clone();
    let restored =
        Session::restore("a".into(), Role::Student, params.clone(), &bytes, room.now).unwrap();
    assert_eq!(restored.node().chain().tip(), a.node().chain().tip());
    assert_eq!(restored.wallet().address(), a.wallet().address());
    assert_eq!(restored.history().payments().len(), 0);
    let mut damaged = bytes.clone();
    let last = damaged.len() - 10;
    damaged[last] ^= 1;
    assert!(
        Session::restore(
            "a".into(),
            Role::Student,
            params.clone(),
            &damaged,
            room.now
        )
        .is_err()
    );
    let other_epoch = easy(1, Scenario::Normal);
    let error = Session::restore("a".into(), Role::Student, other_epoch, &bytes, room.now);
    assert!(matches!(
        error,
        Err(RestoreError::Store(StoreError::WrongGenesis { .. }))
    ));
}

#[test]
fn a_late_member_catches_up_by_header_first_sync() {
    let mut room = Room::new(&["a", "b"], easy(0, Scenario::Normal));
    for _ in 0..12 {
        room.mine(0);
    }
    let wallet = Wallet::from_entropy([9; 32]).unwrap();
    let mut late = Session::new(
        "late".into(),
        Role::Student,
        easy(0, Scenario::Normal),
        wallet,
    );
    late.set_me(id("late"), room.now);
    room.sessions.push(late);
    room.ids.push(id("late"));
    let now = room.now;
    room.sessions[2].peer_joined(id("a"), now);
    room.sessions[0].peer_joined(id("late"), now);
    room.settle();
    assert_eq!(
        room.sessions[2].node().chain().tip(),
        room.sessions[0].node().chain().tip()
    );
    assert_eq!(room.sessions[2].node().chain().height(), 12);
}

#[test]
fn status_keeps_to_what_the_server_accepts() {
    let room = Room::new(&["a"], easy(0, Scenario::Normal));
    let status: PeerStatus = room.sessions[0].status(f64::NAN, false);
    assert_eq!(status.hashrate, 0.0);
    assert!(status.validate().is_ok());
}

#[test]
fn a_heal_or_reset_heard_at_different_moments_still_reconnects_everyone() {
    for change in [
        easy(0, Scenario::Normal),
        easy(
            1,
            Scenario::Partition {
                side: vec![id("a")],
            },
        ),
    ] {
        let mut room = Room::new(&["a", "b", "c"], easy(0, Scenario::Normal));
        room.mine(0);
        let split = easy(
            0,
            Scenario::Partition {
                side: vec![id("a")],
            },
        );
        room.publish_board_with(split);
        // One node hears the change and talks at once; the others hear it later.
        let now = room.now;
        room.sessions[0].apply_params(change.clone(), now);
        room.settle();
        room.sessions[1].apply_params(change.clone(), now);
        room.settle();
        room.sessions[2].apply_params(change.clone(), now);
        room.settle();
        let healed = change.scenario == Scenario::Normal;
        let expected = if healed { [2, 2, 2] } else { [0, 1, 1] };
        let linked: Vec<usize> = room.sessions.iter().map(Session::peers_linked).collect();
        assert_eq!(linked, expected, "after {change:?}");
        for session in &room.sessions {
            let banned = session
                .feed()
                .newest_first()
                .any(|i| matches!(i.kind, FeedKind::PeerBanned { .. }));
            assert!(!banned, "nobody is punished for hearing late");
        }
        room.mine(1);
        assert_eq!(
            room.sessions[2].node().chain().tip(),
            room.sessions[1].node().chain().tip()
        );
    }
}

#[test]
fn a_member_dropped_as_slow_is_greeted_again_after_a_rest_and_the_sync_resumes() {
    let mut room = Room::new(&["a", "b"], easy(0, Scenario::Normal));
    room.now += 1_000;
    let now = room.now;
    let b = &mut room.sessions[1];
    let mut block = b.block_template(now);
    let chain = b.node().chain();
    let seed = chain.seed_for_child(&chain.tip());
    assert!(mine_header(&mut block.header, &**chain.hasher(), &seed));
    let hash = block.block_hash();
    b.submit_mined(block, now).unwrap();
    while let Some(transmit) = room.sessions[1].poll_transmit() {
        room.sessions[0].receive(&id("b"), &transmit.bytes, now);
    }
    // a asks b for the block; the request is lost, as on an overloaded laptop.
    while room.sessions[0].poll_transmit().is_some() {}
    room.now += 30_000;
    room.sessions[0].tick(room.now);
    room.settle();
    assert_eq!(room.sessions[0].peers_linked(), 0, "a dropped b as stalled");
    room.now += node::node::REGREET_MS;
    room.sessions[0].tick(room.now);
    room.settle();
    assert_eq!(room.tips(), vec![hash; 2]);
    assert_eq!(room.sessions[0].peers_linked(), 1);
    assert_eq!(room.sessions[1].peers_linked(), 1);
}
