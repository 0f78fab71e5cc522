package loadgen

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ParseRates parses a comma-separated list of rates such as
// "1k,2k,5k,10k,20k,50k" (k = thousand, m = million).
func ParseRates(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		mult := 1.0
		switch {
		case strings.HasSuffix(f, "k"), strings.HasSuffix(f, "K"):
			mult, f = 1e3, f[:len(f)-1]
		case strings.HasSuffix(f, "m"), strings.HasSuffix(f, "M"):
			mult, f = 1e6, f[:len(f)-1]
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("rate %q: want a positive number such as 500, 2k or 1.5m", f)
		}
		out = append(out, v*mult)
	}
	return out, nil
}

// Sweep runs cfg at each rate in turn; each run gets cfg's duration and
// warm-up. progress, when set, is called after each rate.
func Sweep(ctx context.Context, cfg Config, rates []float64, progress func(*Result)) ([]*Result, error) {
	var out []*Result
	for _, rate := range rates {
		c := cfg
		c.Rate = rate
		r, err := Run(ctx, c)
		if err != nil {
			return out, fmt.Errorf("rate %g: %w", rate, err)
		}
		out = append(out, r)
		if progress != nil {
			progress(r)
		}
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
	}
	return out, nil
}

// CSVHeader is the first row of latency.csv.
var CSVHeader = []string{"rate", "achieved_rate", "requests", "errors", "p50_ns", "p99_ns", "p999_ns", "max_ns",
	"uncorrected_p50_ns", "uncorrected_p99_ns", "late_sends"}

// WriteCSV writes one row per result.
func WriteCSV(w io.Writer, rs []*Result) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(CSVHeader)
	for _, r := range rs {
		row := []string{strconv.FormatFloat(r.Rate, 'f', -1, 64), strconv.FormatFloat(r.AchievedRate, 'f', 1, 64)}
		for _, v := range []int64{r.Requests, r.Errors, r.P50, r.P99, r.P999, r.Max, r.UncorrectedP50, r.UncorrectedP99, r.LateSends} {
			row = append(row, strconv.FormatInt(v, 10))
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// WriteFiles writes a sweep's results into dir (created when needed):
// latency.csv, and latency.svg and latency.png: p50, p99, p99.9 and max
// latency (corrected, log scale) against the rate. It returns the files
// written.
func WriteFiles(dir string, rs []*Result) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create %q: %w", dir, err)
	}
	name := filepath.Join(dir, "latency.csv")
	f, err := os.Create(name)
	if err != nil {
		return nil, err
	}
	if err := WriteCSV(f, rs); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	files := []string{name}
	plotted, err := writePlots(filepath.Join(dir, "latency"), rs)
	return append(files, plotted...), err
}
