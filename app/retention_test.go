package app

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/footfallhq/footfall/app/config"
	"github.com/footfallhq/footfall/store/storetest"
)

// TestRetentionJob runs the event_retention job once: with
// FOOTFALL_RETENTION_DAYS=30 it removes the events older than 30 days and
// keeps the rest; without the setting there is no such job.
func TestRetentionJob(t *testing.T) {
	ctx := context.Background()
	cfg, err := config.Load([]string{"FOOTFALL_DATA_DIR=" + t.TempDir(), "FOOTFALL_RETENTION_DAYS=30"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.OpenEventsStore(ctx); err != nil {
		t.Fatal(err)
	}
	from := time.Now().UTC().AddDate(0, 0, -40)
	events := storetest.Dataset(3, 2000, from, 20)
	if err := a.Events.Append(ctx, events); err != nil {
		t.Fatal(err)
	}
	var run func(context.Context) error
	for _, j := range a.jobs() {
		if j.Name == "event_retention" {
			run = j.Run
		}
	}
	if run == nil {
		t.Fatal("FOOTFALL_RETENTION_DAYS is set but no event_retention job is scheduled")
	}
	if err := run(ctx); err != nil {
		t.Fatalf("event_retention: %v", err)
	}
	// The job's cut is "now − 30 days" when it ran: count on both sides
	// of a bound a little later, which no event sits between.
	cut := time.Now().AddDate(0, 0, -30)
	var kept int64
	for _, e := range events {
		if e.SiteID == 1 && !e.Timestamp.Before(cut) {
			kept++
		}
	}
	if n, err := a.Events.Count(ctx, 1, time.Time{}, time.Time{}); err != nil || n != kept {
		t.Errorf("Count(site 1) after event_retention = %d, %v; want %d", n, err, kept)
	}

	a.Config.RetentionDays = 0
	for _, j := range a.jobs() {
		if j.Name == "event_retention" {
			t.Error("event_retention job scheduled without FOOTFALL_RETENTION_DAYS")
		}
	}
}
