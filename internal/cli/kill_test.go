package cli

import (
	"os"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/bench"
)

// TestKillNineLosesNothing is the short form of `greenwave bench recovery`:
// greenwave itself (this test binary, re-executed as the command line) runs
// a per-key counting pipeline with a state directory and is killed with
// SIGKILL at random moments twelve times, then runs to its end. Every
// key's counts must run 1, 2, 3, ... with none missing or repeated.
func TestKillNineLosesNothing(t *testing.T) {
	res, err := bench.Recovery(osArgs0(), []string{"GREENWAVE_CLI_MAIN=1"}, 12, 1500*time.Millisecond, func(s string) { t.Log(s) })
	if err != nil {
		t.Fatal(err)
	}
	if res.Lost != 0 || res.Duplicated != 0 || res.Kills != 12 {
		t.Fatalf("after %d kills: %d rows for %d events, %d counts lost, %d repeated", res.Kills, res.Rows, res.Events, res.Lost, res.Duplicated)
	}
	t.Logf("%d kills, %d rows, recovery times (ms) %v", res.Kills, res.Rows, res.RecoveryMs)
}

// osArgs0 is the path of this test binary, which runs as greenwave with
// GREENWAVE_CLI_MAIN=1 (see TestMain).
func osArgs0() string { return os.Args[0] }
