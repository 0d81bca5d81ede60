//! Chain tests on real mined blocks: regtest (a couple of hashes per block) for most,
//! the classroom target (about 65,000 hashes per block) where difficulty matters.

use super::*;
use crate::hash::{TxMerkleNode, Txid, sha256};
use crate::keys::KeyError;
use crate::keys::{PrivateKey, PublicKey, Signature};
use crate::mempool::{Mempool, MempoolError};
use crate::pow::Sha256dHasher;
use crate::target::TargetError;
use crate::tx::{Spend, TxIn};
use proptest::prelude::*;

const COIN: u64 = 100_000_000;

fn key(name: &str) -> PrivateKey {
    PrivateKey::from_entropy(sha256(name.as_bytes())).unwrap()
}

fn new_chain(params: ChainParams) -> Chain {
    let genesis = genesis_block(&params, &Sha256dHasher);
    Chain::new(params, genesis, Arc::new(Sha256dHasher)).unwrap()
}

fn sats(n: u64) -> Amount {
    Amount::from_sat(n).unwrap()
}

fn pay(amount: u64, to: &PrivateKey) -> TxOut {
    TxOut {
        amount: sats(amount),
        address: to.address(),
    }
}

/// A block on `parent` with the given transactions, bits and time, its coinbase
/// paying `reward` to `miner`, and a nonce that meets the bits.
fn build(
    chain: &Chain,
    parent: BlockHash,
    mut transactions: Vec<Transaction>,
    reward: u64,
    miner: &PrivateKey,
    bits: CompactTarget,
    time: u32,
) -> Block {
    let height = chain.height_of(&parent).unwrap() + 1;
    transactions.insert(0, Transaction::coinbase(height, vec![pay(reward, miner)]));
    let merkle = merkle_root(
        &transactions
            .iter()
            .map(Transaction::txid)
            .collect::<Vec<_>>(),
    );
    let mut header = BlockHeader {
        version: 1,
        prev_blockhash: parent,
        merkle_root: merkle.unwrap(),
        time,
        bits,
        nonce: 0,
    };
    assert!(mine_header(
        &mut header,
        &Sha256dHasher,
        &chain.seed_for_child(&parent)
    ));
    Block {
        header,
        transactions,
    }
}

/// Time of a child of `parent` at the chain's target spacing.
fn next_time(chain: &Chain, parent: &BlockHash) -> u32 {
    chain.block(parent).unwrap().header.time + chain.params().pow_target_spacing
}

/// A valid coinbase-only child of `parent`.
fn simple_child(chain: &Chain, parent: BlockHash, miner: &PrivateKey) -> Block {
    let height = chain.height_of(&parent).unwrap() + 1;
    let reward = chain.params().block_subsidy(height).to_sat();
    let bits = chain.next_bits_after(&parent);
    build(
        chain,
        parent,
        vec![],
        reward,
        miner,
        bits,
        next_time(chain, &parent),
    )
}

fn now(chain: &Chain) -> u32 {
    chain.params().genesis_time + 1_000_000
}

fn extend(chain: &mut Chain, miner: &PrivateKey, count: usize) {
    for _ in 0..count {
        let block = simple_child(chain, chain.tip(), miner);
        let now = now(chain);
        chain.accept_block(block, now).unwrap();
    }
}

/// Everything a rejected block must leave unchanged.
fn snapshot(chain: &Chain) -> (BlockHash, Vec<TreeNode>, BTreeMap<OutPoint, Utxo>, usize) {
    (
        chain.tip(),
        chain.tree(),
        chain.utxos().clone(),
        chain.orphan_count(),
    )
}

fn first_utxo_of(chain: &Chain, owner: &PrivateKey) -> (OutPoint, TxOut) {
    let (outpoint, utxo) = chain.utxos_of(&owner.address())[0];
    (outpoint, utxo.output)
}

fn spend(chain: &Chain, owner: &PrivateKey, outputs: Vec<TxOut>) -> Transaction {
    let (outpoint, output) = first_utxo_of(chain, owner);
    Transaction::new_signed(
        &[Spend {
            outpoint,
            output,
            key: owner,
        }],
        outputs,
    )
}

#[test]
fn genesis_is_deterministic_and_funds_nobody() {
    let params = ChainParams::classroom();
    let a = genesis_block(&params, &Sha256dHasher);
    assert_eq!(a, genesis_block(&params, &Sha256dHasher));
    let chain = new_chain(params);
    assert_eq!(chain.height(), 0);
    assert_eq!(chain.tip(), a.block_hash());
    assert_eq!(chain.balance(&Address([0; 20])).to_sat(), 50 * COIN);
    assert_eq!(chain.locator(), vec![a.block_hash()]);

    let mut bad = a.clone();
    bad.header.prev_blockhash = BlockHash::hash(b"x");
    let result = Chain::new(ChainParams::classroom(), bad, Arc::new(Sha256dHasher));
    assert_eq!(result.unwrap_err(), BlockError::GenesisHasParent);
}

#[test]
fn mine_spend_and_mempool_round_trip() {
    let (alice, bob) = (key("alice"), key("bob"));
    let mut chain = new_chain(ChainParams::regtest());
    let mut mempool = Mempool::new();
    extend(&mut chain, &alice, 1);
    assert_eq!(chain.balance(&alice.address()).to_sat(), 50 * COIN);

    let tx = spend(
        &chain,
        &alice,
        vec![pay(10 * COIN, &bob), pay(39 * COIN, &alice)],
    );
    let txid = mempool.add(tx.clone(), &chain).unwrap();
    assert_eq!(mempool.get(&txid).unwrap().fee.to_sat(), COIN);
    assert_eq!(
        mempool.add(tx, &chain),
        Err(MempoolError::AlreadyInPool(txid))
    );

    let now = now(&chain);
    let mut block = mempool.block_template(&chain, bob.address(), now - 999_000, 100);
    assert_eq!(block.transactions.len(), 2);
    assert_eq!(
        block.transactions[0].output_total().unwrap().to_sat(),
        51 * COIN
    );
    let seed = chain.seed_for_child(&chain.tip());
    assert!(mine_header(&mut block.header, &Sha256dHasher, &seed));
    let update = chain.accept_block(block.clone(), now).unwrap();
    assert_eq!(update.connected, vec![block.block_hash()]);
    mempool.apply_update(&chain, &update);
    assert!(mempool.is_empty());
    assert_eq!(chain.balance(&bob.address()).to_sat(), 61 * COIN);
    assert_eq!(chain.balance(&alice.address()).to_sat(), 39 * COIN);
    assert_eq!(chain.status(&block.block_hash()), Some(BlockStatus::Active));
}

#[test]
fn mempool_orders_by_fee_rate_and_rejects_conflicts() {
    let (alice, bob, carol) = (key("alice"), key("bob"), key("carol"));
    let mut chain = new_chain(ChainParams::regtest());
    extend(&mut chain, &alice, 1);
    extend(&mut chain, &bob, 1);
    let mut mempool = Mempool::new();
    let cheap = spend(&chain, &alice, vec![pay(50 * COIN - 1_000, &carol)]);
    let dear = spend(&chain, &bob, vec![pay(50 * COIN - 5_000, &carol)]);
    let cheap_id = mempool.add(cheap.clone(), &chain).unwrap();
    let dear_id = mempool.add(dear, &chain).unwrap();
    let order: Vec<Txid> = mempool.by_fee_rate().iter().map(|e| e.txid).collect();
    assert_eq!(order, vec![dear_id, cheap_id]);

    let double = spend(&chain, &alice, vec![pay(49 * COIN, &bob)]);
    let outpoint = cheap.inputs[0].prevout;
    assert_eq!(
        mempool.add(double, &chain),
        Err(MempoolError::Conflict {
            outpoint,
            existing: cheap_id
        })
    );
    let coinbase = Transaction::coinbase(9, vec![pay(1, &bob)]);
    assert_eq!(
        mempool.add(coinbase, &chain),
        Err(MempoolError::Invalid(TxError::UnexpectedCoinbase))
    );
    let template = mempool.block_template(&chain, carol.address(), 0, 1);
    assert_eq!(template.transactions.len(), 2);
    assert_eq!(template.transactions[1].txid(), dear_id);
    assert!(template.header.time > chain.median_time_past());
}

#[test]
fn a_mined_conflict_evicts_the_pooled_spend() {
    let (alice, bob, carol) = (key("alice"), key("bob"), key("carol"));
    let mut chain = new_chain(ChainParams::regtest());
    extend(&mut chain, &alice, 1);
    let mut mempool = Mempool::new();
    mempool
        .add(spend(&chain, &alice, vec![pay(49 * COIN, &bob)]), &chain)
        .unwrap();
    let rival = spend(&chain, &alice, vec![pay(49 * COIN, &carol)]);
    let tip = chain.tip();
    let bits = chain.next_bits();
    let block = build(
        &chain,
        tip,
        vec![rival],
        51 * COIN,
        &carol,
        bits,
        next_time(&chain, &tip),
    );
    let now = now(&chain);
    let update = chain.accept_block(block, now).unwrap();
    mempool.apply_update(&chain, &update);
    assert!(mempool.is_empty());
    assert_eq!(chain.balance(&carol.address()).to_sat(), 100 * COIN);
}

#[test]
fn orphans_wait_for_their_parent() {
    let alice = key("alice");
    let mut chain = new_chain(ChainParams::regtest());
    let mut source = chain.clone();
    extend(&mut source, &alice, 3);
    let blocks: Vec<Block> = (1..=3)
        .map(|h| source.block_at_height(h).unwrap().clone())
        .collect();
    let now = now(&chain);
    let update = chain.accept_block(blocks[2].clone(), now).unwrap();
    assert!(update.added.is_empty());
    assert_eq!(
        chain.status(&blocks[2].block_hash()),
        Some(BlockStatus::Orphan)
    );
    chain.accept_block(blocks[1].clone(), now).unwrap();
    assert_eq!(chain.orphan_count(), 2);
    assert_eq!(
        chain.accept_block(blocks[1].clone(), now),
        Err(BlockError::AlreadyKnown(blocks[1].block_hash()))
    );
    let update = chain.accept_block(blocks[0].clone(), now).unwrap();
    assert_eq!(update.added.len(), 3);
    assert_eq!(update.connected.len(), 3);
    assert_eq!(chain.orphan_count(), 0);
    assert_eq!(chain.tip(), source.tip());
    assert_eq!(chain.utxos(), source.utxos());
}

#[test]
fn orphan_pool_is_bounded() {
    let alice = key("alice");
    let mut params = ChainParams::regtest();
    params.max_orphans = 2;
    let mut chain = new_chain(params);
    let mut source = chain.clone();
    extend(&mut source, &alice, 5);
    let now = now(&chain);
    for height in 2..=5 {
        chain
            .accept_block(source.block_at_height(height).unwrap().clone(), now)
            .unwrap();
    }
    assert_eq!(chain.orphan_count(), 2);
}

#[test]
fn reorg_moves_transactions_back_to_the_mempool() {
    let (alice, bob, carol) = (key("alice"), key("bob"), key("carol"));
    let mut chain = new_chain(ChainParams::regtest());
    extend(&mut chain, &alice, 1);
    let fork = chain.tip();
    let tx = spend(&chain, &alice, vec![pay(49 * COIN, &bob)]);
    let bits = chain.next_bits();
    let with_tx = build(
        &chain,
        fork,
        vec![tx.clone()],
        51 * COIN,
        &carol,
        bits,
        next_time(&chain, &fork),
    );
    let now = now(&chain);
    chain.accept_block(with_tx.clone(), now).unwrap();
    let mut mempool = Mempool::new();

    // A competing branch of two empty blocks has more work.
    let b1 = simple_child(&chain, fork, &carol);
    let update = chain.accept_block(b1.clone(), now).unwrap();
    assert!(update.connected.is_empty(), "equal work: first seen stays");
    assert_eq!(
        chain.status(&b1.block_hash()),
        Some(BlockStatus::SideBranch)
    );
    let b2 = simple_child(&chain, b1.block_hash(), &carol);
    let update = chain.accept_block(b2.clone(), now).unwrap();
    assert_eq!(update.disconnected, vec![with_tx.block_hash()]);
    assert_eq!(update.connected, vec![b1.block_hash(), b2.block_hash()]);
    mempool.apply_update(&chain, &update);
    assert_eq!(mempool.by_fee_rate()[0].txid, tx.txid());
    assert_eq!(chain.balance(&bob.address()), Amount::ZERO);
    assert_eq!(chain.balance(&alice.address()).to_sat(), 50 * COIN);
    let tree = chain.tree();
    assert_eq!(tree.len(), 5);
    assert_eq!(tree.iter().filter(|node| !node.active).count(), 1);
}

#[test]
fn fork_choice_follows_work_not_length() {
    let miner = key("miner");
    let mut chain = new_chain(ChainParams::classroom());
    let genesis = chain.tip();
    let start = chain.params().genesis_time;
    let now = now(&chain);
    // Long branch: 12 blocks at the target spacing, difficulty stays at the limit.
    extend(&mut chain, &miner, 12);
    let long_tip = chain.tip();
    // Short branch: 9 blocks one second apart, so block 10 must be about 4x harder.
    let mut parent = genesis;
    for height in 1..=10u32 {
        let bits = chain.next_bits_after(&parent);
        if height == 10 {
            let expected = calculate_next_work_required(
                chain.params(),
                chain.params().pow_limit.to_compact(),
                start + 9,
                start,
            );
            assert_eq!(bits, expected);
            assert_ne!(bits, chain.params().pow_limit.to_compact());
            let wrong = build(
                &chain,
                parent,
                vec![],
                50 * COIN,
                &miner,
                chain.block(&parent).unwrap().header.bits,
                start + 10,
            );
            let before = snapshot(&chain);
            assert_eq!(
                chain.accept_block(wrong, now),
                Err(BlockError::WrongBits {
                    expected: bits,
                    found: chain.params().pow_limit.to_compact()
                })
            );
            assert_eq!(snapshot(&chain), before);
        }
        let block = build(
            &chain,
            parent,
            vec![],
            50 * COIN,
            &miner,
            bits,
            start + height,
        );
        parent = block.block_hash();
        chain.accept_block(block, now).unwrap();
    }
    assert_eq!(chain.tip(), parent, "10 harder blocks beat 12 easy ones");
    assert_eq!(chain.height(), 10);
    assert!(chain.chain_work() > chain.chain_work_of(&long_tip).unwrap());
    assert_eq!(chain.status(&long_tip), Some(BlockStatus::SideBranch));
}

#[test]
fn side_branch_with_a_bad_block_is_rejected_when_it_would_win() {
    let (alice, mallory) = (key("alice"), key("mallory"));
    let mut chain = new_chain(ChainParams::regtest());
    extend(&mut chain, &alice, 2);
    let fork = chain.block_at_height(1).unwrap().block_hash();
    // Mallory spends Alice's coinbase with her own key on a side branch.
    let (outpoint, output) = (
        OutPoint {
            txid: chain.block_at_height(1).unwrap().transactions[0].txid(),
            vout: 0,
        },
        pay(50 * COIN, &alice),
    );
    let theft = Transaction::new_signed(
        &[Spend {
            outpoint,
            output,
            key: &mallory,
        }],
        vec![pay(50 * COIN, &mallory)],
    );
    let bits = chain.next_bits();
    let bad = build(
        &chain,
        fork,
        vec![theft],
        50 * COIN,
        &mallory,
        bits,
        next_time(&chain, &fork),
    );
    let now = now(&chain);
    chain.accept_block(bad.clone(), now).unwrap();
    assert_eq!(
        chain.status(&bad.block_hash()),
        Some(BlockStatus::SideBranch)
    );
    let before = snapshot(&chain);
    // The child gives the bad branch more work, so its transactions get checked.
    let child = simple_child(&chain, bad.block_hash(), &mallory);
    let error = chain.accept_block(child.clone(), now).unwrap_err();
    assert!(matches!(
        error,
        BlockError::BadTransaction {
            index: 1,
            error: TxError::WrongKey { input: 0, .. },
            ..
        }
    ));
    assert_eq!(chain.tip(), before.0);
    assert_eq!(chain.utxos(), &before.2);
    assert_eq!(
        chain.status(&bad.block_hash()),
        None,
        "the bad block is forgotten"
    );
    assert_eq!(chain.status(&child.block_hash()), None);
    assert_eq!(
        chain.accept_block(child.clone(), now),
        Err(BlockError::InvalidAncestor(child.block_hash()))
    );
}

/// Submits `block`, expects an error, and checks that nothing changed.
fn reject(chain: &mut Chain, block: Block, now: u32) -> BlockError {
    let before = snapshot(chain);
    let error = chain.accept_block(block, now).unwrap_err();
    assert_eq!(
        snapshot(chain),
        before,
        "rejecting {error:?} changed the chain"
    );
    assert!(!error.to_string().is_empty());
    error
}

/// Re-mines `block` after its fields were edited (fixing the Merkle root first).
fn remine(chain: &Chain, mut block: Block) -> Block {
    if let Ok(root) = block.compute_merkle_root() {
        block.header.merkle_root = root;
    }
    let seed = chain.seed_for_child(&block.header.prev_blockhash);
    assert!(mine_header(&mut block.header, &Sha256dHasher, &seed));
    block
}

fn funded_regtest() -> (Chain, PrivateKey) {
    let alice = key("alice");
    let mut chain = new_chain(ChainParams::regtest());
    extend(&mut chain, &alice, 2);
    (chain, alice)
}

fn bad_tx_error(error: BlockError) -> TxError {
    match error {
        BlockError::BadTransaction {
            index: 1, error, ..
        } => error,
        other => panic!("expected a bad transaction, got {other:?}"),
    }
}

#[test]
fn header_rule_violations() {
    let alice = key("alice");
    let mut chain = new_chain(ChainParams::classroom());
    extend(&mut chain, &alice, 3);
    let now = now(&chain);
    let good = simple_child(&chain, chain.tip(), &alice);

    let mut block = good.clone();
    block.header.bits = CompactTarget::from_consensus(0x04923456);
    assert!(matches!(
        reject(&mut chain, block, now),
        BlockError::BadBits(TargetError::Negative(_))
    ));

    let mut block = good.clone();
    block.header.bits = CompactTarget::from_consensus(0x2000ffff);
    assert!(matches!(
        reject(&mut chain, block, now),
        BlockError::BitsAboveLimit(_)
    ));

    let mut block = good.clone();
    let target = Target::from_compact(block.header.bits).unwrap();
    while target.is_met_by(block.block_hash().to_byte_array()) {
        block.header.nonce += 1;
    }
    assert!(matches!(
        reject(&mut chain, block, now),
        BlockError::BadProofOfWork { .. }
    ));

    let mut block = good.clone();
    block.header.time = chain.median_time_past();
    let block = remine(&chain, block);
    assert!(matches!(
        reject(&mut chain, block, now),
        BlockError::TimeTooOld { .. }
    ));

    let mut block = good.clone();
    block.header.time = now + chain.params().max_future_block_time + 1;
    let block = remine(&chain, block);
    assert_eq!(
        reject(&mut chain, block, now),
        BlockError::TimeTooNew {
            time: now + 61,
            max: now + 60
        }
    );

    let mut block = good.clone();
    block.header.bits = CompactTarget::from_consensus(0x1e7fffff);
    let block = remine(&chain, block);
    assert!(matches!(
        reject(&mut chain, block, now),
        BlockError::WrongBits { .. }
    ));

    assert_eq!(chain.check_header(&good.header, now), Ok(()));
    let mut stranger = good.header;
    stranger.prev_blockhash = BlockHash::hash(b"somewhere else");
    assert_eq!(
        chain.check_header(&stranger, now),
        Err(BlockError::UnknownParent(stranger.prev_blockhash))
    );
    chain.accept_block(good, now).unwrap();
}

#[test]
fn block_structure_violations() {
    let (mut chain, alice) = funded_regtest();
    let now = now(&chain);
    let good = simple_child(&chain, chain.tip(), &alice);

    let mut block = good.clone();
    block.transactions.clear();
    assert_eq!(reject(&mut chain, block, now), BlockError::NoTransactions);

    let mut block = good.clone();
    block.header.merkle_root = TxMerkleNode::hash(b"wrong");
    assert!(matches!(
        reject(&mut chain, block, now),
        BlockError::BadMerkleRoot { .. }
    ));

    let mut block = good.clone();
    block.transactions = vec![spend(&chain, &alice, vec![pay(COIN, &alice)])];
    let block = remine(&chain, block);
    assert_eq!(reject(&mut chain, block, now), BlockError::FirstNotCoinbase);

    let mut block = good.clone();
    block.transactions[0].inputs[0].prevout.vout = 99;
    let block = remine(&chain, block);
    assert_eq!(
        reject(&mut chain, block, now),
        BlockError::BadCoinbaseHeight {
            expected: 3,
            found: 99
        }
    );

    let mut block = good.clone();
    block
        .transactions
        .push(Transaction::coinbase(3, vec![pay(1, &alice)]));
    let block = remine(&chain, block);
    assert_eq!(
        bad_tx_error(reject(&mut chain, block, now)),
        TxError::UnexpectedCoinbase
    );

    let mut block = good.clone();
    block.transactions.push(spend(&chain, &alice, vec![]));
    let block = remine(&chain, block);
    assert_eq!(
        bad_tx_error(reject(&mut chain, block, now)),
        TxError::NoOutputs
    );

    let mut block = good.clone();
    block.transactions[0].outputs[0].amount = sats(50 * COIN + 1);
    let block = remine(&chain, block);
    assert_eq!(
        reject(&mut chain, block, now),
        BlockError::CoinbaseAmount {
            allowed: sats(50 * COIN),
            claimed: sats(50 * COIN + 1)
        }
    );

    let first = spend(&chain, &alice, vec![pay(COIN, &alice)]);
    let second = spend(&chain, &alice, vec![pay(2 * COIN, &alice)]);
    let outpoint = first.inputs[0].prevout;
    let mut block = good.clone();
    block.transactions.extend([first, second]);
    let block = remine(&chain, block);
    assert_eq!(
        reject(&mut chain, block, now),
        BlockError::DoubleSpendInBlock(outpoint)
    );

    chain.accept_block(good, now).unwrap();
}

#[test]
fn transaction_rule_violations_in_blocks() {
    let (mut chain, alice) = funded_regtest();
    let bob = key("bob");
    let now = now(&chain);
    let tip = chain.tip();
    let with = |chain: &Chain, tx: Transaction, reward: u64| {
        let bits = chain.next_bits();
        build(
            chain,
            tip,
            vec![tx],
            reward,
            &alice,
            bits,
            next_time(chain, &tip),
        )
    };

    let ghost = OutPoint {
        txid: Txid::hash(b"never existed"),
        vout: 0,
    };
    let tx = Transaction::new_signed(
        &[Spend {
            outpoint: ghost,
            output: pay(COIN, &alice),
            key: &alice,
        }],
        vec![pay(COIN, &bob)],
    );
    let block = with(&chain, tx, 50 * COIN);
    assert_eq!(
        bad_tx_error(reject(&mut chain, block, now)),
        TxError::MissingOrSpentInput(ghost)
    );

    let mut tx = spend(&chain, &alice, vec![pay(COIN, &bob)]);
    tx.inputs[0].signature.0[10] ^= 1;
    let block = with(&chain, tx, 99 * COIN);
    assert!(matches!(
        bad_tx_error(reject(&mut chain, block, now)),
        TxError::BadSignature {
            input: 0,
            reason: KeyError::BadSignature
        }
    ));

    let tx = spend(&chain, &alice, vec![pay(51 * COIN, &bob)]);
    let block = with(&chain, tx, 50 * COIN);
    assert_eq!(
        bad_tx_error(reject(&mut chain, block, now)),
        TxError::InsufficientFunds {
            inputs: sats(50 * COIN),
            outputs: sats(51 * COIN)
        }
    );

    // Spending an output created earlier in the same block is fine.
    let first = spend(&chain, &alice, vec![pay(50 * COIN, &bob)]);
    let second = Transaction::new_signed(
        &[Spend {
            outpoint: OutPoint {
                txid: first.txid(),
                vout: 0,
            },
            output: pay(50 * COIN, &bob),
            key: &bob,
        }],
        vec![pay(49 * COIN, &alice)],
    );
    let bits = chain.next_bits();
    let block = build(
        &chain,
        tip,
        vec![first, second],
        51 * COIN,
        &alice,
        bits,
        next_time(&chain, &tip),
    );
    chain.accept_block(block, now).unwrap();
    assert_eq!(chain.balance(&bob.address()), Amount::ZERO);
}

#[test]
fn fee_overflow_is_a_typed_error() {
    let alice = key("alice");
    let mut params = ChainParams::regtest();
    params.initial_subsidy = Amount::MAX_MONEY;
    let mut chain = new_chain(params);
    extend(&mut chain, &alice, 1);
    let tip = chain.tip();
    let tx = spend(&chain, &alice, vec![pay(0, &alice)]);
    let bits = chain.next_bits();
    let block = build(
        &chain,
        tip,
        vec![tx],
        1,
        &alice,
        bits,
        next_time(&chain, &tip),
    );
    let now = now(&chain);
    assert_eq!(reject(&mut chain, block, now), BlockError::ValueOverflow);
}

#[test]
fn transaction_shape_rules() {
    let alice = key("alice");
    let input = TxIn {
        prevout: OutPoint {
            txid: Txid::hash(b"a"),
            vout: 0,
        },
        public_key: PublicKey([2; 33]),
        signature: Signature([0; 64]),
    };
    let tx = |inputs: Vec<TxIn>, outputs: Vec<TxOut>| Transaction {
        version: 1,
        inputs,
        outputs,
    };
    assert_eq!(
        check_transaction(&tx(vec![], vec![pay(1, &alice)])),
        Err(TxError::NoInputs)
    );
    assert_eq!(
        check_transaction(&tx(vec![input], vec![])),
        Err(TxError::NoOutputs)
    );
    let huge = TxOut {
        amount: Amount::from_raw(u64::MAX),
        address: alice.address(),
    };
    assert!(matches!(
        check_transaction(&tx(vec![input], vec![huge])),
        Err(TxError::OutputOutOfRange { index: 0, .. })
    ));
    let max = TxOut {
        amount: Amount::MAX_MONEY,
        address: alice.address(),
    };
    assert!(matches!(
        check_transaction(&tx(vec![input], vec![max, max])),
        Err(TxError::ValueOverflow(_))
    ));
    assert_eq!(
        check_transaction(&tx(vec![input, input], vec![pay(1, &alice)])),
        Err(TxError::DuplicateInput(input.prevout))
    );
    let mut null = input;
    null.prevout.txid = Txid::ZERO;
    assert_eq!(
        check_transaction(&tx(vec![input, null], vec![pay(1, &alice)])),
        Err(TxError::NullInput)
    );
}

#[test]
fn locator_and_headers_after() {
    let alice = key("alice");
    let mut chain = new_chain(ChainParams::regtest());
    extend(&mut chain, &alice, 30);
    let locator = chain.locator();
    let heights: Vec<u32> = locator
        .iter()
        .map(|h| chain.height_of(h).unwrap())
        .collect();
    assert_eq!(
        heights,
        vec![30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 19, 15, 7, 0]
    );
    let peer_view = [chain.block_at_height(25).unwrap().block_hash()];
    let headers = chain.headers_after(&peer_view, 3);
    assert_eq!(headers.len(), 3);
    assert_eq!(headers[0].prev_blockhash, peer_view[0]);
    assert_eq!(chain.headers_after(&[BlockHash::hash(b"?")], 100).len(), 30);
    let mid = chain.block_at_height(20).unwrap().block_hash();
    assert_eq!(chain.ancestor(&chain.tip(), 20), Some(mid));
    assert_eq!(chain.ancestor(&mid, 21), None);
}

#[test]
fn tensority_seed_follows_the_schedule() {
    let alice = key("alice");
    let mut params = ChainParams::regtest();
    params.pow = PowAlgorithm::Tensority { seed_interval: 4 };
    // SHA-256d stands in for Tensority here: only the seed bookkeeping is tested.
    let mut chain = new_chain(params);
    extend(&mut chain, &alice, 9);
    let at = |h| chain.block_at_height(h).unwrap().block_hash();
    assert_eq!(chain.seed_for_child(&at(3)), initial_seed());
    assert_eq!(chain.seed_for_child(&at(4)), at(4).to_byte_array());
    assert_eq!(chain.seed_for_child(&at(8)), at(8).to_byte_array());
    assert_eq!(chain.seed_for_child(&at(7)), at(4).to_byte_array());
}

/// Per block: a list of (which spendable output, which recipient, fee) choices.
type Plan = Vec<Vec<(u16, usize, u64)>>;

fn plan() -> impl Strategy<Value = Plan> {
    prop::collection::vec(
        prop::collection::vec((any::<u16>(), 0usize..3, 0u64..1_000), 0..4),
        1..6,
    )
}

/// Mines `plan` on top of `parent`, spending outputs of the three test keys.
fn mine_plan(
    chain: &mut Chain,
    mut parent: BlockHash,
    plan: &Plan,
    time_offset: u32,
) -> Vec<Block> {
    let keys = [key("alice"), key("bob"), key("carol")];
    let now = now(chain);
    let mut blocks = Vec::new();
    for (index, choices) in plan.iter().enumerate() {
        let mut spendable: Vec<(OutPoint, Utxo)> = chain
            .utxos()
            .iter()
            .map(|(o, u)| (*o, *u))
            .filter(|(_, u)| keys.iter().any(|k| k.address() == u.output.address))
            .collect();
        let mut txs = Vec::new();
        let mut fees = 0;
        for &(pick, to, fee) in choices {
            if spendable.is_empty() {
                break;
            }
            let (outpoint, utxo) = spendable.remove(usize::from(pick) % spendable.len());
            let owner = keys
                .iter()
                .find(|k| k.address() == utxo.output.address)
                .unwrap();
            let value = utxo.output.amount.to_sat();
            let fee = fee.min(value);
            txs.push(Transaction::new_signed(
                &[Spend {
                    outpoint,
                    output: utxo.output,
                    key: owner,
                }],
                vec![pay(value - fee, &keys[to]), pay(0, owner)],
            ));
            fees += fee;
        }
        let height = chain.height_of(&parent).unwrap() + 1;
        let reward = chain.params().block_subsidy(height).to_sat() + fees;
        let bits = chain.next_bits_after(&parent);
        let time = next_time(chain, &parent) + time_offset;
        let block = build(chain, parent, txs, reward, &keys[index % 3], bits, time);
        parent = block.block_hash();
        chain.accept_block(block.clone(), now).unwrap();
        assert_eq!(chain.tip(), parent);
        blocks.push(block);
    }
    blocks
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Disconnecting blocks one by one restores each earlier UTXO set exactly.
    #[test]
    fn undo_restores_every_earlier_utxo_set(plan in plan()) {
        let mut chain = new_chain(ChainParams::regtest());
        extend(&mut chain, &key("alice"), 2);
        let mut history = vec![chain.utxos().clone()];
        let genesis_tip = chain.tip();
        let mut parent = genesis_tip;
        for step in plan.iter() {
            mine_plan(&mut chain, parent, &vec![step.clone()], 0);
            parent = chain.tip();
            history.push(chain.utxos().clone());
        }
        history.pop();
        while let Some(expected) = history.pop() {
            chain.disconnect_tip();
            prop_assert_eq!(chain.utxos(), &expected);
        }
        prop_assert_eq!(chain.tip(), genesis_tip);
    }

    /// After a reorganisation (and back) the UTXO set is exactly what a node that
    /// only ever saw the winning branch has.
    #[test]
    fn reorg_matches_a_fresh_node(first in plan(), second in plan()) {
        let mut chain = new_chain(ChainParams::regtest());
        extend(&mut chain, &key("alice"), 2);
        extend(&mut chain, &key("bob"), 1);
        let base = chain.clone();
        let fork = chain.tip();
        let branch_a = mine_plan(&mut chain, fork, &first, 0);
        let mut longer = second.clone();
        longer.push(vec![]);
        while longer.len() <= first.len() {
            longer.push(vec![]);
        }
        let mut scratch = base.clone();
        let branch_b = mine_plan(&mut scratch, fork, &longer, 1);
        let now = now(&chain);
        for block in &branch_b {
            chain.accept_block(block.clone(), now).unwrap();
        }
        prop_assert_eq!(chain.tip(), scratch.tip());
        prop_assert_eq!(chain.utxos(), scratch.utxos());

        // Branch A comes back with more blocks.
        let mut fresh_a = base.clone();
        for block in &branch_a {
            fresh_a.accept_block(block.clone(), now).unwrap();
        }
        let mut extension = vec![vec![]; longer.len() - first.len() + 1];
        extension[0] = vec![(0, 1, 5)];
        let more_a = mine_plan(&mut fresh_a, branch_a.last().unwrap().block_hash(), &extension, 2);
        for block in &more_a {
            chain.accept_block(block.clone(), now).unwrap();
        }
        prop_assert_eq!(chain.tip(), fresh_a.tip());
        prop_assert_eq!(chain.utxos(), fresh_a.utxos());
    }
}
