package ops

import (
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/greenwave/greenwave/internal/component"
)

// ErrStateLimit is wrapped by the error of an operator whose state reached
// its max_keys or max_state under when_state_full: fail.
var ErrStateLimit = errors.New("state limit reached")

// stateLimit keeps a keyed operator's state figures and enforces its
// limits: how many entries it holds (what max_keys counts: keys, key
// entries of windows, rows of joins) and the estimate of their bytes.
//
// The operator's goroutine changes the figures without synchronisation and
// publishes them with publish, once per Process, OnWatermark or Tick call;
// StateStats reads the published copy with atomic loads, from any
// goroutine, and so lags by at most one batch. Nothing on the per-event
// path is atomic or locked.
type stateLimit struct {
	maxKeys, maxBytes int64
	evict             bool // when_state_full: evict_oldest (else fail)

	keys, bytes      int64 // held now (owner goroutine)
	evicted, expired uint64

	// shown is what was last published, so that publish stores only what
	// changed.
	shown struct {
		keys, bytes      int64
		evicted, expired uint64
	}
	pub struct {
		keys, bytes      atomic.Int64
		evicted, expired atomic.Uint64
	}
}

// fits reports whether one more entry of b bytes stays within both limits.
func (s *stateLimit) fits(b int64) bool {
	return s.keys < s.maxKeys && s.bytes+b <= s.maxBytes
}

// fitsBytes reports whether b more bytes, without a new entry, stay within
// max_state.
func (s *stateLimit) fitsBytes(b int64) bool { return s.bytes+b <= s.maxBytes }

// add counts one more entry of b bytes; remove one fewer.
func (s *stateLimit) add(b int64)    { s.keys++; s.bytes += b }
func (s *stateLimit) remove(b int64) { s.keys--; s.bytes -= b }

// grow changes the bytes held without changing the entries (b may be
// negative).
func (s *stateLimit) grow(b int64) { s.bytes += b }

// full returns the error of a state that cannot take one more entry of b
// bytes (or, entry false, b more bytes) and may not evict: it names the
// limit that was reached.
func (s *stateLimit) full(entry bool, b int64) error {
	if entry && s.keys >= s.maxKeys {
		return fmt.Errorf("%w: max_keys %d (when_state_full: %s)", ErrStateLimit, s.maxKeys, s.policy())
	}
	return fmt.Errorf("%w: max_state %s (when_state_full: %s; %s held, %s more needed)",
		ErrStateLimit, formatSize(s.maxBytes), s.policy(), formatSize(s.bytes), formatSize(b))
}

func (s *stateLimit) policy() string {
	if s.evict {
		return stateEvict
	}
	return stateFail
}

// publish makes the current figures visible to StateStats.
func (s *stateLimit) publish() {
	sh := &s.shown
	if s.keys != sh.keys {
		sh.keys = s.keys
		s.pub.keys.Store(s.keys)
	}
	if s.bytes != sh.bytes {
		sh.bytes = s.bytes
		s.pub.bytes.Store(s.bytes)
	}
	if s.evicted != sh.evicted {
		sh.evicted = s.evicted
		s.pub.evicted.Store(s.evicted)
	}
	if s.expired != sh.expired {
		sh.expired = s.expired
		s.pub.expired.Store(s.expired)
	}
}

// StateStats returns the figures last published; it is safe to call from
// any goroutine.
func (s *stateLimit) StateStats() component.StateStats {
	return component.StateStats{
		Keys: s.pub.keys.Load(), Bytes: s.pub.bytes.Load(),
		Evicted: s.pub.evicted.Load(), Expired: s.pub.expired.Load(),
		MaxKeys: s.maxKeys, MaxBytes: s.maxBytes,
	}
}

// formatSize writes a byte count as a pipeline file may: in the largest
// binary unit that divides it ("256MiB"), else in bytes ("1000B").
func formatSize(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	u := 0
	for n != 0 && n%1024 == 0 && u < len(units)-1 {
		n /= 1024
		u++
	}
	return strconv.FormatInt(n, 10) + units[u]
}

// appendCounters appends the eviction and expiry counters, which continue
// across a restore.
func (s *stateLimit) appendCounters(b []byte) []byte {
	return appendUvarint(appendUvarint(b, s.evicted), s.expired)
}

// decodeCounters reads what appendCounters wrote.
func decodeCounters(d *stateDecoder) (evicted, expired uint64) {
	return d.uvarint(), d.uvarint()
}

// restore sets the figures of a restored state (keys and bytes as the
// operator counts them for what it restored) and publishes them. Restored
// state is kept whole even when it is more than the limits allow (they may
// have been lowered since it was saved): they apply to new entries.
func (s *stateLimit) restore(keys, bytes int64, evicted, expired uint64) {
	s.keys, s.bytes, s.evicted, s.expired = keys, bytes, evicted, expired
	s.publish()
}
