use super::*;
use ledger::sha256;

fn wallet(name: &str) -> Wallet {
    Wallet::from_entropy(sha256(name.as_bytes())).unwrap()
}

#[test]
fn export_import_round_trips_key_and_contacts() {
    let mut alice = wallet("alice");
    alice.add_contact("Bob", wallet("bob").address()).unwrap();
    let json = alice.export();
    let back = Wallet::import(&json).unwrap();
    assert_eq!(back.address(), alice.address());
    assert_eq!(back.contacts(), alice.contacts());
    assert_eq!(back.export(), json);
}

#[test]
fn damaged_exports_are_refused() {
    let json = wallet("alice").export();
    let edited = json.replace(
        &wallet("alice").address().to_string(),
        &wallet("eve").address().to_string(),
    );
    assert_eq!(
        Wallet::import(&edited).unwrap_err(),
        WalletError::BadChecksum
    );
    let newer = json.replace("\"version\": 1", "\"version\": 2");
    assert_eq!(
        Wallet::import(&newer).unwrap_err(),
        WalletError::UnsupportedVersion(2)
    );
    assert!(matches!(
        Wallet::import("{}"),
        Err(WalletError::BadDocument(_))
    ));
    assert!(matches!(
        Wallet::import("not json"),
        Err(WalletError::BadDocument(_))
    ));
}

#[test]
fn mismatched_address_is_caught_even_with_a_fresh_checksum() {
    let alice = wallet("alice");
    let mut body = alice.body();
    body.address = wallet("eve").address();
    let checksum = checksum(&body);
    let json = serde_json::to_string(&Document { body, checksum }).unwrap();
    assert_eq!(
        Wallet::import(&json).unwrap_err(),
        WalletError::AddressMismatch
    );
}

#[test]
fn contact_names_are_checked() {
    let mut alice = wallet("alice");
    let bob = wallet("bob").address();
    assert_eq!(alice.add_contact("  ", bob), Err(WalletError::BadName));
    assert_eq!(
        alice.add_contact(&"x".repeat(41), bob),
        Err(WalletError::BadName)
    );
    alice.add_contact(" Bob ", bob).unwrap();
    assert_eq!(alice.remove_contact("Bob"), Some(bob));
    assert!(alice.contacts().is_empty());
}

#[test]
fn zero_entropy_is_not_a_key() {
    assert_eq!(
        Wallet::from_entropy([0; 32]).unwrap_err(),
        WalletError::BadEntropy
    );
}
