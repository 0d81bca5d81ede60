//! The wire protocol: what nodes say to each other, and its binary encoding.
//!
//! ```text
//! message = magic "CLab" | version:u16 LE | kind:u8 | payload
//! ```
//!
//! Payloads reuse the ledger's canonical encodings for transactions, blocks and
//! headers; hashes travel in raw byte order; lists carry a `u16` LE count. Everything
//! is bounded *before* it is allocated: a message longer than [`MAX_MESSAGE_SIZE`]
//! is refused unread, and every list has its own limit, so a hostile peer cannot
//! make a tab allocate more than one message's worth of memory. Decoding is strict
//! (trailing bytes are an error) so that each message has exactly one encoding.

use ledger::{Block, BlockHash, BlockHeader, DecodeError, Transaction, Txid};

/// Marks ChainLab traffic, so stray bytes on a data channel fail fast.
pub const MAGIC: [u8; 4] = *b"CLab";
/// The protocol version this node speaks (2: hellos carry sessions).
pub const PROTOCOL_VERSION: u16 = 2;
/// Largest encoded message accepted or sent (so also the largest block). 64 KiB is
/// what a WebRTC data channel must carry when the far end's SDP names no
/// `max-message-size` (RFC 8841), as the native WebRTC stack's does not: anything
/// larger was seen to vanish between `chainlab node` and Chromium.
pub const MAX_MESSAGE_SIZE: usize = 1 << 16;
/// Most items in one inventory, getdata or notfound message.
pub const MAX_INV_ITEMS: usize = 1_000;
/// Most headers in one headers message (500 headers are 40 kB, inside the limit).
pub const MAX_HEADERS: usize = 500;
/// Most hashes in a block locator (enough for 2^50 blocks).
pub const MAX_LOCATOR: usize = 64;
/// Longest network name or reject reason, in bytes.
pub const MAX_TEXT: usize = 256;

const HEADER_LEN: usize = 4 + 2 + 1;

/// Why bytes are not a valid message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The message is longer than the protocol allows.
    #[error("message of {size} bytes is larger than the {max}-byte limit")]
    TooLarge {
        /// Its length.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The first four bytes are not the ChainLab magic.
    #[error("not a ChainLab message (wrong magic bytes)")]
    BadMagic,
    /// A protocol version this node does not speak.
    #[error("protocol version {0} is not supported (this node speaks version {PROTOCOL_VERSION})")]
    UnsupportedVersion(u16),
    /// An unknown message kind.
    #[error("unknown message kind {0}")]
    UnknownKind(u8),
    /// The message ended too early.
    #[error("message cut short: needed {needed} more bytes, {remaining} left")]
    Truncated {
        /// Bytes the next field needs.
        needed: usize,
        /// Bytes that were left.
        remaining: usize,
    },
    /// A list longer than its limit.
    #[error("{what} lists {count} items, more than the limit of {max}")]
    TooManyItems {
        /// Which list.
        what: &'static str,
        /// The claimed count.
        count: usize,
        /// Its limit.
        max: usize,
    },
    /// An inventory item of unknown type.
    #[error("unknown inventory type {0}")]
    BadInvType(u8),
    /// A reject code this node does not know.
    #[error("unknown reject code {0}")]
    BadRejectCode(u8),
    /// Text that is not UTF-8.
    #[error("text is not valid UTF-8")]
    BadText,
    /// Bytes left after a complete message.
    #[error("{0} unexpected bytes after the end of the message")]
    TrailingBytes(usize),
    /// A transaction, block or header inside the message did not decode.
    #[error("bad ledger data: {0}")]
    Ledger(#[from] DecodeError),
}

/// Something a node can announce or ask for.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum InvItem {
    /// A transaction by txid.
    Tx(Txid),
    /// A block by hash.
    Block(BlockHash),
}

/// The first message on every connection: who we are and how far our chain goes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Hello {
    /// Protocol version of the sender.
    pub version: u16,
    /// Chain name (the parameters' name); nodes of different chains part at once.
    pub network: String,
    /// Hash of the sender's genesis block.
    pub genesis: BlockHash,
    /// The sender's active tip.
    pub tip: BlockHash,
    /// Height of that tip.
    pub height: u32,
    /// The sender's id for this conversation, new each time it (re)connects to us.
    pub session: u64,
    /// Our session as the sender last heard it (0: none yet). Hellos are answered
    /// until both sides have heard each other's current session, so a lost hello, a
    /// heal or a reset on either side always ends in one shared conversation.
    pub seen: u64,
}

/// Why a node refused something, in words for the learner at the other end.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RejectCode {
    /// Bytes that did not decode.
    Malformed = 1,
    /// A block or transaction that broke a rule.
    Invalid = 2,
    /// Too many or too large messages.
    Flood = 3,
    /// A different chain or protocol.
    Incompatible = 4,
    /// Data nobody asked for.
    Unrequested = 5,
}

/// A refusal sent just before a node drops a peer.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Reject {
    /// The kind of problem.
    pub code: RejectCode,
    /// What went wrong, in a sentence.
    pub reason: String,
}

/// Every message of the protocol.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Message {
    /// Handshake.
    Hello(Hello),
    /// "I have these": new transactions and blocks.
    Inv(Vec<InvItem>),
    /// "Send me these."
    GetData(Vec<InvItem>),
    /// "I don't have these" (answer to getdata).
    NotFound(Vec<InvItem>),
    /// A transaction.
    Tx(Transaction),
    /// A block.
    Block(Block),
    /// "Send headers after the first of these hashes you have on your best chain."
    GetHeaders(Vec<BlockHash>),
    /// Consecutive headers of the sender's best chain.
    Headers(Vec<BlockHeader>),
    /// "Announce the blocks after the first of these hashes you have": answered by inv.
    GetBlocks(Vec<BlockHash>),
    /// Liveness check.
    Ping(u64),
    /// Answer to a ping with the same nonce.
    Pong(u64),
    /// A refusal with a readable reason.
    Reject(Reject),
}

impl Message {
    /// Whether this message hands over or announces blocks or transactions (what a
    /// silent observer must never send), as opposed to asking for them or greeting.
    pub fn carries_chain_data(&self) -> bool {
        matches!(
            self,
            Message::Inv(_)
                | Message::NotFound(_)
                | Message::Tx(_)
                | Message::Block(_)
                | Message::Headers(_)
        )
    }

    /// A short name for logs and the UI.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Message::Hello(_) => "hello",
            Message::Inv(_) => "inv",
            Message::GetData(_) => "getdata",
            Message::NotFound(_) => "notfound",
            Message::Tx(_) => "tx",
            Message::Block(_) => "block",
            Message::GetHeaders(_) => "getheaders",
            Message::Headers(_) => "headers",
            Message::GetBlocks(_) => "getblocks",
            Message::Ping(_) => "ping",
            Message::Pong(_) => "pong",
            Message::Reject(_) => "reject",
        }
    }

    fn kind(&self) -> u8 {
        match self {
            Message::Hello(_) => 0,
            Message::Inv(_) => 1,
            Message::GetData(_) => 2,
            Message::NotFound(_) => 3,
            Message::Tx(_) => 4,
            Message::Block(_) => 5,
            Message::GetHeaders(_) => 6,
            Message::Headers(_) => 7,
            Message::GetBlocks(_) => 8,
            Message::Ping(_) => 9,
            Message::Pong(_) => 10,
            Message::Reject(_) => 11,
        }
    }

    /// The bytes on the wire. Callers keep lists within their limits; the node
    /// checks the total against [`MAX_MESSAGE_SIZE`] before sending.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 64);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&PROTOCOL_VERSION.to_le_bytes());
        out.push(self.kind());
        match self {
            Message::Hello(hello) => {
                out.extend_from_slice(&hello.version.to_le_bytes());
                put_text(&mut out, &hello.network);
                out.extend_from_slice(hello.genesis.as_byte_array());
                out.extend_from_slice(hello.tip.as_byte_array());
                out.extend_from_slice(&hello.height.to_le_bytes());
                out.extend_from_slice(&hello.session.to_le_bytes());
                out.extend_from_slice(&hello.seen.to_le_bytes());
            }
            Message::Inv(items) | Message::GetData(items) | Message::NotFound(items) => {
                put_count(&mut out, items.len());
                for item in items {
                    let (kind, hash) = match item {
                        InvItem::Tx(txid) => (1, txid.to_byte_array()),
                        InvItem::Block(hash) => (2, hash.to_byte_array()),
                    };
                    out.push(kind);
                    out.extend_from_slice(&hash);
                }
            }
            Message::Tx(tx) => out.extend_from_slice(&tx.encode()),
            Message::Block(block) => out.extend_from_slice(&block.encode()),
            Message::GetHeaders(locator) | Message::GetBlocks(locator) => {
                put_count(&mut out, locator.len());
                for hash in locator {
                    out.extend_from_slice(hash.as_byte_array());
                }
            }
            Message::Headers(headers) => {
                put_count(&mut out, headers.len());
                for header in headers {
                    out.extend_from_slice(&header.encode());
                }
            }
            Message::Ping(nonce) | Message::Pong(nonce) => {
                out.extend_from_slice(&nonce.to_le_bytes());
            }
            Message::Reject(reject) => {
                out.push(reject.code as u8);
                put_text(&mut out, &reject.reason);
            }
        }
        out
    }

    /// Decodes one message, checking the size limit before anything else.
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        if bytes.len() > MAX_MESSAGE_SIZE {
            return Err(WireError::TooLarge {
                size: bytes.len(),
                max: MAX_MESSAGE_SIZE,
            });
        }
        let mut reader = Reader { bytes };
        if reader.array::<4>()? != MAGIC {
            return Err(WireError::BadMagic);
        }
        let version = u16::from_le_bytes(reader.array()?);
        if version != PROTOCOL_VERSION {
            return Err(WireError::UnsupportedVersion(version));
        }
        let [kind] = reader.array()?;
        let message = match kind {
            0 => Message::Hello(Hello {
                version: u16::from_le_bytes(reader.array()?),
                network: reader.text()?,
                genesis: BlockHash::from_byte_array(reader.array()?),
                tip: BlockHash::from_byte_array(reader.array()?),
                height: u32::from_le_bytes(reader.array()?),
                session: u64::from_le_bytes(reader.array()?),
                seen: u64::from_le_bytes(reader.array()?),
            }),
            1 => Message::Inv(reader.inventory("inv")?),
            2 => Message::GetData(reader.inventory("getdata")?),
            3 => Message::NotFound(reader.inventory("notfound")?),
            4 => Message::Tx(Transaction::decode(reader.rest())?),
            5 => Message::Block(Block::decode(reader.rest())?),
            6 => Message::GetHeaders(reader.locator("getheaders")?),
            7 => {
                let count = reader.count("headers", MAX_HEADERS)?;
                let headers = (0..count)
                    .map(|_| {
                        Ok(BlockHeader::decode(
                            &reader.array::<{ BlockHeader::SIZE }>()?,
                        )?)
                    })
                    .collect::<Result<_, WireError>>()?;
                Message::Headers(headers)
            }
            8 => Message::GetBlocks(reader.locator("getblocks")?),
            9 => Message::Ping(u64::from_le_bytes(reader.array()?)),
            10 => Message::Pong(u64::from_le_bytes(reader.array()?)),
            11 => {
                let [code] = reader.array()?;
                Message::Reject(Reject {
                    code: RejectCode::from_byte(code)?,
                    reason: reader.text()?,
                })
            }
            other => return Err(WireError::UnknownKind(other)),
        };
        reader.finish()?;
        Ok(message)
    }
}

impl RejectCode {
    fn from_byte(byte: u8) -> Result<Self, WireError> {
        Ok(match byte {
            1 => RejectCode::Malformed,
            2 => RejectCode::Invalid,
            3 => RejectCode::Flood,
            4 => RejectCode::Incompatible,
            5 => RejectCode::Unrequested,
            other => return Err(WireError::BadRejectCode(other)),
        })
    }
}

fn put_count(out: &mut Vec<u8>, count: usize) {
    let count = u16::try_from(count).expect("list limits are below 65536");
    out.extend_from_slice(&count.to_le_bytes());
}

/// Writes at most [`MAX_TEXT`] bytes of `text`, cut at a character boundary.
fn put_text(out: &mut Vec<u8>, text: &str) {
    let mut end = text.len().min(MAX_TEXT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    put_count(out, end);
    out.extend_from_slice(&text.as_bytes()[..end]);
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], WireError> {
        if self.bytes.len() < n {
            return Err(WireError::Truncated {
                needed: n,
                remaining: self.bytes.len(),
            });
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        Ok(self.take(N)?.try_into().expect("took N bytes"))
    }

    fn rest(&mut self) -> &[u8] {
        std::mem::take(&mut self.bytes)
    }

    fn count(&mut self, what: &'static str, max: usize) -> Result<usize, WireError> {
        let count = usize::from(u16::from_le_bytes(self.array()?));
        if count > max {
            return Err(WireError::TooManyItems { what, count, max });
        }
        Ok(count)
    }

    fn text(&mut self) -> Result<String, WireError> {
        let len = self.count("text", MAX_TEXT)?;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| WireError::BadText)
    }

    fn inventory(&mut self, what: &'static str) -> Result<Vec<InvItem>, WireError> {
        let count = self.count(what, MAX_INV_ITEMS)?;
        (0..count)
            .map(|_| {
                let [kind] = self.array()?;
                let hash = self.array()?;
                match kind {
                    1 => Ok(InvItem::Tx(Txid::from_byte_array(hash))),
                    2 => Ok(InvItem::Block(BlockHash::from_byte_array(hash))),
                    other => Err(WireError::BadInvType(other)),
                }
            })
            .collect()
    }

    fn locator(&mut self, what: &'static str) -> Result<Vec<BlockHash>, WireError> {
        let count = self.count(what, MAX_LOCATOR)?;
        (0..count)
            .map(|_| Ok(BlockHash::from_byte_array(self.array()?)))
            .collect()
    }

    fn finish(self) -> Result<(), WireError> {
        match self.bytes.len() {
            0 => Ok(()),
            n => Err(WireError::TrailingBytes(n)),
        }
    }
}

#[cfg(test)]
mod tests;
