package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
)

// appSalt is a salt for day whose 32 bytes are all b.
func appSalt(day string, b byte) store.Salt {
	return store.Salt{Day: day, Value: bytes.Repeat([]byte{b}, 32), CreatedAt: appTime}
}

func appTestPutSalt(t *testing.T, a store.App) {
	ctx := t.Context()
	first := appSalt("2025-03-14", 1)
	got, err := a.PutSalt(ctx, first)
	if err != nil {
		t.Fatalf("PutSalt: %v", err)
	}
	want := first
	want.CreatedAt = appMS(first.CreatedAt)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PutSalt (-want +got):\n%s", diff)
	}
	// A second salt for the same day loses: the first one comes back.
	second := appSalt("2025-03-14", 2)
	second.CreatedAt = first.CreatedAt.Add(time.Hour)
	got, err = a.PutSalt(ctx, second)
	if err != nil {
		t.Fatalf("PutSalt(same day): %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PutSalt(same day) (-want +got):\n%s", diff)
	}
	salts, err := a.Salts(ctx)
	if err != nil {
		t.Fatalf("Salts: %v", err)
	}
	if diff := cmp.Diff([]store.Salt{want}, salts); diff != "" {
		t.Errorf("Salts() (-want +got):\n%s", diff)
	}
}

func appTestPutSaltConcurrent(t *testing.T, a store.App) {
	ctx := t.Context()
	const n = 16
	got := make([]store.Salt, n)
	errs := appParallel(n, func(i int) error {
		var err error
		got[i], err = a.PutSalt(ctx, appSalt("2025-03-14", byte(i)))
		return err
	})
	for _, err := range errs {
		t.Errorf("concurrent PutSalt: %v", err)
	}
	if len(errs) > 0 {
		return
	}
	for i := 1; i < n; i++ {
		if !bytes.Equal(got[i].Value, got[0].Value) {
			t.Fatalf("concurrent PutSalt returned different values: %x and %x", got[0].Value[:1], got[i].Value[:1])
		}
	}
	salts, err := a.Salts(ctx)
	if err != nil || len(salts) != 1 || !bytes.Equal(salts[0].Value, got[0].Value) {
		t.Errorf("Salts() = %v, %v; want the one salt PutSalt returned", salts, err)
	}
}

func appTestSalts(t *testing.T, a store.App) {
	ctx := t.Context()
	empty, err := a.Salts(ctx)
	if err != nil || len(empty) != 0 {
		t.Fatalf("Salts() on an empty store = %v, %v; want none", empty, err)
	}
	// Put out of order, and across a month and a year boundary.
	var want []store.Salt
	for i, day := range []string{"2025-01-01", "2024-12-31", "2025-01-10", "2024-11-30"} {
		s, err := a.PutSalt(ctx, appSalt(day, byte(i)))
		if err != nil {
			t.Fatalf("PutSalt(%s): %v", day, err)
		}
		want = append(want, s)
	}
	want = []store.Salt{want[2], want[0], want[1], want[3]}
	got, err := a.Salts(ctx)
	if err != nil {
		t.Fatalf("Salts: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Salts() not newest first (-want +got):\n%s", diff)
	}
}

func appTestDeleteSaltsBefore(t *testing.T, a store.App) {
	ctx := t.Context()
	for i, day := range []string{"2025-03-12", "2025-03-13", "2025-03-14"} {
		if _, err := a.PutSalt(ctx, appSalt(day, byte(i))); err != nil {
			t.Fatalf("PutSalt(%s): %v", day, err)
		}
	}
	days := func() []string {
		t.Helper()
		salts, err := a.Salts(ctx)
		if err != nil {
			t.Fatalf("Salts: %v", err)
		}
		var out []string
		for _, s := range salts {
			out = append(out, s.Day)
		}
		return out
	}

	for _, tc := range []struct {
		before string
		want   []string
	}{
		{"2025-03-01", []string{"2025-03-14", "2025-03-13", "2025-03-12"}}, // nothing that old
		{"2025-03-13", []string{"2025-03-14", "2025-03-13"}},               // the day itself stays
		{"2025-03-13", []string{"2025-03-14", "2025-03-13"}},               // again: no error
		{"2025-03-15", nil},
	} {
		if err := a.DeleteSaltsBefore(ctx, tc.before); err != nil {
			t.Fatalf("DeleteSaltsBefore(%s): %v", tc.before, err)
		}
		if diff := cmp.Diff(tc.want, days()); diff != "" {
			t.Errorf("Salts() after DeleteSaltsBefore(%s) (-want +got):\n%s", tc.before, diff)
		}
	}
}
