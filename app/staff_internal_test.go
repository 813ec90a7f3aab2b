package app

import (
	"context"
	"log/slog"
	"testing"

	"github.com/footfallhq/footfall/app/config"
)

// TestHardDeleteJob: the jobs registry has account_hard_delete, and a run
// with nothing due succeeds.
func TestHardDeleteJob(t *testing.T) {
	ctx := context.Background()
	cfg, err := config.Load([]string{"FOOTFALL_DATA_DIR=" + t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.OpenEvents(ctx); err != nil {
		t.Fatal(err)
	}
	for _, j := range a.jobs() {
		if j.Name != "account_hard_delete" {
			continue
		}
		if err := j.Run(ctx); err != nil {
			t.Fatalf("account_hard_delete: %v", err)
		}
		return
	}
	t.Fatal("no account_hard_delete job is scheduled")
}
