package sweep

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// WriteFiles writes the results of a sweep into dir, creating it when
// needed, and returns the files written:
//
//	latency.csv                      one row per latency point (LatencyHeader)
//	effective.csv                    one row per effective-rate search (EffectiveHeader)
//	latency-p<period>us-f<factor>.svg/.png
//	                                 mean, p99 and max latency vs producer rate,
//	                                 one line per jittered component (pictures 1–4)
//	effective-rate.svg/.png          effective rate vs goal factor, one line per
//	                                 period, and the closed form (picture 5)
//
// Existing files of those names are replaced.
func WriteFiles(dir string, r Results) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create %q: %w", dir, err)
	}
	var files []string
	if len(r.Latency) > 0 {
		name := filepath.Join(dir, "latency.csv")
		if err := writeFile(name, func(w io.Writer) error { return WriteLatencyCSV(w, r) }); err != nil {
			return files, err
		}
		files = append(files, name)
		for _, per := range r.Grid.Periods {
			for _, fac := range r.Grid.LatencyFactors {
				plots, err := latencyPlots(r, per, fac)
				if err != nil {
					return files, err
				}
				base := filepath.Join(dir, "latency-"+periodName(per)+"-f"+strconv.FormatFloat(fac, 'g', -1, 64))
				written, err := savePlots(base, plots, 12*vg.Centimeter, 10*vg.Centimeter)
				files = append(files, written...)
				if err != nil {
					return files, err
				}
			}
		}
	}
	if len(r.Effective) > 0 {
		name := filepath.Join(dir, "effective.csv")
		if err := writeFile(name, func(w io.Writer) error { return WriteEffectiveCSV(w, r) }); err != nil {
			return files, err
		}
		files = append(files, name)
		p, err := effectivePlot(r)
		if err != nil {
			return files, err
		}
		written, err := savePlots(filepath.Join(dir, "effective-rate"), []*plot.Plot{p}, 16*vg.Centimeter, 11*vg.Centimeter)
		files = append(files, written...)
		if err != nil {
			return files, err
		}
	}
	return files, nil
}

// periodName spells a period for a file name: p500us, p2000us, p250.5us.
func periodName(d time.Duration) string {
	return "p" + strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'g', -1, 64) + "us"
}

func writeFile(name string, write func(io.Writer) error) (err error) {
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("cannot create %q: %w", name, err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("cannot write %q: %w", name, cerr)
		}
	}()
	if err := write(f); err != nil {
		return fmt.Errorf("%q: %w", name, err)
	}
	return nil
}
