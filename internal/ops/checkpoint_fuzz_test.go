package ops

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the seed corpus of FuzzRestore in testdata/fuzz/FuzzRestore")

const restoreCorpus = "testdata/fuzz/FuzzRestore"

// FuzzRestore: whatever body an operator's state holds behind a valid
// header and checksum, Restore refuses it with ErrStateCorrupt or installs
// a state the operator runs on (events, watermarks, ticks, the final
// watermark, Flush, and a Snapshot that restores again) without a panic.
// which picks the operator among checkpointCases. The seeds in
// testdata/fuzz/FuzzRestore are real states of every case
// (TestRestoreCorpus; -update rewrites them); `go test -fuzz FuzzRestore
// ./internal/ops` explores further.
func FuzzRestore(f *testing.F) {
	cases := checkpointCases()
	scripts := [2][]cpStep{
		genSteps(rand.New(rand.NewPCG(21, 22)), false, 40),
		genSteps(rand.New(rand.NewPCG(21, 22)), true, 40),
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		c := cases[int(which)%len(cases)]
		r := newRunner(t, c)
		b, start := beginState(nil, r.inst.Operator.(checkpointed).stateDesc())
		b = endState(append(b, body...), start)
		script := scripts[0]
		if c.join {
			script = scripts[1]
		}
		runAltered(t, c, b, script)
	})
}

// corpusBody returns the body of case i's state after a generated input,
// the seed of FuzzRestore for it.
func corpusBody(t *testing.T, c checkpointCase, i int) []byte {
	r := newRunner(t, c)
	r.play(genSteps(rand.New(rand.NewPCG(uint64(i), 23)), c.join, 60))
	return bodyOf(t, r.inst.Operator, r.snapshot())
}

func corpusFile(c checkpointCase) string {
	return filepath.Join(restoreCorpus, strings.ReplaceAll(c.name, "/", "-"))
}

// TestRestoreCorpus checks that FuzzRestore has a seed for every case and
// that each restores into its case (a seed the encoding no longer reads
// would explore nothing); -update writes them afresh.
func TestRestoreCorpus(t *testing.T) {
	for i, c := range checkpointCases() {
		if *update {
			if err := os.MkdirAll(restoreCorpus, 0o755); err != nil {
				t.Fatal(err)
			}
			data := fmt.Sprintf("go test fuzz v1\nbyte(%q)\n[]byte(%q)\n", byte(i), corpusBody(t, c, i))
			if err := os.WriteFile(corpusFile(c), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		data, err := os.ReadFile(corpusFile(c))
		if err != nil {
			t.Fatalf("%v (go test -run TestRestoreCorpus -update ./internal/ops writes it)", err)
		}
		lines := strings.Split(string(data), "\n")
		which, err1 := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "byte("), ")"))
		body, err2 := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[2], "[]byte("), ")"))
		if err1 != nil || err2 != nil || which != string(rune(i)) {
			t.Fatalf("%s: not a seed of case %d (%v, %v)", corpusFile(c), i, err1, err2)
		}
		r := newRunner(t, c)
		b, start := beginState(nil, r.inst.Operator.(checkpointed).stateDesc())
		if err := r.checkpointer().Restore(endState(append(b, body...), start)); err != nil {
			t.Errorf("%s: %v", corpusFile(c), err)
		}
		if r.stats().Keys == 0 {
			t.Errorf("%s: the seed holds no state", corpusFile(c))
		}
	}
}
