package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/greenwave/greenwave/internal/serve"
	"github.com/greenwave/greenwave/internal/serve/client"
)

// ClientSummary is what a set of benchmark subscribers saw, once the
// table closed: how each replica ended, by "<checksum> <seq>", and what
// went wrong.
type ClientSummary struct {
	Ends map[string]int `json:"ends"`
	// FastWithGaps counts the subscribers (not stalled) that saw a gap or
	// a second snapshot from the start of the measured time on;
	// FastGapsBefore those that saw one before (while the others dialed).
	FastWithGaps    int    `json:"fast_with_gaps"`
	FastGapsBefore  int    `json:"fast_gaps_before"`
	StalledResynced int    `json:"stalled_resynced"`
	Errors          int    `json:"errors"`
	FirstError      string `json:"first_error,omitempty"`
}

// clientSet is a set of subscribers: in this process, or in a child
// process (so that their goroutines do not share this process's cores
// with the pipeline under test, as remote clients would not).
type clientSet interface {
	// measure marks the start of the measured time.
	measure()
	release()
	wait() (ClientSummary, error)
	abort()
}

func clientsIn(exe string, n int) string {
	if exe != "" && n > 0 {
		if _, err := exec.LookPath("taskset"); err == nil && runtime.NumCPU() > 1 {
			return "child process on the last CPU"
		}
		return "child process"
	}
	return "this process"
}

// inProcess runs the clients as goroutines of this process.
type inProcess struct {
	clients   []*benchClient
	measuring atomic.Bool
	rel       chan struct{}
	once      sync.Once
	wg        sync.WaitGroup
}

func startClients(url string, n, stalled int) *inProcess {
	p := &inProcess{rel: make(chan struct{})}
	dialed := newDials(n)
	for i := range n {
		c := &benchClient{r: client.NewReplica(), stalled: i < stalled, measuring: &p.measuring}
		p.clients = append(p.clients, c)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			c.err = c.run(url, p.rel, dialed)
		}()
	}
	return p
}

func (p *inProcess) measure() { p.measuring.Store(true) }

func (p *inProcess) release() { p.once.Do(func() { close(p.rel) }) }

func (p *inProcess) wait() (ClientSummary, error) {
	p.release()
	p.wg.Wait()
	return summarize(p.clients), nil
}

func (p *inProcess) abort() { p.release() }

func summarize(cs []*benchClient) ClientSummary {
	s := ClientSummary{Ends: map[string]int{}}
	for _, c := range cs {
		if c.err != nil {
			s.Errors++
			if s.FirstError == "" {
				s.FirstError = c.err.Error()
			}
		}
		if !c.stalled {
			// Every subscriber takes one snapshot to start (one still
			// reading it when the measured time starts has none yet).
			gaps, snaps := c.r.Gaps, c.r.Snapshots
			if c.based {
				if c.baseGaps > 0 || c.baseSnaps > 1 {
					s.FastGapsBefore++
				}
				gaps, snaps = gaps-c.baseGaps, snaps-min(snaps, max(c.baseSnaps, 1))
			} else {
				snaps = max(snaps, 1) - 1
			}
			if gaps > 0 || snaps > 0 {
				s.FastWithGaps++
			}
		}
		if c.stalled && c.r.Gaps > 0 {
			s.StalledResynced++
		}
		s.Ends[serve.FormatChecksum(c.r.Sum)+" "+strconv.FormatUint(c.r.Seq, 10)]++
	}
	return s
}

// RunClients is the child process's side (`greenwave bench-clients`): it
// subscribes n clients to url, the first stalled of them reading nothing
// until a line arrives on in, and writes their ClientSummary as JSON to
// out once the table has closed every stream.
func RunClients(url string, n, stalled int, in io.Reader, out io.Writer) error {
	p := startClients(url, n, stalled)
	go func() {
		// "measure" starts the measured time; "release" (or the end
		// of in) releases the stalled clients.
		rd := bufio.NewReader(in)
		for {
			line, err := rd.ReadString('\n')
			if strings.TrimSpace(line) == "measure" {
				p.measure()
			}
			if err != nil || strings.TrimSpace(line) == "release" {
				break
			}
		}
		p.release()
	}()
	p.wg.Wait()
	return json.NewEncoder(out).Encode(summarize(p.clients))
}

// child runs the clients in a child process of exe.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   io.ReadCloser
	once  sync.Once
}

func startChildClients(exe, url string, n, stalled int) (*child, error) {
	args := []string{"bench-clients", "--url", url, "--count", strconv.Itoa(n), "--stalled", strconv.Itoa(stalled)}
	cmd := exec.Command(exe, args...)
	// On a machine of a few cores the subscribers' process competes with
	// the pipeline for them; confined to the last CPU it leaves the others
	// to the process under test, as remote clients would.
	if ts, err := exec.LookPath("taskset"); err == nil && runtime.NumCPU() > 1 {
		cmd = exec.Command(ts, append([]string{"-c", strconv.Itoa(runtime.NumCPU() - 1), exe}, args...)...)
	}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start the clients' process: %w", err)
	}
	return &child{cmd: cmd, stdin: stdin, out: out}, nil
}

func (c *child) measure() { _, _ = io.WriteString(c.stdin, "measure\n") }

func (c *child) release() {
	c.once.Do(func() {
		_, _ = io.WriteString(c.stdin, "release\n")
		_ = c.stdin.Close()
	})
}

func (c *child) wait() (ClientSummary, error) {
	c.release()
	var s ClientSummary
	err := json.NewDecoder(c.out).Decode(&s)
	if werr := c.cmd.Wait(); err == nil && werr != nil {
		err = werr
	}
	if err != nil {
		return s, fmt.Errorf("clients' process: %w", err)
	}
	return s, nil
}

func (c *child) abort() {
	if c.cmd.ProcessState == nil && c.cmd.Process != nil {
		_ = c.cmd.Process.Kill()
	}
}
