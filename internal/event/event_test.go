package event

import (
	"reflect"
	"testing"
	"unsafe"
)

func sample() Event {
	return Event{Schema: 3, Time: 100, Created: 200, Seq: 9, Key: 0xabc,
		Fields: []Value{StringValue("u1"), IntValue(5), FloatValue(0.5)}}
}

func same(a, b *Event) bool {
	if a.Schema != b.Schema || a.Time != b.Time || a.Created != b.Created || a.Seq != b.Seq ||
		a.Key != b.Key || len(a.Fields) != len(b.Fields) {
		return false
	}
	for i := range a.Fields {
		if a.Fields[i] != b.Fields[i] {
			return false
		}
	}
	return true
}

func TestCopyFromReusesFields(t *testing.T) {
	src := sample()
	dst := Event{Fields: make([]Value, 1, 8)}
	backing := unsafe.SliceData(dst.Fields)
	dst.CopyFrom(&src)
	if !same(&dst, &src) {
		t.Fatalf("CopyFrom = %+v, want %+v", dst, src)
	}
	if unsafe.SliceData(dst.Fields) != backing {
		t.Fatal("CopyFrom replaced a Fields array that was large enough")
	}
	dst.Fields[0] = IntValue(99)
	if src.Fields[0] != StringValue("u1") {
		t.Fatal("the copy shares Fields with its source")
	}
	// A shorter source leaves no stale trailing fields behind.
	short := Event{Schema: 4, Fields: []Value{BoolValue(true)}}
	dst.CopyFrom(&short)
	if !same(&dst, &short) || unsafe.SliceData(dst.Fields) != backing {
		t.Fatalf("CopyFrom(shorter) = %+v", dst)
	}
}

func TestCopyFromDoesNotAllocateInSteadyState(t *testing.T) {
	src := sample()
	var ring [4]Event
	for i := range ring {
		ring[i].CopyFrom(&src) // first use sizes each slot
	}
	i := 0
	if a := testing.AllocsPerRun(1000, func() {
		ring[i%len(ring)].CopyFrom(&src)
		i++
	}); a != 0 {
		t.Fatalf("CopyFrom allocates %v times per call once slots are sized", a)
	}
	// Too small a slot grows once.
	var small Event
	if a := testing.AllocsPerRun(1, func() { small = Event{}; small.CopyFrom(&src) }); a != 1 {
		t.Fatalf("CopyFrom into an empty event allocated %v times, want 1", a)
	}
}

func TestCopyFromSelfAndEmpty(t *testing.T) {
	e := sample()
	e.CopyFrom(&e)
	want := sample()
	if !same(&e, &want) {
		t.Fatalf("self copy = %+v", e)
	}
	e.CopyFrom(&Event{})
	if !same(&e, &Event{}) || cap(e.Fields) < 3 {
		t.Fatalf("copy of an empty event = %+v (cap %d)", e, cap(e.Fields))
	}
}

func TestClone(t *testing.T) {
	src := sample()
	c := src.Clone()
	if !same(&c, &src) {
		t.Fatalf("Clone = %+v", c)
	}
	c.Fields[1] = IntValue(0)
	if src.Fields[1] != IntValue(5) {
		t.Fatal("Clone shares Fields")
	}
}

func TestGetSetReset(t *testing.T) {
	var e Event
	if !e.Get(0).IsNull() || !e.Get(5).IsNull() {
		t.Fatal("Get on a short event is not null")
	}
	e.Set(2, IntValue(7))
	if len(e.Fields) != 3 || !e.Get(0).IsNull() || !e.Get(1).IsNull() || e.Get(2) != IntValue(7) {
		t.Fatalf("Set(2) = %+v", e.Fields)
	}
	e.Set(0, StringValue("a"))
	if len(e.Fields) != 3 || e.Get(0) != StringValue("a") {
		t.Fatalf("Set(0) = %+v", e.Fields)
	}
	e.Schema, e.Seq = 5, 9
	c := cap(e.Fields)
	e.Reset()
	if !same(&e, &Event{}) || cap(e.Fields) != c {
		t.Fatalf("Reset = %+v cap %d, want empty with cap %d", e, cap(e.Fields), c)
	}
	if a := testing.AllocsPerRun(100, func() { e.Reset(); e.Set(2, IntValue(1)) }); a != 0 {
		t.Fatalf("Set after Reset allocates %v times", a)
	}
}

// TestCopyFromCopiesEveryHeaderField sets every header field of the source
// through reflection, so a field added to Event later and not to CopyFrom
// (which copies the header field by field) fails here.
func TestCopyFromCopiesEveryHeaderField(t *testing.T) {
	var src Event
	setEveryField(t, &src, []Value{IntValue(7)})
	var dst Event
	dst.CopyFrom(&src)
	if !reflect.DeepEqual(dst, src) {
		t.Fatalf("CopyFrom = %+v, want %+v", dst, src)
	}
}

// TestResetClearsEveryHeaderField: like the CopyFrom test, every header
// field set through reflection must be zero after Reset, and Fields must
// be empty with its array kept.
func TestResetClearsEveryHeaderField(t *testing.T) {
	var e Event
	setEveryField(t, &e, make([]Value, 2, 4))
	backing := unsafe.SliceData(e.Fields)
	e.Reset()
	if unsafe.SliceData(e.Fields) != backing || len(e.Fields) != 0 || cap(e.Fields) != 4 {
		t.Fatalf("Reset did not keep the Fields array: len %d cap %d", len(e.Fields), cap(e.Fields))
	}
	e.Fields = nil
	if !reflect.DeepEqual(e, Event{}) {
		t.Fatalf("Reset left %+v", e)
	}
}

// setEveryField gives every header field of e a distinct non-zero value
// through reflection, and e.Fields the given slice. A field of a kind it
// does not know fails the test, so that a field added to Event is noticed
// by the tests of CopyFrom and Reset, which handle the header field by
// field.
func setEveryField(t *testing.T, e *Event, fields []Value) {
	t.Helper()
	v := reflect.ValueOf(e).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Int64, reflect.Int32, reflect.Int:
			f.SetInt(int64(100 + i))
		case reflect.Uint64, reflect.Uint32, reflect.Uint:
			f.SetUint(uint64(100 + i))
		case reflect.Slice:
			f.Set(reflect.ValueOf(fields))
		default:
			t.Fatalf("Event field %s has kind %s: teach setEveryField, CopyFrom and Reset about it", v.Type().Field(i).Name, f.Kind())
		}
	}
}
