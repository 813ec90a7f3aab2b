package store

import (
	"slices"
	"testing"
	"time"
)

func TestZoneSpans(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	march := time.Date(2026, 3, 1, 5, 0, 0, 0, time.UTC)
	dst := time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC).UnixMilli()  // 02:00 EST
	nov := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC).UnixMilli() // 02:00 EDT
	const est, edt = -5 * 3600_000, -4 * 3600_000
	for _, tc := range []struct {
		loc      *time.Location
		from, to time.Time
		want     []ZoneSpan
	}{
		{nil, march, march.AddDate(0, 1, 0), nil},
		{time.UTC, march, march.AddDate(1, 0, 0), []ZoneSpan{{0, 0}}},
		{kolkata, march, march.AddDate(1, 0, 0), []ZoneSpan{{0, 19800000}}},
		{ny, march, march.AddDate(0, 0, 5), []ZoneSpan{{0, est}}},
		{ny, march, march.AddDate(0, 1, 0), []ZoneSpan{{dst, est}, {0, edt}}},
		{ny, march, march.AddDate(1, 0, 0), []ZoneSpan{{dst, est}, {nov, edt}, {0, est}}},
		// A range ending exactly at a change needs no second span.
		{ny, march, time.UnixMilli(dst), []ZoneSpan{{0, est}}},
	} {
		if got := ZoneSpans(tc.loc, tc.from, tc.to); !slices.Equal(got, tc.want) {
			t.Errorf("ZoneSpans(%v, %v, %v) = %v, want %v", tc.loc, tc.from, tc.to, got, tc.want)
		}
	}
}
