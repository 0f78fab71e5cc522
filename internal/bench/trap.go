package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greenwave/greenwave/internal/admin"
	"github.com/greenwave/greenwave/internal/doctor"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/traps"
)

func init() {
	register(&Scenario{
		Name: "trap",
		Doc: "runs a pipeline that falls into one trap (--case " + strings.Join(traps.Names(), ", ") +
			"; every one by default) with doctor watching, and reports the traps doctor named and how soon",
		Direct: runTraps,
	})
}

// TrapRow is one row of `bench trap`.
type TrapRow struct {
	Bench   string `json:"bench"`
	Case    string `json:"case"`
	Variant string `json:"variant"`
	// DoctorTraps are the trap names doctor reported (empty: none).
	DoctorTraps []string `json:"doctor_traps"`
	// SecondsToName is how long doctor took to name the case's trap (-1:
	// it did not; 0 for healthy).
	SecondsToName float64          `json:"seconds_to_name"`
	Watched       float64          `json:"watched_seconds"`
	EventsPerSec  float64          `json:"events_per_sec"`
	Findings      []doctor.Finding `json:"findings"`
}

// TrapTimeout is the longest doctor watches a trap scenario.
const TrapTimeout = 60 * time.Second

// HealthyWatch is how long doctor watches the healthy scenario (a
// --duration above 1s sets another).
const HealthyWatch = 15 * time.Second

func runTraps(cfg Config, w io.Writer, asJSON bool) error {
	for _, s := range traps.All() {
		if cfg.Case != "" && s.Name != cfg.Case {
			continue
		}
		{
			row, err := RunTrap(s, cfg)
			if err != nil {
				return err
			}
			if asJSON {
				if err := json.NewEncoder(w).Encode(row); err != nil {
					return err
				}
				continue
			}
			fmt.Fprintf(w, "%-18s doctor named [%s] after %.1fs (watched %.1fs, %.0f events/s)\n", row.Case,
				strings.Join(row.DoctorTraps, ", "), row.SecondsToName, row.Watched, row.EventsPerSec)
			_ = doctor.Write(w, row.Findings, false)
		}
	}
	if cfg.Case != "" {
		if _, err := traps.Lookup(cfg.Case); err != nil {
			return err
		}
	}
	return nil
}

// runTraps runs each case once (a trap is named or not; a median of that
// says nothing more).

// RunTrap runs one scenario with doctor watching it in process: until
// doctor names the scenario's trap (at most TrapTimeout), or for
// HealthyWatch (or cfg.Duration when longer) for the healthy one.
func RunTrap(s traps.Scenario, cfg Config) (TrapRow, error) {
	if s.GoMaxProcs > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(s.GoMaxProcs))
	}
	e, err := engine.New(engine.Config{Workers: s.Workers, Wait: s.Wait})
	if err != nil {
		return TrapRow{}, err
	}
	fleet := admin.NewFleet(e, traps.Catalog(), ".")
	fleet.DrainTimeout = 10 * time.Second
	defer func() {
		e.Stop(10 * time.Second)
		e.Close()
	}()
	var first string
	for i, text := range s.Tenants {
		res, err := applyNamed(fleet, text)
		if err != nil {
			return TrapRow{}, fmt.Errorf("trap %s: %w", s.Name, err)
		}
		if i == 0 {
			first = res.ID
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	// retired counts the events of the versions a replace retired: a
	// new version's count starts at zero.
	var retired atomic.Uint64
	if s.Drive != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Drive(ctx, func(text string) error {
				old, _ := fleet.Get(first)
				if _, err := fleet.Apply(first, []byte(text)); err != nil {
					return err
				}
				if old.Tenant != nil {
					retired.Add(old.Tenant.In())
				}
				return nil
			})
		}()
	}
	row := TrapRow{Bench: "trap", Case: s.Name, Variant: "doctor", DoctorTraps: []string{}, SecondsToName: -1}
	watch := TrapTimeout
	if s.Name == "healthy" {
		watch = HealthyWatch
		if cfg.Duration > time.Second {
			watch = cfg.Duration
		}
		row.SecondsToName = 0
	}
	start := time.Now()
	var in0 uint64
	for _, t := range fleet.Tenants() {
		in0 += t.In()
	}
	fs, err := doctor.Watch(ctx, doctor.NewLocal(fleet), doctor.Options{For: watch,
		Named: func(f doctor.Finding, after time.Duration) {
			if f.Trap == s.Name && row.SecondsToName < 0 {
				row.SecondsToName = after.Seconds()
			}
			if cfg.Progress != nil {
				fmt.Fprintf(cfg.Progress, "bench trap %s: after %.1fs: %s\n", s.Name, after.Seconds(), f.Line())
			}
		},
		Until: func(seen []doctor.Finding) bool {
			for _, f := range seen {
				if f.Trap == s.Name {
					return true
				}
			}
			return false
		}})
	cancel()
	wg.Wait()
	if err != nil {
		return TrapRow{}, err
	}
	row.Watched = time.Since(start).Seconds()
	var in1 uint64
	for _, t := range fleet.Tenants() {
		in1 += t.In()
	}
	in1 += retired.Load()
	row.EventsPerSec = float64(in1-min(in0, in1)) / row.Watched
	row.Findings = fs
	if row.Findings == nil {
		row.Findings = []doctor.Finding{}
	}
	seen := map[string]bool{}
	for _, f := range fs {
		if !seen[f.Trap] {
			seen[f.Trap] = true
			row.DoctorTraps = append(row.DoctorTraps, f.Trap)
		}
	}
	return row, nil
}

// applyNamed applies a scenario's pipeline under the tenant its text names.
func applyNamed(f *admin.Fleet, text string) (admin.Result, error) {
	for _, line := range strings.Split(text, "\n") {
		if id, ok := strings.CutPrefix(line, "tenant: "); ok {
			return f.Apply(strings.TrimSpace(id), []byte(text))
		}
	}
	return admin.Result{}, fmt.Errorf("BUG: trap pipeline without a tenant line")
}
