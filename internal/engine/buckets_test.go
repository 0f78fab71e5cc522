package engine

import (
	"testing"
	"time"
)

func TestBucketOf(t *testing.T) {
	cases := []struct {
		d    time.Duration
		want int
	}{
		{0, 0}, {time.Microsecond, 0}, {time.Microsecond + 1, 1}, {4 * time.Microsecond, 1},
		{5 * time.Microsecond, 2}, {16 * time.Microsecond, 2}, {time.Millisecond, 5}, {1025 * time.Microsecond, 6},
		{64 * time.Second, 13}, {67108 * time.Millisecond, 13}, {70 * time.Second, 14}, {time.Hour, 14},
	}
	for _, c := range cases {
		if got := bucketOf(int64(c.d)); got != c.want {
			t.Errorf("bucketOf(%v) = %d, want %d", c.d, got, c.want)
		}
		if b := bucketOf(int64(c.d)); b < len(LatencyBuckets) && c.d > LatencyBuckets[b] {
			t.Errorf("%v is above its bucket's bound %v", c.d, LatencyBuckets[b])
		}
	}
	if len(LatencyBuckets) != nLatencyBuckets-1 {
		t.Fatalf("%d bounds for %d buckets", len(LatencyBuckets), nLatencyBuckets)
	}
}
