// Package inbox is the bounded queue between the goroutines of a push
// source (HTTP handlers, TCP connection readers) and the source's actor.
//
// Producers put a request's events all at once or not at all: Put claims
// every slot with ring.TryClaim on a multi-producer ring, so a request is
// either wholly in the queue or not in it, and a client is never told that
// a half-queued body was accepted. When the queue is full, Put waits for
// room up to a deadline (the consumer signals room as it takes events) and
// then refuses, counting what it refused; the caller answers its client
// (503 with Retry-After, or stops reading a connection). Every Put that
// queues wakes the actor through the source's Context.Wake, which costs one
// atomic load when the actor is already scheduled.
//
// The consumer, the source's actor, takes events in batches no larger than
// it asks for, so a burst from many connections reaches the pipeline in
// small batches instead of one large drain.
//
// A source that answers its clients only once their events are durable
// (`ack: durable`) keeps a Commits beside its inbox: every Put returns the
// position its events end at, the source marks the position it has taken
// up to at each checkpoint's snapshot, and a producer waits until a
// committed checkpoint's mark reaches its end. Config.Whole makes Take hand
// out whole Puts, so that no checkpoint holds part of a request.
package inbox
