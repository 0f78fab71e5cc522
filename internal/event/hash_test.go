package event

import (
	"fmt"
	"math"
	"testing"
)

// Hash decides partitions, so it must not change between builds or runs:
// these values pin it.
func TestHashIsStable(t *testing.T) {
	for _, tc := range []struct {
		v    Value
		want uint64
	}{
		{Value{}, hashGolden[0]},
		{IntValue(0), hashGolden[1]},
		{IntValue(42), hashGolden[2]},
		{IntValue(-1), hashGolden[3]},
		{FloatValue(1.5), hashGolden[4]},
		{BoolValue(true), hashGolden[5]},
		{StringValue(""), hashGolden[6]},
		{StringValue("user-17"), hashGolden[7]},
		{TimeValue(1_700_000_000_000_000_000), hashGolden[8]},
	} {
		if got := tc.v.Hash(0); got != tc.want {
			t.Errorf("%#v.Hash(0) = %#x, want %#x", tc.v, got, tc.want)
		}
	}
	if got := StringValue("b").Hash(StringValue("a").Hash(0)); got != hashGolden[9] {
		t.Errorf("two-field key hash = %#x, want %#x", got, hashGolden[9])
	}
}

// Computed independently from the documented algorithm (FNV-1a steps over
// kind and payload, then the splitmix64 finalizer).
var hashGolden = [...]uint64{
	0x7bc210046bd616cc, 0xf7c70be329a58764, 0xc95e25a390af18ac, 0xf67adc828ccc7fef, 0xa1ed1c1e4a724116,
	0xb031135599706da3, 0x8a278a2522b32b28, 0x116e799ee407af25, 0x012758f4c3925766, 0x717355c5da2a4262,
}

func TestHashDistinguishes(t *testing.T) {
	seen := map[uint64]string{}
	add := func(what string, h uint64) {
		t.Helper()
		if prev, dup := seen[h]; dup {
			t.Errorf("%s and %s hash alike (%#x)", prev, what, h)
		}
		seen[h] = what
	}
	// Same payload, different kinds.
	add("null", Value{}.Hash(0))
	add("int 1", IntValue(1).Hash(0))
	add("bool true", BoolValue(true).Hash(0))
	add("time 1", TimeValue(1).Hash(0))
	add("float bits 1", Value{Kind: Float, N: 1}.Hash(0))
	add(`string ""`, StringValue("").Hash(0))
	add(`string "\x01"`, StringValue("\x01").Hash(0))
	// Field boundaries and order in multi-field keys.
	ab, c := StringValue("ab"), StringValue("c")
	a, bc := StringValue("a"), StringValue("bc")
	add("(ab, c)", c.Hash(ab.Hash(0)))
	add("(a, bc)", bc.Hash(a.Hash(0)))
	add("(c, ab)", ab.Hash(c.Hash(0)))
	// Equal values hash alike.
	if IntValue(7).Hash(0) != IntValue(7).Hash(0) || StringValue("k").Hash(0) != StringValue(string([]byte("k"))).Hash(0) {
		t.Error("equal values hash differently")
	}
}

// Keys are spread over partitions with hash % n; sequential and similar keys
// must spread evenly, in the low bits as well.
func TestHashSpread(t *testing.T) {
	const n, buckets = 64_000, 64
	for name, key := range map[string]func(i int) Value{
		"sequential ints": func(i int) Value { return IntValue(int64(i)) },
		"ints step 64":    func(i int) Value { return IntValue(int64(i) * 64) },
		"strings":         func(i int) Value { return StringValue(fmt.Sprintf("user-%d", i)) },
		"times (ms)":      func(i int) Value { return TimeValue(int64(i) * 1e6) },
	} {
		var counts [buckets]int
		for i := range n {
			counts[key(i).Hash(0)%buckets]++
		}
		// Chi-square with 63 degrees of freedom: p = 0.0001 at about 112.
		exp := float64(n) / buckets
		chi := 0.0
		for _, c := range counts {
			chi += (float64(c) - exp) * (float64(c) - exp) / exp
		}
		if chi > 112 {
			t.Errorf("%s: chi-square %.1f over %d buckets: %v", name, chi, buckets, counts)
		}
	}
}

// Flipping one input bit flips about half the output bits.
func TestHashAvalanche(t *testing.T) {
	total, trials := 0, 0
	for i := range 1000 {
		base := IntValue(int64(i) * 7919).Hash(0)
		for bit := range 64 {
			flipped := Value{Kind: Int, N: uint64(int64(i)*7919) ^ 1<<bit}.Hash(0)
			x := base ^ flipped
			for ; x != 0; x &= x - 1 {
				total++
			}
			trials++
		}
	}
	if mean := float64(total) / float64(trials); math.Abs(mean-32) > 1 {
		t.Fatalf("one flipped input bit flips %.2f output bits on average, want about 32", mean)
	}
}

// TestIntFloatEqualHashAlike: an Int and a Float that Equal calls equal
// hash alike (so key_by partitions them alike), and Equal is exact.
func TestIntFloatEqualHashAlike(t *testing.T) {
	for _, c := range []struct {
		i     int64
		f     float64
		equal bool
	}{
		{1, 1.0, true},
		{0, math.Copysign(0, -1), true},
		{-7, -7.0, true},
		{math.MinInt64, -9223372036854775808.0, true},
		{1, 1.5, false},
		{1<<53 + 1, 1 << 53, false},
		{math.MaxInt64, 9223372036854775808.0, false},
		{0, math.NaN(), false},
	} {
		a, b := IntValue(c.i), FloatValue(c.f)
		if got := a.Equal(b); got != c.equal || b.Equal(a) != got {
			t.Errorf("Equal(%d, %v) = %v (reversed %v), want %v", c.i, c.f, got, b.Equal(a), c.equal)
		}
		if c.equal && a.Hash(0) != b.Hash(0) {
			t.Errorf("%d and %v are equal but hash differently", c.i, c.f)
		}
		if !c.equal && a.Hash(0) == b.Hash(0) {
			t.Errorf("%d and %v hash alike", c.i, c.f)
		}
	}
	// In a multi-field key too.
	if FloatValue(2).Hash(IntValue(5).Hash(0)) != IntValue(2).Hash(FloatValue(5).Hash(0)) {
		t.Error("(5, 2.0) and (5.0, 2) hash differently")
	}
}
