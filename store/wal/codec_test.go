package wal

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
)

// fillEvent sets every field of e to a distinct non-zero value, found by
// reflection, so that a field added to store.Event and forgotten in the
// encoder fails TestEventRoundTripEveryField. A field of a kind it does not
// know fails the test: extend fillField and the encoder together.
func fillEvent(t testing.TB, e *store.Event) {
	t.Helper()
	v := reflect.ValueOf(e).Elem()
	for i := range v.NumField() {
		fillField(t, v.Type().Field(i).Name, v.Field(i), i+1)
	}
}

func fillField(t testing.TB, name string, f reflect.Value, n int) {
	t.Helper()
	switch f.Kind() {
	case reflect.String:
		f.SetString(name + "-value-" + strings.Repeat("é", n))
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Int:
		f.SetInt(-int64(n)) // negative: proves signed values survive
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uint:
		// The top bit set as well as n: proves the full width survives.
		f.SetUint(uint64(n) | 1<<(f.Type().Bits()-1))
	case reflect.Float32, reflect.Float64:
		f.SetFloat(float64(n) + 0.125)
	case reflect.Bool:
		f.SetBool(true)
	case reflect.Map:
		if f.Type() != reflect.TypeFor[map[string]string]() {
			t.Fatalf("field %s: map type %s not handled by the test", name, f.Type())
		}
		f.Set(reflect.ValueOf(map[string]string{"plan": "pro", "": "empty key", "author": strings.Repeat("x", 300)}))
	case reflect.Struct:
		if f.Type() != reflect.TypeFor[time.Time]() {
			t.Fatalf("field %s: struct type %s not handled by the test", name, f.Type())
		}
		f.Set(reflect.ValueOf(time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC)))
	default:
		t.Fatalf("field %s: kind %s not handled by the test: teach fillField and appendEvent", name, f.Kind())
	}
}

func roundTrip(t *testing.T, in store.Event) store.Event {
	t.Helper()
	enc := appendEvent(nil, &in)
	var out store.Event
	n, err := decodeEvent(string(enc), &out)
	if err != nil {
		t.Fatalf("decodeEvent(appendEvent(%+v)) error: %v", in, err)
	}
	if n != len(enc) {
		t.Errorf("decodeEvent used %d of %d bytes", n, len(enc))
	}
	return out
}

func TestEventRoundTripEveryField(t *testing.T) {
	var in store.Event
	fillEvent(t, &in)
	if diff := cmp.Diff(in, roundTrip(t, in)); diff != "" {
		t.Errorf("round trip of every field (-in +out):\n%s", diff)
	}

	// Each field alone: a field encoded into another's slot, or dropped
	// because it looks like the zero value, shows up here.
	v := reflect.ValueOf(&in).Elem()
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		t.Run(name, func(t *testing.T) {
			var one store.Event
			reflect.ValueOf(&one).Elem().Field(i).Set(v.Field(i))
			// A non-zero CLS is a measurement: the codec records it so.
			one.HasCLS = one.HasCLS || one.CLS != 0
			if diff := cmp.Diff(one, roundTrip(t, one)); diff != "" {
				t.Errorf("round trip of %s alone (-in +out):\n%s", name, diff)
			}
		})
	}
}

func TestEventRoundTripEdges(t *testing.T) {
	ts := time.UnixMilli(1_700_000_000_123).UTC()
	tests := []struct {
		name string
		in   store.Event
	}{
		{"zero", store.Event{}},
		{"pageview", testEvent(1)},
		{"negative site and pre-1970", store.Event{SiteID: math.MinInt64, Timestamp: time.UnixMilli(-86_400_000).UTC()}},
		{"maxima", store.Event{Timestamp: ts, SiteID: math.MaxInt64, VisitorID: math.MaxUint64, SessionID: math.MaxUint64,
			EngagementMS: math.MaxUint32, TransferBytes: math.MaxUint32, ScrollDepth: math.MaxInt8,
			RevenueAmount: math.MaxFloat64, CLS: math.MaxFloat32, HasCLS: true}},
		{"zero layout shift", store.Event{Timestamp: ts, HasCLS: true}},
		{"scroll not reported", store.Event{Timestamp: ts, ScrollDepth: -1}},
		{"negative zero revenue", store.Event{Timestamp: ts, RevenueAmount: math.Copysign(0, -1)}},
		{"long and odd strings", store.Event{Timestamp: ts, Pathname: strings.Repeat("/ä\x00\xff", 5000), Name: "\x80"}},
		{"empty prop value", store.Event{Timestamp: ts, Props: map[string]string{"k": ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := roundTrip(t, tt.in)
			if diff := cmp.Diff(tt.in, got); diff != "" {
				t.Errorf("round trip (-in +out):\n%s", diff)
			}
			if math.Signbit(got.RevenueAmount) != math.Signbit(tt.in.RevenueAmount) {
				t.Errorf("RevenueAmount sign = %v, want %v", math.Signbit(got.RevenueAmount), math.Signbit(tt.in.RevenueAmount))
			}
		})
	}
}

// Sub-millisecond precision is dropped and times come back in UTC, as the
// store.Event contract says.
func TestEventTimestampNormalised(t *testing.T) {
	in := store.Event{Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 6_789_999, time.FixedZone("X", 3600))}
	got := roundTrip(t, in).Timestamp
	want := time.Date(2026, 1, 2, 2, 4, 5, 6_000_000, time.UTC)
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("round trip of %v = %v, want %v", in.Timestamp, got, want)
	}
}

func TestDecodeEventRejects(t *testing.T) {
	good := appendEvent(nil, new(testEvent(7)))
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"unknown format", append([]byte{eventFormat + 1}, good[1:]...)},
		{"unknown field bit", func() []byte {
			b := appendEvent(nil, &store.Event{})
			return append(b[:len(b)-1], 0x80, 0x80, 0x02) // mask 1<<15
		}()},
	}
	for i := 1; i < len(good); i += 7 {
		tests = append(tests, struct {
			name string
			in   []byte
		}{"truncated", good[:i]})
	}
	for _, tt := range tests {
		var e store.Event
		if n, err := decodeEvent(string(tt.in), &e); err == nil {
			t.Errorf("%s: decodeEvent(%x) = %d, nil; want an error", tt.name, tt.in, n)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	e := testEvent(42)
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendEvent(buf[:0], &e)
	}
	b.ReportMetric(float64(len(buf)), "bytes/event")
}

func BenchmarkDecode(b *testing.B) {
	e := testEvent(42)
	s := string(appendEvent(nil, &e))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeEvent(s, &e); err != nil {
			b.Fatal(err)
		}
	}
}
