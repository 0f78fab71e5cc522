package sweep

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRunWritesCSVAndPlots(t *testing.T) {
	res, err := Run(context.Background(), tiny(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files, err := WriteFiles(dir, res)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	want := []string{
		"latency.csv",
		"latency-p500us-f1.5.svg", "latency-p500us-f1.5.png",
		"latency-p1000us-f1.5.svg", "latency-p1000us-f1.5.png",
		"effective.csv", "effective-rate.svg", "effective-rate.png",
	}
	if !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}

	lat := readCSV(t, filepath.Join(dir, "latency.csv"))
	if !slices.Equal(lat[0], LatencyHeader) {
		t.Fatalf("latency.csv header %v", lat[0])
	}
	if got := len(lat) - 1; got != 2*3*2 {
		t.Fatalf("latency.csv has %d rows, want 12 (2 periods × 3 components × 2 rates)", got)
	}
	col := func(name string) int { return slices.Index(LatencyHeader, name) }
	for _, row := range lat[1:] {
		if row[col("jittered")] == "dispatcher" && row[col("rate_fraction")] == "0.9" && row[col("bounded")] != "false" {
			t.Errorf("dispatcher jitter at 0.9 reported bounded: %v", row)
		}
		if row[col("jittered")] == "producer" && row[col("bounded")] != "true" {
			t.Errorf("producer jitter reported unbounded: %v", row)
		}
	}

	eff := readCSV(t, filepath.Join(dir, "effective.csv"))
	if !slices.Equal(eff[0], EffectiveHeader) || len(eff) != 3 {
		t.Fatalf("effective.csv: %v", eff)
	}
	if eff[1][slices.Index(EffectiveHeader, "closed_form_rate")] == "" {
		t.Error("effective.csv lacks the closed form for a poisson dispatcher")
	}

	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		switch filepath.Ext(f) {
		case ".png":
			if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
				t.Errorf("%s is not a PNG", f)
			}
		case ".svg":
			if !bytes.Contains(b, []byte("<svg")) || !bytes.Contains(b, []byte("</svg>")) {
				t.Errorf("%s is not an SVG", f)
			}
		}
	}
	svg, _ := os.ReadFile(filepath.Join(dir, "latency-p500us-f1.5.svg"))
	for _, label := range []string{"producer jitter", "dispatcher jitter", "consumer jitter", "p99 latency"} {
		if !bytes.Contains(svg, []byte(label)) {
			t.Errorf("latency plot lacks %q", label)
		}
	}
	svg, _ = os.ReadFile(filepath.Join(dir, "effective-rate.svg"))
	if !bytes.Contains(svg, []byte("closed form")) {
		t.Error("effective-rate plot lacks the closed form")
	}

	var sum bytes.Buffer
	if err := WriteSummary(&sum, res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sum.String(), "closed form") || !strings.Contains(sum.String(), "%") {
		t.Errorf("summary lacks the closed-form comparison:\n%s", sum.String())
	}
}

func readCSV(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rows
}
