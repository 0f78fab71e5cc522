package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/greenwave/greenwave/internal/natsembed"
	"github.com/greenwave/greenwave/internal/scaleout"
)

// instancesYAML is the pipeline the instances share: a paced generator
// publishes ids into stream IN (6 partitions, 3 replicas), and each
// partition's unit writes what it reads to out-p<k>.jsonl.
func instancesYAML(count, rate int64) string {
	return fmt.Sprintf(`tenant: recovery
checkpoint: {interval: 1s}
sources:
  gen: {type: generate, profile: sequence, count: %d, rate: %d, keys: 100, seed: 11}
  in: {type: jetstream, stream: IN, subject: in, partitions: 6, replicas: 3, schema: {id: int, key: int}}
sinks:
  to_in: {type: jetstream, inputs: [gen], stream: IN, subject: in, partitions: 6, replicas: 3, key: [key], batch: 200}
  out: {type: file, inputs: [in], path: out.jsonl, flush_every: 100ms}
`, count, rate)
}

// InstancesResult is what a recovery run with several instances found.
type InstancesResult struct {
	Kills            int
	Rows, Events     int64
	Lost, Duplicated int64
	// KeptDir is the work directory (pipeline, output files, the
	// instances' logs), kept when an event was lost or duplicated.
	KeptDir string
	// Missing holds the first few ids never written.
	Missing []int64
	// NotInStream counts the ids lost that stream IN does not hold either
	// (lost before the stream: on the generator's side); the others were
	// lost between the stream and the files. -1: not looked at.
	NotInStream int64
	// TakeoverMs: per instance kill, from the kill until no unit is held
	// by the dead instance.
	TakeoverMs []float64
}

// RecoveryInstances runs three instances of exe (`run --instance`) on a
// 3-node NATS cluster in this process and kills, kills times, either an
// instance (SIGKILL; restarted once the survivors hold its units) or, with
// nodes, a NATS node (stopped, restarted after the gap); then waits until
// every event is out and checks that each was written once.
func RecoveryInstances(exe string, kills int, maxGap time.Duration, nodes bool, progress func(string)) (res InstancesResult, err error) {
	work, err := os.MkdirTemp("", "greenwave-recovery-instances")
	if err != nil {
		return res, err
	}
	defer func() {
		if res.Lost == 0 && res.Duplicated == 0 {
			os.RemoveAll(work)
		} else {
			res.KeptDir = work
		}
	}()
	cl, err := natsembed.StartCluster(filepath.Join(work, "nats"), 3, 0, 0, nil)
	if err != nil {
		return res, err
	}
	defer cl.Shutdown()
	urls := cl.URLs()
	nc, err := nats.Connect(urls, nats.MaxReconnects(-1))
	if err != nil {
		return res, err
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)

	const rate = 5000
	events := int64(rate * (float64(kills)*maxGap.Seconds()/2 + 2))
	res.Events = events
	pipeline := filepath.Join(work, "recovery.yaml")
	if err := os.WriteFile(pipeline, []byte(instancesYAML(events, rate)), 0o644); err != nil {
		return res, err
	}
	procs := make([]*exec.Cmd, 3)
	start := func(i int) error {
		cmd := exec.Command(exe, "run", "--instance", fmt.Sprintf("i%d", i), "--nats", urls, "--status", "off",
			"--workers", "1", "--stop-timeout", "1m", pipeline)
		cmd.Dir = work
		logf, err := os.OpenFile(filepath.Join(work, fmt.Sprintf("i%d.log", i)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		cmd.Stderr = logf
		err = cmd.Start()
		logf.Close()
		if err != nil {
			return err
		}
		procs[i] = cmd
		return nil
	}
	defer func() {
		for _, p := range procs {
			if p != nil && p.ProcessState == nil {
				_ = p.Process.Kill()
				_ = p.Wait()
			}
		}
	}()
	for i := range procs {
		if err := start(i); err != nil {
			return res, err
		}
	}
	rng := rand.New(rand.NewPCG(7, uint64(kills)))
	for k := 0; k < kills; k++ {
		time.Sleep(time.Duration(rng.Float64() * float64(maxGap)))
		i := rng.IntN(3)
		if nodes {
			cl.Stop(i)
			time.Sleep(time.Duration(rng.Float64() * float64(maxGap)))
			if err := cl.Start(i); err != nil {
				return res, fmt.Errorf("restarting NATS node %d: %w", i, err)
			}
		} else {
			_ = procs[i].Process.Signal(syscall.SIGKILL)
			_ = procs[i].Wait()
			killed := time.Now()
			dead := fmt.Sprintf("i%d", i)
			for {
				if time.Since(killed) > time.Minute {
					return res, fmt.Errorf("the survivors did not take over %s's units within a minute", dead)
				}
				held, err := holds(js, dead)
				if err == nil && !held {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			res.TakeoverMs = append(res.TakeoverMs, float64(time.Since(killed).Microseconds())/1000)
			if err := start(i); err != nil {
				return res, err
			}
		}
		res.Kills++
		if progress != nil && (k+1)%10 == 0 {
			progress(fmt.Sprintf("bench recovery: %d of %d kills", k+1, kills))
		}
	}
	// Every unit has finished when the generator is done and every event
	// is out; wait for the events, then stop the instances.
	limit := time.Now().Add(time.Duration(float64(time.Second)*float64(events)/rate) + 2*time.Minute)
	for {
		rows, lost, dup, err := countIDs(work, events)
		if err != nil {
			return res, err
		}
		res.Rows, res.Lost, res.Duplicated = rows, lost, dup
		if lost == 0 || time.Now().After(limit) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, p := range procs {
		_ = p.Process.Signal(syscall.SIGTERM)
	}
	for _, p := range procs {
		_ = p.Wait()
	}
	rows, lost, dup, err := countIDs(work, events)
	res.Rows, res.Lost, res.Duplicated = rows, lost, dup
	res.Missing = missingIDs(work, events, 8)
	res.NotInStream = -1
	if err == nil && lost > 0 {
		if inStream, serr := streamIDs(js, events); serr == nil {
			res.NotInStream = notIn(work, events, inStream)
		} else if progress != nil {
			progress(fmt.Sprintf("bench recovery: cannot read stream IN back: %v", serr))
		}
	}
	return res, err
}

// streamIDs reads stream IN from its start and marks the ids [0, events)
// its messages hold.
func streamIDs(js jetstream.JetStream, events int64) ([]bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := js.Stream(ctx, "IN")
	if err != nil {
		return nil, err
	}
	last := st.CachedInfo().State.LastSeq
	oc, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, err
	}
	seen := make([]bool, events)
	for reached := uint64(0); reached < last; {
		batch, err := oc.Fetch(500, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, err
		}
		for m := range batch.Messages() {
			if md, err := m.Metadata(); err == nil {
				reached = max(reached, md.Sequence.Stream)
			}
			for _, line := range bytes.Split(m.Data(), []byte("\n")) {
				var r struct{ ID int64 }
				if json.Unmarshal(line, &r) == nil && r.ID >= 0 && r.ID < events {
					seen[r.ID] = true
				}
			}
		}
		if err := batch.Error(); err != nil {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return seen, nil
}

// writtenIDs marks the ids below events that the partition files of dir
// hold.
func writtenIDs(dir string, events int64) []bool {
	written := make([]bool, events)
	files, _ := filepath.Glob(filepath.Join(dir, "out-p*.jsonl"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		for _, line := range bytes.Split(b, []byte("\n")) {
			var r struct{ ID int64 }
			if json.Unmarshal(line, &r) == nil && r.ID >= 0 && r.ID < events {
				written[r.ID] = true
			}
		}
	}
	return written
}

// notIn counts the ids that neither the partition files of dir nor
// inStream hold.
func notIn(dir string, events int64, inStream []bool) int64 {
	n := int64(0)
	for id, ok := range writtenIDs(dir, events) {
		if !ok && !inStream[id] {
			n++
		}
	}
	return n
}

// missingIDs lists up to n ids that no partition file holds.
func missingIDs(dir string, events int64, n int) []int64 {
	var out []int64
	for id, ok := range writtenIDs(dir, events) {
		if !ok && len(out) < n {
			out = append(out, int64(id))
		}
	}
	return out
}

// holds reports whether instance holds a unit of the recovery pipeline.
func holds(js jetstream.JetStream, instance string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	owners, _, err := scaleout.Owners(ctx, js, "recovery")
	if err != nil {
		return false, err
	}
	for _, o := range owners {
		if o.Owner == instance && !o.Finished {
			return true, nil
		}
	}
	return false, nil
}

// countIDs reads the partition files of dir: ids [0, events) must each be
// there once. It returns the rows, the ids missing and the rows repeated.
func countIDs(dir string, events int64) (rows, lost, dup int64, err error) {
	seen := make([]uint8, events)
	files, _ := filepath.Glob(filepath.Join(dir, "out-p*.jsonl"))
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return 0, 0, 0, err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var r struct{ ID int64 }
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				// The last line of a file still being written.
				continue
			}
			rows++
			if r.ID < 0 || r.ID >= events {
				f.Close()
				return rows, lost, dup, fmt.Errorf("%s: id %d out of range", name, r.ID)
			}
			if seen[r.ID] > 0 {
				dup++
			}
			seen[r.ID]++
		}
		f.Close()
	}
	for _, n := range seen {
		if n == 0 {
			lost++
		}
	}
	return rows, lost, dup, nil
}
