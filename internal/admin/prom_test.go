package admin_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/greenwave/greenwave/internal/admin"
)

// get fetches path with the given headers as they are (no transparent
// decompression) and returns the response's headers and body.
func get(t *testing.T, fx *fixture, path string, hdr ...string) (http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", fx.http.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	c := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer c.CloseIdleConnections()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v %s", path, resp.StatusCode, err, b)
	}
	return resp.Header, b
}

func parseText(t *testing.T, b []byte) map[string]*dto.MetricFamily {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return fams
}

// /metrics answers each format and encoding a scraper may ask for: text
// plain or gzip'd, protobuf (through client_golang), and the name[] filter
// in both; every answer holds the same families.
func TestMetricsFormats(t *testing.T) {
	fx := newFixture(t, admin.Config{})
	if code, b := fx.do(t, "PUT", "/api/tenants/acme", keyed); code != 201 {
		t.Fatalf("put: %d %s", code, b)
	}
	time.Sleep(200 * time.Millisecond)
	names := func(fams map[string]*dto.MetricFamily) []string {
		var out []string
		for n := range fams {
			if strings.HasPrefix(n, "greenwave_") {
				out = append(out, n)
			}
		}
		slices.Sort(out)
		return out
	}

	h, plain := get(t, fx, "/metrics", "Accept-Encoding", "identity")
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") || h.Get("Content-Encoding") != "" {
		t.Errorf("plain: Content-Type %q, Content-Encoding %q", ct, h.Get("Content-Encoding"))
	}
	text := parseText(t, plain)
	want := names(text)
	if len(want) < 20 || text["go_goroutines"] == nil || len(text["greenwave_edge_published_total"].GetMetric()) != 4 {
		t.Fatalf("plain: families %v", want)
	}

	h, zipped := get(t, fx, "/metrics", "Accept-Encoding", "gzip")
	if h.Get("Content-Encoding") != "gzip" {
		t.Errorf("gzip asked for, Content-Encoding %q", h.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(parseText(t, unzipped)); !slices.Equal(got, want) {
		t.Errorf("gzip: families %v, want %v", got, want)
	}

	proto := `application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited`
	h, pb := get(t, fx, "/metrics", "Accept", proto, "Accept-Encoding", "identity")
	format := expfmt.Format(h.Get("Content-Type"))
	if format.FormatType() != expfmt.TypeProtoDelim {
		t.Fatalf("protobuf asked for, Content-Type %q", h.Get("Content-Type"))
	}
	dec := expfmt.NewDecoder(bytes.NewReader(pb), format)
	fams := map[string]*dto.MetricFamily{}
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		fams[mf.GetName()] = &mf
	}
	if got := names(fams); !slices.Equal(got, want) {
		t.Errorf("protobuf: families %v, want %v", got, want)
	}
	if n := len(fams["greenwave_edge_published_total"].GetMetric()); n != 4 {
		t.Errorf("protobuf: %d edge series, want 4", n)
	}

	_, filtered := get(t, fx, "/metrics?name[]=greenwave_edge_fill_ratio&name[]=go_goroutines", "Accept-Encoding", "identity")
	ff := parseText(t, filtered)
	if len(ff) != 2 || ff["greenwave_edge_fill_ratio"] == nil || ff["go_goroutines"] == nil {
		t.Errorf("name[] filter: families %v", ff)
	}
}
