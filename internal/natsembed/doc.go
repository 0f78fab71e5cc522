// Package natsembed runs NATS servers with JetStream inside the greenwave
// process: one server (the default log of a run whose pipeline files name
// no NATS URL) or a local cluster of several nodes joined by routes on
// 127.0.0.1 ports (`greenwave nats serve --cluster 3`, and the tests of
// everything that must survive a node going down).
//
// Every server listens on the loopback interface only, keeps its streams
// in files under its store directory, and writes them with
// `sync_interval: always`: a message is on disk before the server
// acknowledges it, so what greenwave counts as written survives a crash of
// the machine, not only of the process. (The server's own default syncs
// every two minutes.)
//
// A Server is safe for concurrent use. Shutdown is idempotent.
package natsembed
