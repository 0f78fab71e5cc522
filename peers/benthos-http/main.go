// Command benthos-http is greenwave's peer for bench latency: Redpanda's
// Benthos core (github.com/redpanda-data/benthos/v4, public/service) with
// its http_server input doing the work of greenwave's latency pipeline in
// Bloblang: drop records whose n is negative, add double = n * 2 and
// upper-case user.
//
//	-mode reply   one record per request, answered with the row through
//	              sync_response (greenwave's request_reply)
//	-mode ingest  JSON lines per request, split and processed, dropped
//	              after processing; the request is answered once they are
//	              (greenwave's ingest mode into a blackhole)
//
// It is its own module so that Benthos never becomes a dependency of
// greenwave. Build and run it with run.sh.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	_ "github.com/redpanda-data/benthos/v4/public/components/io"
	_ "github.com/redpanda-data/benthos/v4/public/components/pure"
	"github.com/redpanda-data/benthos/v4/public/service"
)

const work = `
    - mapping: |
        root = if this.n < 0 { deleted() } else { this }
    - mapping: |
        root = this
        root.double = this.n * 2
        root.user = this.user.uppercase()
`

func config(addr, mode string) string {
	if mode == "reply" {
		return fmt.Sprintf(`
http:
  enabled: false
input:
  http_server:
    address: %q
    path: /events
    allowed_verbs: [POST]
pipeline:
  processors:%s
output:
  sync_response: {}
logger:
  level: ERROR
`, addr, work)
	}
	return fmt.Sprintf(`
http:
  enabled: false
input:
  http_server:
    address: %q
    path: /events
    allowed_verbs: [POST]
pipeline:
  processors:
    - unarchive:
        format: lines%s
output:
  drop: {}
logger:
  level: ERROR
`, addr, work)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "address to listen on")
	mode := flag.String("mode", "reply", "reply or ingest")
	flag.Parse()
	if *mode != "reply" && *mode != "ingest" {
		fmt.Fprintf(os.Stderr, "benthos-http: -mode must be reply or ingest, got %q\n", *mode)
		os.Exit(2)
	}
	b := service.NewStreamBuilder()
	if err := b.SetYAML(config(*addr, *mode)); err != nil {
		fmt.Fprintf(os.Stderr, "benthos-http: config: %v\n", err)
		os.Exit(1)
	}
	stream, err := b.Build()
	if err != nil {
		fmt.Fprintf(os.Stderr, "benthos-http: build: %v\n", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := stream.Run(ctx); err != nil && ctx.Err() == nil {
		fmt.Fprintf(os.Stderr, "benthos-http: %v\n", err)
		os.Exit(1)
	}
}
