// Package videosessions simulates the workload of video quality-of-experience
// analytics: customers (streaming services) with many concurrent playback
// sessions, each emitting start, heartbeat, buffering, bitrate_change and
// end events with its CDN, device and country, as a player SDK would report
// them.
//
// The model: customer sizes are Zipf-skewed; each session starts after a
// startup time that depends on its device and CDN (with a long tail), plays
// with a heartbeat every Heartbeat of play, stalls (more on some CDN ×
// device pairs) and changes bitrate along a ladder (down after a stall), and
// ends after an exponentially distributed length, when a new session takes
// its slot. A viewer whose video takes longer to start than they will wait
// leaves first: that session is a lone end event with no play time.
//
// A Generator is deterministic for its Config: the same Config gives the
// same events, field for field, on every platform (the pseudo-random
// numbers are splitmix64). It writes each event into a caller's slice of
// values and allocates nothing per event; creating a session allocates its
// three id strings in one allocation. A Generator is not safe for
// concurrent use.
//
// The generate source of internal/connect (profile video_sessions) is its
// user; the package knows nothing of components or pipelines.
package videosessions
