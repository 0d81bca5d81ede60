//! The wallet's payments as a learner follows them: pending, confirmed (and how
//! deeply), or reversed by a reorganisation.
//!
//! The wallet itself keeps no history: it reads the chain. So the history is
//! rebuilt from the active chain and the mempool after every change, and compared
//! with what was shown before; a payment that was shown and is now in neither has
//! been reversed, which is exactly what a double spend does to its merchant.

use std::collections::BTreeMap;

use ledger::{Address, Amount, Chain, Mempool, Transaction, Txid};

/// How many recent blocks are scanned for our payments.
const SCAN_BLOCKS: u32 = 1_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Sent,
    Received,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentState {
    /// In the mempool, waiting for a block.
    Pending,
    /// In the active chain at `height`.
    Confirmed { height: u32 },
    /// Once seen, now neither in the chain nor the mempool.
    Reversed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    pub txid: Txid,
    pub direction: Direction,
    /// What went to the other side (sent) or to us (received).
    pub amount: Amount,
    /// The other side's address (for a payment to ourselves, ours).
    pub counterparty: Option<Address>,
    pub state: PaymentState,
    /// Order of first sight, oldest first.
    seen: u64,
}

impl Payment {
    /// Blocks on top of and including the one holding it, on a chain of `tip_height`.
    pub fn confirmations(&self, tip_height: u32) -> u32 {
        match self.state {
            PaymentState::Confirmed { height } => tip_height.saturating_sub(height) + 1,
            _ => 0,
        }
    }
}

/// A change the learner should hear about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A payment to us appeared (pending or already mined).
    Received(Payment),
    /// A payment got its first confirmation.
    Confirmed(Payment),
    /// A confirmed payment went back to the mempool (its block was reorganised away).
    Unconfirmed(Payment),
    /// A payment vanished: its coins were spent elsewhere.
    Reversed(Payment),
}

#[derive(Debug, Default)]
pub struct History {
    payments: BTreeMap<Txid, Payment>,
    next_seen: u64,
}

impl History {
    /// Payments, newest first.
    pub fn payments(&self) -> Vec<&Payment> {
        let mut list: Vec<&Payment> = self.payments.values().collect();
        list.sort_by_key(|p| std::cmp::Reverse(p.seen));
        list
    }

    pub fn get(&self, txid: &Txid) -> Option<&Payment> {
        self.payments.get(txid)
    }

    /// Forgets everything (a new epoch starts a new chain).
    pub fn clear(&mut self) {
        self.payments.clear();
    }

    /// Re-reads the chain and mempool for `me`'s payments and says what changed.
    pub fn refresh(&mut self, chain: &Chain, mempool: &Mempool, me: &Address) -> Vec<Change> {
        let mut found: BTreeMap<Txid, (Direction, Amount, Option<Address>, PaymentState)> =
            BTreeMap::new();
        let first = chain.height().saturating_sub(SCAN_BLOCKS).max(1);
        for height in first..=chain.height() {
            let Some(block) = chain.block_at_height(height) else {
                continue;
            };
            for tx in block.transactions.iter().skip(1) {
                if let Some((direction, amount, other)) = classify(tx, me) {
                    let state = PaymentState::Confirmed { height };
                    found.insert(tx.txid(), (direction, amount, other, state));
                }
            }
        }
        for entry in mempool.by_fee_rate() {
            if let Some((direction, amount, other)) = classify(&entry.tx, me) {
                found.insert(
                    entry.txid,
                    (direction, amount, other, PaymentState::Pending),
                );
            }
        }
        let mut changes = Vec::new();
        for (txid, payment) in &mut self.payments {
            if payment.state != PaymentState::Reversed && !found.contains_key(txid) {
                payment.state = PaymentState::Reversed;
                changes.push(Change::Reversed(payment.clone()));
            }
        }
        for (txid, (direction, amount, counterparty, state)) in found {
            match self.payments.get_mut(&txid) {
                Some(known) => {
                    let before = known.state;
                    known.state = state;
                    let now_confirmed = matches!(state, PaymentState::Confirmed { .. });
                    let was_confirmed = matches!(before, PaymentState::Confirmed { .. });
                    if now_confirmed && !was_confirmed {
                        changes.push(Change::Confirmed(known.clone()));
                    } else if was_confirmed && !now_confirmed {
                        changes.push(Change::Unconfirmed(known.clone()));
                    }
                }
                None => {
                    self.next_seen += 1;
                    let payment = Payment {
                        txid,
                        direction,
                        amount,
                        counterparty,
                        state,
                        seen: self.next_seen,
                    };
                    if direction == Direction::Received {
                        changes.push(Change::Received(payment.clone()));
                    }
                    self.payments.insert(txid, payment);
                }
            }
        }
        changes
    }
}

/// Whether `tx` pays or spends `me`, and how much moved.
fn classify(tx: &Transaction, me: &Address) -> Option<(Direction, Amount, Option<Address>)> {
    let sent = tx
        .inputs
        .iter()
        .any(|input| input.public_key.address() == *me);
    let to_me = tx.outputs.iter().filter(|out| out.address == *me);
    let to_others = tx.outputs.iter().filter(|out| out.address != *me);
    let total = |outs: &mut dyn Iterator<Item = &ledger::TxOut>| {
        Amount::checked_sum(outs.map(|out| out.amount)).unwrap_or(Amount::MAX_MONEY)
    };
    if sent {
        let other = tx
            .outputs
            .iter()
            .find(|out| out.address != *me)
            .map(|out| out.address);
        let amount = match other {
            Some(_) => total(&mut to_others.clone()),
            None => total(&mut to_me.clone()),
        };
        return Some((Direction::Sent, amount, Some(other.unwrap_or(*me))));
    }
    let received = total(&mut to_me.clone());
    (received > Amount::ZERO).then(|| {
        let from = tx.inputs.first().map(|input| input.public_key.address());
        (Direction::Received, received, from)
    })
}
