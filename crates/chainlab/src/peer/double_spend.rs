//! The double-spend scenario's attacker: one payment in public, the same coins back
//! to itself in secret.

use ledger::{Address, Amount, Chain, Mempool, Transaction};
use node::{Wallet, WalletError};

/// The fee both transactions offer: the same, so neither looks more attractive.
pub const FEE: Amount = match Amount::from_sat(1_000) {
    Ok(fee) => fee,
    Err(_) => panic!("1000 sats is a valid amount"),
};

/// Two transactions spending the same coins.
#[derive(Debug)]
pub struct DoubleSpend {
    /// Pays the merchant; sent to the merchant only, never to the attacker's node.
    pub payment: Transaction,
    /// Pays the attacker; mined in secret.
    pub refund: Transaction,
}

/// Builds both transactions from the wallet's coins on `chain`. The wallet picks
/// coins deterministically, so two payments of the same total built from the same
/// state spend the same inputs; that is checked rather than assumed.
pub fn build(
    wallet: &Wallet,
    chain: &Chain,
    mempool: &Mempool,
    merchant: Address,
    amount: Amount,
) -> Result<DoubleSpend, WalletError> {
    let payment = wallet.pay(chain, mempool, merchant, amount, FEE)?;
    let refund = wallet.pay(chain, mempool, wallet.address(), amount, FEE)?;
    let spent = |tx: &Transaction| -> Vec<_> { tx.inputs.iter().map(|i| i.prevout).collect() };
    assert_eq!(
        spent(&payment),
        spent(&refund),
        "same wallet state, same coins"
    );
    Ok(DoubleSpend { payment, refund })
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::Arc;

    use ledger::{ChainParams, Sha256dHasher, Target};
    use node::Node;

    const NOW: u64 = 1_800_000_000_000;

    #[test]
    fn both_spend_the_same_coins_and_only_one_can_stand() {
        let attacker = Wallet::from_entropy([3; 32]).unwrap();
        let merchant = Wallet::from_entropy([4; 32]).unwrap().address();
        let mut node = Node::new(ChainParams::regtest(), Arc::new(Sha256dHasher));
        for i in 0..2 {
            let mut block = node.block_template(attacker.address(), NOW + i * 1_000);
            let target = Target::from_compact(block.header.bits).unwrap();
            while !target.is_met_by(block.header.block_hash().to_byte_array()) {
                block.header.nonce += 1;
            }
            node.submit_block(block, NOW + i * 1_000).unwrap();
        }
        let amount = Amount::from_sat(5 * Amount::COIN.to_sat()).unwrap();
        let spend = build(&attacker, node.chain(), node.mempool(), merchant, amount).unwrap();
        assert_eq!(spend.payment.outputs[0].address, merchant);
        assert_eq!(spend.payment.outputs[0].amount, amount);
        assert_eq!(spend.refund.outputs[0].address, attacker.address());
        node.submit_transaction(spend.refund.clone()).unwrap();
        assert!(node.submit_transaction(spend.payment).is_err());

        let poor = Wallet::from_entropy([5; 32]).unwrap();
        let error = build(&poor, node.chain(), node.mempool(), merchant, amount).unwrap_err();
        assert!(
            matches!(error, WalletError::InsufficientFunds { .. }),
            "{error}"
        );
    }
}
