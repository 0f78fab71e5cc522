package sweep

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/greenwave/greenwave/internal/sim"
)

// latencyMetrics are the panels of a latency figure.
var latencyMetrics = []struct {
	name string
	get  func(sim.Latency) float64
}{
	{"mean", func(l sim.Latency) float64 { return l.Mean }},
	{"p99", func(l sim.Latency) float64 { return l.P99 }},
	{"max", func(l sim.Latency) float64 { return l.Max }},
}

// latencyPlots returns the panels of the latency figure for one period and
// factor: mean, p99 and max latency on a log scale against the producer
// rate, one line per jittered component.
func latencyPlots(r Results, period time.Duration, factor float64) ([]*plot.Plot, error) {
	var plots []*plot.Plot
	for _, m := range latencyMetrics {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s latency, period %v, factor %g", m.name, period, factor)
		p.X.Label.Text = "producer rate (requests/s)"
		p.X.Tick.Marker = thousands{}
		p.Y.Label.Text = "latency (s)"
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		p.Legend.Top = true
		p.Legend.Left = true
		lo, hi := math.Inf(1), math.Inf(-1)
		for i, c := range Components {
			var xys plotter.XYs
			for _, pt := range r.Latency {
				if pt.Jittered != c || pt.Period != period || pt.Factor != factor {
					continue
				}
				// A log axis cannot show 0 (no request completed).
				if v := m.get(pt.Result.Total); v > 0 {
					xys = append(xys, plotter.XY{X: pt.Result.Config.ProducerRate, Y: v})
					lo, hi = min(lo, v), max(hi, v)
				}
			}
			if len(xys) == 0 {
				continue
			}
			line, points, err := plotter.NewLinePoints(xys)
			if err != nil {
				return nil, fmt.Errorf("cannot plot the %s latency: %w", m.name, err)
			}
			line.Color = plotutil.Color(i)
			points.Color = plotutil.Color(i)
			points.Shape = plotutil.Shape(i)
			p.Add(line, points)
			p.Legend.Add(string(c)+" jitter", line, points)
		}
		// Keep the log axis away from zero when every value is equal.
		if lo <= hi {
			p.Y.Min, p.Y.Max = lo/1.5, hi*1.5
		}
		plots = append(plots, p)
	}
	return plots, nil
}

// effectivePlot returns the effective dispatch rate against the factor, one
// line per period, with the closed form where there is one.
func effectivePlot(r Results) (*plot.Plot, error) {
	g := r.Grid
	p := plot.New()
	p.Title.Text = fmt.Sprintf("effective dispatch rate, %s dispatcher, consumer %g/s", g.Jitter, g.ConsumerRate)
	p.X.Label.Text = "goal factor (over-dispatch multiplier)"
	p.Y.Label.Text = "effective rate (requests/s)"
	p.Y.Tick.Marker = thousands{}
	p.Legend.Top = false
	p.Legend.Left = false
	p.Legend.XOffs = -vg.Millimeter * 2
	p.Legend.YOffs = vg.Millimeter * 2
	p.Add(plotter.NewGrid())
	for i, per := range g.Periods {
		var xys plotter.XYs
		for _, pt := range r.Effective {
			if pt.Period == per {
				xys = append(xys, plotter.XY{X: pt.Factor, Y: pt.Effective.Rate})
			}
		}
		if len(xys) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, fmt.Errorf("cannot plot the effective rate: %w", err)
		}
		line.Color = plotutil.Color(i)
		points.Color = plotutil.Color(i)
		points.Shape = plotutil.Shape(i)
		p.Add(line, points)
		p.Legend.Add(fmt.Sprintf("period %v", per), line, points)
	}
	// The closed form depends on the period only through the rounding of
	// the limit; draw it for the longest period, where that is finest.
	longest := g.Periods[0]
	for _, per := range g.Periods {
		longest = max(longest, per)
	}
	cfg := EffectivePoint{Period: longest, Factor: 1}.config(g)
	if _, ok := sim.ClosedForm(cfg); ok && len(g.EffectiveFactors) > 0 {
		fn := plotter.NewFunction(func(x float64) float64 {
			c := cfg
			c.Factor = x
			v, ok := sim.ClosedForm(c)
			if !ok {
				return math.NaN()
			}
			return v
		})
		fn.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		fn.Width = vg.Points(1)
		lo, hi := g.EffectiveFactors[0], g.EffectiveFactors[0]
		for _, f := range g.EffectiveFactors {
			lo, hi = min(lo, f), max(hi, f)
		}
		fn.XMin, fn.XMax, fn.Samples = lo, hi, 200
		p.Add(fn)
		p.Legend.Add("closed form", fn)
	}
	return p, nil
}

// thousands labels the default ticks of a rate axis as 25k, 100k, 172.5k.
type thousands struct{}

// Ticks implements plot.Ticker.
func (thousands) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i, t := range ticks {
		if t.Label != "" {
			ticks[i].Label = strconv.FormatFloat(t.Value/1000, 'g', -1, 64) + "k"
		}
	}
	return ticks
}

// savePlots draws plots side by side, each w × h, and writes them to
// base.svg and base.png. It returns the files written.
func savePlots(base string, plots []*plot.Plot, w, h vg.Length) ([]string, error) {
	total := w * vg.Length(len(plots))
	var files []string
	for _, ext := range []string{"svg", "png"} {
		var c vg.CanvasWriterTo
		switch ext {
		case "svg":
			c = vgsvg.New(total, h)
		case "png":
			c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(total, h), vgimg.UseDPI(110))}
		}
		dc := draw.New(c)
		tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 2}
		canvases := plot.Align([][]*plot.Plot{plots}, tiles, dc)
		for i, p := range plots {
			p.Draw(canvases[0][i])
		}
		name := base + "." + ext
		if err := writeTo(name, c); err != nil {
			return files, err
		}
		files = append(files, name)
	}
	return files, nil
}

func writeTo(name string, c vg.CanvasWriterTo) (err error) {
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("cannot create %q: %w", name, err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("cannot write %q: %w", name, cerr)
		}
	}()
	if _, err := c.WriteTo(f); err != nil {
		return fmt.Errorf("cannot write %q: %w", name, err)
	}
	return nil
}
