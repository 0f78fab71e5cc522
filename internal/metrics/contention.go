package metrics

import (
	"bufio"
	"bytes"
	"context"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Contention is what the Go mutex profile saw over a window: the stacks
// that waited for a lock, most delay first.
type Contention struct {
	Seconds float64 `json:"seconds"`
	// Stacks waited for a lock during the window.
	Stacks []LockStack `json:"stacks"`
}

// LockStack is one contended stack.
type LockStack struct {
	// DelayPerSec is the time goroutines waited at this stack per second
	// of the window (scaled up by the profile's sampling rate).
	DelayPerSec float64 `json:"delay_seconds_per_sec"`
	Count       int64   `json:"count"`
	// Frames are "function file:line", innermost first (runtime and sync
	// frames left out).
	Frames []string `json:"frames"`
	// HotPath reports that the lock was taken inside an engine actor's
	// turn: on the path every event takes.
	HotPath bool `json:"hot_path"`
	// Function is the innermost frame outside the runtime, sync, the
	// engine and its wait package: the code that took the lock.
	Function string `json:"function"`
}

// MutexSampleRate is the mutex profile fraction used while measuring
// contention (one in this many contention events is recorded).
const MutexSampleRate = 5

// MeasureContention samples the Go mutex profile for d (or until ctx is
// done) and returns what was contended meanwhile. It turns mutex
// profiling on for the window when it is off, and back off after.
func MeasureContention(ctx context.Context, d time.Duration) Contention {
	prevRate := runtime.SetMutexProfileFraction(-1)
	rate := prevRate
	if rate <= 0 {
		rate = MutexSampleRate
		runtime.SetMutexProfileFraction(rate)
		defer runtime.SetMutexProfileFraction(prevRate)
	}
	before := mutexRecords()
	start := time.Now()
	t := time.NewTimer(d)
	select {
	case <-t.C:
	case <-ctx.Done():
		t.Stop()
	}
	after := mutexRecords()
	secs := time.Since(start).Seconds()
	cps := cyclesPerSecond()
	out := Contention{Seconds: secs, Stacks: []LockStack{}}
	for key, a := range after {
		b := before[key]
		dc, dn := a.Cycles-b.Cycles, a.Count-b.Count
		if dn <= 0 || dc <= 0 {
			continue
		}
		ls := LockStack{Count: dn * int64(rate), DelayPerSec: float64(dc) / cps * float64(rate) / secs}
		frames := runtime.CallersFrames(a.Stack())
		for {
			f, more := frames.Next()
			fn := f.Function
			if fn != "" && !strings.HasPrefix(fn, "runtime.") && !strings.HasPrefix(fn, "sync.") && !strings.HasPrefix(fn, "internal/sync.") {
				ls.Frames = append(ls.Frames, fn+" "+f.File+":"+strconv.Itoa(f.Line))
				// The engine's own scheduling and wake-ups (a worker's
				// parker is a channel whose lock wakers share) are not
				// the operators' shared state.
				if ls.Function == "" && !strings.Contains(fn, "/internal/engine.") && !strings.Contains(fn, "/internal/wait.") {
					ls.Function = fn
				}
				if strings.Contains(fn, "/internal/engine.(*actor).step") || strings.Contains(fn, "/internal/engine.(*Tenant).runStep") {
					ls.HotPath = true
				}
			}
			if !more {
				break
			}
		}
		out.Stacks = append(out.Stacks, ls)
	}
	sort.Slice(out.Stacks, func(i, j int) bool { return out.Stacks[i].DelayPerSec > out.Stacks[j].DelayPerSec })
	return out
}

func mutexRecords() map[string]runtime.BlockProfileRecord {
	n, _ := runtime.MutexProfile(nil)
	recs := make([]runtime.BlockProfileRecord, n+64)
	n, ok := runtime.MutexProfile(recs)
	for !ok {
		recs = make([]runtime.BlockProfileRecord, 2*len(recs))
		n, ok = runtime.MutexProfile(recs)
	}
	out := make(map[string]runtime.BlockProfileRecord, n)
	for _, r := range recs[:n] {
		var b strings.Builder
		for _, pc := range r.Stack() {
			b.WriteString(strconv.FormatUint(uint64(pc), 16))
			b.WriteByte(',')
		}
		out[b.String()] = r
	}
	return out
}

// cyclesPerSecond is the runtime's tick rate, from the profile's header.
func cyclesPerSecond() float64 {
	var buf bytes.Buffer
	if p := pprof.Lookup("mutex"); p != nil {
		_ = p.WriteTo(&buf, 1)
	}
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "cycles/second="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 {
				return f
			}
		}
	}
	return 1e9
}
