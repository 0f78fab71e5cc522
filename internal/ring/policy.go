package ring

import (
	"fmt"
	"strconv"
)

// Policy is what a ring does when the producer finds it full.
type Policy uint8

const (
	// Block is lossless backpressure: Claim returns fewer slots (possibly
	// none) when the ring is full and the producer retries later.
	Block Policy = iota
	// DropNewest discards the events that do not fit: Claim returns fewer
	// slots and the producer calls Drop for the rest. The consumer sees a
	// sequence gap.
	DropNewest
	// DropOldest evicts the oldest unread events to make room for new ones.
	// The consumer sees a sequence gap where the evicted events were.
	DropOldest
)

var policyNames = [...]string{"block", "drop_newest", "drop_oldest"}

// String returns the policy's name as written in pipeline files.
func (p Policy) String() string {
	if int(p) < len(policyNames) {
		return policyNames[p]
	}
	return "policy(" + strconv.Itoa(int(p)) + ")"
}

// ParsePolicy parses a policy name as written in pipeline files ("block",
// "drop_newest", "drop_oldest").
func ParsePolicy(s string) (Policy, error) {
	for i, n := range policyNames {
		if n == s {
			return Policy(i), nil
		}
	}
	return Block, fmt.Errorf("unknown overflow policy %q (valid: block, drop_newest, drop_oldest)", s)
}
