package connect

import (
	"bytes"
	"testing"

	"github.com/valyala/fastjson"
)

// FuzzHTTPBody decodes arbitrary request bodies, as JSON lines and as
// application/json, the way the http source does. Nothing may panic; every
// record is either an event or an error; and the array splitter agrees
// with a real JSON parser: a body that parses as an array yields exactly
// its elements, each one byte-for-byte the element's text. The seed corpus
// is in testdata/fuzz/FuzzHTTPBody.
func FuzzHTTPBody(f *testing.F) {
	f.Add([]byte(`{"user":"a","n":1}`+"\n"+`{"user":"b"}`), false)
	f.Add([]byte(`[{"user":"a","n":1},{"user":"b","n":"x"}]`), true)
	f.Add([]byte(`[{"s":"]\"},{"},{"n":[1,{"a":[]}]}]`), true)
	ctx, _ := newCtx(f, "in", map[string]any{
		"schema":   map[string]string{"user": "string", "n": "int", "ts": "time", "ok": "bool", "x": "float"},
		"required": []string{"user"}, "on_error": "dead_letter",
	})
	src := mustNew(f, httpSourceSpec(), ctx).Source.(*httpSource)
	var p fastjson.Parser
	f.Fuzz(func(t *testing.T, body []byte, isJSON bool) {
		format := bodyLines
		if isJSON {
			format = bodyJSON
		}
		var records [][]byte
		collect := func(_ int64, rec []byte) bool {
			records = append(records, rec)
			return true
		}
		var splitErr error
		if isJSON {
			splitErr = forEachJSON(body, collect)
		} else {
			forEachLine(body, collect)
		}
		q := new(request)
		q.body.Write(body)
		err := src.decodeBody(q, format, "fuzz", 1)
		if (err == nil) != (splitErr == nil) {
			t.Fatalf("decodeBody error %v, splitter error %v", err, splitErr)
		}
		if err == nil && int64(q.n) != int64(len(records)) {
			// on_error: dead_letter: every record is an event or a dead letter.
			t.Fatalf("%d records, %d events and dead letters", len(records), q.n)
		}
		if int64(len(q.errs)) > q.bad {
			t.Fatalf("%d errors listed, %d counted", len(q.errs), q.bad)
		}
		if !isJSON {
			return
		}
		v, perr := p.ParseBytes(body)
		if perr != nil {
			return
		}
		if v.Type() != fastjson.TypeArray {
			if splitErr != nil || len(records) != 1 {
				t.Fatalf("a JSON %s split into %d records (%v)", v.Type(), len(records), splitErr)
			}
			return
		}
		elems, _ := v.Array()
		if splitErr != nil || len(records) != len(elems) {
			t.Fatalf("an array of %d split into %d records (%v)", len(elems), len(records), splitErr)
		}
		for i, e := range elems {
			var ep fastjson.Parser
			ev, err := ep.ParseBytes(records[i])
			if err != nil {
				t.Fatalf("element %d %q does not parse alone: %v", i, records[i], err)
			}
			if !bytes.Equal(ev.MarshalTo(nil), e.MarshalTo(nil)) {
				t.Fatalf("element %d split as %q, parsed as %s", i, records[i], e.MarshalTo(nil))
			}
		}
	})
}
