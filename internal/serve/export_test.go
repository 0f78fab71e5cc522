package serve

import "testing"

// NeedRing is needRing, for the package's external tests.
var NeedRing = needRing

// FailRingSetup makes every writer started until the test ends find no
// io_uring, failing with err.
func FailRingSetup(t *testing.T, err error) {
	setupRing = func(int) (*ring, error) { return nil, err }
	t.Cleanup(func() { setupRing = newRing })
}
