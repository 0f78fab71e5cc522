package bench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greenwave/greenwave/internal/event"
	"github.com/greenwave/greenwave/internal/registry"
)

func init() {
	register(&Scenario{
		Name: "registry",
		Doc: "Type-registry reads from every core: greenwave's RCU snapshot vs a sync.RWMutex-guarded map " +
			"vs sync.Map, by schema ID and by (tenant, type name), with and without a writer that " +
			"registers or extends a type every millisecond.",
		Run: runRegistry,
	})
}

const (
	regTenants    = 50
	regBatch      = 64 // lookups per batch; a reader checks for the end once per batch
	regWriteEvery = time.Millisecond
	regMaxCatchUp = 4   // writes per writer wake-up at most
	regPad        = 128 // keeps each reader's counters on cache lines of their own
)

// regTypeNames are the types every tenant registers: 50 tenants × 20 types.
var regTypeNames = [...]string{
	"page_view", "click", "session_start", "session_end", "heartbeat",
	"video_start", "video_buffering", "bitrate_change", "seek", "pause",
	"resume", "ad_impression", "ad_click", "add_to_cart", "purchase",
	"search", "login", "logout", "signup", "error",
}

var regFields = []event.Field{
	{Name: "session_id", Kind: event.String, Required: true},
	{Name: "ts", Kind: event.Time, Required: true},
	{Name: "user", Kind: event.String},
	{Name: "value", Kind: event.Float},
	{Name: "count", Kind: event.Int},
}

type regCase struct {
	name   string
	byID   bool // resolve the schema ID events carry; otherwise (tenant, type name)
	writer bool
}

var registryCases = []regCase{
	{"by-id/read-all-cores", true, false},
	{"by-id/read-all-cores+rare-writer", true, true},
	{"by-name/read-all-cores", false, false},
	{"by-name/read-all-cores+rare-writer", false, true},
}

// regName is the (tenant, type name) a source parsed from an event.
type regName struct{ tenant, name string }

// regLookups is one reader's input: regTableLen references to the 50 × 20
// types in a shuffled order, as schema IDs (what an event in a ring
// carries) and as names (what a source parses), cut into batches.
type regLookups struct {
	ids   []uint32
	names []regName
}

const regTableLen = 1024 // a multiple of regBatch covering every type

// regReader is what one reading goroutine reports. The sink, which every
// lookup feeds, keeps the compiler from dropping or hoisting the lookups.
type regReader struct {
	lookups, sink uint64
	_             [regPad - 16]byte
}

// regResolver resolves one batch of type references and returns a checksum
// of the schemas found (ID plus width). One call per batch, as the engine
// makes; the per-event loop inside is each registry's own.
type regResolver interface {
	resolveIDs(ids []uint32) uint64
	resolveNames(names []regName) uint64
}

// regRegister is a registry's Register.
type regRegister func(*event.Schema) (*event.Schema, error)

type regVariant struct {
	name string
	// build returns an empty registry's batch resolver and its Register.
	build func() (regResolver, regRegister)
}

var registryVariants = []regVariant{
	{"greenwave", func() (regResolver, regRegister) { r := registry.New(); return rcuResolver{r}, r.Register }},
	{"rwmutex", func() (regResolver, regRegister) { r := newRWMutexRegistry(); return r, r.Register }},
	{"syncmap", func() (regResolver, regRegister) { r := newSyncMapRegistry(); return r, r.Register }},
}

// rcuResolver is the engine's read path: load the snapshot once per batch,
// then resolve every event of the batch from it.
type rcuResolver struct{ r *registry.Registry }

func (x rcuResolver) resolveIDs(ids []uint32) (sum uint64) {
	snap := x.r.Snapshot()
	for _, id := range ids {
		s := snap.Schema(id)
		sum += uint64(s.ID) + uint64(len(s.Fields))
	}
	return sum
}

func (x rcuResolver) resolveNames(names []regName) (sum uint64) {
	snap := x.r.Snapshot()
	for i := range names {
		s := snap.Lookup(names[i].tenant, names[i].name)
		sum += uint64(s.ID) + uint64(len(s.Fields))
	}
	return sum
}

// regRead resolves batch after batch until stop is set. It checks stop once
// per batch; the flag is only written at the end, so reading it is free.
func regRead(res regResolver, in *regLookups, byID bool, stop *atomic.Bool, out *regReader) {
	var n, sink uint64
	for lo := 0; !stop.Load(); lo = (lo + regBatch) % regTableLen {
		if byID {
			sink += res.resolveIDs(in.ids[lo : lo+regBatch])
		} else {
			sink += res.resolveNames(in.names[lo : lo+regBatch])
		}
		n += regBatch
	}
	out.lookups, out.sink = n, sink
}

// regTable registers the 50 × 20 types and returns each reader's lookups in
// its own shuffled order, with strings of its own as parsed input would have
// them (not the registered strings themselves).
func regTable(register regRegister, readers int) ([]*regLookups, error) {
	var ids []uint32
	var names []regName
	for t := range regTenants {
		for _, name := range regTypeNames {
			s, err := register(event.MustSchema(fmt.Sprintf("tenant-%02d", t), name, regFields...))
			if err != nil {
				return nil, err
			}
			ids = append(ids, s.ID)
			names = append(names, regName{s.Tenant, s.Name})
		}
	}
	per := make([]*regLookups, readers)
	for g := range per {
		order := rand.New(rand.NewPCG(uint64(g), 0x5eed)).Perm(len(ids))
		in := &regLookups{ids: make([]uint32, regTableLen), names: make([]regName, regTableLen)}
		for i := range regTableLen {
			j := order[i%len(order)]
			in.ids[i] = ids[j]
			in.names[i] = regName{strings.Clone(names[j].tenant), strings.Clone(names[j].name)}
		}
		per[g] = in
	}
	return per, nil
}

// regWriter registers types until done is closed, counting on from writes:
// whenever it wakes (at once, then at every tick) it catches up to due()
// writes, alternately a new type and a new field on a type readers look up.
// Catching up keeps the write rate when wake-ups come late; at most
// regMaxCatchUp writes per wake keep a writer that fell behind (a GC, a busy
// machine) from turning into a write storm that grows the registry faster
// than it can copy it. It returns the new count.
func regWriter(register regRegister, writes int, due func() int, tick <-chan time.Time, done <-chan struct{}) (int, error) {
	for {
		for n := 0; n < regMaxCatchUp && writes < due(); n++ {
			tenant := fmt.Sprintf("tenant-%02d", writes%regTenants)
			var s *event.Schema
			if writes%2 == 0 {
				s = event.MustSchema(tenant, fmt.Sprintf("new_type_%d", writes), regFields...)
			} else {
				name := regTypeNames[(writes/regTenants)%len(regTypeNames)]
				s = event.MustSchema(tenant, name, event.Field{Name: fmt.Sprintf("extra_%d", writes), Kind: event.Int})
			}
			if _, err := register(s); err != nil {
				return writes, err
			}
			writes++
		}
		select {
		case <-done:
			return writes, nil
		case <-tick:
		}
	}
}

func runRegistry(cfg Config) ([]Result, error) {
	readers := cfg.Cores
	if readers <= 0 {
		readers = runtime.GOMAXPROCS(0)
	}
	d := cfg.Duration
	if d <= 0 {
		d = time.Second
	}
	var out []Result
	for _, c := range registryCases {
		var vs []regVariant
		for _, v := range registryVariants {
			if cfg.Want(c.name, v.name) {
				vs = append(vs, v)
			}
		}
		if len(vs) == 0 {
			continue
		}
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "bench registry: %s\n", c.name)
		}
		rs, err := measureRegistryCase(c, vs, readers, d)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		addSpeedup(rs, "rwmutex")
		out = append(out, rs...)
	}
	return out, nil
}

// addSpeedup adds to each result of one case its speed relative to the
// baseline variant measured in the same run.
func addSpeedup(rs []Result, baseline string) {
	for _, b := range rs {
		if b.Variant != baseline || b.NsPerEvent == 0 {
			continue
		}
		for i := range rs {
			rs[i].Extra["speedup_vs_"+baseline] = b.NsPerEvent / rs[i].NsPerEvent
		}
	}
}

// regSlices is how many turns each variant gets in a case. The variants
// take turns of Duration/regSlices so that load from elsewhere on the
// machine, which comes and goes, weighs on all of them alike.
const regSlices = 10

// regRun is one variant's registry and its totals over a case's turns.
type regRun struct {
	variant string
	res     regResolver
	reg     regRegister
	in      []*regLookups
	lookups uint64
	wall    time.Duration
	mallocs uint64
	writes  int
}

func measureRegistryCase(c regCase, vs []regVariant, readers int, d time.Duration) ([]Result, error) {
	runs := make([]*regRun, len(vs))
	for i, v := range vs {
		res, reg := v.build()
		in, err := regTable(reg, readers)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v.name, err)
		}
		runs[i] = &regRun{variant: v.name, res: res, reg: reg, in: in}
	}
	if c.writer {
		// Readers spin on every P; without a P of its own the writer would
		// wait for preemption (about 10 ms) instead of its 1 ms tick.
		if prev := runtime.GOMAXPROCS(0); prev <= readers {
			runtime.GOMAXPROCS(readers + 1)
			defer runtime.GOMAXPROCS(prev)
		}
	}
	for range regSlices {
		for _, r := range runs {
			if err := r.turn(c, readers, d/regSlices); err != nil {
				return nil, fmt.Errorf("%s: %w", r.variant, err)
			}
		}
	}
	out := make([]Result, len(runs))
	for i, r := range runs {
		if r.lookups == 0 {
			return nil, fmt.Errorf("%s: no lookup finished in %v", r.variant, d)
		}
		out[i] = Result{
			Bench:          "registry",
			Case:           c.name,
			Variant:        r.variant,
			EventsPerSec:   float64(r.lookups) / r.wall.Seconds(),
			NsPerEvent:     float64(r.wall.Nanoseconds()) * float64(readers) / float64(r.lookups),
			AllocsPerEvent: float64(r.mallocs) / float64(r.lookups),
			Extra: map[string]any{
				"goroutines": float64(readers),
				"writes":     float64(r.writes),
			},
		}
	}
	return out, nil
}

// turn runs the readers, and the writer if the case has one, for d.
func (r *regRun) turn(c regCase, readers int, d time.Duration) error {
	outs := make([]regReader, readers)
	var (
		stop     atomic.Bool
		wg       sync.WaitGroup
		writes   = r.writes
		writeErr error
	)
	done := make(chan struct{})
	writerDone := make(chan struct{})

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for g := range readers {
		wg.Go(func() { regRead(r.res, r.in[g], c.byID, &stop, &outs[g]) })
	}
	if c.writer {
		from := r.writes
		go func() {
			tick := time.NewTicker(regWriteEvery)
			defer tick.Stop()
			due := func() int { return from + 1 + int(time.Since(start)/regWriteEvery) }
			writes, writeErr = regWriter(r.reg, from, due, tick.C, done)
			close(writerDone)
		}()
	} else {
		close(writerDone)
	}
	time.Sleep(d)
	close(done)
	<-writerDone
	stop.Store(true)
	wg.Wait()
	r.wall += time.Since(start)
	runtime.ReadMemStats(&after)
	if writeErr != nil {
		return fmt.Errorf("writer: %w", writeErr)
	}
	r.mallocs += after.Mallocs - before.Mallocs
	r.writes = writes
	for i := range outs {
		r.lookups += outs[i].lookups
	}
	return nil
}
