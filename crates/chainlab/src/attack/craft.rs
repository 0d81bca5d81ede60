//! The bad data itself, built from real ledger and node types so that it is
//! well-formed enough to reach the honest node's validation.

use std::fmt;

use clap::ValueEnum;
use ledger::{Amount, Block, Target};
use node::node::RATE_LIMIT;
use node::wire::MAX_MESSAGE_SIZE;
use node::{Message, Node, Wallet, WalletError};

/// One kind of misbehaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// A block on the current tip whose proof of work misses its target.
    InvalidBlock,
    /// A payment from the attacker's own coin with a forged signature.
    BadSignature,
    /// A payment, then several others spending the same coin.
    DoubleSpend,
    /// A block message padded past the wire's size limit.
    Oversized,
    /// More unrequested pings in one second than the rate limit allows.
    Flood,
}

impl Kind {
    /// Whether the attacker needs a coin of its own first.
    pub fn needs_coin(self) -> bool {
        matches!(self, Kind::BadSignature | Kind::DoubleSpend)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self
            .to_possible_value()
            .expect("no kind is skipped")
            .get_name()
            .to_string();
        f.write_str(&name)
    }
}

/// Conflicting copies sent after a double spend's first payment: each costs the
/// sender a fifth of its ban budget, so five of them get it banned.
const CONFLICTS: u64 = 5;

/// The messages that carry `kind`, in the order they are sent, built on `node`'s
/// view of the chain with `wallet`'s coins.
pub fn payloads(
    kind: Kind,
    node: &Node,
    wallet: &Wallet,
    now: u64,
) -> Result<Vec<Vec<u8>>, WalletError> {
    let (chain, mempool) = (node.chain(), node.mempool());
    Ok(match kind {
        Kind::InvalidBlock => vec![Message::Block(unworked_block(node, wallet, now)).encode()],
        Kind::BadSignature => {
            let mut tx =
                wallet.pay(chain, mempool, wallet.address(), Amount::COIN, Amount::ZERO)?;
            tx.inputs[0].signature.0[10] ^= 1;
            vec![Message::Tx(tx).encode()]
        }
        Kind::DoubleSpend => {
            let first = wallet.pay(chain, mempool, wallet.address(), Amount::COIN, Amount::ZERO)?;
            let mut messages = vec![Message::Tx(first.clone()).encode()];
            for sats in 1..=CONFLICTS {
                let mut conflict = first.clone();
                conflict.outputs[0].amount = Amount::from_sat(sats).expect("a few sats");
                messages.push(Message::Tx(conflict).encode());
            }
            messages
        }
        Kind::Oversized => {
            let mut bytes = Message::Block(node.block_template(wallet.address(), now)).encode();
            bytes.resize(MAX_MESSAGE_SIZE + 1, 0);
            vec![bytes]
        }
        Kind::Flood => (0..u64::from(RATE_LIMIT) + 10)
            .map(|nonce| Message::Ping(nonce).encode())
            .collect(),
    })
}

/// A block template whose nonce is moved until its hash misses the target.
fn unworked_block(node: &Node, wallet: &Wallet, now: u64) -> Block {
    let mut block = node.block_template(wallet.address(), now);
    let target = Target::from_compact(block.header.bits).expect("the chain's own bits");
    while target.is_met_by(block.header.block_hash().to_byte_array()) {
        block.header.nonce += 1;
    }
    block
}

#[cfg(test)]
mod tests {
    use super::*;

    use ledger::ChainParams;
    use node::{Event, Output, PeerId};

    const NOW: u64 = 1_800_000_000_000;

    /// A valid block paying `wallet`, mined on `node`'s tip: the coin the transaction
    /// attacks spend.
    fn coin_block(node: &Node, wallet: &Wallet, now: u64) -> Block {
        let mut block = node.block_template(wallet.address(), now);
        let chain = node.chain();
        let seed = chain.seed_for_child(&block.header.prev_blockhash);
        let hasher = node::hasher_for(chain.params());
        assert!(ledger::chain::mine_header(
            &mut block.header,
            &*hasher,
            &seed
        ));
        block
    }

    /// Delivers every message queued on either side until both are quiet.
    fn settle(a: &mut Node, a_sees_b: PeerId, b: &mut Node, b_sees_a: PeerId) {
        loop {
            let mut moved = false;
            for output in a.drain_outputs() {
                if let Output::Send { bytes, .. } = output {
                    b.receive(b_sees_a, &bytes, NOW);
                    moved = true;
                }
            }
            for output in b.drain_outputs() {
                if let Output::Send { bytes, .. } = output {
                    a.receive(a_sees_b, &bytes, NOW);
                    moved = true;
                }
            }
            if !moved {
                return;
            }
        }
    }

    #[test]
    fn every_kind_gets_a_handshaken_attacker_banned_and_the_chain_kept() {
        let params = ChainParams::regtest();
        let mut honest = Node::new(params.clone(), node::hasher_for(&params));
        let mut attacker = Node::new(params.clone(), node::hasher_for(&params));
        let wallet = Wallet::from_entropy([6; 32]).unwrap();
        let coin = coin_block(&attacker, &wallet, NOW);
        attacker.submit_block(coin, NOW).unwrap();
        let tip = attacker.chain().tip();
        for (n, kind) in Kind::value_variants().iter().enumerate() {
            let them = PeerId(n as u64 + 1);
            honest.peer_connected(them, NOW);
            attacker.peer_connected(PeerId(0), NOW);
            settle(&mut attacker, PeerId(0), &mut honest, them);
            assert_eq!(honest.chain().tip(), tip, "{kind}: the coin block synced");
            assert!(honest.ready_peers().iter().any(|(id, _)| *id == them));
            for bytes in payloads(*kind, &attacker, &wallet, NOW).unwrap() {
                honest.receive(them, &bytes, NOW);
            }
            let banned = honest.drain_outputs().into_iter().any(|output| {
                matches!(output, Output::Event(Event::PeerBanned { peer, .. }) if peer == them)
            });
            assert!(banned, "{kind} gets the attacker banned");
            assert_eq!(honest.chain().tip(), tip, "{kind}: the chain is unchanged");
            attacker.peer_disconnected(PeerId(0), NOW);
        }
        assert_eq!(Kind::DoubleSpend.to_string(), "double-spend");
        assert!(Kind::BadSignature.needs_coin() && !Kind::Flood.needs_coin());
    }
}
