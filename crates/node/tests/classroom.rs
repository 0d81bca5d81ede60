//! Whole classrooms of nodes in memory: convergence, forks and reorgs, late joiners,
//! malicious peers, payments and reloads.

mod harness;

use harness::{Net, mine_on, wallet};
use ledger::{Amount, ChainParams};
use node::wire::{Hello, MAX_MESSAGE_SIZE, PROTOCOL_VERSION};
use node::{Event, Message, Node, Output, PeerId, Snapshot, StoreError, WalletError};
use proptest::prelude::*;

const COIN: Amount = Amount::COIN;

fn coins(n: u64) -> Amount {
    Amount::from_sat(n * COIN.to_sat()).unwrap()
}

#[test]
fn four_nodes_mining_at_the_classroom_target_converge() {
    let mut net = Net::new(4, ChainParams::classroom(), 7);
    for (a, b, delay) in [(0, 1, 40), (1, 2, 90), (2, 3, 30), (3, 0, 120), (0, 2, 60)] {
        net.connect(a, b, delay);
    }
    net.settle(5_000);
    let mut forks = 0;
    for round in 0..24 {
        let miner = net.rng.below(4) as usize;
        net.mine(miner);
        // Every fourth round a second student finds a block at the same moment.
        if round % 4 == 3 {
            let rival = (miner + 1 + net.rng.below(3) as usize) % 4;
            net.mine(rival);
            forks += 1;
        }
        net.run_until(net.now + 15_000);
    }
    // A last block breaks any tie between equal-work tips.
    net.mine(0);
    net.settle(60_000);
    let tips = net.tips();
    assert!(
        tips.iter().all(|tip| *tip == tips[0]),
        "tips differ: {tips:?}"
    );
    let best = &net.nodes[0];
    assert!(best.chain().height() >= 24);
    for node in &net.nodes {
        assert_eq!(node.chain().chain_work(), best.chain().chain_work());
        assert_eq!(node.chain().utxos(), best.chain().utxos());
    }
    // Simultaneous blocks really forked some nodes, and they really reorganised.
    let reorgs = net
        .events
        .iter()
        .flatten()
        .filter(|event| matches!(event, Event::Reorg { .. }))
        .count();
    assert!(forks > 0 && reorgs > 0, "{forks} forks, {reorgs} reorgs");
}

#[test]
fn partition_heals_to_the_most_work_chain_and_losing_txs_return_to_the_mempool() {
    let mut net = Net::new(4, ChainParams::regtest(), 11);
    net.connect_all(50);
    net.mine(0);
    net.settle(10_000);
    // Partition {0, 1} | {2, 3}.
    for (a, b) in [(0, 2), (0, 3), (1, 2), (1, 3)] {
        net.cut(a, b);
    }
    let pay = net.wallets[0]
        .pay(
            net.nodes[0].chain(),
            net.nodes[0].mempool(),
            net.wallets[1].address(),
            coins(5),
            Amount::from_sat(2_000).unwrap(),
        )
        .unwrap();
    let txid = net.nodes[0].submit_transaction(pay).unwrap();
    net.pump(0);
    net.settle(10_000);
    assert!(
        net.nodes[1].mempool().get(&txid).is_some(),
        "relayed inside the partition"
    );
    assert!(net.nodes[2].mempool().get(&txid).is_none(), "not across it");
    for _ in 0..2 {
        net.now += 15_000;
        net.mine(0);
        net.settle(10_000);
    }
    for _ in 0..4 {
        net.now += 15_000;
        net.mine(2);
        net.settle(10_000);
    }
    assert_eq!(net.nodes[1].chain().tip(), net.nodes[0].chain().tip());
    assert_eq!(net.nodes[3].chain().tip(), net.nodes[2].chain().tip());
    assert_ne!(net.nodes[0].chain().tip(), net.nodes[2].chain().tip());
    assert!(
        net.nodes[0].mempool().is_empty(),
        "the payment was mined on the small side"
    );
    let losing_tip = net.nodes[0].chain().tip();

    for (a, b) in [(0, 2), (0, 3), (1, 2), (1, 3)] {
        net.connect(a, b, 50);
    }
    net.settle(30_000);
    let winner = net.nodes[2].chain().tip();
    assert_eq!(net.tips(), vec![winner; 4]);
    assert_eq!(net.nodes[0].chain().height(), 5);
    assert!(
        net.nodes[0].chain().block(&losing_tip).is_some(),
        "kept as a side branch"
    );
    for i in [0, 1] {
        assert!(net.events[i].iter().any(|event| matches!(
            event,
            Event::Reorg { depth: 2, old_tip, new_tip } if *old_tip == losing_tip && *new_tip == winner
        )));
        assert!(
            net.nodes[i].mempool().get(&txid).is_some(),
            "node {i} got the losing branch's payment back"
        );
    }
    for i in [2, 3] {
        assert!(
            net.nodes[i].mempool().get(&txid).is_some(),
            "node {i} heard of the returned payment"
        );
    }
    // The winning side mines it, and everyone agrees it is confirmed.
    net.now += 15_000;
    net.mine(3);
    net.settle(10_000);
    assert_eq!(net.tips(), vec![net.nodes[3].chain().tip(); 4]);
    assert!(net.nodes.iter().all(|n| n.mempool().is_empty()));
    let paid = net.wallets[1].balance(net.nodes[2].chain(), net.nodes[2].mempool());
    assert_eq!(paid.confirmed, coins(5));
}

/// Two halves that heal with branches of equal work keep their own tips (neither
/// branch has more work), and the headers each hears of the other's branch are set
/// aside. The next block on one branch must then win on both nodes, although it
/// arrives as an orphan whose parent is only a set-aside header.
#[test]
fn after_a_heal_between_equal_branches_the_next_block_decides() {
    let mut net = Net::new(2, ChainParams::regtest(), 5);
    net.connect(0, 1, 50);
    net.mine(0);
    net.settle(10_000);
    net.cut(0, 1);
    for _ in 0..3 {
        net.now += 15_000;
        net.mine(0);
        net.mine(1);
        net.settle(10_000);
    }
    net.connect(0, 1, 50);
    net.settle(30_000);
    let tips = net.tips();
    assert_ne!(tips[0], tips[1], "equal work: each keeps its own branch");
    net.now += 15_000;
    let winner = net.mine(1);
    net.settle(30_000);
    assert_eq!(net.tips(), vec![winner; 2]);
    assert_eq!(net.nodes[0].chain().orphan_count(), 0);
    assert!(net.events[0].iter().any(
        |event| matches!(event, Event::Reorg { depth: 3, new_tip, .. } if *new_tip == winner)
    ));
}

#[test]
fn a_late_joiner_syncs_two_thousand_blocks_header_first() {
    let mut net = Net::new(2, ChainParams::regtest(), 3);
    for _ in 0..2_000 {
        net.now += 1_000;
        net.mine(0);
    }
    net.events[0].clear();
    let (started, sim_start) = (std::time::Instant::now(), net.now);
    net.connect(0, 1, 80);
    net.settle(120_000);
    let elapsed = started.elapsed();
    assert_eq!(net.nodes[1].chain().tip(), net.nodes[0].chain().tip());
    assert_eq!(net.nodes[1].chain().height(), 2_000);
    assert_eq!(net.nodes[1].chain().utxos(), net.nodes[0].chain().utxos());
    let progress: Vec<(u32, u32)> = net.events[1]
        .iter()
        .filter_map(|event| match event {
            Event::SyncProgress { height, target } => Some((*height, *target)),
            _ => None,
        })
        .collect();
    assert!(progress.len() > 10);
    assert!(progress.windows(2).all(|w| w[0].0 <= w[1].0));
    assert!(progress.iter().all(|(_, target)| *target == 2_000));
    assert_eq!(progress.last(), Some(&(2_000, 2_000)));
    let (headers, _) = net.by_kind["headers"];
    let (blocks, _) = net.by_kind["block"];
    let (getdata, _) = net.by_kind["getdata"];
    assert_eq!(blocks, 2_000, "each block is downloaded once");
    assert!(
        (5..=10).contains(&headers),
        "four full batches of 500 headers and an empty answer, plus a few short answers \
         to the periodic resync: {headers} headers messages"
    );
    assert!(
        getdata <= 40,
        "blocks are requested in batches, not one by one"
    );
    // The joiner saves its synced chain and reloads it, revalidating every block.
    let saved = Snapshot::capture(&net.nodes[1], Some(&net.wallets[1])).encode();
    let reload = std::time::Instant::now();
    let (reloaded, _) = Snapshot::decode(&saved)
        .unwrap()
        .restore(net.params.clone(), net.hasher.clone(), net.now)
        .unwrap();
    assert_eq!(reloaded.chain().tip(), net.nodes[0].chain().tip());
    println!(
        "snapshot of 2,000 blocks: {} bytes, reloaded and revalidated in {:?}",
        saved.len(),
        reload.elapsed()
    );
    println!(
        "late joiner: 2,000 blocks in {} messages / {} bytes, {} simulated ms, {:?} wall; by kind {:?}",
        net.messages,
        net.bytes,
        net.now - sim_start,
        elapsed,
        net.by_kind
    );
}

#[test]
fn wallets_pay_each_other_across_two_nodes() {
    let mut net = Net::new(3, ChainParams::regtest(), 5);
    net.connect(0, 1, 30);
    net.mine(0);
    net.settle(5_000);
    let subsidy = net.params.block_subsidy(1);
    let (alice, bob) = (&net.wallets[0], &net.wallets[1]);
    assert_eq!(
        alice
            .balance(net.nodes[0].chain(), net.nodes[0].mempool())
            .confirmed,
        subsidy
    );
    // Bob is in Alice's address book from the room's peer list.
    let mut alice = alice.clone();
    alice.add_contact("Bob", bob.address()).unwrap();
    let to = alice.contacts()["Bob"];
    let fee = Amount::from_sat(1_500).unwrap();
    assert!(matches!(
        alice.pay(
            net.nodes[0].chain(),
            net.nodes[0].mempool(),
            to,
            subsidy,
            fee
        ),
        Err(WalletError::InsufficientFunds { .. })
    ));
    let tx = alice
        .pay(
            net.nodes[0].chain(),
            net.nodes[0].mempool(),
            to,
            coins(12),
            fee,
        )
        .unwrap();
    let txid = net.nodes[0].submit_transaction(tx).unwrap();
    net.pump(0);
    net.settle(5_000);
    assert!(net.events[1].contains(&Event::TxAccepted { txid }));
    // A classmate who opens the page now sees the chain and the pending payment.
    net.connect(2, 0, 50);
    net.settle(5_000);
    assert_eq!(net.nodes[2].chain().tip(), net.nodes[0].chain().tip());
    assert!(net.nodes[2].mempool().get(&txid).is_some());
    let pending = net.wallets[1].balance(net.nodes[1].chain(), net.nodes[1].mempool());
    assert_eq!(pending.incoming, coins(12));
    assert_eq!(pending.confirmed, Amount::ZERO);
    let sender = alice.balance(net.nodes[0].chain(), net.nodes[0].mempool());
    assert_eq!(
        sender.available,
        Amount::ZERO,
        "the only coin is spent by the pending payment"
    );
    // Bob mines the payment into a block; the fee goes to him.
    net.now += 15_000;
    net.mine(1);
    net.settle(5_000);
    assert_eq!(net.tips()[0], net.tips()[1]);
    let bob_balance = net.wallets[1].balance(net.nodes[0].chain(), net.nodes[0].mempool());
    let bob_reward = net.params.block_subsidy(2).checked_add(fee).unwrap();
    assert_eq!(
        bob_balance.confirmed,
        coins(12).checked_add(bob_reward).unwrap()
    );
    let alice_balance = alice.balance(net.nodes[1].chain(), net.nodes[1].mempool());
    let change = subsidy
        .checked_sub(coins(12))
        .unwrap()
        .checked_sub(fee)
        .unwrap();
    assert_eq!(alice_balance.confirmed, change);
    assert_eq!(alice_balance.available, change);
}

#[test]
fn a_snapshot_restores_chain_and_wallet_and_rejects_tampering() {
    let mut net = Net::new(1, ChainParams::regtest(), 9);
    for _ in 0..3 {
        net.now += 1_000;
        net.mine(0);
    }
    let tx = net.wallets[0]
        .pay(
            net.nodes[0].chain(),
            net.nodes[0].mempool(),
            wallet("bob").address(),
            coins(3),
            Amount::ZERO,
        )
        .unwrap();
    net.nodes[0].submit_transaction(tx).unwrap();
    net.now += 1_000;
    net.mine(0);
    let mut owner = net.wallets[0].clone();
    owner.add_contact("Bob", wallet("bob").address()).unwrap();
    let bytes = Snapshot::capture(&net.nodes[0], Some(&owner)).encode();

    let snapshot = Snapshot::decode(&bytes).unwrap();
    let (restored, restored_wallet) = snapshot
        .restore(net.params.clone(), net.hasher.clone(), net.now)
        .unwrap();
    let restored_wallet = restored_wallet.unwrap();
    assert_eq!(restored.chain().tip(), net.nodes[0].chain().tip());
    assert_eq!(restored.chain().utxos(), net.nodes[0].chain().utxos());
    assert_eq!(restored_wallet.address(), owner.address());
    assert_eq!(restored_wallet.contacts(), owner.contacts());
    assert_eq!(
        restored_wallet.balance(restored.chain(), restored.mempool()),
        owner.balance(net.nodes[0].chain(), net.nodes[0].mempool())
    );

    let restore = |bytes: &[u8], params: ChainParams| {
        Snapshot::decode(bytes).and_then(|s| s.restore(params, net.hasher.clone(), net.now))
    };
    assert!(matches!(
        restore(&bytes, ChainParams::classroom()),
        Err(StoreError::WrongGenesis { .. })
    ));
    assert_eq!(
        restore(&bytes[..bytes.len() - 1], ChainParams::regtest()).err(),
        Some(StoreError::Truncated)
    );
    assert_eq!(
        restore(b"nope", ChainParams::regtest()).err(),
        Some(StoreError::BadMagic)
    );
    // Change one output amount inside the last block: its Merkle root no longer fits.
    let mut tampered = Snapshot::decode(&bytes).unwrap();
    tampered.blocks[4].transactions[1].outputs[0].amount = coins(4);
    assert!(matches!(
        restore(&tampered.encode(), ChainParams::regtest()),
        Err(StoreError::InvalidBlock { height: 4, .. })
    ));
    // Without a wallet the snapshot still loads.
    let bare = Snapshot::capture(&net.nodes[0], None).encode();
    let (_, none) = restore(&bare, ChainParams::regtest()).unwrap();
    assert!(none.is_none());
}

/// Payments made just before a reload are kept, in the order made, and a snapshot
/// saved before pending payments were kept (version 1) still loads.
#[test]
fn a_snapshot_keeps_unmined_payments_in_order_and_reads_version_1() {
    let mut net = Net::new(1, ChainParams::regtest(), 9);
    for _ in 0..2 {
        net.now += 1_000;
        net.mine(0);
    }
    let mut pay = |amount: u64| {
        let tx = net.wallets[0]
            .pay(
                net.nodes[0].chain(),
                net.nodes[0].mempool(),
                wallet("bob").address(),
                coins(amount),
                Amount::from_sat(1_000).unwrap(),
            )
            .unwrap();
        net.nodes[0].submit_transaction(tx).unwrap()
    };
    let first = pay(10);
    let second = pay(1);
    let bytes = Snapshot::capture(&net.nodes[0], Some(&net.wallets[0])).encode();
    let snapshot = Snapshot::decode(&bytes).unwrap();
    let pending = snapshot.pending.clone();
    assert_eq!(
        pending.iter().map(|tx| tx.txid()).collect::<Vec<_>>(),
        vec![first, second]
    );
    let (restored, restored_wallet) = snapshot
        .restore(net.params.clone(), net.hasher.clone(), net.now)
        .unwrap();
    assert!(restored.mempool().get(&first).is_some() && restored.mempool().get(&second).is_some());
    assert_eq!(
        restored.own_pending().len(),
        2,
        "announced again after the reload"
    );
    assert_eq!(
        restored_wallet
            .unwrap()
            .balance(restored.chain(), restored.mempool()),
        net.wallets[0].balance(net.nodes[0].chain(), net.nodes[0].mempool())
    );

    // Version 1: the same layout without the pending payments.
    let mut old = bytes[..bytes.len() - pending_bytes(&pending)].to_vec();
    old[4..6].copy_from_slice(&1u16.to_le_bytes());
    let (restored, _) = Snapshot::decode(&old)
        .unwrap()
        .restore(net.params.clone(), net.hasher.clone(), net.now)
        .unwrap();
    assert_eq!(restored.chain().tip(), net.nodes[0].chain().tip());
    assert_eq!(restored.mempool().len(), 0);
    let mut future = bytes.clone();
    future[4..6].copy_from_slice(&3u16.to_le_bytes());
    assert_eq!(
        Snapshot::decode(&future).err(),
        Some(StoreError::UnsupportedVersion(3))
    );
}

/// How many bytes the pending part of a snapshot takes: a count, then each
/// payment with its length.
fn pending_bytes(pending: &[ledger::Transaction]) -> usize {
    4 + pending
        .iter()
        .map(|tx| 4 + tx.encode().len())
        .sum::<usize>()
}

/// A hand-driven attacker connected to node 0 of a two-node honest network.
struct Attack {
    net: Net,
    next_id: u64,
}

impl Attack {
    fn new() -> Self {
        let mut net = Net::new(2, ChainParams::regtest(), 13);
        net.connect(0, 1, 40);
        for _ in 0..3 {
            net.now += 1_000;
            net.mine(0);
        }
        net.settle(5_000);
        Self { net, next_id: 100 }
    }

    /// A new attacker identity that has completed the handshake.
    fn attacker(&mut self) -> PeerId {
        self.next_id += 1;
        let peer = PeerId(self.next_id);
        let node = &mut self.net.nodes[0];
        node.peer_connected(peer, self.net.now);
        let genesis = node.chain().block_at_height(0).unwrap().block_hash();
        let hello = Message::Hello(Hello {
            version: PROTOCOL_VERSION,
            network: "regtest".into(),
            genesis,
            tip: genesis,
            height: 0,
            session: 1,
            seen: 0,
        });
        node.receive(peer, &hello.encode(), self.net.now);
        self.net.pump(0);
        peer
    }

    fn send(&mut self, peer: PeerId, bytes: &[u8]) {
        self.net.nodes[0].receive(peer, bytes, self.net.now);
    }

    /// Asserts the attacker was banned and disconnected, and nothing honest was lost.
    fn assert_banned(&mut self, peer: PeerId, why: &str) {
        let outputs = self.net.nodes[0].drain_outputs();
        assert!(
            !outputs.iter().any(|o| matches!(
                o,
                Output::Send {
                    peer: PeerId(1),
                    ..
                }
            )),
            "{why}: nothing from the attacker is relayed to the honest peer"
        );
        assert!(
            outputs
                .iter()
                .any(|o| matches!(o, Output::Disconnect { peer: p, .. } if *p == peer)),
            "{why}: not disconnected"
        );
        let reason = outputs
            .iter()
            .find_map(|o| match o {
                Output::Event(Event::PeerBanned { peer: p, reason }) if *p == peer => {
                    Some(reason.clone())
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("{why}: no ban event"));
        assert!(reason.contains(why), "{reason:?} should mention {why:?}");
        assert!(self.net.nodes[0].is_banned(peer, self.net.now));
        self.net.nodes[0].peer_connected(peer, self.net.now);
        assert!(
            matches!(
                self.net.nodes[0].poll_output(),
                Some(Output::Disconnect { .. })
            ),
            "{why}: a banned peer may not reconnect"
        );
        assert_eq!(
            self.net.nodes[0].chain().tip(),
            self.net.nodes[1].chain().tip()
        );
        assert_eq!(self.net.nodes[0].chain().height(), 3);
    }
}

#[test]
fn malicious_peers_are_banned_and_honest_nodes_keep_their_chain() {
    let mut attack = Attack::new();
    let hasher = attack.net.hasher.clone();

    let peer = attack.attacker();
    attack.send(peer, b"\x00\x01garbage");
    attack.assert_banned(peer, "does not decode");

    let peer = attack.attacker();
    attack.send(peer, &vec![0; MAX_MESSAGE_SIZE + 1]);
    attack.assert_banned(peer, "over the size limit");

    // A block with too little proof of work.
    let peer = attack.attacker();
    let mut block = attack.net.nodes[0].block_template(wallet("mallory").address(), attack.net.now);
    let target = ledger::Target::from_compact(block.header.bits).unwrap();
    while target.is_met_by(block.header.block_hash().to_byte_array()) {
        block.header.nonce += 1;
    }
    attack.send(peer, &Message::Block(block).encode());
    attack.assert_banned(peer, "proof of work");

    // A mined block whose coinbase pays itself too much.
    let peer = attack.attacker();
    let mut block = attack.net.nodes[0].block_template(wallet("mallory").address(), attack.net.now);
    block.transactions[0].outputs[0].amount = coins(1_000);
    block.header.merkle_root = block.compute_merkle_root().unwrap();
    let seed = attack.net.nodes[0]
        .chain()
        .seed_for_child(&block.header.prev_blockhash);
    assert!(ledger::chain::mine_header(
        &mut block.header,
        &*hasher,
        &seed
    ));
    attack.send(peer, &Message::Block(block).encode());
    attack.assert_banned(peer, "coinbase amount");

    // A payment with a forged signature.
    let peer = attack.attacker();
    let (chain, mempool) = (attack.net.nodes[0].chain(), attack.net.nodes[0].mempool());
    let mut tx = attack.net.wallets[0]
        .pay(
            chain,
            mempool,
            wallet("mallory").address(),
            coins(1),
            Amount::ZERO,
        )
        .unwrap();
    tx.inputs[0].signature.0[10] ^= 1;
    attack.send(peer, &Message::Tx(tx).encode());
    attack.assert_banned(peer, "invalid transaction");

    // Double spends of a coin an honest pending payment already spends.
    let honest = attack.net.wallets[0]
        .pay(
            attack.net.nodes[0].chain(),
            attack.net.nodes[0].mempool(),
            wallet("bob").address(),
            coins(2),
            Amount::ZERO,
        )
        .unwrap();
    let honest_txid = attack.net.nodes[0]
        .submit_transaction(honest.clone())
        .unwrap();
    let peer = attack.attacker();
    for sats in 1..=5u64 {
        let mut spend = honest.clone();
        spend.outputs[0].amount = Amount::from_sat(sats).unwrap();
        attack.send(peer, &Message::Tx(spend).encode());
    }
    attack.assert_banned(peer, "double spend");
    assert!(attack.net.nodes[0].mempool().get(&honest_txid).is_some());

    // A flood of unrequested pings.
    let peer = attack.attacker();
    for nonce in 0..=node::node::RATE_LIMIT as u64 {
        attack.send(peer, &Message::Ping(nonce).encode());
    }
    attack.assert_banned(peer, "flooded");

    // Headers nobody asked for: a cheap low-work fork from genesis.
    let peer = attack.attacker();
    let fork = {
        let lonely = Node::new(ChainParams::regtest(), hasher.clone());
        mine_on(
            &lonely,
            wallet("mallory").address(),
            attack.net.now,
            &*hasher,
        )
        .header
    };
    for _ in 0..3 {
        attack.send(peer, &Message::Headers(vec![fork]).encode());
    }
    attack.assert_banned(peer, "headers nobody asked for");

    // Pushing blocks of a cheap fork from genesis that never beats our chain.
    let peer = attack.attacker();
    let lonely_fork = {
        let mut lonely = Node::new(ChainParams::regtest(), hasher.clone());
        (0..3)
            .map(|_| {
                let block = mine_on(
                    &lonely,
                    wallet("mallory").address(),
                    attack.net.now,
                    &*hasher,
                );
                lonely.submit_block(block.clone(), attack.net.now).unwrap();
                block
            })
            .collect::<Vec<_>>()
    };
    for block in lonely_fork {
        attack.send(peer, &Message::Block(block).encode());
    }
    attack.assert_banned(peer, "less work");

    // Bans expire.
    let later = attack.net.now + node::node::BAN_MS + 1;
    attack.net.nodes[0].tick(later);
    assert!(!attack.net.nodes[0].is_banned(peer, later));

    // Through it all the honest pair still agrees, and still gossips.
    attack.net.now = later;
    attack.net.nodes[0].drain_outputs();
    attack.net.mine(1);
    attack.net.settle(5_000);
    assert_eq!(attack.net.nodes[0].chain().height(), 4);
    assert_eq!(attack.net.tips()[0], attack.net.tips()[1]);
}

#[test]
fn nodes_of_another_chain_are_turned_away_without_a_ban() {
    let mut node = Node::new(
        ChainParams::regtest(),
        node::hasher_for(&ChainParams::regtest()),
    );
    let other = Node::new(
        ChainParams::classroom(),
        node::hasher_for(&ChainParams::classroom()),
    );
    let now = 1_800_000_000_000;
    node.peer_connected(PeerId(1), now);
    let hello = Message::Hello(Hello {
        version: PROTOCOL_VERSION,
        network: "classroom".into(),
        genesis: other.chain().tip(),
        tip: other.chain().tip(),
        height: 0,
        session: 1,
        seen: 0,
    });
    node.receive(PeerId(1), &hello.encode(), now);
    let outputs = node.drain_outputs();
    assert!(outputs.iter().any(
        |o| matches!(o, Output::Disconnect { reason, .. } if reason.contains("different chain"))
    ));
    assert!(!node.is_banned(PeerId(1), now));
}

/// Hello from a hand-driven peer claiming `tip` at `height`.
fn hello_from(node: &Node, tip: ledger::BlockHash, height: u32) -> Vec<u8> {
    Message::Hello(Hello {
        version: PROTOCOL_VERSION,
        network: node.chain().params().name.clone(),
        genesis: node.chain().block_at_height(0).unwrap().block_hash(),
        tip,
        height,
        session: 1,
        seen: 0,
    })
    .encode()
}

/// The messages `node` queued for `peer`.
fn sent_to(node: &mut Node, peer: PeerId) -> Vec<Message> {
    node.drain_outputs()
        .into_iter()
        .filter_map(|output| match output {
            Output::Send { peer: to, bytes } if to == peer => {
                Some(Message::decode(&bytes).unwrap())
            }
            _ => None,
        })
        .collect()
}

/// A regtest node that mined `count` blocks, one second apart.
fn miner_with(count: u32, now: &mut u64) -> Node {
    let params = ChainParams::regtest();
    let hasher = node::hasher_for(&params);
    let mut miner = Node::new(params, hasher.clone());
    for _ in 0..count {
        *now += 1_000;
        let block = mine_on(&miner, wallet("miner").address(), *now, &*hasher);
        miner.submit_block(block, *now).unwrap();
    }
    miner
}

/// One coin from the miner of `miner_with` to a friend, on `node`'s view.
fn pay_a_friend(node: &Node) -> ledger::Transaction {
    wallet("miner")
        .pay(
            node.chain(),
            node.mempool(),
            wallet("friend").address(),
            coins(1),
            Amount::from_sat(1_000).unwrap(),
        )
        .unwrap()
}

/// A fresh regtest node that each of `peers` greeted from genesis, its answers taken.
fn greeted_fresh_node(peers: &[PeerId], now: u64) -> Node {
    let params = ChainParams::regtest();
    let mut node = Node::new(params.clone(), node::hasher_for(&params));
    let genesis = node.chain().tip();
    for &peer in peers {
        node.peer_connected(peer, now);
        node.receive(peer, &hello_from(&node, genesis, 0), now);
    }
    node.drain_outputs();
    node
}

#[test]
fn an_orphan_makes_the_node_ask_for_its_parent() {
    let mut now = u64::from(ChainParams::regtest().genesis_time) * 1_000;
    let miner = miner_with(2, &mut now);
    let peer = PeerId(1);
    let mut node = greeted_fresh_node(&[peer], now);
    let (first, second) = (
        miner.chain().block_at_height(1).unwrap().clone(),
        miner.chain().block_at_height(2).unwrap().clone(),
    );
    node.receive(peer, &Message::Block(second.clone()).encode(), now);
    assert_eq!(node.chain().orphan_count(), 1);
    let asked = sent_to(&mut node, peer);
    assert!(asked.contains(&Message::GetData(vec![node::InvItem::Block(
        first.block_hash()
    )])));
    assert!(asked.iter().any(|m| matches!(m, Message::GetHeaders(_))));
    node.receive(peer, &Message::Block(first).encode(), now);
    assert_eq!(node.chain().tip(), second.block_hash());
    assert_eq!(node.chain().orphan_count(), 0);
    assert_eq!(node.peer_score(peer), Some(0));
}

/// A payment can overtake the block holding its coin (two peers, two paths). Its
/// sender will not announce it again, so the node keeps it until the block comes.
#[test]
fn a_payment_that_overtakes_its_coin_waits_for_the_block() {
    let mut now = u64::from(ChainParams::regtest().genesis_time) * 1_000;
    let miner = miner_with(1, &mut now);
    let payment = pay_a_friend(&miner);
    let txid = payment.txid();
    let (first, second) = (PeerId(1), PeerId(2));
    let mut node = greeted_fresh_node(&[first, second], now);
    node.receive(first, &Message::Tx(payment).encode(), now);
    assert!(
        node.mempool().get(&txid).is_none(),
        "its coin is unknown yet"
    );
    assert_eq!(
        node.peer_score(first),
        Some(0),
        "an honest peer may send this"
    );
    let block = miner.chain().block_at_height(1).unwrap().clone();
    node.receive(second, &Message::Block(block).encode(), now);
    assert!(node.mempool().get(&txid).is_some());
    let outputs = node.drain_outputs();
    assert!(outputs.contains(&Output::Event(Event::TxAccepted { txid })));
    let announced_to_second = outputs.iter().any(|output| {
        matches!(output, Output::Send { peer, bytes } if *peer == second
            && Message::decode(bytes).unwrap() == Message::Inv(vec![node::InvItem::Tx(txid)]))
    });
    assert!(announced_to_second, "relayed once accepted: {outputs:?}");
}

/// A peer can lose a payment (it restarted, or held it on a losing branch); the
/// payer announces its own unconfirmed payments again until one is mined.
#[test]
fn own_payments_are_announced_again_until_mined() {
    let mut now = u64::from(ChainParams::regtest().genesis_time) * 1_000;
    let mut payer = miner_with(1, &mut now);
    let peer = PeerId(1);
    payer.peer_connected(peer, now);
    let tip = payer.chain().tip();
    payer.receive(peer, &hello_from(&payer, tip, 1), now);
    let txid = payer.submit_transaction(pay_a_friend(&payer)).unwrap();
    let announced = |messages: Vec<Message>| {
        messages
            .iter()
            .any(|m| matches!(m, Message::Inv(items) if items.contains(&node::InvItem::Tx(txid))))
    };
    assert!(
        announced(sent_to(&mut payer, peer)),
        "announced when submitted"
    );
    payer.tick(now);
    assert!(!announced(sent_to(&mut payer, peer)), "not twice at once");
    payer.tick(now + node::node::REBROADCAST_MS - 1);
    assert!(!announced(sent_to(&mut payer, peer)));
    payer.tick(now + node::node::REBROADCAST_MS);
    assert!(
        announced(sent_to(&mut payer, peer)),
        "announced again though the peer was told"
    );
    now += node::node::REBROADCAST_MS + 1_000;
    let hasher = node::hasher_for(payer.chain().params());
    let block = mine_on(&payer, wallet("miner").address(), now, &*hasher);
    payer.submit_block(block, now).unwrap();
    assert!(payer.mempool().get(&txid).is_none(), "mined");
    payer.drain_outputs();
    payer.tick(now + node::node::REBROADCAST_MS);
    assert!(
        !announced(sent_to(&mut payer, peer)),
        "a mined payment is not announced again"
    );
}

#[test]
fn a_stalling_peer_is_dropped_and_the_download_moves_to_another() {
    let mut now = u64::from(ChainParams::regtest().genesis_time) * 1_000;
    let miner = miner_with(5, &mut now);
    let (tip, genesis) = (
        miner.chain().tip(),
        miner.chain().block_at_height(0).unwrap().block_hash(),
    );
    let mut node = Node::new(
        ChainParams::regtest(),
        node::hasher_for(&ChainParams::regtest()),
    );
    let (staller, helper) = (PeerId(1), PeerId(2));
    node.peer_connected(staller, now);
    node.receive(staller, &hello_from(&node, tip, 5), now);
    assert!(
        sent_to(&mut node, staller)
            .iter()
            .any(|m| matches!(m, Message::GetHeaders(_)))
    );
    let headers = miner.chain().headers_after(&[genesis], 2_000);
    node.receive(staller, &Message::Headers(headers).encode(), now);
    let asked = sent_to(&mut node, staller);
    assert!(matches!(&asked[..], [Message::GetData(items)] if items.len() == 5));
    node.peer_connected(helper, now);
    node.receive(helper, &hello_from(&node, tip, 5), now);
    node.drain_outputs();

    now += node::peer::REQUEST_TIMEOUT_MS;
    node.tick(now);
    let outputs = node.drain_outputs();
    assert!(outputs.iter().any(|o| matches!(o, Output::Disconnect { peer, reason } if *peer == staller && reason.contains("stalled"))));
    assert!(!node.is_banned(staller, now), "slow is not malicious");
    let requests: Vec<Message> = outputs
        .into_iter()
        .filter_map(|o| match o {
            Output::Send { peer, bytes } if peer == helper => Message::decode(&bytes).ok(),
            _ => None,
        })
        .filter(|m| matches!(m, Message::GetData(_)))
        .collect();
    assert!(matches!(&requests[..], [Message::GetData(items)] if items.len() == 5));
    for height in 1..=5 {
        let block = miner.chain().block_at_height(height).unwrap().clone();
        node.receive(helper, &Message::Block(block).encode(), now);
    }
    assert_eq!(node.chain().tip(), tip);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Well-framed messages of every kind with random bodies, from a peer that did
    /// the handshake: the node never panics and its chain never moves.
    #[test]
    fn hostile_bytes_never_panic_or_move_the_chain(
        kind in 0u8..14,
        body in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let params = ChainParams::regtest();
        let mut node = Node::new(params.clone(), node::hasher_for(&params));
        let now = u64::from(params.genesis_time) * 1_000 + 5_000;
        let (peer, genesis) = (PeerId(7), node.chain().tip());
        node.peer_connected(peer, now);
        node.receive(peer, &hello_from(&node, genesis, 0), now);
        let mut bytes = b"CLab\x01\x00".to_vec();
        bytes.push(kind);
        bytes.extend_from_slice(&body);
        node.receive(peer, &bytes, now);
        node.tick(now + 1_000);
        prop_assert_eq!(node.chain().tip(), genesis);
        prop_assert!(node.mempool().is_empty());
    }
}

#[test]
fn a_node_answers_getblocks_getdata_getheaders_and_pings() {
    let mut now = u64::from(ChainParams::regtest().genesis_time) * 1_000;
    let mut miner = miner_with(3, &mut now);
    let genesis = miner.chain().block_at_height(0).unwrap().block_hash();
    let hashes: Vec<ledger::BlockHash> = (1..=3)
        .map(|h| miner.chain().block_at_height(h).unwrap().block_hash())
        .collect();
    let peer = PeerId(4);
    miner.peer_connected(peer, now);
    miner.receive(peer, &hello_from(&miner, genesis, 0), now);
    sent_to(&mut miner, peer);

    miner.receive(peer, &Message::GetBlocks(vec![genesis]).encode(), now);
    let inv: Vec<node::InvItem> = hashes.iter().map(|h| node::InvItem::Block(*h)).collect();
    assert_eq!(sent_to(&mut miner, peer), vec![Message::Inv(inv)]);

    let unknown = node::InvItem::Tx(ledger::Txid::from_byte_array([9; 32]));
    let wanted = vec![node::InvItem::Block(hashes[1]), unknown];
    miner.receive(peer, &Message::GetData(wanted).encode(), now);
    let block = miner.chain().block(&hashes[1]).unwrap().clone();
    assert_eq!(
        sent_to(&mut miner, peer),
        vec![Message::Block(block), Message::NotFound(vec![unknown])]
    );

    miner.receive(
        peer,
        &Message::GetHeaders(vec![hashes[0], genesis]).encode(),
        now,
    );
    let headers = sent_to(&mut miner, peer);
    assert!(
        matches!(&headers[..], [Message::Headers(h)] if h.len() == 2 && h[1].block_hash() == hashes[2])
    );

    miner.receive(peer, &Message::Ping(42).encode(), now);
    assert_eq!(sent_to(&mut miner, peer), vec![Message::Pong(42)]);

    let reject = node::wire::Reject {
        code: node::wire::RejectCode::Invalid,
        reason: "your clock is wrong".into(),
    };
    miner.receive(peer, &Message::Reject(reject).encode(), now);
    assert_eq!(
        miner.poll_output(),
        Some(Output::Event(Event::Rejected {
            peer,
            reason: "your clock is wrong".into()
        }))
    );
    assert_eq!(miner.peer_score(peer), Some(0));
}

#[test]
fn an_observer_linked_to_both_sides_sees_the_fork_without_healing_it() {
    let mut net = Net::new(5, ChainParams::regtest(), 23);
    let observer = 4;
    net.nodes[observer] = Node::new(net.params.clone(), net.hasher.clone()).observe_only();
    net.connect(0, 1, 50);
    net.connect(2, 3, 50);
    for side in 0..4 {
        net.connect(side, observer, 50);
    }
    net.mine(0);
    net.settle(10_000);
    for _ in 0..3 {
        net.now += 15_000;
        net.mine(2);
        net.settle(10_000);
    }
    assert_eq!(
        net.nodes[1].chain().height(),
        1,
        "side A never heard side B"
    );
    assert_eq!(
        net.nodes[3].chain().height(),
        3,
        "side B never heard side A"
    );
    let tree = net.nodes[observer].chain().tree();
    assert_eq!(
        tree.len(),
        5,
        "the observer holds genesis and both branches"
    );
    assert_eq!(
        net.nodes[observer].chain().tip(),
        net.nodes[2].chain().tip()
    );
}

#[test]
fn a_block_template_always_fits_in_one_message() {
    let mut net = Net::new(1, ChainParams::regtest(), 31);
    for _ in 0..700 {
        net.now += 1_000;
        net.mine(0);
    }
    let to = net.wallets[0].address();
    let mut pooled = 0;
    while let Ok(tx) = net.wallets[0].pay(
        net.nodes[0].chain(),
        net.nodes[0].mempool(),
        to,
        coins(1),
        Amount::from_sat(1_000).unwrap(),
    ) {
        net.nodes[0].submit_transaction(tx).unwrap();
        pooled += 1;
        if pooled == 900 {
            break;
        }
    }
    let pool_bytes: usize = net.nodes[0]
        .mempool()
        .by_fee_rate()
        .iter()
        .map(|entry| entry.tx.encode().len())
        .sum();
    assert!(
        pool_bytes > MAX_MESSAGE_SIZE,
        "only {pool_bytes} bytes pooled"
    );
    let template = net.nodes[0].block_template(to, net.now);
    assert!(template.transactions.len() > 100, "still a full block");
    assert!(Message::Block(template).encode().len() <= MAX_MESSAGE_SIZE);
}
