package bench

// Two hand-coded baselines of the pipeline scenario (the third, in
// pipeline_goroutines.go, runs the engine's own components). Both do the
// work the engine's pipeline does, written inline for a fixed struct:
// generate (id, key, value), drop values that are multiples of 4, hash the
// key, count per key, hand each updated count to a sink that counts what it
// receives.

type naiveEvent struct {
	id, key, value int64
	hash           uint64
	count          int64
}

// seqValue is the sequence profile's value function stand-in: a cheap
// deterministic mix of the id.
func seqValue(id int64) int64 {
	x := uint64(id) + 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return int64((x ^ (x >> 31)) >> 1)
}

func mixKey(k int64) uint64 {
	x := uint64(k)
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// runGoroutinePipeline is goroutine-per-stage connected by buffered
// channels, one event per send, with each stage's work written inline
// (the goroutines-inline variant).
func runGoroutinePipeline(n int64) int64 {
	const buf = 1024
	gen := make(chan naiveEvent, buf)
	filtered := make(chan naiveEvent, buf)
	keyed := make(chan naiveEvent, buf)
	counted := make(chan naiveEvent, buf)
	done := make(chan int64)
	go func() {
		for i := int64(0); i < n; i++ {
			gen <- naiveEvent{id: i, key: i % pipelineKeys, value: seqValue(i)}
		}
		close(gen)
	}()
	go func() {
		for e := range gen {
			if e.value%pipelineFilter != 0 {
				filtered <- e
			}
		}
		close(filtered)
	}()
	go func() {
		for e := range filtered {
			e.hash = mixKey(e.key)
			keyed <- e
		}
		close(keyed)
	}()
	go func() {
		counts := map[int64]int64{}
		for e := range keyed {
			counts[e.key]++
			e.count = counts[e.key]
			counted <- e
		}
		close(counted)
	}()
	go func() {
		var got int64
		for range counted {
			got++
		}
		done <- got
	}()
	return <-done
}

// runHandLoop does the same work in one loop: the ceiling.
func runHandLoop(n int64) int64 {
	counts := make(map[int64]int64, pipelineKeys)
	var got, sink int64
	for i := int64(0); i < n; i++ {
		e := naiveEvent{id: i, key: i % pipelineKeys, value: seqValue(i)}
		if e.value%pipelineFilter == 0 {
			continue
		}
		e.hash = mixKey(e.key)
		counts[e.key]++
		e.count = counts[e.key]
		sink += e.count
		got++
	}
	_ = sink
	return got
}
