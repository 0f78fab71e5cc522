package spec

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/greenwave/greenwave/internal/component"
)

// TestNestedOptions: objects (in objects), lists of objects and maps reach
// the component converted, defaulted at every level, with the position of
// every nested key, entry and element.
func TestNestedOptions(t *testing.T) {
	p := loadOK(t, "nested.yaml")
	file := p.File
	api := p.ByName["api"]
	o := api.Options

	tls := o.Object("tls")
	if tls.String("cert") != "cert.pem" || tls.String("min_version") != "1.2" || tls.Given("min_version") {
		t.Errorf("tls: cert %q, min_version %q (given %v)", tls.String("cert"), tls.String("min_version"), tls.Given("min_version"))
	}
	if ca := tls.Object("client_auth"); ca.String("mode") != "require" || ca.Has("ca") {
		t.Errorf("client_auth: mode %q", ca.String("mode"))
	}
	var headers []string
	for _, h := range o.Objects("headers") {
		headers = append(headers, h.String("name")+"="+h.String("value"))
	}
	if want := []string{"X-A=a", "X-B="}; !reflect.DeepEqual(headers, want) {
		t.Errorf("headers %v, want %v (value defaulted)", headers, want)
	}
	if got, want := o.Map("schema"), []component.Entry{{Key: "ts", Value: "time"}, {Key: "user", Value: "string"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("schema %v, want %v in file order", got, want)
	}
	if got := o.StringMap("schema"); !reflect.DeepEqual(got, map[string]string{"ts": "time", "user": "string"}) {
		t.Errorf("schema as a Go map: %v", got)
	}
	if got := o.Map("quotas"); len(got) != 1 || got[0].Value != int64(5) {
		t.Errorf("quotas %v", got)
	}
	if o.Int("max_body") != 1024 || o.Float("sample") != 1 {
		t.Errorf("defaults: max_body %d sample %v", o.Int("max_body"), o.Float("sample"))
	}

	for path, want := range map[string]Pos{
		"tls":                  at(file, 8, 7),
		"tls.cert":             at(file, 8, 13),
		"tls.client_auth.mode": at(file, 9, 27),
		"headers":              at(file, 11, 7),
		"headers[0].value":     at(file, 11, 28),
		"headers[1].name":      at(file, 12, 15),
		"schema.user":          at(file, 13, 30),
		"routes./v1":           at(file, 15, 21),
	} {
		if got := api.PathPos(parsePath(path)); got != want {
			t.Errorf("PathPos(%s) = %v, want %v", path, got, want)
		}
	}
	// An absent nested value is placed at its closest given parent.
	if got := api.PathPos(component.At("tls", "key")); got != at(file, 8, 7) {
		t.Errorf("PathPos(tls.key) = %v, want the tls object's", got)
	}
	if got := api.PathPos(component.At("nope")); got != api.Pos {
		t.Errorf("PathPos of an absent option = %v, want the component's %v", got, api.Pos)
	}

	if p.Weight != 2.5 || p.WeightPos != at(file, 1, 9) || p.Limits.Memory != 512<<20 || p.Limits.MemoryPos != at(file, 2, 18) {
		t.Errorf("weight %v at %v, limits %+v", p.Weight, p.WeightPos, p.Limits)
	}
}

// parsePath reads the few path spellings the tests use: a.b, a[1].b and
// a./x (a key with a slash).
func parsePath(s string) component.Path {
	var p component.Path
	key := ""
	flush := func() {
		if key != "" {
			if p.IsZero() {
				p = component.At(key)
			} else {
				p = p.Key(key)
			}
			key = ""
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.' && key != "":
			flush()
		case c == '.':
		case c == '[':
			flush()
			p = p.Index(int(s[i+1] - '0'))
			i += 2
		default:
			key += string(c)
		}
	}
	flush()
	return p
}

func TestPipelineDefaults(t *testing.T) {
	p := mustParse(t, "d.yaml", okPipeline)
	start := at("d.yaml", 1, 1)
	if p.Weight != 1 || p.WeightPos != start || p.Limits != (Limits{Pos: start, MemoryPos: start}) {
		t.Errorf("weight %v at %v, limits %+v; want 1 and no cap", p.Weight, p.WeightPos, p.Limits)
	}
}

// TestNumberSpellings: 1e5 and the other YAML spellings of a number are
// numbers wherever one is expected.
func TestNumberSpellings(t *testing.T) {
	p := loadOK(t, "numbers.yaml")
	s, api := p.ByName["s"].Options, p.ByName["api"].Options
	if s.Int("rate") != 100000 || s.Int("count") != 1000 || s.Float("jitter") != 0.25 || s.Size("max_bytes") != 1000 {
		t.Errorf("rate %d count %d jitter %v max_bytes %d", s.Int("rate"), s.Int("count"), s.Float("jitter"), s.Size("max_bytes"))
	}
	if api.Int("max_body") != 64<<10 || api.Float("sample") != 0.5 {
		t.Errorf("max_body %d sample %v", api.Int("max_body"), api.Float("sample"))
	}
	if got := api.Map("quotas"); !reflect.DeepEqual(got, []component.Entry{{Key: "a", Value: int64(10)}, {Key: "b", Value: int64(16)}}) {
		t.Errorf("quotas %v", got)
	}
	for in, want := range map[string]bool{
		"1e5": true, "-1E5": true, "+2.5e-3": true, ".5": true, "5.": true, "1_000": true, "1e": false,
		"e5": false, "1.2.3": false, "0x10": false, "": false, "-": false, "1e5x": false, "_1": false,
	} {
		if got := isDecimal(in); got != want {
			t.Errorf("isDecimal(%q) = %v", in, got)
		}
	}
}

// TestBOM: a UTF-8 byte order mark before the first key is not part of it,
// and positions on the first line are unchanged.
func TestBOM(t *testing.T) {
	p := mustParse(t, "bom.yaml", "\ufefftenant: acme\n"+okPipeline)
	if p.Tenant != "acme" || p.TenantPos != at("bom.yaml", 1, 9) {
		t.Errorf("tenant %q at %v", p.Tenant, p.TenantPos)
	}
}

// TestObjectDefaultsWhenAbsent: an object option left out reads as its
// sub-options' defaults, and so do the common keys.
func TestObjectDefaultsWhenAbsent(t *testing.T) {
	p := mustParse(t, "o.yaml", "sources:\n  api: {type: http, address: x}\nsinks:\n  out: {type: blackhole, inputs: [api]}\n")
	o := p.ByName["api"].Options
	if o.Given("tls") || o.Object("tls").String("min_version") != "1.2" || o.Object("tls").Object("client_auth").String("mode") != "none" {
		t.Errorf("absent object's defaults not read")
	}
	out := p.ByName["out"]
	if out.Buffer.Capacity != DefaultBufferCapacity || out.Buffer.WhenFull != WhenFullBlock || out.Parallelism != 1 {
		t.Errorf("common keys' defaults: %+v, parallelism %d", out.Buffer, out.Parallelism)
	}
	if et := p.ByName["api"].EventTime; et.MaxOutOfOrderness != 0 || et.IdleTimeout != 0 {
		t.Errorf("event_time defaults %+v", et)
	}
	var d time.Duration
	for _, c := range CommonOptions() {
		if c.Name == "event_time" {
			d = c.Options[0].Default.(time.Duration)
		}
	}
	if d != 0 {
		t.Errorf("max_out_of_orderness default %v", d)
	}
}

// TestDeepNestingIsRefusedQuickly: a file nesting flow collections beyond
// maxFlowDepth is one problem at the first level too deep, found before the
// YAML parser (whose time grows with the square of the depth) sees it;
// brackets in quotes and comments do not count.
func TestDeepNestingIsRefusedQuickly(t *testing.T) {
	deep := "sources:\n  a: {type: generate, template: " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "}\n"
	start := time.Now()
	_, err := Parse("deep.yaml", []byte(deep), testCatalog(t))
	if err == nil || err.Error() != "deep.yaml:2:1032: lists and mappings nest deeper than 1000 levels" {
		t.Fatalf("error %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	ok := "sources:\n  a: {type: generate, name_prefix: '" + strings.Repeat("[", 2000) + "', where: \"" + strings.Repeat("{", 2000) + "\"} # " +
		strings.Repeat("[", 2000) + "\nsinks:\n  out: {type: blackhole, inputs: [a]}\n"
	p := mustParse(t, "q.yaml", ok)
	if got := p.ByName["a"].Options.String("name_prefix"); len(got) != 2000 {
		t.Errorf("name_prefix of %d bytes", len(got))
	}
	fine := "sources:\n  a: {type: generate, template: " + strings.Repeat("[", 900) + strings.Repeat("]", 900) + "}\nsinks:\n  out: {type: blackhole, inputs: [a]}\n"
	mustParse(t, "fine.yaml", fine)
}
