package event

import (
	"math"
	"testing"
)

func TestValueConversions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		v     Value
		kind  Kind
		i     int64
		f     float64
		b     bool
		s     string
		null  bool
		equal Value // a different Value that must compare Equal
	}{
		{"null", Value{}, Null, 0, 0, false, "", true, Value{}},
		{"int", IntValue(-42), Int, -42, -42, true, "", false, FloatValue(-42)},
		{"int zero", IntValue(0), Int, 0, 0, false, "", false, FloatValue(0)},
		{"int max", IntValue(math.MaxInt64), Int, math.MaxInt64, math.MaxInt64, true, "", false, IntValue(math.MaxInt64)},
		{"int min", IntValue(math.MinInt64), Int, math.MinInt64, math.MinInt64, true, "", false, IntValue(math.MinInt64)},
		{"float truncates toward zero", FloatValue(-2.75), Float, -2, -2.75, true, "", false, FloatValue(-2.75)},
		{"float fraction", FloatValue(0.5), Float, 0, 0.5, true, "", false, FloatValue(0.5)},
		{"float zero", FloatValue(0), Float, 0, 0, false, "", false, IntValue(0)},
		{"true", BoolValue(true), Bool, 1, 1, true, "", false, BoolValue(true)},
		{"false", BoolValue(false), Bool, 0, 0, false, "", false, BoolValue(false)},
		{"string", StringValue("héllo"), String, 0, 0, true, "héllo", false, StringValue("h" + "éllo")},
		{"empty string", StringValue(""), String, 0, 0, false, "", false, StringValue("")},
		{"time", TimeValue(-1_500), Time, -1_500, -1_500, true, "", false, TimeValue(-1_500)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.v
			if v.Kind != tc.kind || v.Int() != tc.i || v.Float() != tc.f || v.Bool() != tc.b ||
				v.Str() != tc.s || v.IsNull() != tc.null {
				t.Errorf("%#v: kind %v int %d float %v bool %v str %q null %v", v,
					v.Kind, v.Int(), v.Float(), v.Bool(), v.Str(), v.IsNull())
			}
			if !v.Equal(tc.equal) || !tc.equal.Equal(v) {
				t.Errorf("%v does not Equal %v", v, tc.equal)
			}
		})
	}
}

func TestValueNotEqual(t *testing.T) {
	for _, p := range [][2]Value{
		{IntValue(1), IntValue(2)},
		{IntValue(1), FloatValue(1.5)},
		{IntValue(1), BoolValue(true)},
		{IntValue(1), TimeValue(1)},
		{IntValue(0), Value{}},
		{StringValue("1"), IntValue(1)},
		{StringValue("a"), StringValue("b")},
		{StringValue(""), Value{}},
		{BoolValue(false), Value{}},
	} {
		if p[0].Equal(p[1]) || p[1].Equal(p[0]) {
			t.Errorf("%#v Equal %#v", p[0], p[1])
		}
	}
}

func TestValueIsSmallAndCopiesWithoutAllocating(t *testing.T) {
	vs := []Value{IntValue(1), StringValue("abc"), FloatValue(2)}
	dst := make([]Value, len(vs))
	if a := testing.AllocsPerRun(100, func() { copy(dst, vs); _ = dst[1].Str() }); a != 0 {
		t.Fatalf("copying values allocates %v times", a)
	}
}

func TestKindNames(t *testing.T) {
	for k, name := range map[Kind]string{Null: "null", Bool: "bool", Int: "int", Float: "float", String: "string", Time: "time", Kind(9): "kind(9)"} {
		if got := k.String(); got != name {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, name)
		}
		got, ok := ParseKind(name)
		wantOK := k != Null && k <= Time
		if ok != wantOK || (ok && got != k) {
			t.Errorf("ParseKind(%q) = %v, %v", name, got, ok)
		}
	}
	if _, ok := ParseKind("INT"); ok {
		t.Error("ParseKind accepted a differently cased name")
	}
}
