package doctor_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/greenwave/greenwave/internal/admin"
	"github.com/greenwave/greenwave/internal/bench"
	"github.com/greenwave/greenwave/internal/builtin"
	"github.com/greenwave/greenwave/internal/doctor"
	"github.com/greenwave/greenwave/internal/engine"
	"github.com/greenwave/greenwave/internal/traps"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Doctor names each trap scenario's trap within 60 s.
func TestNamesEachTrap(t *testing.T) {
	for _, s := range traps.All() {
		if s.Name == "healthy" {
			continue
		}
		t.Run(s.Name, func(t *testing.T) {
			row, err := bench.RunTrap(s, bench.Config{})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range row.Findings {
				t.Log(f.Line())
			}
			if !slices.Contains(row.DoctorTraps, s.Name) {
				t.Fatalf("doctor named %v, not %s", row.DoctorTraps, s.Name)
			}
			if row.SecondsToName < 0 || row.SecondsToName > 60 {
				t.Fatalf("named after %.1fs", row.SecondsToName)
			}
			for _, f := range row.Findings {
				if f.Trap == s.Name && (f.Evidence == "" || f.Fix == "" || f.Component == "") {
					t.Fatalf("finding without evidence, fix or component: %+v", f)
				}
			}
		})
	}
}

// No false alarm on the healthy scenario, across 10 runs.
func TestHealthyRaisesNoAlarm(t *testing.T) {
	s, err := traps.Lookup("healthy")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		row, err := bench.RunTrap(s, bench.Config{Duration: 4 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if len(row.DoctorTraps) != 0 {
			t.Fatalf("run %d: false alarm: %v", i, row.Findings)
		}
	}
}

// No false alarm on the video-QoE job and a Nexmark query, across 10 runs
// each.
func TestExamplesRaiseNoAlarm(t *testing.T) {
	for _, ex := range []struct {
		file  string
		watch time.Duration
	}{{"../../examples/video-qoe.yaml", 3 * time.Second}, {"../../examples/nexmark/q5.yaml", 2 * time.Second}} {
		text, err := os.ReadFile(ex.file)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "a", "b")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			fs := watchFile(t, dir, text, ex.watch)
			if len(fs) != 0 {
				t.Fatalf("%s run %d: false alarm: %+v", ex.file, i, fs)
			}
		}
	}
}

func watchFile(t *testing.T, dir string, text []byte, d time.Duration) []doctor.Finding {
	t.Helper()
	e, err := engine.New(engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		e.Stop(10 * time.Second)
		e.Close()
	}()
	f := admin.NewFleet(e, builtin.Catalog(), dir)
	id := "example"
	for _, line := range strings.Split(string(text), "\n") {
		if v, ok := strings.CutPrefix(line, "tenant: "); ok {
			id = strings.TrimSpace(strings.SplitN(v, "#", 2)[0])
		}
	}
	if _, err := f.Apply(id, text); err != nil {
		t.Fatal(err)
	}
	fs, err := doctor.Watch(context.Background(), doctor.NewLocal(f), doctor.Options{For: d})
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestWriteFormats(t *testing.T) {
	var b strings.Builder
	if err := doctor.Write(&b, nil, false); err != nil || b.String() != "no trap found\n" {
		t.Fatalf("%q %v", b.String(), err)
	}
	b.Reset()
	f := doctor.Finding{Trap: doctor.ConsumerBehind, Tenant: "acme", Component: "slow", Evidence: "slow is busy", Fix: "spread it"}
	_ = doctor.Write(&b, []doctor.Finding{f}, false)
	if b.String() != "trap consumer-behind: tenant \"acme\": slow is busy — spread it\n" {
		t.Fatalf("%q", b.String())
	}
	b.Reset()
	_ = doctor.Write(&b, []doctor.Finding{f}, true)
	if b.String() != `{"trap":"consumer-behind","tenant":"acme","component":"slow","evidence":"slow is busy","fix":"spread it"}`+"\n" {
		t.Fatalf("%q", b.String())
	}
	b.Reset()
	_ = doctor.Write(&b, nil, true)
	if b.String() != "" {
		t.Fatalf("json with no trap: %q", b.String())
	}
}
