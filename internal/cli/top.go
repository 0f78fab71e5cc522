package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/greenwave/greenwave/internal/doctor"
	"github.com/greenwave/greenwave/internal/metrics"
)

type topCmd struct {
	Addr      string        `default:"127.0.0.1:9090" help:"The admin server (run --http), local or remote."`
	Every     time.Duration `default:"1s" help:"Refresh interval."`
	Sort      string        `default:"busy" enum:"name,in,out,busy,bp,fill,batch,drops,p99" help:"Column to sort by (descending; name ascending): ${enum}. On a terminal, s cycles through them and q quits."`
	Once      bool          `help:"Print one table (after two reads, one interval apart) and exit."`
	TokenFile string        `name:"token-file" placeholder:"FILE" help:"The admin server's bearer token file."`
}

// topColumns are the sortable columns, in display order.
var topColumns = []string{"name", "in", "out", "busy", "bp", "fill", "batch", "drops", "p99"}

// topRow is one component (all instances of an actor group) of a tenant.
type topRow struct {
	tenant, name           string
	in, out, busy, bp      float64
	fill                   float64
	batch, capacity        int
	drops                  float64
	p99                    float64 // seconds; 0 when not a sink
	instances              int
	grade                  string
	hasLatency, backlogged bool
}

func topRows(s *metrics.Snapshot) []topRow {
	var rows []topRow
	for _, t := range s.Tenants {
		idx := map[string]int{}
		for _, a := range t.Actors {
			k, ok := idx[a.Group]
			if !ok {
				k = len(rows)
				idx[a.Group] = k
				rows = append(rows, topRow{tenant: t.ID, name: a.Group})
			}
			r := &rows[k]
			r.instances++
			r.in += a.InPerSec
			r.out += a.OutPerSec
			r.busy += a.BusyMsPerSec
			r.bp += a.BackPressuredMsPerSec
			if a.Latency != nil {
				p := a.Latency.P99
				if a.Latency.Interval != nil && a.Latency.Interval.Count > 0 {
					p = a.Latency.Interval.P99
				}
				r.p99 = max(r.p99, p)
				r.hasLatency = true
			}
		}
		for _, e := range t.Edges {
			for k := range rows {
				r := &rows[k]
				if r.tenant != t.ID || !strings.HasPrefix(e.ToActor, r.name) {
					continue
				}
				if e.ToActor != r.name && !strings.HasPrefix(e.ToActor, r.name+"#") {
					continue
				}
				r.fill = max(r.fill, e.Fill)
				if e.MaxBatch > r.batch {
					r.batch, r.capacity = e.MaxBatch, e.Capacity
				}
				r.drops += e.DroppedPerSec
			}
		}
	}
	for k := range rows {
		r := &rows[k]
		r.busy /= float64(r.instances)
		r.bp /= float64(r.instances)
		r.grade = metrics.Grade(r.bp / 1000)
	}
	return rows
}

func sortRows(rows []topRow, by string) {
	key := func(r topRow) float64 {
		switch by {
		case "in":
			return r.in
		case "out":
			return r.out
		case "bp":
			return r.bp
		case "fill":
			return r.fill
		case "batch":
			return float64(r.batch)
		case "drops":
			return r.drops
		case "p99":
			return r.p99
		}
		return r.busy
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if by == "name" {
			return rows[i].tenant+"/"+rows[i].name < rows[j].tenant+"/"+rows[j].name
		}
		return key(rows[i]) > key(rows[j])
	})
}

// renderTop draws the table into at most width columns and height lines.
func renderTop(w io.Writer, s *metrics.Snapshot, by string, width, height int) {
	rows := topRows(s)
	sortRows(rows, by)
	var lines []string
	var in float64
	for _, t := range s.Tenants {
		in += t.InPerSec
	}
	lines = append(lines, fmt.Sprintf("greenwave top — %d tenants, %d workers on %d CPUs, %s events/s in, run-queue delay %.2f s/s — sorted by %s",
		len(s.Tenants), len(s.Workers), s.Process.CPUs, humanRate(in), s.Process.RunDelayPerSec, by))
	head := fmt.Sprintf("%-14s %-22s %9s %9s %6s %6s %6s %11s %9s %9s", "TENANT", "COMPONENT", "IN/S", "OUT/S", "BUSY%", "BP%", "FILL%", "MAX BATCH", "DROPS/S", "P99")
	lines = append(lines, head)
	for _, r := range rows {
		batch := "-"
		if r.capacity > 0 {
			batch = fmt.Sprintf("%d/%d", r.batch, r.capacity)
		}
		p99 := "-"
		if r.hasLatency {
			p99 = doctorSecs(r.p99)
		}
		name := r.name
		if r.instances > 1 {
			name = fmt.Sprintf("%s ×%d", r.name, r.instances)
		}
		fill := "-"
		if r.capacity > 0 {
			fill = fmt.Sprintf("%.0f", 100*r.fill)
		}
		lines = append(lines, fmt.Sprintf("%-14s %-22s %9s %9s %6.1f %6.1f %6s %11s %9s %9s", clip(r.tenant, 14), clip(name, 22),
			humanRate(r.in), humanRate(r.out), r.busy/10, r.bp/10, fill, batch, humanRate(r.drops), p99))
	}
	if height > 0 && len(lines) > height {
		lines = lines[:height]
	}
	for _, l := range lines {
		if width > 0 && len([]rune(l)) > width {
			l = string([]rune(l)[:width])
		}
		fmt.Fprintln(w, l)
	}
}

func clip(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func doctorSecs(s float64) string {
	d := time.Duration(s * float64(time.Second))
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(100 * time.Nanosecond).String()
}

func (c *topCmd) Run(g *Globals) error {
	if c.Every < 100*time.Millisecond {
		return &exitError{code: 2, err: fmt.Errorf("--every must be at least 100ms, got %q", c.Every)}
	}
	tok, err := readToken(c.TokenFile)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	src := doctor.NewRemote(c.Addr, tok)
	src.Reader = fmt.Sprintf("top-%d-%d", os.Getpid(), time.Now().UnixNano())
	ctx := context.Background()
	if _, err := src.Snapshot(ctx); err != nil {
		return &exitError{code: 1, err: err}
	}
	by := c.Sort
	width, height := 0, 0
	f, isFile := g.Stdout.(*os.File)
	interactive := !c.Once && isFile && term.IsTerminal(int(f.Fd())) && term.IsTerminal(int(os.Stdin.Fd()))
	keys := make(chan byte, 8)
	if interactive {
		if st, err := term.MakeRaw(int(os.Stdin.Fd())); err == nil {
			defer term.Restore(int(os.Stdin.Fd()), st)
			go func() {
				b := make([]byte, 1)
				for {
					if n, err := os.Stdin.Read(b); err != nil || n == 0 {
						return
					}
					keys <- b[0]
				}
			}()
		}
		fmt.Fprint(g.Stdout, "\033[?25l")
		defer fmt.Fprint(g.Stdout, "\033[?25h\r\n")
	}
	tick := time.NewTicker(c.Every)
	defer tick.Stop()
	for {
		select {
		case k := <-keys:
			switch k {
			case 'q', 3: // q, Ctrl-C
				return nil
			case 's':
				for i, col := range topColumns {
					if col == by {
						by = topColumns[(i+1)%len(topColumns)]
						break
					}
				}
			}
			continue
		case <-tick.C:
		}
		s, err := src.Snapshot(ctx)
		if err != nil {
			return &exitError{code: 1, err: err}
		}
		if c.Once {
			renderTop(g.Stdout, &s, by, 0, 0)
			return nil
		}
		if interactive {
			width, height, _ = term.GetSize(int(f.Fd()))
			var b strings.Builder
			renderTop(&b, &s, by, width, height-1)
			fmt.Fprint(g.Stdout, "\033[H\033[2J"+strings.ReplaceAll(b.String(), "\n", "\r\n"))
			continue
		}
		renderTop(g.Stdout, &s, by, 0, 0)
		fmt.Fprintln(g.Stdout)
	}
}
