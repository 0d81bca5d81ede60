use std::collections::HashSet;

use proptest::prelude::*;
use serde_json::json;

use super::*;

const T0: Duration = Duration::ZERO;

fn registry(limits: Limits) -> Registry {
    Registry::new(limits, [7; 32])
}

fn room(registry: &mut Registry) -> NewRoom {
    registry.create_room(T0, 1_700_000_000).unwrap()
}

#[test]
fn a_new_room_is_empty_and_found_by_its_code_in_any_case() {
    let mut registry = registry(Limits::default());
    let new = room(&mut registry);
    let typed = new.code.as_str().to_lowercase();
    assert_eq!(registry.find(&typed), Ok(new.code));
    let info = registry.info(new.code).unwrap();
    assert_eq!(
        (info.peers, info.created, info.params),
        (0, 1_700_000_000, Value::Null)
    );
}

#[test]
fn unknown_and_malformed_codes_are_told_apart() {
    let registry = registry(Limits::default());
    assert_eq!(
        registry.find("ABC0"),
        Err(RoomError::BadCode("ABC0".into()))
    );
    let code = JoinCode::parse("ABCDEF").unwrap();
    assert_eq!(registry.find("abcdef"), Err(RoomError::NoSuchRoom(code)));
}

#[test]
fn joiners_learn_nothing_and_roommates_learn_of_them() {
    let mut registry = registry(Limits::default());
    let new = room(&mut registry);
    let a = registry.join(new.code, T0).unwrap();
    assert!(a.roommates.is_empty());
    let b = registry.join(new.code, T0).unwrap();
    assert_eq!(b.roommates, vec![a.peer]);
    assert_eq!(registry.info(new.code).unwrap().peers, 2);
    let left = registry.leave(a.peer, T0).unwrap();
    assert_eq!(
        left,
        Left {
            code: new.code,
            roommates: vec![b.peer]
        }
    );
    assert_eq!(
        registry.leave(a.peer, T0),
        None,
        "leaving twice changes nothing"
    );
}

#[test]
fn a_full_room_refuses_with_its_cap() {
    let limits = Limits {
        peers_per_room: 2,
        ..Limits::default()
    };
    let mut registry = registry(limits);
    let new = room(&mut registry);
    registry.join(new.code, T0).unwrap();
    registry.join(new.code, T0).unwrap();
    let refused = registry.join(new.code, T0).unwrap_err();
    assert_eq!(
        refused,
        RoomError::RoomFull {
            code: new.code,
            cap: 2
        }
    );
    assert!(refused.to_string().contains("is full (2 peers)"));
    assert_eq!(registry.info(new.code).unwrap().peers, 2);
}

#[test]
fn signals_route_only_inside_a_room() {
    let mut registry = registry(Limits::default());
    let (one, two) = (room(&mut registry), room(&mut registry));
    let a = registry.join(one.code, T0).unwrap().peer;
    let b = registry.join(one.code, T0).unwrap().peer;
    let c = registry.join(two.code, T0).unwrap().peer;
    assert_eq!(registry.route(a, b), Ok(()));
    assert_eq!(registry.route(a, c), Err(SignalError::NotInRoom(c)));
    assert_eq!(registry.route(c, a), Err(SignalError::NotInRoom(a)));
    assert_eq!(registry.route(a, a), Err(SignalError::NotInRoom(a)));
    assert!(!SignalError::NotInRoom(c).ends_connection());
}

#[test]
fn oversize_messages_and_floods_are_refused() {
    let limits = Limits {
        rate: Rate {
            burst: 3,
            per_second: 1,
        },
        ..Limits::default()
    };
    let max = limits.message_bytes;
    let mut registry = registry(limits);
    let new = room(&mut registry);
    let peer = registry.join(new.code, T0).unwrap().peer;
    let too_large = registry.admit(peer, max + 1, T0).unwrap_err();
    assert_eq!(too_large, SignalError::TooLarge { size: max + 1, max });
    assert!(too_large.ends_connection());
    assert!((0..3).all(|_| registry.admit(peer, max, T0).is_ok()));
    let flood = registry.admit(peer, 10, T0).unwrap_err();
    assert_eq!(
        flood,
        SignalError::RateLimited {
            burst: 3,
            per_second: 1
        }
    );
    assert!(flood.ends_connection());
    assert_eq!(registry.admit(peer, 10, Duration::from_secs(1)), Ok(()));
}

#[test]
fn instructor_actions_need_the_secret_and_change_nothing_without_it() {
    let mut registry = registry(Limits::default());
    let new = room(&mut registry);
    let other = room(&mut registry);
    let secret = new.secret.to_hex();
    let a = registry.join(new.code, T0).unwrap().peer;
    let b = registry.join(new.code, T0).unwrap().peer;
    let wrong = other.secret.to_hex();

    let params = json!({"epoch": 1, "chain": {"block_seconds": 5}});
    assert_eq!(
        registry.set_params(new.code, &wrong, params.clone(), 10),
        Err(RoomError::WrongSecret(new.code))
    );
    assert_eq!(
        registry.kick(new.code, &wrong, a, T0),
        Err(RoomError::WrongSecret(new.code))
    );
    assert_eq!(
        registry.close(new.code, &wrong),
        Err(RoomError::WrongSecret(new.code))
    );
    assert_eq!(registry.info(new.code).unwrap().peers, 2);
    assert_eq!(registry.info(new.code).unwrap().params, Value::Null);

    registry
        .set_params(new.code, &secret, params.clone(), 10)
        .unwrap();
    let stored = registry.info(new.code).unwrap().params;
    assert_eq!(stored["epoch"], 1);
    assert_eq!(stored["chain"]["block_seconds"], 5);
    assert_eq!(
        stored["scenario"]["kind"], "normal",
        "defaults are filled in"
    );
    let left = registry.kick(new.code, &secret, a, T0).unwrap();
    assert_eq!(left.roommates, vec![b]);
    assert_eq!(
        registry.kick(new.code, &secret, a, T0),
        Err(RoomError::NoSuchPeer(a))
    );
    assert_eq!(registry.close(new.code, &secret), Ok(vec![b]));
    assert_eq!(
        registry.info(new.code),
        Err(RoomError::NoSuchRoom(new.code))
    );
    assert_eq!(registry.admit(b, 1, T0), Err(SignalError::UnknownSender(b)));
}

#[test]
fn a_peer_of_another_room_cannot_be_kicked_through_this_one() {
    let mut registry = registry(Limits::default());
    let (one, two) = (room(&mut registry), room(&mut registry));
    let stranger = registry.join(two.code, T0).unwrap().peer;
    let secret = one.secret.to_hex();
    assert_eq!(
        registry.kick(one.code, &secret, stranger, T0),
        Err(RoomError::NoSuchPeer(stranger))
    );
    assert_eq!(registry.info(two.code).unwrap().peers, 1);
}

#[test]
fn oversize_params_are_refused() {
    let mut registry = registry(Limits::default());
    let new = room(&mut registry);
    let max = Limits::default().params_bytes;
    let refused = registry.set_params(new.code, &new.secret.to_hex(), json!(1), max + 1);
    assert_eq!(
        refused,
        Err(RoomError::ParamsTooLarge { size: max + 1, max })
    );
}

#[test]
fn only_rooms_empty_past_the_ttl_expire() {
    let ttl = Duration::from_secs(60);
    let mut registry = registry(Limits {
        empty_room_ttl: ttl,
        ..Limits::default()
    });
    let never_joined = room(&mut registry);
    let busy = room(&mut registry);
    let emptied = room(&mut registry);
    registry.join(busy.code, T0).unwrap();
    let peer = registry.join(emptied.code, T0).unwrap().peer;
    registry.leave(peer, Duration::from_secs(30)).unwrap();

    assert_eq!(registry.expire(Duration::from_secs(59)), vec![]);
    assert_eq!(
        registry.expire(Duration::from_secs(60)),
        vec![never_joined.code]
    );
    assert_eq!(registry.expire(Duration::from_secs(89)), vec![]);
    assert_eq!(registry.expire(Duration::from_secs(90)), vec![emptied.code]);
    assert_eq!(registry.expire(Duration::from_secs(86_400)), vec![]);
    assert!(registry.info(busy.code).is_ok());
}

#[test]
fn room_count_is_capped() {
    let mut registry = registry(Limits {
        max_rooms: 2,
        ..Limits::default()
    });
    room(&mut registry);
    room(&mut registry);
    assert_eq!(
        registry.create_room(T0, 0).unwrap_err(),
        RoomError::TooManyRooms(2)
    );
}

proptest! {
    /// Whatever the order of joins, leaves and signals, a signal is admitted exactly
    /// when sender and receiver are distinct members of the same room.
    #[test]
    fn routing_matches_room_membership(ops in proptest::collection::vec((0u8..3, 0usize..3, 0usize..40, 0usize..40), 1..120)) {
        let mut registry = registry(Limits { peers_per_room: 8, ..Limits::default() });
        let rooms: Vec<JoinCode> = (0..3).map(|_| room(&mut registry).code).collect();
        let mut members: Vec<(PeerId, JoinCode)> = Vec::new();
        let mut gone: HashSet<PeerId> = HashSet::new();
        for (op, r, x, y) in ops {
            match op {
                0 => if let Ok(joined) = registry.join(rooms[r], T0) {
                    members.push((joined.peer, rooms[r]));
                },
                1 if !members.is_empty() => {
                    let (peer, _) = members.remove(x % members.len());
                    registry.leave(peer, T0);
                    gone.insert(peer);
                }
                _ if !members.is_empty() => {
                    let (a, room_a) = members[x % members.len()];
                    let (b, room_b) = members[y % members.len()];
                    let allowed = registry.route(a, b).is_ok();
                    prop_assert_eq!(allowed, room_a == room_b && a != b);
                }
                _ => {}
            }
        }
        for peer in gone {
            prop_assert_eq!(registry.admit(peer, 1, T0), Err(SignalError::UnknownSender(peer)));
        }
        for code in rooms {
            let expected = members.iter().filter(|(_, c)| *c == code).count();
            prop_assert_eq!(registry.info(code).unwrap().peers, expected);
        }
    }
}

fn status_json(name: &str, height: u32) -> Vec<u8> {
    let address = ledger::PrivateKey::from_entropy([9; 32]).unwrap().address();
    json!({
        "name": name, "role": "student", "address": address, "epoch": 0,
        "height": height, "tip": "11".repeat(32), "hashrate": 1500.0,
        "mining": true, "peers": 3, "balance": 5_000_000_000u64,
    })
    .to_string()
    .into_bytes()
}

#[test]
fn params_must_be_valid_and_change_the_rules_only_with_a_new_epoch() {
    let mut registry = registry(Limits::default());
    let new = room(&mut registry);
    let secret = new.secret.to_hex();
    let mut set = |params: Value| registry.set_params(new.code, &secret, params, 10);
    let refusals = [
        json!({"chain": {"block_seconds": 5}}),
        json!({"colour": "red"}),
        json!({"scenario": {"kind": "partition", "side": []}}),
        json!({"epoch": 1, "chain": {"start_bits": 0x2100ffffu32}}),
    ];
    for params in refusals {
        let refused = set(params.clone()).unwrap_err();
        assert!(
            matches!(&refused, RoomError::BadParams(reason) if !reason.is_empty()),
            "{params} gave {refused:?}"
        );
    }
    let reset = json!({"epoch": 2, "chain": {"block_seconds": 5}});
    assert_eq!(set(reset), Ok(()));
    let partition = json!({"epoch": 2, "chain": {"block_seconds": 5},
                           "scenario": {"kind": "partition", "side": ["a"]}});
    assert_eq!(set(partition), Ok(()));
    let back = set(json!({"epoch": 1, "chain": {"block_seconds": 5}})).unwrap_err();
    assert!(back.to_string().contains("only move forward"), "{back}");
    let stored = registry.info(new.code).unwrap().params;
    assert_eq!(stored["epoch"], 2);
    assert_eq!(stored["scenario"]["side"], json!(["a"]));
}

#[test]
fn members_report_their_status_and_it_leaves_with_them() {
    let mut registry = registry(Limits::default());
    let new = room(&mut registry);
    let other = room(&mut registry);
    let a = registry.join(new.code, T0).unwrap().peer;
    let b = registry.join(new.code, T0).unwrap().peer;
    let stranger = registry.join(other.code, T0).unwrap().peer;
    assert_eq!(registry.status_board(new.code, T0).unwrap().members, vec![]);

    let later = Duration::from_millis(1500);
    registry
        .report_status(new.code, a, &status_json("Ada", 4), T0)
        .unwrap();
    registry
        .report_status(new.code, b, &status_json("Bo", 6), later)
        .unwrap();
    let board = registry
        .status_board(new.code, Duration::from_secs(2))
        .unwrap();
    assert_eq!(board.params, Value::Null);
    let rows: Vec<(PeerId, &str, u32, u64)> = board
        .members
        .iter()
        .map(|m| (m.member, m.status.name.as_str(), m.status.height, m.age_ms))
        .collect();
    let mut expected = vec![(a, "Ada", 4, 2000), (b, "Bo", 6, 500)];
    expected.sort();
    assert_eq!(rows, expected);

    assert_eq!(
        registry.report_status(new.code, stranger, &status_json("Eve", 1), T0),
        Err(StatusError::NotAMember(stranger))
    );
    registry
        .kick(new.code, &new.secret.to_hex(), a, later)
        .unwrap();
    registry.leave(b, later);
    assert_eq!(
        registry.status_board(new.code, later).unwrap().members,
        vec![]
    );
    assert_eq!(
        registry.report_status(new.code, a, &status_json("Ada", 5), later),
        Err(StatusError::NotAMember(a))
    );
}

#[test]
fn bad_large_and_hasty_statuses_are_refused_and_keep_the_last_good_one() {
    let mut registry = registry(Limits::default());
    let new = room(&mut registry);
    let a = registry.join(new.code, T0).unwrap().peer;
    let max = Limits::default().status_bytes;
    assert_eq!(
        registry.report_status(new.code, a, &vec![b' '; max + 1], T0),
        Err(StatusError::TooLarge { size: max + 1, max })
    );
    registry
        .report_status(new.code, a, &status_json("Ada", 1), T0)
        .unwrap();
    let tick = Duration::from_millis(10);
    for bad in [
        status_json("", 2),
        status_json("a\u{7}b", 2),
        br#"{"name":"Ada"}"#.to_vec(),
    ] {
        let refused = registry.report_status(new.code, a, &bad, tick).unwrap_err();
        assert!(matches!(refused, StatusError::Invalid(_)), "{refused:?}");
    }
    assert_eq!(
        registry.report_status(new.code, a, &status_json("Ada", 3), tick),
        Err(StatusError::TooFast),
        "five reports within 10 ms (refused ones count) is more than four a second"
    );
    let board = registry.status_board(new.code, tick).unwrap();
    assert_eq!(board.members[0].status.height, 1);
    let second = Duration::from_millis(1010);
    registry
        .report_status(new.code, a, &status_json("Ada", 3), second)
        .unwrap();
    let board = registry.status_board(new.code, second).unwrap();
    assert_eq!(
        (board.members[0].status.height, board.members[0].age_ms),
        (3, 0)
    );
}

#[test]
fn a_tab_that_takes_its_seat_again_keeps_its_side() {
    use node::classroom::Side;
    let mut registry = registry(Limits::default());
    let new = room(&mut registry);
    let seat = || Seat::parse("seat-of-ada-0123456789").unwrap();
    let ada = registry.join(new.code, T0).unwrap().peer;
    assert!(
        !registry.take_seat(ada, seat()),
        "a first seat changes nothing"
    );
    let bo = registry.join(new.code, T0).unwrap().peer;
    let params = json!({ "scenario": { "kind": "partition", "side": [ada.to_string()] } });
    registry
        .set_params(new.code, &new.secret.to_hex(), params, 10)
        .unwrap();
    registry.leave(ada, T0).unwrap();
    let reloaded = registry.join(new.code, T0).unwrap().peer;
    assert!(registry.take_seat(reloaded, seat()));
    let side = |registry: &Registry, peer: PeerId| {
        let params = RoomParams::from_json(&registry.info(new.code).unwrap().params).unwrap();
        params.scenario.side_of(&member_id(peer))
    };
    assert_eq!(side(&registry, reloaded), Side::Group);
    assert_eq!(side(&registry, ada), Side::Rest, "the old id is forgotten");
    assert_eq!(side(&registry, bo), Side::Rest);
    let stranger = registry.join(new.code, T0).unwrap().peer;
    let other = Seat::parse("seat-of-someone-else-01").unwrap();
    assert!(
        !registry.take_seat(stranger, other),
        "another seat changes nothing"
    );
    assert_eq!(side(&registry, stranger), Side::Rest);
}
