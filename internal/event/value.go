package event

import (
	"math"
	"strconv"
	"time"
)

// Kind is the type of a Value or of a schema field.
type Kind uint8

// The kinds a field can have. Null is the zero Kind and the kind of a missing
// value.
const (
	Null Kind = iota
	Bool
	Int
	Float
	String
	Time
)

var kindNames = [...]string{"null", "bool", "int", "float", "string", "time"}

// String returns the kind's name as written in pipeline files.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// ParseKind parses a kind name as written in pipeline files ("int",
// "float", "string", "bool", "time").
func ParseKind(s string) (Kind, bool) {
	for i, n := range kindNames {
		if n == s && i != int(Null) {
			return Kind(i), true
		}
	}
	return Null, false
}

// Value is one field of an event. It is a small value type: copying it never
// allocates. N holds the payload of numeric kinds (int64 bits, float64 bits,
// 0/1 for Bool, unix nanoseconds for Time); S holds the payload of String.
type Value struct {
	Kind Kind
	N    uint64
	S    string
}

// IntValue returns an Int value.
func IntValue(i int64) Value { return Value{Kind: Int, N: uint64(i)} }

// FloatValue returns a Float value.
func FloatValue(f float64) Value { return Value{Kind: Float, N: math.Float64bits(f)} }

// BoolValue returns a Bool value.
func BoolValue(b bool) Value {
	if b {
		return Value{Kind: Bool, N: 1}
	}
	return Value{Kind: Bool}
}

// StringValue returns a String value.
func StringValue(s string) Value { return Value{Kind: String, S: s} }

// TimeValue returns a Time value holding unix nanoseconds.
func TimeValue(unixNanos int64) Value { return Value{Kind: Time, N: uint64(unixNanos)} }

// IsNull reports whether v is missing.
func (v Value) IsNull() bool { return v.Kind == Null }

// Int returns v as an int64. Floats are truncated, bools are 0 or 1, strings
// and nulls are 0.
func (v Value) Int() int64 {
	switch v.Kind {
	case Int, Time, Bool:
		return int64(v.N)
	case Float:
		return int64(math.Float64frombits(v.N))
	}
	return 0
}

// Float returns v as a float64. Strings and nulls are 0.
func (v Value) Float() float64 {
	switch v.Kind {
	case Float:
		return math.Float64frombits(v.N)
	case Int, Time, Bool:
		return float64(int64(v.N))
	}
	return 0
}

// Bool returns v as a bool: true for a non-zero number or a non-empty string.
func (v Value) Bool() bool {
	switch v.Kind {
	case String:
		return v.S != ""
	case Float:
		return math.Float64frombits(v.N) != 0
	}
	return v.N != 0
}

// Str returns the string payload of a String value, or "" for other kinds.
// Use AppendText to format any kind.
func (v Value) Str() string { return v.S }

// Equal reports whether a and b have the same kind and payload. An Int and
// a Float are equal when the float is exactly that integer (1 and 1.0, but
// not 9007199254740993 and 9007199254740992.0), so equal values always hash
// alike.
func (a Value) Equal(b Value) bool {
	if a.Kind == b.Kind {
		return a.N == b.N && a.S == b.S
	}
	if a.Kind == Float && b.Kind == Int {
		a, b = b, a
	}
	if a.Kind == Int && b.Kind == Float {
		i, ok := floatInt(math.Float64frombits(b.N))
		return ok && i == int64(a.N)
	}
	return false
}

// floatInt returns the int64 that f is exactly, if there is one.
func floatInt(f float64) (int64, bool) {
	// -2^63 is an int64; 2^63 is not.
	if f >= -9223372036854775808.0 && f < 9223372036854775808.0 {
		if i := int64(f); float64(i) == f {
			return i, true
		}
	}
	return 0, false
}

// Hash mixes v into the 64-bit hash h (FNV-1a over the payload, then a
// finalizer). Start with h = 0 for the first field of a key. A Float that is
// exactly an integer hashes as that Int, as Equal wants.
func (v Value) Hash(h uint64) uint64 {
	const prime = 1099511628211
	if h == 0 {
		h = 14695981039346656037
	}
	kind, n := v.Kind, v.N
	if kind == Float {
		if i, ok := floatInt(math.Float64frombits(n)); ok {
			kind, n = Int, uint64(i)
		}
	}
	h = (h ^ uint64(kind)) * prime
	if kind == String {
		for i := 0; i < len(v.S); i++ {
			h = (h ^ uint64(v.S[i])) * prime
		}
	} else {
		h = (h ^ n) * prime
	}
	// Finalize (splitmix64) so that low bits are well mixed for modulo.
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// AppendText appends v in its JSON text form to dst: numbers and bools as
// literals, strings quoted, time as an RFC 3339 string, null as null.
func (v Value) AppendText(dst []byte) []byte {
	switch v.Kind {
	case Bool:
		return strconv.AppendBool(dst, v.N != 0)
	case Int:
		return strconv.AppendInt(dst, int64(v.N), 10)
	case Float:
		f := math.Float64frombits(v.N)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return append(dst, "null"...)
		}
		return strconv.AppendFloat(dst, f, 'g', -1, 64)
	case String:
		return appendJSONString(dst, v.S)
	case Time:
		dst = append(dst, '"')
		dst = time.Unix(0, int64(v.N)).UTC().AppendFormat(dst, time.RFC3339Nano)
		return append(dst, '"')
	}
	return append(dst, "null"...)
}

// String formats v for messages.
func (v Value) String() string { return string(v.AppendText(nil)) }
