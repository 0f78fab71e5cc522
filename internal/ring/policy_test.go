package ring

import (
	"strings"
	"testing"
)

func TestParsePolicyRoundTrip(t *testing.T) {
	for _, p := range []Policy{Block, DropNewest, DropOldest} {
		got, err := ParsePolicy(p.String())
		if err != nil || got != p {
			t.Errorf("ParsePolicy(%q) = %v, %v; want %v", p.String(), got, err, p)
		}
	}
}

func TestParsePolicyRejectsUnknown(t *testing.T) {
	_, err := ParsePolicy("drop")
	if err == nil {
		t.Fatal("ParsePolicy(\"drop\") succeeded")
	}
	for _, want := range []string{`"drop"`, "block", "drop_newest", "drop_oldest"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if s := Policy(9).String(); s != "policy(9)" {
		t.Errorf("Policy(9).String() = %q", s)
	}
}
