package cli

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBadFlagValues: every flag's bad value is a usage error: exit 2 and
// one line on stderr naming the flag, never a panic or a stack trace.
func TestBadFlagValues(t *testing.T) {
	example := "../../examples/sequence-count.yaml"
	cases := []struct {
		args []string
		flag string
	}{
		{[]string{"run", "--every", "0s", example}, "--every"},
		{[]string{"run", "--every=-1s", example}, "--every"},
		{[]string{"run", "--workers=-1", example}, "--workers"},
		{[]string{"run", "--workers", "100000", example}, "--workers"},
		{[]string{"run", "--budget=-1", example}, "--budget"},
		{[]string{"run", "--budget", "0", example}, "--budget"},
		{[]string{"run", "--stop-timeout=-1s", example}, "--stop-timeout"},
		{[]string{"run", "--for=-1s", example}, "--for"},
		{[]string{"run", "--spin", "0s", example}, "--spin"},
		{[]string{"run", "--wait", "sleepy", example}, "--wait"},
		{[]string{"run", "--status", "loud", example}, "--status"},
		{[]string{"run", "--every", "soon", example}, "--every"},
		{[]string{"plan", "--workers=-2", example}, "--workers"},
		{[]string{"bench", "ring", "--runs", "0"}, "--runs"},
		{[]string{"bench", "ring", "--duration", "0s"}, "--duration"},
		{[]string{"bench", "ring", "--cores=-1"}, "--cores"},
		{[]string{"bench", "ring", "--events=-5"}, "--events"},
		{[]string{"bench", "tenants", "--count=-5"}, "--count"},
		{[]string{"bench", "ring", "--spin=-1ms"}, "--spin"},
		{[]string{"bench", "nosuch"}, "nosuch"},
		{[]string{"tail", "ws://127.0.0.1:1/tables/x", "--from=-2"}, "--from"},
		{[]string{"tail", "ws://127.0.0.1:1/tables/x", "--for=-1s"}, "--for"},
		{[]string{"tail", "ws://127.0.0.1:1/tables/x", "--every", "0s"}, "--every"},
		{[]string{"tail", "ws://127.0.0.1:1/tables/x", "--rows=-1"}, "--rows"},
		{[]string{"tail", "ws://127.0.0.1:1/tables/x", "--session", "abc"}, "--session"},
		{[]string{"sim", "sweep", "--workers=-3", "--quick"}, "--workers"},
		{[]string{"loadgen", "http://127.0.0.1:1/", "--connections", "0"}, "--connections"},
		{[]string{"loadgen", "http://127.0.0.1:1/", "--events", "0"}, "--events"},
		{[]string{"loadgen", "http://127.0.0.1:1/", "--rate", "0"}, "--rate"},
		{[]string{"loadgen", "http://127.0.0.1:1/", "--duration", "0s"}, "--duration"},
		{[]string{"loadgen", "http://127.0.0.1:1/", "--out", "x"}, "--out"},
		{[]string{"loadgen", "http://127.0.0.1:1/", "--sweep", "1k,fast"}, "--sweep"},
		{[]string{"loadgen", "http://127.0.0.1:1/", "--schedule", "bursty"}, "--schedule"},
		{[]string{"loadgen", "ftp://127.0.0.1:1/"}, "ftp://"},
		{[]string{"loadgen", "http://127.0.0.1:1/", "--template", "{}", "--profile", "clicks"}, "one of a template"},
		{[]string{"sim", "10", "uniform", "1000", "uniform", "uniform", "1000", "--goal=-5"}, "latency goal"},
		{[]string{"sim", "10", "uniform", "1000", "uniform", "uniform", "1000", "--max-queue", "0"}, "--max-queue"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, _, errs := runMain(c.args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2:\n%s", code, errs)
			}
			first := strings.SplitN(strings.TrimSpace(errs), "\n", 2)[0]
			if !strings.Contains(first, c.flag) || strings.Contains(errs, "goroutine ") {
				t.Fatalf("stderr does not name %s on its first line, or holds a stack trace:\n%s", c.flag, errs)
			}
		})
	}
}

// TestVersionFlag: --version prints the version and exits 0.
func TestVersionFlag(t *testing.T) {
	code, out, errs := runMain("--version")
	if code != 0 || !strings.HasPrefix(out, "greenwave ") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// TestStopTimeoutPrintsSummaries: a tenant whose sink never returns keeps
// the graceful stop from finishing; after --stop-timeout every tenant's
// summary is printed anyway, the stuck one marked with what still runs.
func TestStopTimeoutPrintsSummaries(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "stalled")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	rd, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close() // ends the stuck writer after the test
	writeFile(t, dir, "stuck.yaml", `sources:
  gen: {type: generate, profile: sequence, rate: 0}
sinks:
  out: {type: file, inputs: [gen], path: stalled, flush_every: 0s}
`)
	writeFile(t, dir, "fine.yaml", `sources:
  gen: {type: generate, profile: sequence, count: 1000}
sinks:
  out: {type: blackhole, inputs: [gen]}
`)
	code, _, errs := runMain("run", "--for", "300ms", "--stop-timeout", "300ms", "--status", "off", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, errs)
	}
	for _, want := range []string{
		"graceful stop took longer than --stop-timeout 300ms",
		`tenant "fine"`, "finished",
		`tenant "stuck"`, "DID NOT FINISH", "still running: ", "out",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
}

// TestMain lets a test run the command line in a child process (for
// signals): GREENWAVE_CLI_MAIN=1 makes the test binary greenwave itself.
func TestMain(m *testing.M) {
	if os.Getenv("GREENWAVE_CLI_MAIN") == "1" {
		os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestSecondSignalExits: SIGTERM starts a graceful stop; a second SIGTERM
// while it is stuck exits 143 at once, with the tenants' summaries; a
// second SIGINT exits 130.
func TestSecondSignalExits(t *testing.T) {
	for _, c := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGTERM, 143}, {syscall.SIGINT, 130}} {
		t.Run(c.sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			fifo := filepath.Join(dir, "stalled")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			rd, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer rd.Close()
			writeFile(t, dir, "stuck.yaml", `sources:
  gen: {type: generate, profile: sequence, rate: 0}
sinks:
  out: {type: file, inputs: [gen], path: stalled, flush_every: 0s}
`)
			cmd := exec.Command(os.Args[0], "run", "--status", "log", "--every", "50ms", "--stop-timeout", "1m", dir)
			cmd.Env = append(os.Environ(), "GREENWAVE_CLI_MAIN=1")
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := make(chan string, 100)
			go func() {
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			var all []string
			wait := func(substr string) {
				t.Helper()
				deadline := time.After(20 * time.Second)
				for {
					select {
					case l, ok := <-lines:
						if !ok {
							t.Fatalf("stderr ended before %q:\n%s", substr, strings.Join(all, "\n"))
						}
						all = append(all, l)
						if strings.Contains(l, substr) {
							return
						}
					case <-deadline:
						t.Fatalf("no %q on stderr:\n%s", substr, strings.Join(all, "\n"))
					}
				}
			}
			wait("ev/s in") // running
			_ = cmd.Process.Signal(c.sig)
			wait("stopping sources")
			_ = cmd.Process.Signal(c.sig)
			wait(`tenant "stuck"`)
			for range lines {
			}
			err = cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != c.code {
				t.Fatalf("exit %d (%v), want %d:\n%s", code, err, c.code, strings.Join(all, "\n"))
			}
		})
	}
}

// checkProfile fails t unless path holds a gzipped profile (as pprof
// writes and reads them) with a body.
func checkProfile(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the profile is not gzipped: %v", err)
	}
	if body, err := io.ReadAll(zr); err != nil || len(body) == 0 {
		t.Fatalf("the profile's body: %d bytes, %v", len(body), err)
	}
}

// TestBenchCPUProfile: bench --cpuprofile leaves a profile (gzipped, as
// pprof writes and reads them), and a path it cannot create is a usage
// error naming the flag.
func TestBenchCPUProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.prof")
	code, _, errs := runMain("bench", "ring", "--runs", "1", "--duration", "50ms", "--case", "1p1c", "--cpuprofile", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	checkProfile(t, path)
	code, _, errs = runMain("bench", "ring", "--runs", "1", "--cpuprofile", filepath.Join(t.TempDir(), "no", "such", "dir", "cpu.prof"))
	if code != 2 || !strings.Contains(errs, "--cpuprofile") {
		t.Fatalf("exit %d, stderr %q: want a usage error naming --cpuprofile", code, errs)
	}
}

// TestRunCPUProfile: run --cpuprofile leaves a gzipped profile once the
// tenants have finished, and a path it cannot create is a usage error
// naming the flag (nothing is started).
func TestRunCPUProfile(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "gen.yaml", `tenant: gen
sources:
  gen: {type: generate, profile: sequence, count: 1000}
sinks:
  out: {type: blackhole, inputs: [gen]}
`)
	path := filepath.Join(dir, "cpu.prof")
	code, _, errs := runMain("run", "--status", "off", "--cpuprofile", path, file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	checkProfile(t, path)
	code, _, errs = runMain("run", "--status", "off", "--cpuprofile", filepath.Join(dir, "no", "such", "dir", "cpu.prof"), file)
	if code != 2 || !strings.Contains(errs, "--cpuprofile") {
		t.Fatalf("exit %d, stderr %q: want a usage error naming --cpuprofile", code, errs)
	}
}
