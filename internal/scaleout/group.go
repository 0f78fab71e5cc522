package scaleout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/greenwave/greenwave/internal/engine"
)

// leaseValue is the value of a unit's lease key.
type leaseValue struct {
	// Owner and Incarnation name the instance holding the lease (the
	// process: a restart is a new incarnation); Owner empty: released.
	Owner       string `json:"owner,omitempty"`
	Incarnation string `json:"incarnation,omitempty"`
	// Checkpoints are the unit's checkpoint objects, newest first.
	Checkpoints []string `json:"checkpoints,omitempty"`
	// Finished is set when the unit's sources ended: nothing is left to
	// run.
	Finished bool `json:"finished,omitempty"`
}

// memberValue is the value of an instance's membership key.
type memberValue struct {
	Incarnation string `json:"incarnation"`
}

// seenKey is what the watcher last saw of a key, and when (this
// instance's clock) its revision last changed.
type seenKey struct {
	rev     uint64
	deleted bool
	lease   leaseValue
	changed time.Time
}

// unit is a unit as one instance runs it.
type unit struct {
	Unit
	key string // its lease key

	// kvMu serialises the writes of its lease (renewals, checkpoints);
	// it guards held, rev, val and lost.
	kvMu sync.Mutex
	held bool
	rev  uint64
	val  leaseValue
	lost bool // someone else changed the lease

	// Owned by the group's goroutine.
	tenant   *engine.Tenant
	started  time.Time // when tenant started
	failures int       // in a row (see failed)
	retryAt  time.Time
}

// Waits before a unit that failed is started again.
const (
	retryUnitFirst = 2 * time.Second
	retryUnitMax   = 30 * time.Second
)

// failed records that the unit failed (to start, or while running) at now
// and sets when to start it again: 2 s after its first failure in a row,
// doubling up to 30 s. A unit that ran for longer than the longest wait
// before it failed starts the count afresh: a cluster that loses a node
// now and then fails a long-running unit now and then, and each time it is
// back within seconds.
func (u *unit) failed(now time.Time, running bool) time.Duration {
	if running && !u.started.IsZero() && now.Sub(u.started) > retryUnitMax {
		u.failures = 0
	}
	u.failures++
	wait := min(retryUnitFirst<<min(u.failures-1, 4), retryUnitMax)
	u.retryAt = now.Add(wait)
	return wait
}

// group shares one pipeline's units among the instances.
type group struct {
	r      *Runner
	tenant string
	units  []*unit
	member string // this instance's membership key

	mu           sync.Mutex
	seen         map[string]*seenKey
	healthySince time.Time // since when this instance's writes succeed
	healthy      bool      // the last renewal's writes all succeeded
	running      []*engine.Tenant

	cancel   context.CancelFunc
	ctx      context.Context // the loop's; cancelled by stop
	loopDone chan struct{}
	finished chan struct{}
	once     sync.Once
}

func newGroup(r *Runner, tenant string, units []Unit) *group {
	g := &group{r: r, tenant: tenant, seen: map[string]*seenKey{}, member: "member." + tenant + "." + r.cfg.Instance,
		loopDone: make(chan struct{}), finished: make(chan struct{})}
	for _, u := range units {
		g.units = append(g.units, &unit{Unit: u, key: "lease." + tenant + "." + u.Name})
	}
	return g
}

func (g *group) start() {
	ctx, cancel := context.WithCancel(context.Background())
	g.ctx, g.cancel = ctx, cancel
	go g.loop(ctx)
}

// watch starts a watcher of the group's keys. It tries again every
// heartbeat while the bucket cannot serve one (a cluster that lost a
// node), and returns nil only when ctx ends. The watcher lives until ctx
// ends or stop is called; each attempt is bounded by attemptTimeout.
func (g *group) watch(ctx context.Context) (w jetstream.KeyWatcher, stop func()) {
	for failures := 0; ; failures++ {
		wctx, cancel := context.WithCancel(ctx)
		timer := time.AfterFunc(attemptTimeout, cancel)
		w, err := g.r.kv.Watch(wctx, "*."+g.tenant+".*")
		if !timer.Stop() && err == nil {
			// Timed out just as it succeeded: its context is cancelled,
			// which ends it.
			_ = w.Stop()
			err = context.DeadlineExceeded
		}
		if err == nil {
			return w, func() { _ = w.Stop(); cancel() }
		}
		cancel()
		if ctx.Err() != nil {
			return nil, nil
		}
		if failures%10 == 0 {
			g.r.logf("cannot watch the leases of %q (trying again): %v", g.tenant, err)
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-time.After(g.r.cfg.Heartbeat):
		}
	}
}

// loop applies what the watcher sees and steps every heartbeat.
func (g *group) loop(ctx context.Context) {
	renewDone := make(chan struct{})
	go g.renew(ctx, renewDone)
	defer func() {
		<-renewDone
		close(g.loopDone)
	}()
	tick := time.NewTicker(g.r.cfg.Heartbeat)
	defer tick.Stop()
	// Nothing is decided before the watcher has delivered every key's
	// current value (a nil entry marks the end of them).
	ready := false
	var updates <-chan jetstream.KeyValueEntry
	var stopWatch func()
	rewatch := func() {
		if stopWatch != nil {
			stopWatch()
		}
		var w jetstream.KeyWatcher
		w, stopWatch = g.watch(ctx)
		updates = nil
		if w != nil {
			updates = w.Updates()
		}
	}
	defer func() {
		if stopWatch != nil {
			stopWatch()
		}
	}()
	rewatch()
	// drain applies the updates that arrived while the loop was busy (a
	// unit starting), so that no key looks unchanged for longer than it
	// was. It reports false when the watcher ended.
	drain := func() bool {
		for {
			select {
			case e, ok := <-updates:
				if !ok {
					return false
				}
				if e == nil {
					ready = true
					continue
				}
				g.observe(e)
			default:
				return true
			}
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-updates:
			if !ok {
				// The watcher ended (its subscription closed): a new one
				// delivers every key's current value again.
				g.r.logf("the watcher of the leases of %q ended: watching again", g.tenant)
				rewatch()
				continue
			}
			if e == nil {
				ready = true
				if drain() {
					g.step(ctx)
				}
				continue
			}
			g.observe(e)
		case <-tick.C:
			if !drain() {
				g.r.logf("the watcher of the leases of %q ended: watching again", g.tenant)
				rewatch()
				continue
			}
			if ready {
				g.step(ctx)
			}
		}
	}
}

// observe records an update of a key.
func (g *group) observe(e jetstream.KeyValueEntry) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.seen[e.Key()]
	if s == nil {
		s = &seenKey{}
		g.seen[e.Key()] = s
	}
	if s.rev == e.Revision() {
		return
	}
	s.rev, s.changed = e.Revision(), g.r.cfg.Now()
	s.deleted = e.Operation() != jetstream.KeyValuePut
	s.lease = leaseValue{}
	if !s.deleted && strings.HasPrefix(e.Key(), "lease.") {
		_ = json.Unmarshal(e.Value(), &s.lease)
	}
	if g.allFinished() {
		g.once.Do(func() { close(g.finished) })
	}
}

// allFinished reports whether every unit's lease says it finished. g.mu
// is held.
func (g *group) allFinished() bool {
	for _, u := range g.units {
		s := g.seen[u.key]
		if s == nil || s.deleted || !s.lease.Finished {
			return false
		}
	}
	return true
}

// opTimeout bounds one request to the bucket.
func (g *group) opTimeout() time.Duration { return max(g.r.cfg.TTL/2, time.Second) }

// step renews, reaps, and takes or gives up units.
func (g *group) step(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	now := g.r.cfg.Now()
	g.mu.Lock()
	healthy := g.healthy
	g.mu.Unlock()
	g.reap(ctx, now)
	if !healthy {
		return
	}
	live := g.liveMembers(now)
	var open, held []*unit
	for _, u := range g.units {
		if g.finishedUnit(u) {
			continue
		}
		open = append(open, u)
		if g.holds(u) {
			held = append(held, u)
		}
	}
	if len(open) == 0 {
		return
	}
	share := (len(open) + len(live) - 1) / len(live)
	for len(held) > share {
		u := held[len(held)-1]
		held = held[:len(held)-1]
		g.release(ctx, u, "to share the work with the other instances")
	}
	for _, u := range g.order(open, live) {
		if len(held) >= share || ctx.Err() != nil {
			break
		}
		if g.holds(u) || !g.takeable(u, now) {
			continue
		}
		if g.take(ctx, u) {
			held = append(held, u)
			g.run(u)
		}
	}
}

func (g *group) holds(u *unit) bool {
	u.kvMu.Lock()
	defer u.kvMu.Unlock()
	return u.held
}

func (g *group) finishedUnit(u *unit) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.seen[u.key]
	return s != nil && !s.deleted && s.lease.Finished
}

// renew renews the membership and the leases every heartbeat, on a
// goroutine of its own so that a unit being started or handed over on the
// loop does not let them expire; done is closed when ctx ends it.
func (g *group) renew(ctx context.Context, done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(g.r.cfg.Heartbeat)
	defer tick.Stop()
	for {
		healthy := g.beat(ctx)
		now := g.r.cfg.Now()
		g.mu.Lock()
		g.healthy = healthy
		if !healthy {
			g.healthySince = time.Time{}
		} else if g.healthySince.IsZero() {
			g.healthySince = now
		}
		g.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// beat writes this instance's membership and renews every lease it holds.
// It reports whether every write reached the bucket.
func (g *group) beat(ctx context.Context) bool {
	ok := true
	b, _ := json.Marshal(memberValue{Incarnation: g.r.incarnation})
	cctx, cancel := context.WithTimeout(ctx, g.opTimeout())
	_, err := g.r.kv.Put(cctx, g.member, b)
	cancel()
	if err != nil {
		ok = false
	}
	for _, u := range g.units {
		if err := g.write(ctx, u, func(v *leaseValue) {}); err != nil && !errors.Is(err, errLost) && !errors.Is(err, errNotHeld) {
			ok = false
		}
	}
	return ok
}

var (
	errLost    = errors.New("the lease was taken over")
	errNotHeld = errors.New("the lease is not held")
)

// write changes the value of a lease this instance holds with a
// compare-and-set. A conflict that is not its own earlier write (one whose
// acknowledgement was lost) means the lease was taken: errLost, and the
// unit is marked lost.
func (g *group) write(ctx context.Context, u *unit, change func(*leaseValue)) error {
	u.kvMu.Lock()
	defer u.kvMu.Unlock()
	if !u.held || u.lost {
		return errNotHeld
	}
	nv := u.val
	nv.Checkpoints = slices.Clone(u.val.Checkpoints)
	change(&nv)
	b, _ := json.Marshal(nv)
	cctx, cancel := context.WithTimeout(ctx, g.opTimeout())
	defer cancel()
	rev, err := g.r.kv.Update(cctx, u.key, b, u.rev)
	if err == nil {
		u.rev, u.val = rev, nv
		return nil
	}
	if !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return err
	}
	e, gerr := g.r.kv.Get(cctx, u.key)
	if gerr != nil {
		return gerr
	}
	var cur leaseValue
	_ = json.Unmarshal(e.Value(), &cur)
	if cur.Owner == g.r.cfg.Instance && cur.Incarnation == g.r.incarnation {
		u.rev, u.val = e.Revision(), cur // an earlier write of ours did land
		return g.retryWrite(cctx, u, change)
	}
	u.lost = true
	return fmt.Errorf("%w by %s", errLost, cmpOr(cur.Owner, "nobody"))
}

// retryWrite writes again after adopting the current revision. kvMu is
// held.
func (g *group) retryWrite(ctx context.Context, u *unit, change func(*leaseValue)) error {
	nv := u.val
	nv.Checkpoints = slices.Clone(u.val.Checkpoints)
	change(&nv)
	b, _ := json.Marshal(nv)
	rev, err := g.r.kv.Update(ctx, u.key, b, u.rev)
	if err != nil {
		return err
	}
	u.rev, u.val = rev, nv
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// liveMembers lists the instances whose membership is alive, this one
// included, sorted.
func (g *group) liveMembers(now time.Time) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	live := []string{g.r.cfg.Instance}
	prefix := "member." + g.tenant + "."
	for k, s := range g.seen {
		name, ok := strings.CutPrefix(k, prefix)
		if !ok || name == g.r.cfg.Instance || s.deleted || g.expired(s, now) {
			continue
		}
		live = append(live, name)
	}
	sort.Strings(live)
	return live
}

// expired reports whether a key has not changed for the TTL while this
// instance could write. g.mu is held.
func (g *group) expired(s *seenKey, now time.Time) bool {
	since := s.changed
	if g.healthySince.After(since) {
		since = g.healthySince
	}
	return !g.healthySince.IsZero() && now.Sub(since) > g.r.cfg.TTL
}

// order lists the open units in the order this instance reaches for them:
// starting at its own place among the live instances, so that instances
// starting together spread over the units.
func (g *group) order(open []*unit, live []string) []*unit {
	i := slices.Index(live, g.r.cfg.Instance)
	start := 0
	if len(live) > 0 {
		start = i * len(open) / len(live)
	}
	return append(slices.Clone(open[start:]), open[:start]...)
}

// takeable reports whether a unit this instance does not hold may be
// taken: never owned, released, held by an earlier incarnation of this
// instance, or expired.
func (g *group) takeable(u *unit, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.seen[u.key]
	switch {
	case s == nil || s.deleted:
		return true
	case s.lease.Finished:
		return false
	case s.lease.Owner == "":
		return true
	case s.lease.Owner == g.r.cfg.Instance:
		return true
	}
	return g.expired(s, now)
}

// take acquires a unit's lease with a compare-and-set on what the watcher
// saw, keeping its checkpoints.
func (g *group) take(ctx context.Context, u *unit) bool {
	g.mu.Lock()
	s := g.seen[u.key]
	var prev leaseValue
	var rev uint64
	fresh := s == nil || s.deleted
	if s != nil {
		prev, rev = s.lease, s.rev
	}
	g.mu.Unlock()
	nv := leaseValue{Owner: g.r.cfg.Instance, Incarnation: g.r.incarnation, Checkpoints: prev.Checkpoints}
	b, _ := json.Marshal(nv)
	cctx, cancel := context.WithTimeout(ctx, g.opTimeout())
	defer cancel()
	var err error
	if fresh {
		rev, err = g.r.kv.Create(cctx, u.key, b)
	} else {
		rev, err = g.r.kv.Update(cctx, u.key, b, rev)
	}
	if err != nil {
		return false
	}
	u.kvMu.Lock()
	u.held, u.lost, u.rev, u.val = true, false, rev, nv
	u.kvMu.Unlock()
	was := "new"
	switch {
	case prev.Owner == g.r.cfg.Instance:
		was = "held by this instance before it restarted"
	case prev.Owner != "":
		was = "held by " + prev.Owner + ", whose lease expired"
	case len(prev.Checkpoints) > 0:
		was = "released"
	}
	g.r.logf("takes %s (%s)", u.Name, was)
	return true
}

// run starts a held unit's tenant, restored from its newest checkpoint.
func (g *group) run(u *unit) {
	u.kvMu.Lock()
	names := slices.Clone(u.val.Checkpoints)
	u.kvMu.Unlock()
	st := &Store{g: g, u: u, names: names}
	g.r.mu.Lock()
	g.r.stores[u.Name] = st
	g.r.mu.Unlock()
	t, err := g.startUnit(u)
	if err != nil {
		g.r.mu.Lock()
		delete(g.r.stores, u.Name)
		g.r.mu.Unlock()
		wait := u.failed(g.r.cfg.Now(), false)
		g.r.logf("cannot start %s (trying again in %v): %v", u.Name, wait, err)
		return
	}
	u.tenant, u.started = t, g.r.cfg.Now()
	g.mu.Lock()
	g.running = append(g.running, t)
	g.mu.Unlock()
}

func (g *group) startUnit(u *unit) (*engine.Tenant, error) {
	pl, err := g.r.e.Compile(u.Pipeline)
	if err != nil {
		return nil, err
	}
	return g.r.e.Run(pl)
}

// reap handles units whose tenant ended or whose lease was lost, and
// restarts the units that failed once their wait is over.
func (g *group) reap(ctx context.Context, now time.Time) {
	for _, u := range g.units {
		u.kvMu.Lock()
		lost, held := u.lost, u.held
		if lost {
			u.held, u.lost = false, false
		}
		u.kvMu.Unlock()
		if lost {
			g.r.logf("lost %s to another instance: stopping it", u.Name)
			g.abort(u, false)
			continue
		}
		if t := u.tenant; t != nil {
			select {
			case <-t.Done():
			default:
				continue
			}
			err := t.Err()
			g.forget(u)
			if err == nil {
				g.finish(ctx, u)
				continue
			}
			wait := u.failed(now, true)
			g.r.logf("%s failed (starting it again in %v): %v", u.Name, wait, err)
			continue
		}
		if held && !now.Before(u.retryAt) && !g.finishedUnit(u) {
			g.run(u)
		}
	}
}

// forget drops a unit's ended tenant from the engine.
func (g *group) forget(u *unit) {
	t := u.tenant
	if t == nil {
		return
	}
	u.tenant = nil
	_ = g.r.e.Remove(t, 0)
	g.r.mu.Lock()
	delete(g.r.stores, u.Name)
	g.r.mu.Unlock()
	g.mu.Lock()
	g.running = slices.DeleteFunc(g.running, func(x *engine.Tenant) bool { return x == t })
	g.mu.Unlock()
}

// abort stops a unit's tenant as a crash would, after a checkpoint when
// asked (handing it over with nothing to redo).
func (g *group) abort(u *unit, checkpoint bool) {
	t := u.tenant
	if t == nil {
		return
	}
	if checkpoint {
		ctx, cancel := context.WithTimeout(context.Background(), g.r.cfg.HandoverTimeout)
		if _, err := t.Checkpoint(ctx); err != nil && !errors.Is(err, engine.ErrNotCheckpointed) {
			g.r.logf("%s: no checkpoint before handing it over (the next owner redoes what followed the last one): %v", u.Name, err)
		}
		cancel()
	}
	t.Abort()
	<-t.Done()
	g.forget(u)
}

// release gives a unit up: checkpoint, abort, and a lease with no owner
// that keeps the checkpoints.
func (g *group) release(ctx context.Context, u *unit, why string) {
	g.abort(u, true)
	if err := g.write(ctx, u, func(v *leaseValue) { v.Owner, v.Incarnation = "", "" }); err != nil {
		g.r.logf("releasing %s: %v", u.Name, err)
	}
	u.kvMu.Lock()
	u.held = false
	u.kvMu.Unlock()
	g.r.logf("gives %s up %s", u.Name, why)
}

// finish records that a unit's sources ended.
func (g *group) finish(ctx context.Context, u *unit) {
	if err := g.write(ctx, u, func(v *leaseValue) { v.Owner, v.Incarnation, v.Finished = "", "", true }); err != nil {
		g.r.logf("recording that %s finished: %v", u.Name, err)
		return
	}
	u.kvMu.Lock()
	u.held = false
	u.kvMu.Unlock()
	g.r.logf("%s finished", u.Name)
}

// stop gives up every unit and leaves.
func (g *group) stop() {
	if g.cancel == nil {
		return
	}
	g.cancel()
	<-g.loopDone
	ctx := context.Background()
	var wg sync.WaitGroup
	for _, u := range g.units {
		if u.tenant == nil && !g.holds(u) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if g.holds(u) {
				g.release(ctx, u, "as the instance stops")
			} else {
				g.abort(u, false)
			}
		}()
	}
	wg.Wait()
	cctx, cancel := context.WithTimeout(ctx, g.opTimeout())
	defer cancel()
	_ = g.r.kv.Delete(cctx, g.member)
}

// GroupStatus is one pipeline's units as an instance sees them.
type GroupStatus struct {
	Tenant string
	Units  []UnitStatus
}

// UnitStatus is one unit: who holds it, whether it finished, and whether
// this instance runs it.
type UnitStatus struct {
	Name     string
	Owner    string
	Finished bool
	Running  bool
}

func (g *group) status() GroupStatus {
	st := GroupStatus{Tenant: g.tenant}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, u := range g.units {
		us := UnitStatus{Name: u.Name}
		if s := g.seen[u.key]; s != nil && !s.deleted {
			us.Owner, us.Finished = s.lease.Owner, s.lease.Finished
		}
		for _, t := range g.running {
			if t.Name == u.Name {
				us.Running = true
			}
		}
		st.Units = append(st.Units, us)
	}
	return st
}

func (g *group) tenants() []*engine.Tenant {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.running)
}
