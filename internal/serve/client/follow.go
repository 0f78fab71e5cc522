package client

import (
	"context"
	"errors"
	"io"
	"time"
)

// Options tune Follow.
type Options struct {
	// From resumes after this sequence number instead of starting with a
	// snapshot (the replica then starts empty and unsynced until the
	// server's snapshot, unless the window still holds the next delta —
	// use it with a replica that holds the table as of From).
	From *uint64
	// Session is the table session From belongs to (the session of the
	// snapshot the replica was built from): a table of another session
	// answers with a snapshot. Empty: the server takes From as it is.
	Session string
	// OnMessage, when set, gets every message's text as received, before
	// it is applied.
	OnMessage func(raw []byte)
	// OnApplied, when set, is called after each message is applied; m is
	// nil for a delta read on the fast path (Replica.ApplyRaw).
	OnApplied func(r *Replica, m *Message)
	// OnRecover, when set, is told of each recovery: the error that
	// broke the stream and whether the client resumes (?from) or
	// resubscribes for a snapshot.
	OnRecover func(err error, resume bool)
	// Retry is the pause before reconnecting after a failed connection
	// (default 500ms); MaxRetries bounds consecutive failed connections
	// (0: no bound).
	Retry      time.Duration
	MaxRetries int
}

// Follow subscribes to rawURL and applies every message to r until the
// server ends the stream cleanly (the table closed: it returns nil) or
// ctx ends (it returns nil too). It recovers by itself: a broken
// connection or a sequence discontinuity resumes after r.Seq within
// r.Session (the server's window, or its gap and snapshot when the
// window no longer holds the next delta or the table restarted since),
// a checksum mismatch
// resubscribes for a fresh snapshot. It returns an error when the server
// refuses the subscription (an HTTP error other than 503, or an error
// message) or MaxRetries connections in a row fail.
func Follow(ctx context.Context, rawURL string, r *Replica, o Options) error {
	from, session := o.From, o.Session
	retry := o.Retry
	if retry <= 0 {
		retry = 500 * time.Millisecond
	}
	failed := 0
	for {
		s, err := OpenSession(ctx, rawURL, from, session)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var refused *RefusedError
			if errors.As(err, &refused) && refused.Status != 503 {
				return err
			}
			failed++
			if o.MaxRetries > 0 && failed >= o.MaxRetries {
				return err
			}
			select {
			case <-time.After(retry):
				continue
			case <-ctx.Done():
				return nil
			}
		}
		err = run(ctx, s, r, o)
		s.Close()
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, io.EOF):
			return nil
		case errors.Is(err, ErrChecksum), errors.Is(err, ErrProtocol):
			from = nil
			if o.OnRecover != nil {
				o.OnRecover(err, false)
			}
		case err != nil:
			var se *serverError
			if errors.As(err, &se) {
				return err
			}
			from = nil
			if r.Synced {
				seq := r.Seq
				from, session = &seq, r.Session
			}
			if o.OnRecover != nil {
				o.OnRecover(err, from != nil)
			}
		}
		failed = 0
	}
}

// serverError is an error message the server sent.
type serverError struct{ msg string }

func (e *serverError) Error() string { return "server: " + e.msg }

func run(ctx context.Context, s Stream, r *Replica, o Options) error {
	for {
		raw, err := s.Next(ctx)
		if err != nil {
			return err
		}
		if o.OnMessage != nil {
			o.OnMessage(raw)
		}
		m, err := r.ApplyRaw(raw)
		if m != nil && m.Type == "error" {
			return &serverError{msg: m.Error}
		}
		if err != nil {
			return err
		}
		if o.OnApplied != nil {
			o.OnApplied(r, m)
		}
	}
}
