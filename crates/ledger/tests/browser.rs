//! The ledger compiled to wasm32 and run in headless Chromium: the same real-data
//! checks as the native tests, on the engine the lessons use.
#![cfg(target_arch = "wasm32")]

use std::sync::Arc;

use ledger::chain::{genesis_block, mine_header};
use ledger::pow::calculate_next_work_required;
use ledger::{
    BlockHeader, Chain, ChainParams, CompactTarget, Mempool, PrivateKey, Sha256dHasher, Txid,
    attack::attacker_success_probability, merkle_root, sha256,
};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const GENESIS_HEADER: &str = "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";

#[wasm_bindgen_test]
fn bitcoin_genesis_header_hashes_to_its_block_hash() {
    let header = BlockHeader::from_hex(GENESIS_HEADER).unwrap();
    assert_eq!(
        header.block_hash().to_string(),
        "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
    );
}

#[wasm_bindgen_test]
fn block_100000_merkle_root_from_its_txids() {
    let txids: Vec<Txid> = [
        "8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87",
        "fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4",
        "6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4",
        "e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d",
    ]
    .iter()
    .map(|hex| hex.parse().unwrap())
    .collect();
    assert_eq!(
        merkle_root(&txids).unwrap().to_string(),
        "f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766"
    );
}

#[wasm_bindgen_test]
fn bitcoin_core_retarget_vector_for_block_32255() {
    let params = ChainParams::bitcoin_mainnet();
    let next = calculate_next_work_required(
        &params,
        CompactTarget::from_consensus(0x1d00ffff),
        1262152739,
        1261130161,
    );
    assert_eq!(next.to_consensus(), 0x1d00d86a);
}

#[wasm_bindgen_test]
fn whitepaper_attack_probability_for_q_one_tenth() {
    let p = attacker_success_probability(0.1, 5);
    assert!((p - 0.0009137).abs() < 5e-8, "{p}");
}

#[wasm_bindgen_test]
fn signatures_verify_and_reject_tampering() {
    let key = PrivateKey::from_entropy(sha256(b"browser test key")).unwrap();
    let digest = sha256(b"pay 5 coins to Bob");
    let signature = key.sign(&digest);
    assert!(key.public_key().verify(&digest, &signature).is_ok());
    assert!(
        key.public_key()
            .verify(&sha256(b"pay 50 coins to Bob"), &signature)
            .is_err()
    );
}

#[wasm_bindgen_test]
fn a_block_mined_in_the_browser_extends_the_chain() {
    let params = ChainParams::regtest();
    let genesis = genesis_block(&params, &Sha256dHasher);
    let mut chain = Chain::new(params, genesis, Arc::new(Sha256dHasher)).unwrap();
    let miner = PrivateKey::from_entropy(sha256(b"browser miner")).unwrap();
    let now = chain.params().genesis_time + 600;
    let mut block = Mempool::new().block_template(&chain, miner.address(), now, 100);
    let seed = chain.seed_for_child(&chain.tip());
    assert!(mine_header(
        &mut block.header,
        chain.hasher().as_ref(),
        &seed
    ));
    chain.accept_block(block, now).unwrap();
    assert_eq!(chain.height(), 1);
    assert_eq!(
        chain.balance(&miner.address()),
        chain.params().block_subsidy(1)
    );
}
