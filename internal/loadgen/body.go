package loadgen

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
)

// MaxBodies bounds the distinct bodies built before a run, and
// maxBodyBytes their total size; requests use them in turn.
const (
	MaxBodies    = 4096
	maxBodyBytes = 64 << 20
)

// Profiles are the built-in body generators: each writes one JSON object
// (an event) for event number i.
var Profiles = map[string]func(b []byte, i int64, r *rand.Rand) []byte{
	// sequence: {"user":"u<i mod 1000>","n":<i>,"ts":<unix ms>}
	"sequence": func(b []byte, i int64, _ *rand.Rand) []byte {
		b = append(b, `{"user":"u`...)
		b = strconv.AppendInt(b, i%1000, 10)
		b = append(b, `","n":`...)
		b = strconv.AppendInt(b, i, 10)
		b = append(b, `,"ts":`...)
		b = strconv.AppendInt(b, 1767225600000+i, 10)
		return append(b, '}')
	},
	// clicks: page views of a web site, with a duration and a country.
	"clicks": func(b []byte, i int64, r *rand.Rand) []byte {
		pages := [...]string{"/", "/search", "/cart", "/checkout", "/help"}
		countries := [...]string{"us", "de", "fr", "jp", "br"}
		b = append(b, `{"user":"u`...)
		b = strconv.AppendInt(b, r.Int64N(10000), 10)
		b = append(b, `","page":"`...)
		b = append(b, pages[r.IntN(len(pages))]...)
		b = append(b, `","country":"`...)
		b = append(b, countries[r.IntN(len(countries))]...)
		b = append(b, `","duration_ms":`...)
		b = strconv.AppendInt(b, 10+r.Int64N(3000), 10)
		b = append(b, `,"n":`...)
		b = strconv.AppendInt(b, i, 10)
		return append(b, '}')
	},
}

// ProfileNames lists the built-in profiles.
func ProfileNames() []string { return []string{"clicks", "sequence"} }

// bodies builds the request bodies of a run: count of them (at most
// MaxBodies), each of cfg.Events events, as JSON lines or, for
// application/json, a JSON array (one object alone for one event).
func bodies(cfg *Config, count int64) ([][]byte, error) {
	n := int(min(count, MaxBodies))
	n = max(n, 1)
	var events func(b []byte, i int64) []byte
	r := rand.New(rand.NewPCG(uint64(cfg.Seed), 7))
	switch {
	case cfg.Template != "":
		tmpl := cfg.Template
		events = func(b []byte, i int64) []byte { return expand(b, tmpl, i, r) }
	case cfg.BodyFile != "":
		lines, err := readLines(cfg.BodyFile)
		if err != nil {
			return nil, err
		}
		events = func(b []byte, i int64) []byte { return append(b, lines[i%int64(len(lines))]...) }
	default:
		gen, ok := Profiles[cfg.Profile]
		if !ok {
			return nil, fmt.Errorf("unknown profile %q (have %s)", cfg.Profile, strings.Join(ProfileNames(), ", "))
		}
		events = func(b []byte, i int64) []byte { return gen(b, i, r) }
	}
	array := strings.HasPrefix(cfg.ContentType, "application/json") && !strings.HasPrefix(cfg.Target, "tcp:")
	out := make([][]byte, 0, n)
	var ev, size int64
	for k := 0; k < n && (k == 0 || size < maxBodyBytes); k++ {
		var b []byte
		if array && cfg.Events > 1 {
			b = append(b, '[')
		}
		for e := range cfg.Events {
			if e > 0 {
				if array {
					b = append(b, ',')
				} else {
					b = append(b, '\n')
				}
			}
			b = events(b, ev)
			ev++
		}
		if array && cfg.Events > 1 {
			b = append(b, ']')
		}
		if !array {
			b = append(b, '\n')
		}
		out = append(out, b)
		size += int64(len(b))
	}
	return out, nil
}

// expand writes a template with its placeholders filled: {i} the event's
// number, {user} a user name among 1000, {rand} a random int below 1e6.
func expand(b []byte, tmpl string, i int64, r *rand.Rand) []byte {
	for {
		j := strings.IndexByte(tmpl, '{')
		if j < 0 {
			return append(b, tmpl...)
		}
		b = append(b, tmpl[:j]...)
		tmpl = tmpl[j:]
		switch {
		case strings.HasPrefix(tmpl, "{i}"):
			b = strconv.AppendInt(b, i, 10)
			tmpl = tmpl[3:]
		case strings.HasPrefix(tmpl, "{user}"):
			b = append(b, 'u')
			b = strconv.AppendInt(b, i%1000, 10)
			tmpl = tmpl[6:]
		case strings.HasPrefix(tmpl, "{rand}"):
			b = strconv.AppendInt(b, r.Int64N(1_000_000), 10)
			tmpl = tmpl[6:]
		default:
			b = append(b, '{')
			tmpl = tmpl[1:]
		}
	}
}

func readLines(file string) ([][]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("body file: %w", err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if l := bytes.TrimSpace(sc.Bytes()); len(l) > 0 {
			lines = append(lines, bytes.Clone(l))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("body file %q: %w", file, err)
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("body file %q has no lines", file)
	}
	return lines, nil
}
