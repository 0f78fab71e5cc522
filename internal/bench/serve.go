package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/serve"
	"github.com/greenwave/greenwave/internal/serve/client"
)

func init() {
	register(&Scenario{
		Name: "serve",
		Doc: "the serve sink under WebSocket subscribers, all in one process: a pipeline changing a 1000-row table " +
			"at --events changes/s (default 100000) with --count subscribers (default 1000), 1% of them stalled " +
			"until the end, beside the same pipeline with no subscriber, with consolidated writers (writers=1) and a " +
			"goroutine per subscriber (writers=0); the floor cases: messages per CPU-second and per socket write of the " +
			"two layouts at rates both keep up with, frames at 1000 changes/s and one message per delta at 200 changes/s " +
			"(the writer also with batch_sends false, with writer_share 1 and paced at frame_interval 100ms), --count subscribers, none stalled; then " +
			"subscribe-to-first-delta on a 100000-row table and 2048 subscribers each taking a 10000-row snapshot",
		Run: runServe,
	})
}

func runServe(cfg Config) ([]Result, error) {
	d := cfg.Duration
	if d <= 0 {
		d = time.Second
	}
	subs := cfg.Count
	if subs <= 0 {
		subs = 1000
	}
	rate := cfg.Events
	if rate <= 0 {
		rate = 100_000
	}
	var out []Result
	name := fmt.Sprintf("subscribers=%d rate=%d", subs, rate)
	var none Result
	for _, v := range []string{"none", "writers=1", "writers=0"} {
		if !cfg.Want(name, v) {
			continue
		}
		writers := 1
		if v == "writers=0" {
			writers = 0
		}
		r, err := serveLoad(load{subs: subs, rate: int(rate), variant: v, writers: writers, stalled: true, d: 3 * d, workers: cfg.Cores, exe: cfg.Exe})
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", name, v, err)
		}
		r.Case = name
		if v == "none" {
			none = r
		} else if none.EventsPerSec > 0 {
			r.Extra["throughput_vs_none"] = r.EventsPerSec / none.EventsPerSec
		}
		out = append(out, r)
	}
	for _, f := range floorCases {
		name := fmt.Sprintf("floor subscribers=%d rate=%d delivery=%s", subs, f.rate, f.delivery)
		first := len(out)
		var naive float64
		for _, v := range f.variants {
			if !cfg.Want(name, v.name) {
				continue
			}
			r, err := serveLoad(load{subs: subs, rate: f.rate, variant: v.name, writers: v.writers, delivery: f.delivery, opts: v.opts,
				d: 3 * d, workers: cfg.Cores, exe: cfg.Exe})
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", name, v.name, err)
			}
			r.Case = name
			if v.writers == 0 {
				naive = r.Extra["msgs_per_cpu_s"].(float64)
			}
			out = append(out, r)
		}
		for i := first; i < len(out) && naive > 0; i++ {
			if strings.HasPrefix(out[i].Variant, "writers=1") {
				out[i].Extra["msgs_per_cpu_s_vs_writers0"] = out[i].Extra["msgs_per_cpu_s"].(float64) / naive
			}
		}
	}
	if c := "first-delta rows=100000"; cfg.Want(c, "writers=1") {
		r, err := firstDelta(100_000)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c, err)
		}
		r.Case = c
		out = append(out, r)
	}
	if c := "snapshot subscribers=2048 rows=10000"; cfg.Want(c, "writers=1") {
		r, err := snapshotFanout(2048, 10_000)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c, err)
		}
		r.Case = c
		out = append(out, r)
	}
	return out, nil
}

// floorCases compare the layouts' messages per CPU-second at rates both
// keep up with (every subscriber gets every change, none resyncs; with
// frames, next to nothing is conflated), so that the figure is the cost
// of a message rather than how much backlog one layout conflates. With
// frames both layouts pace at frame_interval (a goroutine per subscriber
// paces its own frames); with one message per delta the writer paces its
// passes at frame_interval and a goroutine per subscriber writes what it
// has whenever the sink wakes it. The "writer_share=1" variants let the
// writer's passes run back to back (the default spaces them so that it
// spends at most half a core); the "frame_interval=100ms" variant is the
// writer paced slowly enough that its passes over 1000 subscribers do not
// already take longer than the interval. The "batch_sends=false" variants
// write to each socket with a system call of its own instead of a batch's
// (io_uring) send.
var floorCases = []struct {
	delivery string
	rate     int
	variants []floorVariant
}{
	{"frames", 1000, []floorVariant{{"writers=1", 1, ""}, {"writers=1 batch_sends=false", 1, "batch_sends: false"}, {"writers=1 writer_share=1", 1, "writer_share: 1"}, {"writers=0", 0, ""}}},
	{"deltas", 200, []floorVariant{{"writers=1", 1, ""}, {"writers=1 batch_sends=false", 1, "batch_sends: false"}, {"writers=1 writer_share=1", 1, "writer_share: 1"}, {"writers=1 frame_interval=100ms", 1, "frame_interval: 100ms"}, {"writers=0", 0, ""}}},
}

// floorVariant is one layout of a floor case: its name, the sink's
// writers and further sink options (YAML flow mapping entries).
type floorVariant struct {
	name    string
	writers int
	opts    string
}

// benchClient is one WebSocket subscriber keeping a replica.
type benchClient struct {
	r        *client.Replica
	stalled  bool
	err      error
	msgs     uint64
	lastProg uint64
	// measuring is set when the measured time starts; the client then
	// notes its gaps and snapshots so far (based), so that the summary
	// tells gaps while every client dialed from gaps under load.
	measuring           *atomic.Bool
	based               bool
	baseGaps, baseSnaps uint64
}

// load is one serveLoad: the pipeline's rate, the subscribers, the
// variant's name ("none" has no subscriber) and the sink's writers, its
// delivery ("": the sink's default) and further options (YAML flow
// mapping entries), whether 1% of the subscribers stall until the end,
// the measured time, the engine's workers and the executable to run the
// subscribers in (empty: this process).
type load struct {
	subs, rate int
	variant    string
	writers    int
	delivery   string
	opts       string
	stalled    bool
	d          time.Duration
	workers    int
	exe        string
}

// serveLoad runs the pipeline with l.subs subscribers for l.d and checks
// every replica against the table at the end.
func serveLoad(l load) (Result, error) {
	subs, rate, variant, d, workers, exe := l.subs, l.rate, l.variant, l.d, l.workers, l.exe
	opts := ""
	if l.delivery != "" {
		opts += ", delivery: " + l.delivery
	}
	if l.opts != "" {
		opts += ", " + l.opts
	}
	// Stopping waits for every subscriber to get its last frames (a
	// thousand on one core take a while); the default 5 s would cut
	// the slowest off.
	e, err := engine.New(engine.Config{Workers: workers, CloseTimeout: 60 * time.Second})
	if err != nil {
		return Result{}, err
	}
	defer e.Close()
	e.Start()
	table := "load_" + strings.NewReplacer("=", "", "none", "n", " ", "_").Replace(variant) + strconv.FormatInt(time.Now().UnixNano()%1e6, 10)
	tn, err := startTenant(e, fmt.Sprintf(`tenant: serve-bench
sources:
  gen: {type: generate, profile: sequence, rate: %d, keys: 1000}
sinks:
  %s: {type: serve, inputs: [gen], key: [key], address: "127.0.0.1:0", writers: %d, max_subscribers: %d, write_timeout: 1m,
       retain: 200000, retain_bytes: 64MiB%s}
`, rate, table, l.writers, subs+16, opts))
	if err != nil {
		return Result{}, err
	}
	var tb *serve.Table
	for deadline := time.Now().Add(5 * time.Second); tb == nil; time.Sleep(5 * time.Millisecond) {
		if tb = serve.Lookup("127.0.0.1:0", table); tb == nil && time.Now().After(deadline) {
			return Result{}, fmt.Errorf("table %q not served", table)
		}
	}
	url := "ws://" + tb.HTTPAddr() + "/tables/" + table + "/stream"
	n := subs
	if variant == "none" {
		n = 0
	}
	stalled := 0
	if l.stalled {
		stalled = n / 100
		if stalled == 0 && n >= 2 {
			stalled = 1
		}
	}
	var cs clientSet
	if exe != "" && n > 0 {
		cs, err = startChildClients(exe, url, n, stalled)
	} else {
		cs = startClients(url, n, stalled)
	}
	if err != nil {
		return Result{}, err
	}
	defer cs.abort()
	for deadline := time.Now().Add(60 * time.Second); tb.Stats().Subscribers < n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			return Result{}, fmt.Errorf("only %d of %d subscribers connected", tb.Stats().Subscribers, n)
		}
	}
	time.Sleep(200 * time.Millisecond)
	peak := &rssPeak{}
	peak.start()
	st0 := tb.Stats()
	a0 := tn.Stats().Actors
	in0, cpu0, t0 := tn.In(), cpuTime(), time.Now()
	cs.measure()
	time.Sleep(d)
	el := time.Since(t0)
	cpu := cpuTime() - cpu0
	in := tn.In() - in0
	st := tb.Stats()
	a1 := tn.Stats().Actors
	var sinkBusy time.Duration
	var sinkTurns uint64
	for i := range a1 {
		if a1[i].Name == table {
			sinkBusy, sinkTurns = a1[i].Busy-a0[i].Busy, a1[i].Turns-a0[i].Turns
		}
	}
	cs.release() // the stalled ones read again
	time.Sleep(500 * time.Millisecond)
	tn.Stop()
	if err := tn.Wait(); err != nil {
		return Result{}, err
	}
	serve.Drain(60 * time.Second)
	sum, err := cs.wait()
	if err != nil {
		return Result{}, err
	}
	rss := peak.stop()
	final := tb.Stats()
	notConverged := n - sum.Ends[final.Checksum+" "+strconv.FormatUint(final.Seq, 10)]
	msgs := st.Messages - st0.Messages
	deltas := st.DeltasSent - st0.DeltasSent
	writes := st.SocketWrites - st0.SocketWrites
	res := Result{Bench: "serve", Variant: variant,
		EventsPerSec: float64(in) / el.Seconds(), NsPerEvent: float64(cpu.Nanoseconds()) / float64(max(in, 1)),
		Extra: map[string]any{
			"target_rate":       float64(rate),
			"subscribers":       float64(n),
			"stalled":           float64(stalled),
			"msgs_per_sec":      float64(msgs) / el.Seconds(),
			"msgs_per_cpu_s":    float64(msgs) / max(cpu.Seconds(), 1e-9),
			"writes_per_sec":    float64(writes) / el.Seconds(),
			"msgs_per_write":    float64(msgs) / float64(max(writes, 1)),
			"deltas_per_sec":    float64(deltas) / el.Seconds(),
			"deltas_per_cpu_s":  float64(deltas) / max(cpu.Seconds(), 1e-9),
			"frames_sent":       float64(st.FramesSent - st0.FramesSent),
			"frames_built":      float64(st.FramesBuilt - st0.FramesBuilt),
			"conflated":         float64(st.Conflated - st0.Conflated),
			"mib_per_sec":       float64(st.BytesWritten-st0.BytesWritten) / (1 << 20) / el.Seconds(),
			"cpu_per_sec":       cpu.Seconds() / el.Seconds(),
			"fast_with_gaps":    float64(sum.FastWithGaps),
			"fast_gaps_before":  float64(sum.FastGapsBefore),
			"stalled_resynced":  float64(sum.StalledResynced),
			"not_converged":     float64(notConverged),
			"clients_in":        clientsIn(exe, n),
			"resyncs":           float64(st.Resyncs - st0.Resyncs),
			"catch_ups":         float64(st.CatchUps - st0.CatchUps),
			"drops":             float64(st.Drops - st0.Drops),
			"peak_rss_mib":      float64(rss) / (1 << 20),
			"max_lag":           float64(st.MaxLag),
			"final_seq":         float64(final.Seq),
			"client_errors":     float64(sum.Errors),
			"sink_busy_per_sec": sinkBusy.Seconds() / el.Seconds(),
			"sink_us_per_turn":  float64(sinkBusy.Microseconds()) / float64(max(sinkTurns, 1)),
			"direct_writes":     float64(st.DirectWrites - st0.DirectWrites),
			"handoffs":          float64(st.Handoffs - st0.Handoffs),
			"send_batches":      float64(st.SendBatches - st0.SendBatches),
			"writer_busy":       (st.WriterBusy - st0.WriterBusy).Seconds() / el.Seconds(),
		}}
	if sum.FirstError != "" {
		res.Extra["first_client_error"] = sum.FirstError
	}
	return res, nil
}

// run subscribes and applies every message until the server closes the
// stream; a stalled client reads nothing until release is closed.
//
// Every client dials before any reads (dialed counts the dials done,
// failed or not, and all is closed when they are): a client that reads
// is busy as long as it is behind, and a thousand of them on one core
// would leave the later dials waiting for the scheduler for longer than
// the table's window holds.
func (c *benchClient) run(url string, release chan struct{}, d *dials) error {
	ctx := context.Background()
	ws, _, err := websocket.Dial(ctx, url, nil)
	d.done()
	if err != nil {
		return err
	}
	defer ws.CloseNow()
	<-d.all
	ws.SetReadLimit(64 << 20)
	if c.stalled {
		<-release
	}
	var buf []byte
	for {
		raw, err := readInto(ws, &buf)
		if err != nil {
			if websocket.CloseStatus(err) == websocket.StatusNormalClosure {
				return nil
			}
			return err
		}
		c.msgs++
		if !c.based && c.measuring.Load() {
			c.based, c.baseGaps, c.baseSnaps = true, c.r.Gaps, c.r.Snapshots
		}
		if _, err := c.r.ApplyRaw(raw); err != nil {
			return err
		}
	}
}

// dials counts the clients' dials and closes all when n are done.
type dials struct {
	n, count atomic.Int64
	all      chan struct{}
}

func newDials(n int) *dials {
	d := &dials{all: make(chan struct{})}
	d.n.Store(int64(n))
	if n == 0 {
		close(d.all)
	}
	return d
}

func (d *dials) done() {
	if d.count.Add(1) == d.n.Load() {
		close(d.all)
	}
}

// readInto reads the next message into *buf, reusing its memory.
func readInto(ws *websocket.Conn, buf *[]byte) ([]byte, error) {
	_, rd, err := ws.Reader(context.Background())
	if err != nil {
		return nil, err
	}
	b := (*buf)[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := rd.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			*buf = b
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// firstDelta measures, on a table of rows rows changing every
// millisecond, the time from dialing to the first delta received (in a
// frame, the default, or alone), five
// times; P50Ns is the median, MaxNs the slowest.
func firstDelta(rows int) (Result, error) {
	cfg := serve.DefaultConfig("first_delta" + strconv.FormatInt(time.Now().UnixNano()%1e6, 10))
	tb, err := serve.NewTable(cfg)
	if err != nil {
		return Result{}, err
	}
	if err := tb.Serve("127.0.0.1:0", ""); err != nil {
		return Result{}, err
	}
	defer tb.Stop(time.Second)
	if err := fillTable(tb, rows); err != nil {
		return Result{}, err
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			k := strconv.Itoa(i % rows)
			_ = tb.Apply([]serve.Change{{Key: []byte("[" + k + "]"), Row: []byte(`{"k":` + k + `,"v":` + strconv.Itoa(i) + `}`)}}, 0, time.Now())
		}
	}()
	defer func() { close(stop); <-done }()
	url := "ws://" + tb.HTTPAddr() + "/tables/" + cfg.Name + "/stream"
	var times []time.Duration
	var bytesRead int
	for range 5 {
		t0 := time.Now()
		ws, _, err := websocket.Dial(context.Background(), url, nil)
		if err != nil {
			return Result{}, err
		}
		ws.SetReadLimit(64 << 20)
		for {
			_, raw, err := ws.Read(context.Background())
			if err != nil {
				ws.CloseNow()
				return Result{}, err
			}
			bytesRead += len(raw)
			if bytes.HasPrefix(raw, []byte(`{"type":"frame"`)) || bytes.HasPrefix(raw, []byte(`{"type":"delta"`)) {
				break
			}
		}
		times = append(times, time.Since(t0))
		ws.CloseNow()
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return Result{Bench: "serve", Variant: "writers=1", P50Ns: times[len(times)/2].Nanoseconds(), MaxNs: times[len(times)-1].Nanoseconds(),
		Extra: map[string]any{"rows": float64(rows), "snapshot_mib": float64(bytesRead) / 5 / (1 << 20)}}, nil
}

// snapshotFanout measures how long subs subscribers, dialing at once,
// take until each has received the whole snapshot of a table of rows rows.
func snapshotFanout(subs, rows int) (Result, error) {
	cfg := serve.DefaultConfig("snapshot" + strconv.FormatInt(time.Now().UnixNano()%1e6, 10))
	cfg.MaxSubscribers = subs + 16
	tb, err := serve.NewTable(cfg)
	if err != nil {
		return Result{}, err
	}
	if err := tb.Serve("127.0.0.1:0", ""); err != nil {
		return Result{}, err
	}
	defer tb.Stop(5 * time.Second)
	if err := fillTable(tb, rows); err != nil {
		return Result{}, err
	}
	url := "ws://" + tb.HTTPAddr() + "/tables/" + cfg.Name + "/stream"
	var wg sync.WaitGroup
	var failed atomic.Int64
	var firstErr atomic.Pointer[error]
	var got atomic.Int64
	cpu0, t0 := cpuTime(), time.Now()
	conns := make([]*websocket.Conn, subs)
	for i := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws, _, err := websocket.Dial(context.Background(), url, nil)
			if err != nil {
				failed.Add(1)
				firstErr.Store(&err)
				return
			}
			conns[i] = ws
			ws.SetReadLimit(64 << 20)
			// Receiving is the measure: each client frames every message
			// and counts the rows up to snapshot_end, without building a
			// replica (client work the server does not pay for).
			rows := 0
			var buf []byte
			for {
				raw, err := readInto(ws, &buf)
				if err != nil {
					failed.Add(1)
					firstErr.Store(&err)
					return
				}
				if bytes.HasPrefix(raw, []byte(`{"type":"snapshot_end"`)) {
					break
				}
				rows += bytes.Count(raw, []byte(`{"key":`))
			}
			got.Add(int64(rows))
		}()
	}
	wg.Wait()
	el := time.Since(t0)
	cpu := cpuTime() - cpu0
	for _, c := range conns {
		if c != nil {
			c.CloseNow()
		}
	}
	if e := firstErr.Load(); e != nil {
		return Result{}, fmt.Errorf("%d of %d subscribers failed: %w", failed.Load(), subs, *e)
	}
	if n := got.Load(); n != int64(subs*rows) {
		return Result{}, fmt.Errorf("subscribers received %d rows in all, want %d", n, subs*rows)
	}
	return Result{Bench: "serve", Variant: "writers=1", EventsPerSec: float64(got.Load()) / el.Seconds(),
		MaxNs: el.Nanoseconds(),
		Extra: map[string]any{"subscribers": float64(subs), "rows": float64(rows), "total_s": el.Seconds(),
			"cpu_s": cpu.Seconds()}}, nil
}

// fillTable puts rows rows of about 60 bytes into tb.
func fillTable(tb *serve.Table, rows int) error {
	ch := make([]serve.Change, 0, 1000)
	for i := 0; i < rows; i++ {
		k := strconv.Itoa(i)
		ch = append(ch, serve.Change{Key: []byte("[" + k + "]"),
			Row: []byte(`{"k":` + k + `,"customer":"cust-` + k + `","plays":` + strconv.Itoa(i*7%1000) + `,"bitrate":1203}`)})
		if len(ch) == cap(ch) || i == rows-1 {
			if err := tb.Apply(ch, 0, time.Now()); err != nil {
				return err
			}
			ch = ch[:0]
		}
	}
	return nil
}

// rssPeak samples the process's resident memory every 50 ms.
type rssPeak struct {
	max  atomic.Int64
	done chan struct{}
	wg   sync.WaitGroup
}

func (p *rssPeak) start() {
	p.done = make(chan struct{})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			if v := residentBytes(); v > p.max.Load() {
				p.max.Store(v)
			}
			select {
			case <-p.done:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
}

func (p *rssPeak) stop() int64 {
	close(p.done)
	p.wg.Wait()
	return p.max.Load()
}

// residentBytes reads VmRSS from /proc/self/status (0 where there is none).
func residentBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
