package cli

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestIngestExample runs examples/ingest.yaml (on free ports instead of
// its fixed ones) and checks the answers its comment documents: a 202
// summary for POSTed lines, an ack per TCP line, and a quote computed by
// the pipeline.
func TestIngestExample(t *testing.T) {
	src, err := os.ReadFile("../../examples/ingest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ports := map[string]string{}
	yaml := string(src)
	for _, fixed := range []string{"127.0.0.1:8080", "127.0.0.1:8081", "127.0.0.1:9000"} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports[fixed] = ln.Addr().String()
		ln.Close()
		yaml = strings.ReplaceAll(yaml, fixed, ports[fixed])
	}
	file := filepath.Join(t.TempDir(), "ingest.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	type result struct {
		code         int
		stdout, errs string
	}
	done := make(chan result)
	go func() {
		code, out, errs := runMain("run", "--for", "3s", "--status", "off", file)
		done <- result{code, out, errs}
	}()
	for _, a := range ports {
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if c, err := net.Dial("tcp", a); err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s does not listen", a)
			}
		}
	}
	post := func(url, ctype, body string) (int, string) {
		resp, err := http.Post(url, ctype, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	code, body := post("http://"+ports["127.0.0.1:8080"]+"/events", "application/x-ndjson",
		"{\"user\":\"ann\",\"page\":\"/cart\",\"duration_ms\":1800}\n{\"user\":\"bo\",\"page\":\"/\",\"duration_ms\":40}")
	if code != 202 || body != `{"accepted":2,"rejected":0,"errors":[]}` {
		t.Errorf("views: %d %s", code, body)
	}
	code, body = post("http://"+ports["127.0.0.1:8081"]+"/quote", "application/json", `{"user":"ann","items":3,"unit_price":2.5}`)
	if code != 200 || body != `{"items":3,"unit_price":2.5,"user":"ann","discount":0,"total":7.5}` {
		t.Errorf("quote: %d %s", code, body)
	}
	c, err := net.Dial("tcp", ports["127.0.0.1:9000"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "{\"user\":\"cy\",\"page\":\"/help\",\"duration_ms\":2500}\n{\"user\":1}\n")
	r := bufio.NewReader(c)
	for _, want := range []string{"ok 1", `error 2: field "user": expected string, got 1`} {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if l, err := r.ReadString('\n'); err != nil || strings.TrimSpace(l) != want {
			t.Errorf("tcp ack %q %v, want %q", l, err, want)
		}
	}
	res := <-done
	if res.code != 0 || !strings.Contains(res.errs, "in 4, out 3, dropped 0, rejected 1") {
		t.Fatalf("exit %d:\n%s", res.code, res.errs)
	}
}
