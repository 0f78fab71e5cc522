package scaleout

import (
	"context"
	"fmt"
	"time"
)

// Back-off between attempts of a bucket request that failed.
const (
	retryFirst = 100 * time.Millisecond
	retryMax   = 2 * time.Second
	// attemptTimeout bounds one attempt, so that a request parked on a
	// node that went away is asked again of another.
	attemptTimeout = 5 * time.Second
)

// retry calls f until it succeeds or ctx ends, waiting between attempts
// from retryFirst, doubling, up to retryMax. A cluster that has lost a
// node answers requests with errors (no quorum, no suitable peers for a
// replica, no responders) until it elects new leaders or the node is back,
// which is what the attempts wait out; every error is taken for such. f
// gets a context of its own per attempt (at most attemptTimeout). The
// first failure, and then every tenth, is logged with what; when ctx ends,
// the last error is returned wrapped with ctx's.
func retry(ctx context.Context, logf func(string, ...any), what string, f func(context.Context) error) error {
	wait := retryFirst
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		err := f(actx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w (gave up after %d attempts: %w)", err, attempt, ctx.Err())
		}
		if logf != nil && attempt%10 == 1 {
			logf("%s: %v (trying again)", what, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (gave up after %d attempts: %w)", err, attempt, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, retryMax)
	}
}
