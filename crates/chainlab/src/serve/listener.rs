//! Listening sockets with room for a whole class arriving at once.
//!
//! Tokio's `TcpListener::bind` asks the kernel for a backlog of 128; when a class (or
//! the load test) opens hundreds of connections in the same instant, the rest are
//! dropped and their SYNs retried a second later, which shows as one-second joins.

use std::io;
use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpSocket};

const BACKLOG: u32 = 1024;

pub fn bind(address: SocketAddr) -> io::Result<TcpListener> {
    let socket = if address.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(BACKLOG)
}
