//! Tensority against Bytom's official vectors: the seed cache, the scalar reference
//! and every fast kernel this CPU can run.

use std::sync::Arc;

use pow::tensority::{Cache, Kernel, reference};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors/tensority.json"
    );
    let text = std::fs::read_to_string(path).expect("shared vectors beside the repository");
    serde_json::from_str(&text).unwrap()
}

fn bytes32(value: &Value) -> [u8; 32] {
    hex::decode(value.as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

struct Vector {
    header_hash: [u8; 32],
    cache: Arc<Cache>,
    result: [u8; 32],
}

/// All vectors, building each distinct seed's cache once.
fn hash_vectors() -> Vec<Vector> {
    let mut caches: Vec<Arc<Cache>> = Vec::new();
    let all = vectors();
    all["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let seed = bytes32(&v["seed"]);
            let cache = match caches.iter().find(|c| *c.seed() == seed) {
                Some(cache) => cache.clone(),
                None => {
                    caches.push(Arc::new(Cache::new(seed)));
                    caches.last().unwrap().clone()
                }
            };
            Vector {
                header_hash: bytes32(&v["block_header_hash"]),
                cache,
                result: bytes32(&v["result"]),
            }
        })
        .collect()
}

#[test]
fn seed_cache_first_words_match() {
    let all = vectors();
    for v in all["seed_cache_vectors"].as_array().unwrap() {
        let cache = Cache::new(bytes32(&v["seed"]));
        let expected = hex::decode(v["first_word_of_each_scrypt_V_le"].as_str().unwrap()).unwrap();
        let actual: Vec<u8> = cache
            .first_words()
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect();
        assert_eq!(hex::encode(actual), hex::encode(expected));
        // Row 0 of M_{2c} starts with word 0 of V_c.
        for (c, word) in cache.first_words().iter().enumerate() {
            let m = cache.matrix(2 * c as u8);
            assert_eq!(
                word.to_le_bytes().map(|b| b as i8),
                [m[0], m[1], m[2], m[3]]
            );
        }
    }
}

#[test]
fn every_fast_kernel_matches_every_vector() {
    let vectors = hash_vectors();
    for kernel in Kernel::available() {
        for v in &vectors {
            let got = kernel.hash(&v.header_hash, &v.cache);
            assert_eq!(
                hex::encode(got),
                hex::encode(v.result),
                "kernel {}",
                kernel.name()
            );
        }
    }
}

#[test]
fn scalar_reference_matches_the_vectors() {
    for v in hash_vectors() {
        let got = reference::hash(&v.header_hash, &v.cache);
        assert_eq!(hex::encode(got), hex::encode(v.result));
    }
}

#[test]
fn ledger_hasher_is_tensority_of_the_block_hash() {
    use ledger::{BlockHeader, PowHasher};
    let header = BlockHeader::decode(&[0x11; 80]).unwrap();
    let seed = ledger::pow::initial_seed();
    let hasher = pow::TensorityHasher::new(Kernel::best());
    let expected = Kernel::best().hash(
        &header.block_hash().to_byte_array(),
        &hasher.cache_for(&seed),
    );
    assert_eq!(hasher.pow_hash(&header, &seed), expected);
    assert!(
        Arc::ptr_eq(&hasher.cache_for(&seed), &hasher.cache_for(&seed)),
        "the cache is reused"
    );
}
