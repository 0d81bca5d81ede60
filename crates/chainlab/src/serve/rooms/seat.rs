//! A tab's seat in a room: a random token the tab keeps across reloads (in its
//! session storage) and presents when it joins. The signaling server gives every
//! connection a new peer id, so without the seat a student who reloads during a
//! partition would come back as a stranger, outside the side the instructor put
//! them on.
//!
//! The token only ever travels between the tab and the server, so no classmate can
//! take another's seat.

use std::fmt;

/// Shortest token accepted: 16 characters leave nothing to guess in a classroom.
const MIN_CHARS: usize = 16;
/// Longest token accepted.
const MAX_CHARS: usize = 64;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Seat(String);

/// Why a seat token was refused, worded for whoever wrote the client.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("a seat token is {MIN_CHARS} to {MAX_CHARS} letters, digits, '-' or '_'")]
pub struct BadSeat;

impl Seat {
    pub fn parse(text: &str) -> Result<Self, BadSeat> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if !(MIN_CHARS..=MAX_CHARS).contains(&text.len()) || !text.chars().all(allowed) {
            return Err(BadSeat);
        }
        Ok(Self(text.to_string()))
    }
}

/// Redacted like the instructor secret: a logged seat could be taken.
impl fmt::Debug for Seat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Seat(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_are_long_plain_tokens() {
        assert!(Seat::parse("0123456789abcdef").is_ok());
        assert!(Seat::parse(&"x".repeat(64)).is_ok());
        assert_eq!(Seat::parse("short"), Err(BadSeat));
        assert_eq!(Seat::parse(&"x".repeat(65)), Err(BadSeat));
        assert_eq!(Seat::parse("0123456789abcdef/"), Err(BadSeat));
        assert_eq!(
            format!("{:?}", Seat::parse("0123456789abcdef").unwrap()),
            "Seat(..)"
        );
    }
}
