package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/greenwave/greenwave/internal/loadgen"
)

// Child processes of bench latency: the load generator (this binary's
// `loadgen` command, so that its CPU is not the server's) and the peer.

// loadRunner runs the load of a measurement; tests replace it with one
// that runs in their own process.
var loadRunner = runLoad

// runLoad runs `<self> loadgen` against target and returns its result.
func runLoad(ctx context.Context, self, target string, rate float64, d time.Duration, events int, contentType string) (*loadgen.Result, error) {
	args := []string{"loadgen", target, "--json", "--warmup", "0s",
		"--rate", strconv.FormatFloat(rate, 'f', -1, 64), "--duration", d.String(),
		"--events", strconv.Itoa(events), "--content-type", contentType, "--timeout", "5s",
		"--connections", strconv.Itoa(latencyConnections(rate, events)),
		"--template", `{"user":"{user}","n":{i},"ts":1767225600000}`}
	cmd := exec.CommandContext(ctx, self, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", self, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	var r loadgen.Result
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &r); err != nil {
		return nil, fmt.Errorf("loadgen output %q: %w", stdout.String(), err)
	}
	return &r, nil
}

// latencyConnections gives the load generator enough connections to keep
// its schedule at the rate (the requests in flight at a few milliseconds
// each, with room), without opening hundreds for a light load.
func latencyConnections(rate float64, events int) int {
	if events > 1 {
		return 16
	}
	return int(min(max(rate/100, 16), 256))
}

// peer is a running peer process.
type peer struct {
	cmd *exec.Cmd
	out bytes.Buffer
}

// startPeer starts the peer binary on addr in the given mode and waits
// until it accepts connections.
func startPeer(bin, addr, mode string) (*peer, error) {
	p := &peer{cmd: exec.Command(bin, "-addr", addr, "-mode", mode)}
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("peer %s: %w", bin, err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return p, nil
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("peer %s does not listen on %s: %s", bin, addr, p.out.String())
		}
	}
}

func (p *peer) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// cpu returns the peer's CPU time so far (user + system), from /proc.
func (p *peer) cpu() (time.Duration, error) {
	return procCPU(p.cmd.Process.Pid)
}

// procCPU reads a process's user and system time from /proc/<pid>/stat.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; the fields after its
	// closing parenthesis are plain.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("unexpected /proc stat format")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("unexpected /proc stat format")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("unexpected /proc stat format")
	}
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / ticks, nil
}

// loadAverage returns the 1-minute load average, or -1.
func loadAverage() float64 {
	f, err := os.Open("/proc/loadavg")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return -1
	}
	v, err := strconv.ParseFloat(strings.Fields(sc.Text())[0], 64)
	if err != nil {
		return -1
	}
	return v
}
