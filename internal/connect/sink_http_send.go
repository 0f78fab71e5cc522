package connect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/greenwave/greenwave/internal/dispatch"
)

// maxAnswerRead is how much of an answer's body the sink reads (and
// discards) so that its connection can be reused.
const maxAnswerRead = 64 << 10

// httpAnswer is how one attempt ended.
type httpAnswer struct {
	status     int // 0: no answer (err says why)
	err        error
	rtt        time.Duration
	retryAfter time.Duration
	hasRetry   bool // the answer had a usable Retry-After
	timeout    bool
}

// String describes the answer for messages: `503 Service Unavailable`, or
// the error.
func (a httpAnswer) String() string {
	if a.status != 0 {
		return strconv.Itoa(a.status) + " " + http.StatusText(a.status)
	}
	return a.err.Error()
}

// retryable reports whether the attempt may be repeated: no answer (a
// timeout, a refused or closed connection), 408, 429 and 5xx.
func (a httpAnswer) retryable() bool {
	switch {
	case a.status == 0:
		return true
	case a.status == http.StatusRequestTimeout, a.status == http.StatusTooManyRequests:
		return true
	}
	return a.status >= 500
}

// overload reports whether the consumer said it is overloaded (429, 503) or
// timed out.
func (a httpAnswer) overload() bool {
	return a.timeout || a.status == http.StatusTooManyRequests || a.status == http.StatusServiceUnavailable
}

func (a httpAnswer) ok() bool { return a.status >= 200 && a.status < 300 }

// send is the dispatcher's send function: it starts the batch's attempt on
// a goroutine of its own and returns.
func (s *httpSink) send(b *httpBatch) {
	s.wg.Add(1)
	go s.attempt(b)
}

// attempt sends b once and decides what follows: acknowledge, retry after a
// backoff or the server's Retry-After, or give up (on_error).
func (s *httpSink) attempt(b *httpBatch) {
	defer s.wg.Done()
	b.attempts++
	s.stats.attempts.Add(1)
	a := s.post(b)
	s.stats.count(a)
	s.d.Done(1, dispatch.Outcome{RTT: a.rtt, Failed: !a.ok(), Overload: a.overload()})
	switch {
	case a.ok():
		s.stats.delivered.Add(uint64(b.events))
		s.ack(b.events, nil)
	case s.ctx.Err() != nil:
		// Closing: the tenant failed or its stop deadline passed. The batch
		// is abandoned unacknowledged.
	case a.retryable() && b.attempts <= s.maxRetries:
		s.stats.retries.Add(1)
		s.d.Retry(b, s.retryWait(b.attempts, a))
	default:
		s.giveUp(b, a)
	}
}

// post makes one attempt: the request with its key and headers, within
// timeout.
func (s *httpSink) post(b *httpBatch) httpAnswer {
	ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, s.method, s.url, bytes.NewReader(b.body))
	if err != nil {
		return httpAnswer{err: fmt.Errorf("cannot make a request for %q: %w", s.url, err)}
	}
	for k, v := range s.headers {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", s.contentType)
	req.Header.Set("Idempotency-Key", b.key)
	req.Header.Set("User-Agent", "greenwave")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		timeout := errors.Is(err, context.DeadlineExceeded)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			timeout = true
		}
		return httpAnswer{err: err, rtt: time.Since(start), timeout: timeout && s.ctx.Err() == nil}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerRead))
	resp.Body.Close()
	a := httpAnswer{status: resp.StatusCode, rtt: time.Since(start)}
	a.retryAfter, a.hasRetry = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	return a
}

// parseRetryAfter reads a Retry-After value: whole seconds, or an HTTP
// date (the wait until then, 0 when past).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(min(n, int64(365*24*3600))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// retryWait is the wait before the next attempt: the server's Retry-After
// (at most max_retry_after), or the backoff for the attempts made so far,
// initial_backoff doubled per attempt up to max_backoff, drawn between half
// and all of it.
func (s *httpSink) retryWait(attempts int, a httpAnswer) time.Duration {
	if a.hasRetry {
		return min(a.retryAfter, s.maxRetryAfter)
	}
	w := s.backoff
	for i := 1; i < attempts && w < s.maxBackoff; i++ {
		w *= 2
	}
	w = min(w, s.maxBackoff)
	return w/2 + time.Duration(rand.Int64N(int64(w/2)+1))
}

// giveUp applies on_error to a batch whose last attempt failed.
func (s *httpSink) giveUp(b *httpBatch, a httpAnswer) {
	s.stats.gaveUp.Add(1)
	reason := fmt.Sprintf("gave up after %s: %s", attemptsText(b.attempts), a)
	if !a.retryable() {
		reason = fmt.Sprintf("final answer after %s: %s", attemptsText(b.attempts), a)
	}
	if s.deadLetter {
		s.ack(b.events, s.writeDeadLetters(b, reason, a.status))
		return
	}
	s.ack(b.events, fmt.Errorf("batch %q of %d events to %q: %s", b.key, b.events, s.url, reason))
}

func attemptsText(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return strconv.Itoa(n) + " attempts"
}
