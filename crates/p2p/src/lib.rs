//! Peer-to-peer delivery, without I/O: what BitTorrent and WebTorrent peers see of Ruche.
//!
//! - [`torrent`]: `.torrent` files with an HTTP webseed for every file a viewer can download, and
//!   their magnets, as PeerTube makes them.
//! - [`swarm`]: the info hashes under which PeerTube 8's player (p2p-media-loader 2) shares an
//!   HLS playlist's segments, so our viewers and PeerTube's meet.
//! - [`tracker`]: the tracker's state and protocols (WebTorrent over WebSocket, BEP 3/23 over
//!   HTTP), every resource bounded; the web layer owns the sockets.
//!
//! **Invariant:** no I/O but reading the file a torrent is made of; no knowledge of videos,
//! users or storage (callers say which hashes may be tracked).

pub mod swarm;
pub mod torrent;
pub mod tracker;
