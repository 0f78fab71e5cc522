package doctor

import (
	"encoding/json"
	"fmt"
	"io"
)

// The trap names.
const (
	ConsumerBehind   = "consumer-behind"
	TooManyThreads   = "too-many-threads"
	LatencyInversion = "latency-inversion"
	ContendedState   = "contended-state"
	DispatcherJitter = "dispatcher-jitter"
)

// Traps lists the trap names.
var Traps = []string{ConsumerBehind, TooManyThreads, LatencyInversion, ContendedState, DispatcherJitter}

// Finding is one trap seen.
type Finding struct {
	Trap string `json:"trap"`
	// Tenant and Component say where ("" for the process as a whole).
	Tenant    string `json:"tenant,omitempty"`
	Component string `json:"component"`
	// Evidence is the figures that show the trap; Fix what to do.
	Evidence string `json:"evidence"`
	Fix      string `json:"fix"`
}

// Line is the finding as one line of text:
// "trap <name>: <evidence> — <fix>".
func (f Finding) Line() string {
	where := ""
	if f.Tenant != "" {
		where = fmt.Sprintf("tenant %q: ", f.Tenant)
	}
	return fmt.Sprintf("trap %s: %s%s — %s", f.Trap, where, f.Evidence, f.Fix)
}

// Write prints findings one per line, or "no trap found"; as JSON, one
// object per finding.
func Write(w io.Writer, fs []Finding, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, f := range fs {
			if err := enc.Encode(f); err != nil {
				return err
			}
		}
		return nil
	}
	if len(fs) == 0 {
		_, err := fmt.Fprintln(w, "no trap found")
		return err
	}
	for _, f := range fs {
		if _, err := fmt.Fprintln(w, f.Line()); err != nil {
			return err
		}
	}
	return nil
}
