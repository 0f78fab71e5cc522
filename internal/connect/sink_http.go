package connect

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/dispatch"
)

const (
	httpFormatLines = "json_lines"
	httpFormatArray = "json_array"
	onErrorFail     = "fail"
)

func httpSinkSpec() *component.Spec {
	return &component.Spec{
		Type: "http",
		Kind: component.KindSink,
		Doc: "POSTs events in batches to an HTTP endpoint: JSON lines (`application/x-ndjson`) or a JSON array " +
			"(`application/json`), each batch with an `Idempotency-Key` header that stays the same across its " +
			"retries. Delivery is at least once: a batch is sent again after a timeout, a closed connection, 408, " +
			"429 or a 5xx, with exponential backoff (or the server's `Retry-After`), so a server may see a batch " +
			"twice, always with the same key; any other answer but 2xx is final. After the last retry `on_error` " +
			"decides: `fail` stops the tenant naming the batch, `dead_letter` writes its events to the " +
			"dead_letter file and goes on. When requests go out is the `dispatch` object's business: at once, " +
			"paced, or adaptive. The sink sends on goroutines of its own, never on a worker, and holds at most " +
			"`max_pending` events: a slow server fills its input edge, whose `when_full` applies.",
		Options: []component.Option{
			{Name: "url", Type: component.String, Required: true,
				Doc: "Where batches go: an `http://` or `https://` URL."},
			{Name: "method", Type: component.Enum, Default: http.MethodPost, Enum: []string{http.MethodPost, http.MethodPut},
				Doc: "The request method."},
			{Name: "format", Type: component.Enum, Default: httpFormatLines, Enum: []string{httpFormatLines, httpFormatArray},
				Doc: "`json_lines`: one JSON object per line (`application/x-ndjson`); `json_array`: one JSON array of " +
					"objects (`application/json`)."},
			{Name: "headers", Type: component.StringMap,
				Doc: "Extra request headers, such as `{X-Tenant: acme}`. Content-Type, Idempotency-Key and " +
					"Authorization are the sink's own."},
			{Name: "batch", Type: component.Object, Doc: "When a batch is complete; the first bound reached closes it.",
				Options: []component.Option{
					{Name: "max_events", Type: component.Int, Default: int64(500), HasMin: true, Min: 1, HasMax: true, Max: 1 << 20,
						Doc: "Most events in one request."},
					{Name: "max_bytes", Type: component.Size, Default: int64(1 << 20), HasMin: true, Min: 64, HasMax: true, Max: 256 << 20,
						Doc: "Most bytes in one request body. An event larger than this alone is an error for " +
							"`on_error` (dead-lettered, or failing the tenant)."},
					{Name: "max_wait", Type: component.Duration, Default: time.Second, HasMin: true, Min: float64(time.Millisecond),
						Doc: "Longest time the first event of a batch waits for the batch to fill (checked every quarter of it)."},
				}},
			{Name: "timeout", Type: component.Duration, Default: 10 * time.Second, HasMin: true, Min: float64(time.Millisecond),
				Doc: "How long one attempt may take, answer included. A timeout is retried and counts as overload."},
			{Name: "retry", Type: component.Object, Doc: "How failed attempts are retried.",
				Options: []component.Option{
					{Name: "max_retries", Type: component.Int, Default: int64(5), HasMin: true, HasMax: true, Max: 100,
						Doc: "Retries after the first attempt before on_error applies (0: none)."},
					{Name: "initial_backoff", Type: component.Duration, Default: 100 * time.Millisecond, HasMin: true, Min: float64(time.Millisecond),
						Doc: "Wait before the first retry; each further retry waits twice as long (each wait drawn " +
							"between half and all of it), up to max_backoff."},
					{Name: "max_backoff", Type: component.Duration, Default: 10 * time.Second, HasMin: true, Min: float64(time.Millisecond),
						Doc: "Longest wait between two attempts of a batch, unless the server asks for more with Retry-After."},
					{Name: "max_retry_after", Type: component.Duration, Default: time.Minute, HasMin: true,
						Doc: "Longest `Retry-After` honoured (seconds or an HTTP date); a longer one waits this long."},
				}},
			{Name: "on_error", Type: component.Enum, Default: onErrorFail, Enum: []string{onErrorFail, onErrorDead},
				Doc: "What happens to a batch after its last retry, or at once after a final answer (a 4xx other " +
					"than 408 and 429), and to an event larger than batch.max_bytes: `fail` stops the tenant with the " +
					"batch's key and last answer; `dead_letter` writes one JSON line per event to dead_letter.path, " +
					"with the keys error, status (0: no answer), attempts, idempotency_key and event, and goes on."},
			{Name: "dead_letter", Type: component.Object, Doc: "Where on_error: dead_letter writes.",
				Options: []component.Option{
					{Name: "path", Type: component.String,
						Doc: "File of dead letters, relative to the pipeline file's directory (required with on_error: dead_letter)."},
					{Name: "append", Type: component.Bool, Default: true,
						Doc: "Append to an existing file (sinks may share a file only when all of them append)."},
					{Name: "create_dirs", Type: component.Bool, Default: true,
						Doc: "Create the file's missing parent directories at start."},
				}},
			{Name: "max_pending", Type: component.Count, Default: int64(10000), HasMin: true, Min: 2, HasMax: true, Max: 1 << 26,
				Doc: "Most events the sink holds at once: in the batch being filled, queued, in flight or waiting for a " +
					"retry (at least twice batch.max_events). Beyond it the sink takes no input and its input edge fills."},
			{Name: "tls", Type: component.Object, Doc: "TLS for https URLs (PEM files, relative to the pipeline file's directory, read when the tenant starts).",
				Options: []component.Option{
					{Name: "ca", Type: component.String, Doc: "Certificate authorities to trust instead of the system's."},
					{Name: "cert", Type: component.String, Doc: "Client certificate chain, with key."},
					{Name: "key", Type: component.String, Doc: "Client private key, with cert."},
					{Name: "server_name", Type: component.String, Doc: "Name to verify the server's certificate against (default: the URL's host)."},
					{Name: "insecure_skip_verify", Type: component.Bool, Default: false,
						Doc: "Do not verify the server's certificate (tests only)."},
				}},
			{Name: "token_file", Type: component.String,
				Doc: "File holding a bearer token (read when the tenant starts), sent as `Authorization: Bearer <token>`."},
			dispatch.Option(),
		},
		Claims: httpSinkClaims,
		New:    newHTTPSink,
	}
}

// httpSinkTLS is what the sink reads of its tls option.
type httpSinkTLS struct {
	ca, cert, key, serverName string
	skipVerify                bool
}

// httpSink is the http sink. Process, Tick and Flush run on its actor;
// send, attempts and their acknowledgements on goroutines of its own (see
// sink_http_send.go); Report on any goroutine.
type httpSink struct {
	url, method, format string
	contentType         string
	headers             http.Header
	maxEvents           int
	maxBytes            int
	maxWait             time.Duration
	timeout             time.Duration
	maxRetries          int
	backoff, maxBackoff time.Duration
	maxRetryAfter       time.Duration
	deadLetter          bool
	dlFile              string // as written
	dlPath              string
	dlAppend, dlDirs    bool
	maxPending          int
	tls                 httpSinkTLS
	tokenFile           string
	dir                 string
	dcfg                dispatch.Config
	ack                 func(int, error)
	now                 func() time.Time
	closeTimeout        time.Duration

	// Owned by the actor.
	lf        lineFormat
	line      []byte
	cur       *httpBatch
	curSince  time.Time
	seq       uint64
	keyPrefix string

	// Set by Open.
	client *http.Client
	token  string
	d      *dispatch.Dispatcher[*httpBatch]
	dl     *httpDeadLetters
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // attempts and dead-letter writes under way

	stats httpSinkCounters
}

func newHTTPSink(ctx *component.Context) (*component.Instance, error) {
	r := component.NewReader(httpSinkSpec(), ctx.Options)
	s := &httpSink{dir: ctx.Dir, ack: ctx.Ack, now: ctx.Now, closeTimeout: ctx.CloseTimeout}
	if s.now == nil {
		s.now = time.Now
	}
	s.url = r.String("url")
	if u, err := url.Parse(s.url); err != nil {
		r.Fail(r.At("url"), "%q is not a URL: %w", s.url, err)
	} else if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.Fail(r.At("url"), "%q is not an http:// or https:// URL with a host", s.url)
	}
	s.method = r.String("method")
	s.format = r.String("format")
	s.contentType = "application/x-ndjson"
	if s.format == httpFormatArray {
		s.contentType = "application/json"
	}
	s.headers = http.Header{}
	for k, v := range r.StringMap("headers") {
		switch http.CanonicalHeaderKey(k) {
		case "Content-Type", "Idempotency-Key", "Authorization", "Content-Length", "Host":
			r.Fail(r.At("headers", k), "header %q is set by the sink", k)
		default:
			s.headers.Set(k, v)
		}
	}
	b := r.Object("batch")
	s.maxEvents = int(b.Int("max_events"))
	s.maxBytes = int(b.Size("max_bytes"))
	s.maxWait = b.Duration("max_wait")
	s.timeout = r.Duration("timeout")
	rt := r.Object("retry")
	s.maxRetries = int(rt.Int("max_retries"))
	s.backoff = rt.Duration("initial_backoff")
	s.maxBackoff = rt.Duration("max_backoff")
	s.maxRetryAfter = rt.Duration("max_retry_after")
	if s.maxBackoff < s.backoff {
		rt.Fail(rt.At("max_backoff"), "%v is below initial_backoff %v", s.maxBackoff, s.backoff)
	}
	s.deadLetter = r.String("on_error") == onErrorDead
	dl := r.Object("dead_letter")
	s.dlFile = dl.String("path")
	s.dlAppend = dl.Bool("append")
	s.dlDirs = dl.Bool("create_dirs")
	if s.deadLetter && s.dlFile == "" {
		r.Fail(r.At("dead_letter", "path"), "on_error: dead_letter needs a file to write")
	}
	if !s.deadLetter && r.Given("dead_letter") {
		r.Fail(r.At("dead_letter"), "is only used with on_error: dead_letter")
	}
	s.dlPath = resolvePath(ctx.Dir, s.dlFile)
	s.maxPending = int(r.Int("max_pending"))
	if s.maxPending < 2*s.maxEvents && !r.Failed() {
		r.Fail(r.At("max_pending"), "%d is below twice batch.max_events (%d)", s.maxPending, 2*s.maxEvents)
	}
	t := r.Object("tls")
	s.tls = httpSinkTLS{ca: t.String("ca"), cert: t.String("cert"), key: t.String("key"),
		serverName: t.String("server_name"), skipVerify: t.Bool("insecure_skip_verify")}
	if (s.tls.cert == "") != (s.tls.key == "") {
		t.Fail(t.At("cert"), "a client certificate needs both cert and key")
	}
	if (s.tls.ca != "" || s.tls.cert != "" || s.tls.serverName != "" || s.tls.skipVerify) && strings.HasPrefix(s.url, "http://") {
		r.Fail(r.At("tls"), "is set but the url %q is not https", s.url)
	}
	s.tokenFile = r.String("token_file")
	if r.Given("token_file") && s.tokenFile == "" {
		r.Fail(r.At("token_file"), "must name a file")
	}
	s.dcfg = dispatch.Read(r, "dispatch")
	if err := r.Err(); err != nil {
		return nil, err
	}
	if err := s.dcfg.Validate(); err != nil {
		return nil, fmt.Errorf("option \"dispatch\": %w", err)
	}
	s.lf = lineFormat{cache: schemaCache{inputs: ctx.Inputs, reg: ctx.Registry}}
	return &component.Instance{Operator: s}, nil
}

// httpSinkClaims claims the dead-letter file, as the file sink claims its
// file.
func httpSinkClaims(ctx *component.Context) []component.Claim {
	r := component.NewReader(httpSinkSpec(), ctx.Options)
	if r.String("on_error") != onErrorDead {
		return nil
	}
	dl := r.Object("dead_letter")
	file := dl.String("path")
	if file == "" {
		return nil
	}
	key := resolvePath(ctx.Dir, file)
	if abs, err := filepath.Abs(key); err == nil {
		key = abs
	}
	return []component.Claim{{
		Kind: "file", Key: filepath.Clean(key), Shared: dl.Bool("append"),
		Path: dl.At("path"), Value: file, Verb: "written",
	}}
}

// MaxInFlight is max_pending: the engine hands the sink no more while it
// holds that many events.
func (s *httpSink) MaxInFlight() int { return s.maxPending }
