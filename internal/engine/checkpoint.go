package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/plan"
)

// Checkpoints, the coordinator's side. With a state directory
// (Config.StateDir) or a checkpoint store (Config.CheckpointStore), every
// tenant is checkpointed every interval (its
// file's `checkpoint: {interval}`, or Config.CheckpointInterval): the
// coordinator asks the tenant's sources for a barrier (barrier.go),
// collects every actor's snapshot, and hands the complete checkpoint to a
// writer goroutine, which writes it durably (checkpoint_store.go) and then
// tells the instances that implement component.Committer. Nothing of this
// runs on a worker but the snapshots themselves, which are memory copies.
//
// A round in progress is never abandoned: under back-pressure the barriers
// move with the data (aligned checkpoints), and the next round waits. A
// round still running after the tenant's aligned timeout goes unaligned:
// the barriers pass the data queued ahead of them, which the snapshots
// record as in-flight input (unaligned.go).

// DefaultCheckpointInterval is the time between checkpoints when neither
// the run nor the file sets one.
const DefaultCheckpointInterval = 10 * time.Second

// DefaultAlignedTimeout is how long a checkpoint round stays aligned
// before it goes unaligned when neither the run nor the file sets it.
const DefaultAlignedTimeout = time.Second

// tenantCkpt is one tenant's checkpointing.
type tenantCkpt struct {
	t        *Tenant
	interval time.Duration
	// alignedTimeout is how long a round stays aligned (0: always).
	alignedTimeout time.Duration
	// unaligned is the id of the newest round switched to unaligned.
	unaligned atomic.Uint64
	// fingerprints say, per node, what its state must match to be
	// restored (name, type, key, options, parallelism).
	fingerprints map[*plan.Node]string
	// store keeps the checkpoints; nil: files in the state directory.
	store CheckpointStore
	// fresh is set when there was no checkpoint to restore.
	fresh bool

	mu struct {
		sync.Mutex
		next     uint64 // the next round's id
		running  uint64 // the round in progress, 0 if none
		started  time.Time
		lastEnd  time.Time
		queued   uint64          // the newest round handed to the writer
		pending  map[*actor]bool // actors yet to report in the running round
		entries  []entry
		finished map[*actor]bool
		// late are the actors that finished after reporting their
		// snapshot in the running round: the round records that snapshot,
		// not that they finished (what they sent after it is not in the
		// round's other snapshots, and a restart must send it again).
		late map[*actor]bool
	}
	committed atomic.Uint64 // the newest durable checkpoint
	// hold, when not 0, is the id of a tenant's first checkpoint, taken
	// before its sources read anything: they read only once a checkpoint
	// at least that new is durable (a crash before it would otherwise
	// leave a restart nothing to tell what the first run did).
	hold atomic.Uint64
	// notify.ch is closed and replaced whenever a checkpoint is written
	// or fails (Tenant.Checkpoint waits on it); lastFailed is the id of
	// the newest that failed.
	notify struct {
		sync.Mutex
		ch                      chan struct{}
		lastWritten, lastFailed uint64
	}

	// Figures.
	written, failed atomic.Uint64
	lastBytes       atomic.Int64
	lastDuration    atomic.Int64 // ns from the round's start to durable
	// Unaligned checkpoints written, and the in-flight input they held.
	unalignedWritten  atomic.Uint64
	inflightBytes     atomic.Uint64
	lastInflightBytes atomic.Int64
}

// CheckpointStats are a tenant's checkpoint figures.
type CheckpointStats struct {
	// Committed is the id of the newest durable checkpoint (0: none yet).
	Committed uint64
	// Written and Failed count checkpoints written and failed to write.
	Written, Failed uint64
	// LastBytes is the size of the newest file; LastDuration the time
	// from its barriers to its being durable.
	LastBytes    int64
	LastDuration time.Duration
	Interval     time.Duration
	// Unaligned counts the checkpoints written that went unaligned;
	// InflightBytes is the in-flight input they recorded, in bytes, and
	// LastInflightBytes that of the newest checkpoint (0 when aligned).
	// AlignedTimeout is how long a round stays aligned (0: always).
	Unaligned         uint64
	InflightBytes     uint64
	LastInflightBytes int64
	AlignedTimeout    time.Duration
}

func newTenantCkpt(t *Tenant, interval time.Duration, next uint64) *tenantCkpt {
	c := &tenantCkpt{t: t, interval: interval, fingerprints: map[*plan.Node]string{}}
	for _, n := range t.Plan.Nodes {
		c.fingerprints[n] = fingerprint(n)
	}
	c.mu.next = next
	c.notify.ch = make(chan struct{})
	c.mu.finished = map[*actor]bool{}
	c.mu.lastEnd = time.Now()
	return c
}

// fingerprint hashes what a node's state depends on. Two runs restore state
// between instances of equal fingerprints only.
func fingerprint(n *plan.Node) string {
	c := n.Comp
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%s\x00%s\x00%s\x00%d\x00", c.Name, c.Kind, c.Type, strings.Join(c.Key, ","), max(c.Parallelism, 1))
	writeOptions(&b, c.Options)
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:12])
}

// writeOptions writes options in a canonical order.
func writeOptions(b *strings.Builder, o component.Options) {
	names := o.Names()
	sort.Strings(names)
	for _, name := range names {
		v, _ := o.Raw(name)
		b.WriteString(name)
		b.WriteByte('=')
		writeValue(b, v)
		b.WriteByte(';')
	}
}

func writeValue(b *strings.Builder, v any) {
	switch x := v.(type) {
	case component.Options:
		b.WriteByte('{')
		writeOptions(b, x)
		b.WriteByte('}')
	case []component.Options:
		b.WriteByte('[')
		for _, o := range x {
			writeValue(b, o)
		}
		b.WriteByte(']')
	case map[string]string:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(b, "%s:%s,", k, x[k])
		}
	default:
		fmt.Fprintf(b, "%T:%v", v, v)
	}
}

// due reports whether a new round should start now.
func (c *tenantCkpt) due(now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.running == 0 && now.Sub(c.mu.lastEnd) >= c.interval
}

// begin starts a round: the sources are asked for their barriers.
func (c *tenantCkpt) begin(now time.Time) {
	t := c.t
	if t.stopping.Load() || t.failed.Load() {
		return
	}
	c.mu.Lock()
	if c.mu.running != 0 {
		c.mu.Unlock()
		return
	}
	id := c.mu.next
	c.mu.next++
	c.mu.running, c.mu.started = id, now
	c.mu.pending = map[*actor]bool{}
	c.mu.entries, c.mu.late = nil, nil
	var sources []*actor
	for _, a := range t.actors {
		if c.mu.finished[a] {
			continue
		}
		c.mu.pending[a] = true
		if a.isSource() {
			sources = append(sources, a)
		}
	}
	empty := len(c.mu.pending) == 0
	c.mu.Unlock()
	if empty {
		c.complete(id)
		return
	}
	for _, a := range sources {
		a.barrierReq.Store(id)
		a.wake(nil)
	}
}

// report records an actor's snapshot for round id.
func (c *tenantCkpt) report(a *actor, id uint64, entries []entry) {
	c.mu.Lock()
	if c.mu.running != id || !c.mu.pending[a] {
		c.mu.Unlock()
		return
	}
	delete(c.mu.pending, a)
	c.mu.entries = append(c.mu.entries, entries...)
	done := len(c.mu.pending) == 0
	c.mu.Unlock()
	if done {
		c.complete(id)
	}
}

// finish records that an actor finished: it answers no more barriers, and
// restarts finished — unless it had reported its snapshot in the running
// round, which then records that snapshot (the others' snapshots do not
// hold what it sent after it), and only later rounds say it finished. An actor that ends because its tenant is stopping has
// not finished its input: the round in progress is abandoned (a restart
// resumes from the previous checkpoint) and nothing is recorded.
func (c *tenantCkpt) finish(a *actor) {
	c.mu.Lock()
	if c.t.stopping.Load() {
		c.mu.running, c.mu.pending, c.mu.entries, c.mu.late = 0, nil, nil, nil
		c.mu.Unlock()
		return
	}
	c.mu.finished[a] = true
	id := c.mu.running
	wasPending := id != 0 && c.mu.pending[a]
	if id != 0 && !wasPending {
		if c.mu.late == nil {
			c.mu.late = map[*actor]bool{}
		}
		c.mu.late[a] = true
	}
	delete(c.mu.pending, a)
	done := wasPending && len(c.mu.pending) == 0
	c.mu.Unlock()
	if done {
		c.complete(id)
	}
}

// complete hands round id, whose snapshots are all in, to the writer.
func (c *tenantCkpt) complete(id uint64) {
	c.mu.Lock()
	if c.mu.running != id {
		c.mu.Unlock()
		return
	}
	ck := &checkpoint{manifest: manifest{Tenant: c.t.Name, ID: id, Time: time.Now(), Entries: c.mu.entries}}
	for a := range c.mu.finished {
		if c.mu.late[a] {
			continue
		}
		for _, n := range a.p.Nodes {
			ck.Entries = append(ck.Entries, entry{Node: n.Name(), Instance: a.p.Instance, Fingerprint: c.fingerprints[n], Finished: true})
		}
	}
	ck.Finished = len(c.mu.finished) == len(c.t.actors) && len(c.mu.late) == 0
	slices.SortFunc(ck.Entries, func(x, y entry) int {
		if x.Node != y.Node {
			return strings.Compare(x.Node, y.Node)
		}
		return x.Instance - y.Instance
	})
	started := c.mu.started
	unaligned := c.unaligned.Load() == id
	c.mu.queued = id
	c.mu.running, c.mu.pending, c.mu.entries, c.mu.late = 0, nil, nil, nil
	c.mu.lastEnd = time.Now()
	c.mu.Unlock()
	c.t.e.queueCheckpoint(writeJob{c: c, ck: ck, started: started, unaligned: unaligned})
}

// alignTimeout switches the running round to unaligned once it has run
// for the aligned timeout, and wakes the operator actors, which may now
// snapshot before the barriers reach them.
func (c *tenantCkpt) alignTimeout(now time.Time) {
	if c.alignedTimeout <= 0 {
		return
	}
	c.mu.Lock()
	id := c.mu.running
	late := id != 0 && c.unaligned.Load() < id && now.Sub(c.mu.started) >= c.alignedTimeout
	if late {
		c.unaligned.Store(id)
	}
	c.mu.Unlock()
	if !late {
		return
	}
	for _, a := range c.t.actors {
		if !a.isSource() {
			a.wake(nil)
		}
	}
}

// checkpointFirst begins the first checkpoint of a tenant that has none
// and holds its sources until it is durable. Called before the workers
// have the actors.
func (c *tenantCkpt) checkpointFirst() {
	c.begin(time.Now())
	c.mu.Lock()
	id := c.mu.running
	if id == 0 {
		id = c.mu.queued
	}
	c.mu.Unlock()
	if id != 0 && c.committed.Load() < id {
		c.hold.Store(id)
	}
}

// holding reports whether the sources wait for the first checkpoint.
func (c *tenantCkpt) holding() bool { return c.hold.Load() != 0 }

// queueCheckpoint hands a complete checkpoint to the checkpointer without
// waiting: it may be called from a worker.
func (e *Engine) queueCheckpoint(job writeJob) {
	e.ckq.mu.Lock()
	e.ckq.jobs = append(e.ckq.jobs, job)
	e.ckq.mu.Unlock()
	select {
	case e.ckq.signal <- struct{}{}:
	default:
	}
}

// ckQueue holds complete checkpoints for the checkpointer.
type ckQueue struct {
	mu     sync.Mutex
	jobs   []writeJob
	signal chan struct{} // capacity 1
}

// writeJob is a checkpoint waiting for the writer.
type writeJob struct {
	c         *tenantCkpt
	ck        *checkpoint
	started   time.Time
	unaligned bool
}

// checkpointer starts rounds for the checkpointed tenants and writes the
// completed checkpoints, until the engine closes.
func (e *Engine) checkpointer() {
	defer close(e.checkpointerDone)
	tick := time.NewTicker(checkpointTick)
	defer tick.Stop()
	for {
		select {
		case <-e.closing:
			// A tenant that just ended wrote its last checkpoint: keep it.
			e.ckq.mu.Lock()
			jobs := e.ckq.jobs
			e.ckq.jobs = nil
			e.ckq.mu.Unlock()
			for _, job := range jobs {
				e.write(job)
			}
			return
		case <-e.ckq.signal:
			e.ckq.mu.Lock()
			jobs := e.ckq.jobs
			e.ckq.jobs = nil
			e.ckq.mu.Unlock()
			for _, job := range jobs {
				e.write(job)
			}
		case now := <-tick.C:
			for _, t := range e.Tenants() {
				if c := t.ckpt; c != nil {
					if c.due(now) {
						c.begin(now)
					} else {
						c.alignTimeout(now)
					}
				}
			}
		}
	}
}

// checkpointTick is how often the checkpointer looks for rounds to start.
const checkpointTick = 50 * time.Millisecond

// write makes a checkpoint durable and tells the committers.
func (e *Engine) write(job writeJob) {
	c := job.c
	var n int64
	var err error
	if c.store != nil {
		var b []byte
		if b, err = job.ck.encode(); err == nil {
			n = int64(len(b))
			if err = c.store.Save(job.ck.ID, b); err != nil {
				err = fmt.Errorf("cannot store checkpoint %d: %w", job.ck.ID, err)
			}
		}
	} else {
		n, err = writeCheckpoint(e.cfg.StateDir, job.ck)
	}
	if err != nil {
		c.failed.Add(1)
		e.logf("tenant %q: %v", c.t.Name, err)
		c.signal(job.ck.ID, false)
		return
	}
	c.written.Add(1)
	c.lastBytes.Store(n)
	inflight := job.ck.inflightBytes()
	c.lastInflightBytes.Store(inflight)
	if job.unaligned {
		c.unalignedWritten.Add(1)
		c.inflightBytes.Add(uint64(inflight))
	}
	c.lastDuration.Store(int64(time.Since(job.started)))
	c.committed.Store(job.ck.ID)
	if h := c.hold.Load(); h != 0 && job.ck.ID >= h {
		c.hold.Store(0)
		for _, a := range c.t.actors {
			if a.isSource() {
				a.wake(nil)
			}
		}
	}
	for _, a := range c.t.actors {
		if cm, ok := a.src.(component.Committer); ok {
			cm.Committed(job.ck.ID)
		}
		for _, st := range a.stages {
			if cm, ok := st.op.(component.Committer); ok {
				cm.Committed(job.ck.ID)
			}
		}
	}
	c.signal(job.ck.ID, true)
}

// signal wakes the callers of Tenant.Checkpoint once checkpoint id is
// written (ok) or has failed.
func (c *tenantCkpt) signal(id uint64, ok bool) {
	c.notify.Lock()
	if ok {
		c.notify.lastWritten = max(c.notify.lastWritten, id)
	} else {
		c.notify.lastFailed = max(c.notify.lastFailed, id)
	}
	close(c.notify.ch)
	c.notify.ch = make(chan struct{})
	c.notify.Unlock()
}

// ErrNotCheckpointed is returned by Tenant.Checkpoint for a tenant the
// engine does not checkpoint (no state directory, no store).
var ErrNotCheckpointed = errors.New("the tenant is not checkpointed")

// Checkpoint takes a checkpoint of the tenant now (or lets the one in
// progress finish) and waits until it is durable and its committers have
// been told, or ctx ends, or the tenant stops or fails first. It returns
// the checkpoint's id. A tenant handing its work over (to another
// instance, or to its own next run) calls it and then Abort: whoever
// resumes starts from this checkpoint, with nothing to redo.
func (t *Tenant) Checkpoint(ctx context.Context) (uint64, error) {
	c := t.ckpt
	if c == nil {
		return 0, ErrNotCheckpointed
	}
	want := c.request()
	if want == 0 {
		return 0, fmt.Errorf("tenant %q is stopping or has failed: no checkpoint was taken", t.Name)
	}
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for {
		c.notify.Lock()
		ch, written, failed := c.notify.ch, c.notify.lastWritten, c.notify.lastFailed
		c.notify.Unlock()
		if written >= want {
			return want, nil
		}
		if failed >= want {
			return 0, fmt.Errorf("tenant %q: checkpoint %d could not be written", t.Name, want)
		}
		c.mu.Lock()
		abandoned := c.mu.running != want && c.mu.queued < want
		c.mu.Unlock()
		if abandoned {
			return 0, fmt.Errorf("tenant %q stopped before checkpoint %d was complete", t.Name, want)
		}
		select {
		case <-ch:
		case <-poll.C:
		case <-ctx.Done():
			return 0, fmt.Errorf("tenant %q: checkpoint %d: %w", t.Name, want, ctx.Err())
		}
	}
}

// request returns the id of the round in progress, or of one it begins
// now, or 0 when none can begin (the tenant stops or failed).
func (c *tenantCkpt) request() uint64 {
	c.mu.Lock()
	running := c.mu.running
	c.mu.Unlock()
	if running != 0 {
		return running
	}
	c.begin(time.Now())
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.running != 0 {
		return c.mu.running
	}
	if id := c.mu.next - 1; id > 0 && c.mu.queued == id {
		return id // it had nothing to wait for and is being written
	}
	return 0
}

// CheckpointStats returns the tenant's checkpoint figures (zero when it is
// not checkpointed).
func (t *Tenant) CheckpointStats() CheckpointStats {
	c := t.ckpt
	if c == nil {
		return CheckpointStats{}
	}
	return CheckpointStats{Committed: c.committed.Load(), Written: c.written.Load(), Failed: c.failed.Load(),
		LastBytes: c.lastBytes.Load(), LastDuration: time.Duration(c.lastDuration.Load()), Interval: c.interval,
		Unaligned: c.unalignedWritten.Load(), InflightBytes: c.inflightBytes.Load(),
		LastInflightBytes: c.lastInflightBytes.Load(), AlignedTimeout: c.alignedTimeout}
}
