use super::*;
use ledger::{Address, Amount, CompactTarget, OutPoint, PublicKey, Signature, TxIn, TxOut};
use proptest::prelude::*;

fn arb_hash() -> impl Strategy<Value = [u8; 32]> {
    any::<[u8; 32]>()
}

fn arb_tx() -> impl Strategy<Value = Transaction> {
    let input =
        (arb_hash(), any::<u32>(), any::<u8>(), arb_hash()).prop_map(|(txid, vout, byte, sig)| {
            TxIn {
                prevout: OutPoint {
                    txid: Txid::from_byte_array(txid),
                    vout,
                },
                public_key: PublicKey([byte; 33]),
                signature: Signature([sig, sig].concat().try_into().expect("64 bytes")),
            }
        });
    let output =
        (0..=Amount::MAX_MONEY.to_sat(), any::<[u8; 20]>()).prop_map(|(sats, addr)| TxOut {
            amount: Amount::from_sat(sats).expect("in range"),
            address: Address(addr),
        });
    (
        any::<u32>(),
        prop::collection::vec(input, 0..3),
        prop::collection::vec(output, 0..4),
    )
        .prop_map(|(version, inputs, outputs)| Transaction {
            version,
            inputs,
            outputs,
        })
}

fn arb_header() -> impl Strategy<Value = BlockHeader> {
    (
        any::<i32>(),
        arb_hash(),
        arb_hash(),
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
    )
        .prop_map(|(version, prev, root, time, bits, nonce)| BlockHeader {
            version,
            prev_blockhash: BlockHash::from_byte_array(prev),
            merkle_root: ledger::TxMerkleNode::from_byte_array(root),
            time,
            bits: CompactTarget::from_consensus(bits),
            nonce,
        })
}

fn arb_inv() -> impl Strategy<Value = Vec<InvItem>> {
    prop::collection::vec(
        (any::<bool>(), arb_hash()).prop_map(|(is_tx, hash)| {
            if is_tx {
                InvItem::Tx(Txid::from_byte_array(hash))
            } else {
                InvItem::Block(BlockHash::from_byte_array(hash))
            }
        }),
        0..20,
    )
}

fn arb_locator() -> impl Strategy<Value = Vec<BlockHash>> {
    prop::collection::vec(
        arb_hash().prop_map(BlockHash::from_byte_array),
        0..MAX_LOCATOR,
    )
}

fn arb_message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (
            "[a-z]{0,12}",
            arb_hash(),
            arb_hash(),
            any::<u32>(),
            any::<(u64, u64)>()
        )
            .prop_map(
                |(network, genesis, tip, height, (session, seen))| Message::Hello(Hello {
                    version: PROTOCOL_VERSION,
                    network,
                    genesis: BlockHash::from_byte_array(genesis),
                    tip: BlockHash::from_byte_array(tip),
                    height,
                    session,
                    seen,
                })
            ),
        arb_inv().prop_map(Message::Inv),
        arb_inv().prop_map(Message::GetData),
        arb_inv().prop_map(Message::NotFound),
        arb_tx().prop_map(Message::Tx),
        (arb_header(), prop::collection::vec(arb_tx(), 0..3)).prop_map(|(header, transactions)| {
            Message::Block(Block {
                header,
                transactions,
            })
        }),
        arb_locator().prop_map(Message::GetHeaders),
        arb_locator().prop_map(Message::GetBlocks),
        prop::collection::vec(arb_header(), 0..30).prop_map(Message::Headers),
        any::<u64>().prop_map(Message::Ping),
        any::<u64>().prop_map(Message::Pong),
        "\\PC{0,40}".prop_map(|reason| Message::Reject(Reject {
            code: RejectCode::Invalid,
            reason
        })),
    ]
}

proptest! {
    #[test]
    fn messages_round_trip(message in arb_message()) {
        let bytes = message.encode();
        prop_assert!(bytes.len() <= MAX_MESSAGE_SIZE);
        prop_assert_eq!(Message::decode(&bytes), Ok(message));
    }

    #[test]
    fn every_truncation_is_a_clean_error(message in arb_message(), cut in any::<prop::sample::Index>()) {
        let bytes = message.encode();
        let cut = cut.index(bytes.len());
        prop_assert!(Message::decode(&bytes[..cut]).is_err());
    }

    #[test]
    fn extra_bytes_are_refused(message in arb_message(), extra in 1u8..) {
        let mut bytes = message.encode();
        bytes.push(extra);
        prop_assert!(Message::decode(&bytes).is_err());
    }

    #[test]
    fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = Message::decode(&bytes);
        let mut framed = [MAGIC.as_slice(), &PROTOCOL_VERSION.to_le_bytes()].concat();
        framed.extend_from_slice(&bytes);
        let _ = Message::decode(&framed);
    }

    #[test]
    fn flipped_bytes_never_panic(message in arb_message(), at in any::<prop::sample::Index>(), bit in 0u8..8) {
        let mut bytes = message.encode();
        let at = at.index(bytes.len());
        bytes[at] ^= 1 << bit;
        if let Ok(decoded) = Message::decode(&bytes) {
            prop_assert_eq!(decoded.encode(), bytes);
        }
    }
}

#[test]
fn oversized_messages_are_refused_unread() {
    let bytes = vec![0; MAX_MESSAGE_SIZE + 1];
    assert_eq!(
        Message::decode(&bytes),
        Err(WireError::TooLarge {
            size: MAX_MESSAGE_SIZE + 1,
            max: MAX_MESSAGE_SIZE
        })
    );
}

#[test]
fn list_limits_are_enforced_before_allocation() {
    let mut bytes = Message::Headers(vec![]).encode();
    let len = bytes.len();
    bytes[len - 2..].copy_from_slice(&u16::MAX.to_le_bytes());
    assert_eq!(
        Message::decode(&bytes),
        Err(WireError::TooManyItems {
            what: "headers",
            count: usize::from(u16::MAX),
            max: MAX_HEADERS
        })
    );
}

#[test]
fn framing_errors_are_named() {
    assert_eq!(
        Message::decode(b"XXXX\x01\x00\x09"),
        Err(WireError::BadMagic)
    );
    assert_eq!(
        Message::decode(b"CLab\x01\x00\x09"),
        Err(WireError::UnsupportedVersion(1))
    );
    assert_eq!(
        Message::decode(b"CLab\x02\x00\xee"),
        Err(WireError::UnknownKind(0xee))
    );
    assert_eq!(
        Message::decode(&Message::Ping(7).encode()[..10]),
        Err(WireError::Truncated {
            needed: 8,
            remaining: 3
        })
    );
}

#[test]
fn a_ping_is_fifteen_bytes() {
    assert_eq!(Message::Ping(1).encode().len(), HEADER_LEN + 8);
}
