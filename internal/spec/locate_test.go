package spec

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/diag"
)

const locateSrc = `sources:
  api:
    type: http
    address: ":8080"
    tls: {cert: cert.pem}
    headers:
      - {name: X-A}
    schema: {ts: time, user: string}
    routes:
      plain: a > b
      single: 'a > b'
      double: "a > b"
      block: |
        a > 1
          and b
      folded: >
        a > 1
        and b
sinks:
  out: {type: blackhole, inputs: [api]}
`

// TestDiagnose: problems a component's New reports are placed at the value
// they are about, however deep, and a diagnostic inside a value's text at
// its column (after a quote, on the right line of a literal block); no
// file is read.
func TestDiagnose(t *testing.T) {
	p := mustParse(t, "loc.yaml", locateSrc)
	api := p.ByName["api"]
	rel := func(line, col int) *diag.Diagnostic {
		return &diag.Diagnostic{Pos: diag.Pos{Line: line, Col: col}, Msg: "boom"}
	}
	err := errors.Join(
		component.PathErr(component.At("tls", "cert"), "cannot read %q", "cert.pem"),
		component.PathErr(component.At("headers").Index(0).Key("name"), "bad header"),
		&component.OptionError{Path: component.At("schema"), Err: errors.Join(
			component.PathErr(component.At("user"), "not allowed"),
			fmt.Errorf("a problem of the whole schema"))},
		&component.OptionError{Path: component.At("routes", "plain"), Err: rel(1, 3)},
		&component.OptionError{Path: component.At("routes", "single"), Err: rel(1, 3)},
		&component.OptionError{Path: component.At("routes", "double"), Err: rel(1, 3)},
		&component.OptionError{Path: component.At("routes", "block"), Err: rel(2, 3)},
		&component.OptionError{Path: component.At("routes", "folded"), Err: rel(2, 1)},
		&component.OptionError{Path: component.At("routes", "folded"), Err: rel(1, 3)},
		fmt.Errorf("needs exactly 1 input, got 2"),
		diag.Errorf(diag.Pos{File: "other.yaml", Line: 3, Col: 4}, "", "already placed"),
	)
	var got []string
	for _, d := range api.Diagnose(err) {
		got = append(got, d.Error())
	}
	want := []string{
		`loc.yaml:5:17: source "api": option "tls.cert": cannot read "cert.pem"`,
		`loc.yaml:7:16: source "api": option "headers[0].name": bad header`,
		`loc.yaml:8:30: source "api": option "schema.user": not allowed`,
		`loc.yaml:8:13: source "api": option "schema": a problem of the whole schema`,
		`loc.yaml:10:16: source "api": option "routes.plain": boom`,
		`loc.yaml:11:18: source "api": option "routes.single": boom`,
		`loc.yaml:12:18: source "api": option "routes.double": boom`,
		`loc.yaml:15:11: source "api": option "routes.block": boom`,
		// A folded block's lines are joined: only its first line is placed.
		`loc.yaml:16:15: source "api": option "routes.folded": line 2, column 1: boom`,
		`loc.yaml:17:11: source "api": option "routes.folded": boom`,
		`loc.yaml:3:11: source "api": needs exactly 1 input, got 2`,
		`other.yaml:3:4: source "api": already placed`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if api.Diagnose(nil) != nil {
		t.Error("nil error diagnosed")
	}
}

// TestSuggestionsAreStructured: unknown names carry the closest valid one
// as the diagnostic's Suggestion, which renders as the hint.
func TestSuggestionsAreStructured(t *testing.T) {
	_, err := Parse("s.yaml", []byte("sources:\n  a: {type: generate, rat: 1}\n  b: {type: http, address: x, tls: {cret: c}}\nsinks:\n  out: {type: blackhole, inputs: [a, bb]}\n"), testCatalog(t))
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v", err)
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.Suggestion)
	}
	if strings.Join(got, ",") != "rate,cert,b" || !strings.HasSuffix(errs[0].Error(), `unknown option "rat" (did you mean "rate"?)`) {
		t.Errorf("suggestions %q in\n%v", got, err)
	}
}
