package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
)

// appTestAlerts checks store.Alerts: channels and rules per site,
// incidents opened once per key, the delivery log, report subscriptions,
// period claims, and that a site's rows go with it.
func appTestAlerts(t *testing.T, a store.App) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, a store.App)
	}{
		{"ChannelsAndRules", appTestAlertChannelsRules},
		{"Incidents", appTestIncidents},
		{"IncidentOpenedOnce", appTestIncidentOpenedOnce},
		{"Deliveries", appTestDeliveries},
		{"ReportSubscriptions", appTestReportSubscriptions},
		{"ClaimPeriod", appTestClaimPeriod},
		{"DeleteSiteCascades", appTestAlertsCascade},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, a) })
	}
}

func appTestAlertChannelsRules(t *testing.T, a store.App) {
	ctx := t.Context()
	site, other := appSite(t, a, "a"), appSite(t, a, "b")
	c, err := a.CreateAlertChannel(ctx, store.AlertChannel{SiteID: site.ID, Kind: store.ChannelWebhook, Name: "ops",
		Target: "https://hooks.example/x", Secret: "s3cret", CreatedAt: appTime})
	if err != nil {
		t.Fatalf("CreateAlertChannel: %v", err)
	}
	if c.ID == 0 || !c.CreatedAt.Equal(appMS(appTime)) {
		t.Errorf("CreateAlertChannel = %+v, want an ID and CreatedAt %v", c, appMS(appTime))
	}
	if _, err := a.CreateAlertChannel(ctx, store.AlertChannel{SiteID: 1 << 40, Kind: store.ChannelEmail, Target: "x@y.z"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateAlertChannel(missing site) = %v, want ErrNotFound", err)
	}
	c.Name, c.Target, c.Secret = "ops2", "https://hooks.example/y", "new"
	if err := a.UpdateAlertChannel(ctx, c); err != nil {
		t.Fatalf("UpdateAlertChannel: %v", err)
	}
	wrong := c
	wrong.SiteID = other.ID
	appWantErr(t, "UpdateAlertChannel(other site)", a.UpdateAlertChannel(ctx, wrong), store.ErrNotFound)
	got, err := a.ListAlertChannels(ctx, site.ID)
	if err != nil || len(got) != 1 || !cmp.Equal(got[0], c) {
		t.Errorf("ListAlertChannels = %+v, %v; want [%+v]", got, err, c)
	}
	if got, _ := a.ListAlertChannels(ctx, other.ID); len(got) != 0 {
		t.Errorf("ListAlertChannels(other site) = %+v, want none", got)
	}

	r, err := a.CreateAlertRule(ctx, store.AlertRule{SiteID: site.ID, Kind: "spike", Name: "viral", Params: `{"visitors":100}`,
		Enabled: true, ChannelIDs: []int64{c.ID}, Cooldown: 90 * time.Minute, CreatedAt: appTime})
	if err != nil {
		t.Fatalf("CreateAlertRule: %v", err)
	}
	plain, err := a.CreateAlertRule(ctx, store.AlertRule{SiteID: site.ID, Kind: "drop", Params: `{}`, CreatedAt: appTime})
	if err != nil {
		t.Fatalf("CreateAlertRule: %v", err)
	}
	rules, err := a.ListAlertRules(ctx, site.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.AlertRule{r, plain}, rules); diff != "" {
		t.Errorf("ListAlertRules (-created +listed):\n%s", diff)
	}
	r.Enabled, r.ChannelIDs, r.Params, r.Cooldown = false, nil, `{"visitors":5}`, time.Hour
	if err := a.UpdateAlertRule(ctx, r); err != nil {
		t.Fatalf("UpdateAlertRule: %v", err)
	}
	rules, _ = a.ListAlertRules(ctx, site.ID)
	if len(rules) != 2 || rules[0].Enabled || len(rules[0].ChannelIDs) != 0 || rules[0].Params != `{"visitors":5}` || rules[0].Cooldown != time.Hour {
		t.Errorf("after UpdateAlertRule: %+v", rules)
	}
	appWantErr(t, "DeleteAlertRule(other site)", a.DeleteAlertRule(ctx, other.ID, r.ID), store.ErrNotFound)
	if err := a.DeleteAlertRule(ctx, site.ID, r.ID); err != nil {
		t.Fatalf("DeleteAlertRule: %v", err)
	}
	appWantErr(t, "DeleteAlertRule again", a.DeleteAlertRule(ctx, site.ID, r.ID), store.ErrNotFound)
	appWantErr(t, "DeleteAlertChannel(other site)", a.DeleteAlertChannel(ctx, other.ID, c.ID), store.ErrNotFound)
	if err := a.DeleteAlertChannel(ctx, site.ID, c.ID); err != nil {
		t.Fatalf("DeleteAlertChannel: %v", err)
	}
	if got, _ := a.ListAlertChannels(ctx, site.ID); len(got) != 0 {
		t.Errorf("ListAlertChannels after delete = %+v", got)
	}
}

func appTestIncidents(t *testing.T, a store.App) {
	ctx := t.Context()
	site := appSite(t, a, "a")
	rule, err := a.CreateAlertRule(ctx, store.AlertRule{SiteID: site.ID, Kind: "spike", Params: "{}", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	key := "rule:it"
	if _, err := a.LastIncident(ctx, key); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LastIncident(none) = %v, want ErrNotFound", err)
	}
	in, err := a.OpenIncident(ctx, store.Incident{Key: key, SiteID: site.ID, RuleID: rule.ID, Summary: "120 visitors", StartedAt: appTime})
	if err != nil {
		t.Fatalf("OpenIncident: %v", err)
	}
	if _, err := a.OpenIncident(ctx, store.Incident{Key: key, SiteID: site.ID, RuleID: rule.ID}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("OpenIncident while open = %v, want ErrConflict", err)
	}
	last, err := a.LastIncident(ctx, key)
	if err != nil || !cmp.Equal(last, in) || !last.ResolvedAt.IsZero() {
		t.Errorf("LastIncident = %+v, %v; want %+v", last, err, in)
	}
	end := appTime.Add(time.Hour)
	if err := a.ResolveIncident(ctx, in.ID, end); err != nil {
		t.Fatalf("ResolveIncident: %v", err)
	}
	appWantErr(t, "ResolveIncident twice", a.ResolveIncident(ctx, in.ID, end), store.ErrNotFound)
	last, _ = a.LastIncident(ctx, key)
	if !last.ResolvedAt.Equal(appMS(end)) {
		t.Errorf("LastIncident after resolving: ResolvedAt %v, want %v", last.ResolvedAt, appMS(end))
	}
	again, err := a.OpenIncident(ctx, store.Incident{Key: key, SiteID: site.ID, RuleID: rule.ID, StartedAt: end.Add(time.Hour)})
	if err != nil {
		t.Fatalf("OpenIncident after resolving: %v", err)
	}
	op, err := a.OpenIncident(ctx, store.Incident{Key: "job:it", Summary: "backup failed"})
	if err != nil || op.SiteID != 0 || op.RuleID != 0 {
		t.Fatalf("OpenIncident(operator) = %+v, %v", op, err)
	}
	if got, _ := a.LastIncident(ctx, "job:it"); got.ID != op.ID || got.SiteID != 0 {
		t.Errorf("LastIncident(operator) = %+v, want %+v", got, op)
	}
	list, err := a.ListIncidents(ctx, site.ID, 10)
	if err != nil || len(list) != 2 || list[0].ID != again.ID || list[1].ID != in.ID {
		t.Errorf("ListIncidents = %+v, %v; want newest first", list, err)
	}
	// A deleted rule takes its incidents with it.
	if err := a.DeleteAlertRule(ctx, site.ID, rule.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := a.ListIncidents(ctx, site.ID, 10); len(list) != 0 {
		t.Errorf("incidents of a deleted rule: %+v", list)
	}
}

// appTestIncidentOpenedOnce: of concurrent openers of one key, one wins.
func appTestIncidentOpenedOnce(t *testing.T, a store.App) {
	ctx := t.Context()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := a.OpenIncident(ctx, store.Incident{Key: "job:race"})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("OpenIncident: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d concurrent OpenIncident calls succeeded, want 1", wins)
	}
}

func appTestDeliveries(t *testing.T, a store.App) {
	ctx := t.Context()
	site := appSite(t, a, "a")
	d1, err := a.AddDelivery(ctx, store.Delivery{SiteID: site.ID, ChannelID: 7, IncidentID: 3, Kind: store.ChannelWebhook,
		Event: store.DeliveryAlert, Target: "https://hooks.example/x", Attempts: 3, Status: store.DeliveryFailed,
		StatusCode: 503, Error: "503 Service Unavailable", CreatedAt: appTime})
	if err != nil {
		t.Fatalf("AddDelivery: %v", err)
	}
	d2, err := a.AddDelivery(ctx, store.Delivery{SiteID: site.ID, Kind: store.ChannelEmail, Event: store.DeliveryTest,
		Target: "a@example.com", Attempts: 1, Status: store.DeliveryOK, CreatedAt: appTime.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	op, err := a.AddDelivery(ctx, store.Delivery{Kind: store.ChannelEmail, Event: store.DeliveryAlert, Status: store.DeliveryOK, CreatedAt: appTime})
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.ListDeliveries(ctx, site.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.Delivery{d2, d1}, got); diff != "" {
		t.Errorf("ListDeliveries (-want +got):\n%s", diff)
	}
	if got, _ := a.ListDeliveries(ctx, site.ID, 1); len(got) != 1 || got[0].ID != d2.ID {
		t.Errorf("ListDeliveries(limit 1) = %+v", got)
	}
	if got, _ := a.ListDeliveries(ctx, 0, 10); len(got) != 1 || got[0].ID != op.ID {
		t.Errorf("ListDeliveries(operator) = %+v, want [%+v]", got, op)
	}
	n, err := a.DeleteDeliveriesBefore(ctx, appTime.Add(time.Hour))
	if err != nil || n != 2 {
		t.Errorf("DeleteDeliveriesBefore = %d, %v; want 2", n, err)
	}
	if got, _ := a.ListDeliveries(ctx, site.ID, 10); len(got) != 1 || got[0].ID != d2.ID {
		t.Errorf("after pruning: %+v", got)
	}
}

func appTestReportSubscriptions(t *testing.T, a store.App) {
	ctx := t.Context()
	site, other := appSite(t, a, "a"), appSite(t, a, "b")
	s, err := a.CreateReportSubscription(ctx, store.ReportSubscription{SiteID: site.ID, Email: "Boss@Example.com", Frequency: store.ReportWeekly, CreatedAt: appTime})
	if err != nil {
		t.Fatalf("CreateReportSubscription: %v", err)
	}
	if s.Email != "boss@example.com" || s.ID == 0 {
		t.Errorf("CreateReportSubscription = %+v, want the email lower-cased and an ID", s)
	}
	if _, err := a.CreateReportSubscription(ctx, store.ReportSubscription{SiteID: site.ID, Email: "boss@example.com", Frequency: store.ReportWeekly}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("the same subscription twice = %v, want ErrConflict", err)
	}
	m, err := a.CreateReportSubscription(ctx, store.ReportSubscription{SiteID: site.ID, Email: "boss@example.com", Frequency: store.ReportMonthly, CreatedAt: appTime})
	if err != nil {
		t.Fatalf("another frequency: %v", err)
	}
	if got, err := a.ListReportSubscriptions(ctx, site.ID); err != nil || !cmp.Equal(got, []store.ReportSubscription{s, m}) {
		t.Errorf("ListReportSubscriptions = %+v, %v", got, err)
	}
	if got, err := a.ReportSubscription(ctx, s.ID); err != nil || !cmp.Equal(got, s) {
		t.Errorf("ReportSubscription = %+v, %v", got, err)
	}
	if _, err := a.ReportSubscription(ctx, 1<<40); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ReportSubscription(missing) = %v", err)
	}
	appWantErr(t, "DeleteReportSubscription(other site)", a.DeleteReportSubscription(ctx, other.ID, s.ID), store.ErrNotFound)
	if err := a.DeleteReportSubscription(ctx, site.ID, s.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.ListReportSubscriptions(ctx, site.ID); len(got) != 1 || got[0].ID != m.ID {
		t.Errorf("after delete: %+v", got)
	}
}

func appTestClaimPeriod(t *testing.T, a store.App) {
	ctx := t.Context()
	if err := a.ClaimPeriod(ctx, "report:claim", "2026-11-16", appTime); err != nil {
		t.Fatalf("ClaimPeriod: %v", err)
	}
	appWantErr(t, "ClaimPeriod twice", a.ClaimPeriod(ctx, "report:claim", "2026-11-16", appTime), store.ErrConflict)
	if err := a.ClaimPeriod(ctx, "report:claim", "2026-11-23", appTime); err != nil {
		t.Errorf("ClaimPeriod(next period): %v", err)
	}
	if err := a.ReleasePeriod(ctx, "report:claim", "2026-11-16"); err != nil {
		t.Fatal(err)
	}
	if err := a.ReleasePeriod(ctx, "report:claim", "1999-01-01"); err != nil {
		t.Errorf("ReleasePeriod(never claimed) = %v, want nil", err)
	}
	if err := a.ClaimPeriod(ctx, "report:claim", "2026-11-16", appTime); err != nil {
		t.Errorf("ClaimPeriod after release: %v", err)
	}
}

func appTestAlertsCascade(t *testing.T, a store.App) {
	ctx := t.Context()
	site := appSite(t, a, "a")
	if _, err := a.CreateAlertChannel(ctx, store.AlertChannel{SiteID: site.ID, Kind: store.ChannelEmail, Target: "a@example.com"}); err != nil {
		t.Fatal(err)
	}
	rule, err := a.CreateAlertRule(ctx, store.AlertRule{SiteID: site.ID, Kind: "spike", Params: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.OpenIncident(ctx, store.Incident{Key: "rule:cascade", SiteID: site.ID, RuleID: rule.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddDelivery(ctx, store.Delivery{SiteID: site.ID, Kind: store.ChannelEmail, Event: store.DeliveryTest, Status: store.DeliveryOK}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateReportSubscription(ctx, store.ReportSubscription{SiteID: site.ID, Email: "a@example.com", Frequency: store.ReportDaily}); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteSite(ctx, site.ID); err != nil {
		t.Fatal(err)
	}
	ch, _ := a.ListAlertChannels(ctx, site.ID)
	rules, _ := a.ListAlertRules(ctx, site.ID)
	inc, _ := a.ListIncidents(ctx, site.ID, 10)
	del, _ := a.ListDeliveries(ctx, site.ID, 10)
	subs, _ := a.ListReportSubscriptions(ctx, site.ID)
	if len(ch)+len(rules)+len(inc)+len(del)+len(subs) != 0 {
		t.Errorf("after DeleteSite: channels %v rules %v incidents %v deliveries %v subscriptions %v", ch, rules, inc, del, subs)
	}
	if _, err := a.LastIncident(ctx, "rule:cascade"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LastIncident of a deleted site's rule = %v, want ErrNotFound", err)
	}
}
