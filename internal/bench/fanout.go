package bench

import (
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/greenwave/greenwave/internal/ring"
	"github.com/greenwave/greenwave/internal/wait"
)

func init() {
	register(&Scenario{
		Name: "fanout",
		Doc: "seed 004's gateway: a paced feed -> one application thread -> a blocking snapshot table and N " +
			"dropping delta streams (N = 1, 14, 64), with the delta writers as a thread per stream, one " +
			"consolidated thread, or one consolidated thread pinned to a CPU",
		Run: runFanout,
	})
}

// fanoutRate is the feed's rate, events per second.
const fanoutRate = 200_000

// The rings of the gateway: the feed into the application thread and its
// snapshot edge block; the delta streams drop (their clients recover from
// gaps by sequence number).
const (
	fanoutFeedCap     = 4096
	fanoutSnapshotCap = 4096
	fanoutDeltaCap    = 1024
)

// update is one market-data change.
type update struct {
	key     uint32
	price   int64
	qty     int64
	created int64 // when the application thread published it
}

// Layouts of the delta writers.
const (
	layoutPerStream    = "thread-per-stream"
	layoutConsolidated = "consolidated"
	layoutPinned       = "consolidated-pinned"
)

func runFanout(cfg Config) ([]Result, error) {
	d := cfg.Duration
	if d <= 0 {
		d = time.Second
	}
	var out []Result
	for _, n := range []int{1, 14, 64} {
		name := "streams=" + strconv.Itoa(n)
		for _, layout := range []string{layoutPerStream, layoutConsolidated, layoutPinned} {
			if !cfg.Want(name, layout) {
				continue
			}
			r, err := fanoutCase(n, layout, d)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", name, layout, err)
			}
			r.Case = name
			out = append(out, r)
		}
	}
	return out, nil
}

// idler is the same idle loop for every thread of every layout: yield for
// a while after the last work, then sleep briefly, as a gateway's threads
// that must not sit on a core doing nothing.
type idler struct{ idle int }

func (i *idler) worked() { i.idle = 0 }

func (i *idler) wait() {
	i.idle++
	if i.idle < 64 {
		runtime.Gosched()
		return
	}
	time.Sleep(20 * time.Microsecond)
}

// fanoutCase runs the gateway for d with n delta streams.
func fanoutCase(n int, layout string, d time.Duration) (Result, error) {
	feed := ring.New[update](fanoutFeedCap, ring.Block, false)
	snap := ring.New[update](fanoutSnapshotCap, ring.Block, false)
	deltas := make([]*ring.Ring[update], n)
	for i := range deltas {
		deltas[i] = ring.New[update](fanoutDeltaCap, ring.DropNewest, false)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var fanned, snapshotted, delivered atomic.Uint64
	var pinErr error

	// The feed: paced, in the batches a 50 µs timer allows.
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		var sent uint64
		var key uint32
		for !stop.Load() {
			due := uint64(time.Since(start).Seconds() * fanoutRate)
			for sent < due && !stop.Load() {
				pos, got := feed.Claim(int(min(due-sent, 256)))
				if got == 0 {
					runtime.Gosched()
					continue
				}
				for j := range got {
					key = key*1664525 + 1013904223
					*feed.Slot(pos + uint64(j)) = update{key: key % 10_000, price: int64(key % 1000), qty: int64(sent) + int64(j)}
				}
				feed.Publish(pos, got)
				sent += uint64(got)
			}
			time.Sleep(50 * time.Microsecond)
		}
	}()

	// The application thread: one OS thread, fanning each batch out to the
	// snapshot (waiting for room: it must not lose) and every delta
	// stream (dropping what does not fit).
	wg.Add(1)
	go func() {
		defer wg.Done()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var id idler
		for !stop.Load() {
			pos, got := feed.Poll(fanoutFeedCap)
			if got == 0 {
				id.wait()
				continue
			}
			id.worked()
			now := time.Now().UnixNano()
			batch := feed.Segment(pos, got)
			for k := 0; k < got && !stop.Load(); {
				sp, sn := snap.Claim(got - k)
				if sn == 0 {
					runtime.Gosched()
					continue
				}
				for j := range sn {
					u := batch[k+j]
					u.created = now
					*snap.Slot(sp + uint64(j)) = u
				}
				snap.Publish(sp, sn)
				k += sn
			}
			for _, r := range deltas {
				dp, dn := r.Claim(got)
				for j := range dn {
					u := batch[j]
					u.created = now
					*r.Slot(dp + uint64(j)) = u
				}
				r.Publish(dp, dn)
				r.Drop(got - dn)
			}
			feed.Release(pos, got)
			fanned.Add(uint64(got))
		}
	}()

	// The snapshot thread keeps the latest value per key.
	wg.Add(1)
	go func() {
		defer wg.Done()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		table := make(map[uint32][2]int64, 10_000)
		var id idler
		for !stop.Load() {
			pos, got := snap.Poll(fanoutSnapshotCap)
			if got == 0 {
				id.wait()
				continue
			}
			id.worked()
			for _, u := range snap.Segment(pos, got) {
				table[u.key] = [2]int64{u.price, u.qty}
			}
			snap.Release(pos, got)
			snapshotted.Add(uint64(got))
		}
	}()

	// The delta writers: each "writes to its client" by encoding the
	// update as a line into the stream's buffer, and records the time from
	// publish to write.
	var histMu sync.Mutex
	hist := hdrhistogram.New(1, int64(10*time.Second), 2)
	writer := func(streams []*ring.Ring[update], pin bool) {
		defer wg.Done()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if pin {
			if err := wait.PinToCPU(runtime.NumCPU() - 1); err != nil {
				histMu.Lock()
				pinErr = err
				histMu.Unlock()
			}
		}
		h := hdrhistogram.New(1, int64(10*time.Second), 2)
		bufs := make([][]byte, len(streams))
		var id idler
		var count uint64
		for !stop.Load() {
			worked := false
			for i, r := range streams {
				pos, got := r.Poll(fanoutDeltaCap)
				if got == 0 {
					continue
				}
				worked = true
				now := time.Now().UnixNano()
				b := bufs[i]
				for _, u := range r.Segment(pos, got) {
					b = strconv.AppendUint(b, uint64(u.key), 10)
					b = append(b, ' ')
					b = strconv.AppendInt(b, u.price, 10)
					b = append(b, ' ')
					b = strconv.AppendInt(b, u.qty, 10)
					b = append(b, '\n')
					_ = h.RecordValue(max(now-u.created, 1))
				}
				if len(b) > 64<<10 {
					b = b[:0] // the "socket" took it
				}
				bufs[i] = b
				r.Release(pos, got)
				count += uint64(got)
			}
			if worked {
				id.worked()
			} else {
				id.wait()
			}
		}
		delivered.Add(count)
		histMu.Lock()
		hist.Merge(h)
		histMu.Unlock()
	}
	switch layout {
	case layoutPerStream:
		for _, r := range deltas {
			wg.Add(1)
			go writer([]*ring.Ring[update]{r}, false)
		}
	default:
		wg.Add(1)
		go writer(deltas, layout == layoutPinned)
	}

	// Warm up, then measure.
	time.Sleep(200 * time.Millisecond)
	fs0, ss0 := feed.Stats(), snap.Stats()
	drops0 := deltaDrops(deltas)
	f0, s0, cpu0, t0 := fanned.Load(), snapshotted.Load(), cpuTime(), time.Now()
	time.Sleep(d)
	el := time.Since(t0)
	cpu := cpuTime() - cpu0
	f1, s1 := fanned.Load(), snapshotted.Load()
	fs, ss := feed.Stats(), snap.Stats()
	drops := deltaDrops(deltas) - drops0
	stop.Store(true)
	wg.Wait()
	if pinErr != nil {
		return Result{}, pinErr
	}
	events := f1 - f0
	perSec := float64(events) / el.Seconds()
	return Result{Bench: "fanout", Variant: layout,
		EventsPerSec: perSec, NsPerEvent: float64(cpu.Nanoseconds()) / float64(max(events, 1)),
		P50Ns: hist.ValueAtQuantile(50), P99Ns: hist.ValueAtQuantile(99), MaxNs: hist.Max(),
		Extra: map[string]any{
			"max_batch_source":   float64(ring.MaxBatchSince(&fs0.Batches, &fs.Batches, fs.Capacity)),
			"max_batch_snapshot": float64(ring.MaxBatchSince(&ss0.Batches, &ss.Batches, ss.Capacity)),
			"drops":              float64(drops),
			"snapshot_per_sec":   float64(s1-s0) / el.Seconds(),
			"cpu_per_sec":        cpu.Seconds() / el.Seconds(),
			"feed_rate":          float64(fanoutRate),
			"delivered":          float64(delivered.Load()),
		}}, nil
}

func deltaDrops(rs []*ring.Ring[update]) uint64 {
	var n uint64
	for _, r := range rs {
		n += r.Offered() - r.Stats().Published
	}
	return n
}
