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

    let params = json!({"network": {"difficulty_bits": 12}});
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
    assert_eq!(registry.info(new.code).unwrap().params, params);
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
