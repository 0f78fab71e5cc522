package spec

import (
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	ok := map[string]time.Duration{
		"0":      0,
		"250ms":  250 * time.Millisecond,
		"5s":     5 * time.Second,
		"1.5s":   1500 * time.Millisecond,
		".5s":    500 * time.Millisecond,
		"1m":     time.Minute,
		"2h":     2 * time.Hour,
		"1d":     24 * time.Hour,
		"1d12h":  36 * time.Hour,
		"1h30m":  90 * time.Minute,
		"10ns":   10,
		"3us":    3 * time.Microsecond,
		"3µs":    3 * time.Microsecond,
		"-2s":    -2 * time.Second,
		"+1.25m": 75 * time.Second,
		"1.1s":   1100 * time.Millisecond,
	}
	for in, want := range ok {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":         "invalid duration",
		"abc":      "invalid duration",
		"5":        "missing unit",
		"5S":       `unknown unit "S"`,
		"5x":       `unknown unit "x"`,
		"1w":       `unknown unit "w"`,
		"1.5.5s":   "missing unit",
		"s":        "invalid duration",
		"-":        "invalid duration",
		"300000d":  "too large",
		"9999999h": "too large",
	}
	for in, want := range bad {
		if _, err := ParseDuration(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDuration(%q) error %v, want one containing %q", in, err, want)
		}
	}
}

func TestParseSize(t *testing.T) {
	ok := map[string]int64{
		"0":        0,
		"512":      512,
		"512B":     512,
		"64KiB":    64 << 10,
		"64kib":    64 << 10,
		"64Ki":     64 << 10,
		"1KB":      1000,
		"1k":       1000,
		"1MB":      1e6,
		"1mb":      1e6,
		"1MiB":     1 << 20,
		"1.5GiB":   3 << 29,
		"1.5KB":    1500,
		"2 GB":     2e9,
		" 3TiB ":   3 << 40,
		"1PB":      1e15,
		"8191PiB":  8191 << 50,
		"0.5B":     1, // rounded to the nearest byte
		"+16":      16,
		"16777216": 1 << 24,
	}
	for in, want := range ok {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":                     "invalid size",
		"MB":                   "invalid size",
		"-1":                   "negative",
		"-5MB":                 "negative",
		"5XB":                  `unknown unit "XB"`,
		"5 bytes":              `unknown unit "bytes"`,
		"1.5.5MB":              "invalid size",
		"9999999999999999999":  "too large",
		"8192PiB":              "too large",
		"99999999999999.5PiB":  "too large",
		"12_000":               "invalid size",
		"0x10":                 "invalid size",
		"1e6":                  "invalid size",
		"10000000000000000000": "too large",
	}
	for in, want := range bad {
		if _, err := ParseSize(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSize(%q) error %v, want one containing %q", in, err, want)
		}
	}
}

func TestNames(t *testing.T) {
	for name, valid := range map[string]bool{
		"plays": true, "_x": true, "per-customer_2": true, "A": true,
		"": false, "9lives": false, "-x": false, "a.b": false, "a b": false, "é": false,
	} {
		if got := checkName(name) == ""; got != valid {
			t.Errorf("checkName(%q) valid = %v, want %v", name, got, valid)
		}
	}
	for name, valid := range map[string]bool{
		"acme": true, "2024_acme": true, "a-b": true,
		"": false, "-a": false, "a.b": false, "a b": false,
	} {
		if got := checkTenant(name) == ""; got != valid {
			t.Errorf("checkTenant(%q) valid = %v, want %v", name, got, valid)
		}
	}
}
