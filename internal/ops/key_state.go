package ops

import (
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// keyState is what count, aggregate and over keep beside their key table
// (countTable) to bound it: the limit, and the ttl with its clock. Each
// operator embeds it, which makes it a component.StateReporter and, when it
// has a ttl, a component.Ticker that expires keys. Owned by the operator's
// actor, like the table.
type keyState struct {
	lim   *stateLimit
	table *countTable
	ttl   time.Duration // 0: keys do not expire
	now   func() time.Time
}

// newKeyState reads the state options of ctx and puts table under their
// limit; extra is what the operator keeps per key beside the table, in
// bytes. Recency is tracked only when evict_oldest or a ttl needs it.
func newKeyState(ctx *component.Context, table *countTable, extra int64) (keyState, error) {
	cfg := stateConf(ctx.Options)
	track := cfg.evict || cfg.ttl > 0
	lim, err := cfg.limit(tableKeyBytes(table.nk, track) + extra)
	if err != nil {
		return keyState{}, err
	}
	table.setLimit(lim, extra, track)
	return keyState{lim: lim, table: table, ttl: cfg.ttl, now: clock(ctx)}, nil
}

// begin starts a batch: with a ttl, the batch's updates are stamped with
// the clock read once here.
func (k *keyState) begin() {
	if k.ttl > 0 {
		k.table.now = k.now().UnixNano()
	}
}

// StateStats returns the operator's state figures (component.StateReporter).
func (k *keyState) StateStats() component.StateStats { return k.lim.StateStats() }

// TickEvery asks for ticks to expire keys when there is a ttl (0: none).
func (k *keyState) TickEvery() time.Duration {
	if k.ttl > 0 {
		return ttlTick(k.ttl)
	}
	return 0
}

// Tick expires the keys not updated for the ttl; it emits nothing.
func (k *keyState) Tick(now time.Time, _ *component.Output) error {
	k.expire(now)
	return nil
}

// expire removes the keys not updated since now minus the ttl (none
// without a ttl) and publishes the state figures.
func (k *keyState) expire(now time.Time) {
	if k.ttl > 0 {
		k.table.expire(now.UnixNano(), int64(k.ttl))
	}
	k.lim.publish()
}
