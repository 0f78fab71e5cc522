package connect

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/greenwave/greenwave/internal/component"
	"github.com/greenwave/greenwave/internal/event"
)

// How greenwave lays a stream out: a message keyed k is published on
// `<subject>.<k>`; the stream maps it (its subject transform, or an
// account mapping on a server set up by hand) to `<subject>.<p>.<k>`, p =
// the partition of k, `{{partition(N,1)}}`: fnv32a(k) mod N. A source reads
// `<subject>.*.*` (every partition) or `<subject>.<p>.*` (one).

// streamOptions are the options the jetstream source and sink share, which
// also say how to create the stream when it does not exist.
func streamOptions() []component.Option {
	return []component.Option{
		{Name: "url", Type: component.String, Default: "",
			Doc: "NATS server URL (comma-separated URLs of a cluster's nodes). Empty: `greenwave run --nats`, or else a NATS server embedded in the process, started by the run, with JetStream and `sync_interval: always`, its files under `--state-dir` (or in a temporary directory without one)."},
		{Name: "stream", Type: component.String, Required: true,
			Doc: "The JetStream stream. Created when it does not exist, with `subject`, `partitions`, `replicas`, `dedup_window` and `max_age`; an existing stream is used as it is."},
		{Name: "subject", Type: component.String, Required: true,
			Doc: "Subject prefix: a message with key k is published on `<subject>.<k>` and stored on `<subject>.<p>.<k>`, p being k's partition (the stream's subject transform `{{partition(N,1)}}`, fnv32a(k) mod N)."},
		{Name: "partitions", Type: component.Int, Default: int64(1), HasMin: true, Min: 1, HasMax: true, Max: 1024,
			Doc: "How many partitions a stream created here has. An existing stream's own count (from its subject transform) is used, and a different value given here is an error."},
		{Name: "replicas", Type: component.Int, Default: int64(1), HasMin: true, Min: 1, HasMax: true, Max: 5,
			Doc: "Replicas of a stream created here (3 on a 3-node cluster survives a node failure)."},
		{Name: "dedup_window", Type: component.Duration, Default: 10 * time.Minute, HasMin: true, Min: float64(time.Second),
			Doc: "How long a stream created here remembers message ids (Nats-Msg-Id) to drop a message published again."},
		{Name: "max_age", Type: component.Duration, Default: time.Duration(0), HasMin: true,
			Doc: "How long a stream created here keeps messages; 0 keeps them until the stream is purged or edited."},
	}
}

// streamRef is the stream a component reads or writes, and how to create
// it.
type streamRef struct {
	url        string
	name       string
	subject    string
	partitions int // as the options say
	given      bool
	replicas   int
	dedup      time.Duration
	maxAge     time.Duration
}

var (
	streamNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	subjectRE    = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)
)

// readStream reads the stream options.
func readStream(r *component.Reader) streamRef {
	ref := streamRef{
		url: r.String("url"), name: r.String("stream"), subject: r.String("subject"),
		partitions: int(r.Int("partitions")), given: r.Given("partitions"), replicas: int(r.Int("replicas")),
		dedup: r.Duration("dedup_window"), maxAge: r.Duration("max_age"),
	}
	if r.Given("stream") && !streamNameRE.MatchString(ref.name) {
		r.Fail(r.At("stream"), "stream name %q: use letters, digits, _ and -", ref.name)
	}
	if r.Given("subject") && !subjectRE.MatchString(ref.subject) {
		r.Fail(r.At("subject"), "subject %q: use tokens of letters, digits, _ and - joined by dots, with no wildcard", ref.subject)
	}
	return ref
}

// transformDest is the subject transform that partitions the stream.
func (ref streamRef) transformDest(n int) string {
	return fmt.Sprintf("%s.{{partition(%d,1)}}.{{wildcard(1)}}", ref.subject, n)
}

var partitionRE = regexp.MustCompile(`\{\{\s*partition\(\s*(\d+)\s*,\s*1\s*\)\s*\}\}`)

// ensure returns the stream's partition count, creating the stream when it
// does not exist. An existing stream that partitions the subject into a
// different count than the options give is an error.
func (ref streamRef) ensure(ctx context.Context, js jetstream.JetStream) (int, error) {
	st, err := js.Stream(ctx, ref.name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		cfg := jetstream.StreamConfig{
			Name:     ref.name,
			Subjects: []string{ref.subject + ".*"},
			SubjectTransform: &jetstream.SubjectTransformConfig{
				Source: ref.subject + ".*", Destination: ref.transformDest(ref.partitions),
			},
			Storage:    jetstream.FileStorage,
			Retention:  jetstream.LimitsPolicy,
			Replicas:   ref.replicas,
			Duplicates: ref.dedup,
			MaxAge:     ref.maxAge,
			Discard:    jetstream.DiscardOld,
		}
		if _, err = js.CreateStream(ctx, cfg); err == nil || errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return ref.ensure(ctx, js) // created here or by a neighbour: read it back
		}
		return 0, fmt.Errorf("cannot create stream %q: %w", ref.name, err)
	}
	if err != nil {
		return 0, fmt.Errorf("cannot look up stream %q: %w", ref.name, err)
	}
	cfg := st.CachedInfo().Config
	n := ref.partitions
	if tr := cfg.SubjectTransform; tr != nil && tr.Source == ref.subject+".*" {
		m := partitionRE.FindStringSubmatch(tr.Destination)
		if m == nil || !strings.HasPrefix(tr.Destination, ref.subject+".") {
			return 0, fmt.Errorf("stream %q maps %q to %q, not to %q", ref.name, tr.Source, tr.Destination, ref.transformDest(ref.partitions))
		}
		n, _ = strconv.Atoi(m[1])
		if ref.given && n != ref.partitions {
			return 0, fmt.Errorf("stream %q has %d partitions, not %d (partitions)", ref.name, n, ref.partitions)
		}
	}
	return n, nil
}

// filter is the subject a source reads: one partition, or all (p < 0).
func (ref streamRef) filter(p int) string {
	if p < 0 {
		return ref.subject + ".*.*"
	}
	return ref.subject + "." + strconv.Itoa(p) + ".*"
}

// partitionOf is NATS's `{{partition(n,1)}}` of a key token.
func partitionOf(token []byte, n int) int {
	if n <= 1 {
		return 0
	}
	h := fnv.New32a()
	h.Write(token)
	return int(h.Sum32() % uint32(n))
}

// appendToken appends v as a subject token: its text, with the characters
// a token cannot hold (., *, >, whitespace) replaced by _, and _ for an
// empty or null value.
func appendToken(dst []byte, v event.Value) []byte {
	start := len(dst)
	switch v.Kind {
	case event.Null:
	case event.String:
		dst = append(dst, v.S...)
	case event.Int:
		dst = strconv.AppendInt(dst, v.Int(), 10)
	default:
		dst = append(dst, v.String()...)
	}
	for i := start; i < len(dst); i++ {
		switch c := dst[i]; {
		case c == '.' || c == '*' || c == '>' || c <= ' ' || c == 0x7f:
			dst[i] = '_'
		}
	}
	if len(dst) == start {
		dst = append(dst, '_')
	}
	return dst
}
