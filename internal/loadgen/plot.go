package loadgen

import (
	"fmt"
	"math"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

var plotMetrics = []struct {
	name string
	get  func(*Result) int64
}{
	{"p50", func(r *Result) int64 { return r.P50 }},
	{"p99", func(r *Result) int64 { return r.P99 }},
	{"p99.9", func(r *Result) int64 { return r.P999 }},
	{"max", func(r *Result) int64 { return r.Max }},
}

// writePlots draws latency against rate, one line per percentile, into
// base.svg and base.png.
func writePlots(base string, rs []*Result) ([]string, error) {
	p := plot.New()
	p.Title.Text = "latency (from intended send time) vs request rate"
	p.X.Label.Text = "requests/s"
	p.Y.Label.Text = "latency (µs)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, m := range plotMetrics {
		var xys plotter.XYs
		for _, r := range rs {
			if v := float64(m.get(r)) / float64(time.Microsecond); v > 0 {
				xys = append(xys, plotter.XY{X: r.Rate, Y: v})
				lo, hi = min(lo, v), max(hi, v)
			}
		}
		if len(xys) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, fmt.Errorf("cannot plot %s: %w", m.name, err)
		}
		line.Color, points.Color, points.Shape = plotutil.Color(i), plotutil.Color(i), plotutil.Shape(i)
		p.Add(line, points)
		p.Legend.Add(m.name, line, points)
	}
	if lo <= hi {
		p.Y.Min, p.Y.Max = lo/1.5, hi*1.5
	}
	var files []string
	for _, ext := range []string{".svg", ".png"} {
		name := base + ext
		if err := p.Save(16*vg.Centimeter, 11*vg.Centimeter, name); err != nil {
			return files, fmt.Errorf("cannot write %q: %w", name, err)
		}
		files = append(files, name)
	}
	return files, nil
}
