package cli

import (
	"bufio"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

type tapCmd struct {
	Tenant    string  `arg:"" help:"The tenant."`
	Component string  `arg:"" help:"The component whose output (a sink: its input) to sample."`
	Limit     int     `default:"20" help:"Events to print before exiting (0: until interrupted)."`
	Rate      float64 `default:"10" help:"Most events sampled per second."`
	Addr      string  `default:"127.0.0.1:9090" help:"The admin server (run --http)."`
	TokenFile string  `name:"token-file" placeholder:"FILE" help:"The admin server's bearer token file."`
}

func (c *tapCmd) Run(g *Globals) error {
	if c.Limit < 0 {
		return &exitError{code: 2, err: fmt.Errorf("--limit must be 0 (no limit) or more, got %d", c.Limit)}
	}
	if !(c.Rate > 0) || c.Rate > 100000 {
		return &exitError{code: 2, err: fmt.Errorf("--rate must be in (0, 100000], got %g", c.Rate)}
	}
	tok, err := readToken(c.TokenFile)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	base := c.Addr
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	u := fmt.Sprintf("%s/api/tap/%s/%s?limit=%d&rate=%g", strings.TrimRight(base, "/"), url.PathEscape(c.Tenant), url.PathEscape(c.Component), c.Limit, c.Rate)
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := (&http.Client{Timeout: 0, Transport: &http.Transport{ResponseHeaderTimeout: 10 * time.Second}}).Do(req)
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("cannot reach the admin server at %q: %w", c.Addr, err)}
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	if resp.StatusCode != http.StatusOK {
		var msg strings.Builder
		for sc.Scan() {
			msg.WriteString(sc.Text())
		}
		return &exitError{code: 1, err: fmt.Errorf("tap %s/%s: %s: %s", c.Tenant, c.Component, resp.Status, strings.TrimSpace(msg.String()))}
	}
	for sc.Scan() {
		fmt.Fprintln(g.Stdout, sc.Text())
	}
	return nil
}
