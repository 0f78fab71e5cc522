// Package client is a subscriber of the serve protocol
// (docs/serve-protocol.md): it reads a table's messages over WebSocket,
// Server-Sent Events or the TCP line protocol, keeps a replica of the
// table (snapshot, then deltas), checks sequence continuity and
// checksums, and recovers by itself: it resumes after a dropped
// connection with ?from and resubscribes for a fresh snapshot after a
// checksum mismatch. `greenwave tail` is built on it.
package client
