package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/greenwave/greenwave/internal/serve"
	"github.com/greenwave/greenwave/internal/serve/client"
)

type tailCmd struct {
	URL     string        `arg:"" help:"The table: ws://host:port/tables/<name> (WebSocket), http://host:port/tables/<name> (Server-Sent Events) or tcp://host:port/<name> (line protocol)."`
	JSON    bool          `help:"Print every protocol message as received, one per line, instead of the table."`
	From    int64         `default:"-1" help:"Resume after this sequence number (-1: start with a snapshot)."`
	Session string        `help:"With --from: the table session the sequence number belongs to (snapshot_end's session); a table of another session answers with a snapshot."`
	For     time.Duration `name:"for" help:"Stop after this long (0: until the table closes or a signal)."`
	Every   time.Duration `default:"100ms" help:"How often the table is redrawn on a terminal."`
	Rows    int           `default:"0" help:"Show at most this many rows (0: as many as the terminal has lines, or all)."`
}

func (c *tailCmd) Run(g *Globals) error {
	switch {
	case c.From < -1:
		return &exitError{code: 2, err: fmt.Errorf("--from must be -1 (a snapshot) or a sequence number, got %d", c.From)}
	case c.For < 0:
		return &exitError{code: 2, err: fmt.Errorf("--for must not be negative, got %q", c.For)}
	case c.Every <= 0:
		return &exitError{code: 2, err: fmt.Errorf("--every must be a positive duration, got %q", c.Every)}
	case c.Rows < 0:
		return &exitError{code: 2, err: fmt.Errorf("--rows must not be negative, got %d", c.Rows)}
	case c.Session != "" && c.From < 0:
		return &exitError{code: 2, err: fmt.Errorf("--session %q needs --from: a session names the table whose sequence number --from resumes after", c.Session)}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if c.For > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.For)
		defer cancel()
	}
	var opts client.Options
	if c.From >= 0 {
		from := uint64(c.From)
		opts.From = &from
		opts.Session = c.Session
	}
	opts.MaxRetries = 20
	opts.OnRecover = func(err error, resume bool) {
		how := "resubscribing for a snapshot"
		if resume {
			how = "resuming"
		}
		fmt.Fprintf(g.Stderr, "greenwave tail: %v; %s\n", err, how)
	}
	r := client.NewReplica()
	if c.JSON {
		opts.OnMessage = func(raw []byte) {
			_, _ = g.Stdout.Write(append(raw, '\n'))
		}
		return c.follow(ctx, r, opts)
	}
	tty := false
	height := 0
	if f, ok := g.Stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		tty = true
		if _, h, err := term.GetSize(int(f.Fd())); err == nil {
			height = h
		}
	}
	limit := c.Rows
	if limit == 0 && height > 3 {
		limit = height - 3
	}
	var last time.Time
	draw := func() {
		if tty {
			fmt.Fprint(g.Stdout, "\x1b[H\x1b[2J")
		}
		fmt.Fprintln(g.Stdout, status(c.URL, r))
		_ = client.Render(g.Stdout, r, limit)
	}
	if tty {
		opts.OnApplied = func(r *client.Replica, m *client.Message) {
			if r.Synced && time.Since(last) >= c.Every {
				last = time.Now()
				draw()
			}
		}
	}
	err := c.follow(ctx, r, opts)
	if r.Synced || r.Seq > 0 {
		draw()
	}
	return err
}

func (c *tailCmd) follow(ctx context.Context, r *client.Replica, opts client.Options) error {
	err := client.Follow(ctx, c.URL, r, opts)
	if err != nil && !errors.Is(err, io.EOF) {
		return &exitError{code: 1, err: err}
	}
	return nil
}

// status is the line above the table.
func status(url string, r *client.Replica) string {
	sum := "checksum " + serve.FormatChecksum(r.Sum)
	if r.Verified > 0 {
		sum += fmt.Sprintf(" (%d verified)", r.Verified)
	}
	s := fmt.Sprintf("%s  seq %d  rows %d  %s  gaps %d  snapshots %d", url, r.Seq, len(r.Rows), sum, r.Gaps, r.Snapshots)
	if r.Watermark != "" {
		s += "  watermark " + r.Watermark
	}
	return s
}
