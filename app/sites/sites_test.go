package sites

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/footfallhq/footfall/store"
)

func TestGoal(t *testing.T) {
	for _, tc := range []struct {
		in      store.Goal
		want    store.Goal
		wantErr string // substring of the error; "" = valid
	}{
		{in: store.Goal{EventName: "Signup"}, want: store.Goal{Name: "Signup", EventName: "Signup"}},
		{in: store.Goal{Page: "/register"}, want: store.Goal{Name: "Visit /register", Page: "/register"}},
		{in: store.Goal{Page: " /blog/** "}, want: store.Goal{Name: "Visit /blog/**", Page: "/blog/**"}},
		{in: store.Goal{Name: " Sign ups ", EventName: " Signup"}, want: store.Goal{Name: "Sign ups", EventName: "Signup"}},
		{in: store.Goal{Name: "Any post", Page: "/blog/*/comments"}, want: store.Goal{Name: "Any post", Page: "/blog/*/comments"}},
		{in: store.Goal{Page: "/über uns"}, want: store.Goal{Name: "Visit /über uns", Page: "/über uns"}},
		{in: store.Goal{Page: "/" + strings.Repeat("a", MaxPage-1)},
			want: store.Goal{Name: "Visit /" + strings.Repeat("a", MaxPage-1), Page: "/" + strings.Repeat("a", MaxPage-1)}},

		{in: store.Goal{}, wantErr: "needs an event name or a page path"},
		{in: store.Goal{Name: "x", EventName: "  "}, wantErr: "needs an event name or a page path"},
		{in: store.Goal{EventName: "Signup", Page: "/signup"}, wantErr: "not both"},
		{in: store.Goal{Page: "signup"}, wantErr: "must start with /"},
		{in: store.Goal{Page: "*/signup"}, wantErr: "must start with /"},
		{in: store.Goal{Page: "/pricing?plan=pro"}, wantErr: "without a query"},
		{in: store.Goal{Page: "/docs#intro"}, wantErr: "without a query"},
		{in: store.Goal{Page: "/" + strings.Repeat("a", MaxPage)}, wantErr: "at most 250"},
		{in: store.Goal{EventName: strings.Repeat("é", MaxEventName+1)}, wantErr: "at most 120"},
		{in: store.Goal{Name: strings.Repeat("n", MaxName+1), EventName: "x"}, wantErr: "goal name is 257 characters"},
		{in: store.Goal{EventName: "Sign\nup"}, wantErr: "control"},
		{in: store.Goal{EventName: "bad\xffutf8"}, wantErr: "not valid UTF-8"},
	} {
		got, err := Goal(tc.in)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("Goal(%+v): %v", tc.in, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("Goal(%+v) = %+v, %v; want an error containing %q", tc.in, got, err, tc.wantErr)
		case tc.wantErr == "" && got != tc.want:
			t.Errorf("Goal(%+v) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestFunnel(t *testing.T) {
	ev := func(n string) store.Goal { return store.Goal{EventName: n} }
	pg := func(p string) store.Goal { return store.Goal{Page: p} }
	steps := func(n int) []store.Goal {
		var s []store.Goal
		for i := range n {
			s = append(s, pg("/step/"+string(rune('a'+i))))
		}
		return s
	}

	got, err := Funnel(store.Funnel{SiteID: 7, Name: " Signup ", Steps: []store.Goal{pg("/pricing"), ev("Signup"), {Name: "Paid", EventName: "Purchase"}}})
	if err != nil {
		t.Fatalf("Funnel: %v", err)
	}
	want := store.Funnel{SiteID: 7, Name: "Signup", Steps: []store.Goal{
		{Name: "Visit /pricing", Page: "/pricing"}, {Name: "Signup", EventName: "Signup"}, {Name: "Paid", EventName: "Purchase"},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Funnel (-want +got):\n%s", diff)
	}
	for _, n := range []int{MinFunnelSteps, MaxFunnelSteps} {
		if _, err := Funnel(store.Funnel{Name: "f", Steps: steps(n)}); err != nil {
			t.Errorf("Funnel with %d steps: %v", n, err)
		}
	}

	for _, tc := range []struct {
		name    string
		in      store.Funnel
		wantErr string
	}{
		{"no name", store.Funnel{Name: " ", Steps: steps(2)}, "needs a name"},
		{"long name", store.Funnel{Name: strings.Repeat("n", MaxName+1), Steps: steps(2)}, "at most 256"},
		{"no steps", store.Funnel{Name: "f"}, "2 to 8 steps, not 0"},
		{"one step", store.Funnel{Name: "f", Steps: steps(1)}, "2 to 8 steps, not 1"},
		{"nine steps", store.Funnel{Name: "f", Steps: steps(9)}, "2 to 8 steps, not 9"},
		{"bad step", store.Funnel{Name: "f", Steps: []store.Goal{ev("a"), pg("pricing")}}, "step 2: the page path \"pricing\" must start with /"},
		{"repeated step", store.Funnel{Name: "f", Steps: []store.Goal{ev("a"), pg("/b"), {Name: "again", EventName: "a"}}}, "step 3 repeats step 1"},
	} {
		if got, err := Funnel(tc.in); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("Funnel(%s) = %+v, %v; want an error containing %q", tc.name, got, err, tc.wantErr)
		}
	}
}

func TestDomainAndTimeZone(t *testing.T) {
	for in, want := range map[string]string{
		"example.com": "example.com", "https://www.Example.COM/path": "example.com", "localhost": "localhost",
	} {
		if got, err := Domain(in); err != nil || got != want {
			t.Errorf("Domain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "example", "a.com,b.com", "exa mple.com"} {
		if got, err := Domain(in); err == nil {
			t.Errorf("Domain(%q) = %q, want an error", in, got)
		}
	}
	for in, want := range map[string]string{"": "UTC", "Europe/Berlin": "Europe/Berlin", "UTC": "UTC"} {
		if got, err := TimeZone(in); err != nil || got != want {
			t.Errorf("TimeZone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"Local", "Mars/Olympus", "../etc"} {
		if got, err := TimeZone(in); err == nil {
			t.Errorf("TimeZone(%q) = %q, want an error", in, got)
		}
	}
}

// FuzzGoal checks that whatever Goal accepts is a goal the stats engine
// accepts too, and that checking it again changes nothing.
func FuzzGoal(f *testing.F) {
	f.Add("", "Signup", "")
	f.Add("", "", "/blog/**")
	f.Add("Pricing", "", "/pricing/*/plans")
	f.Add(" x ", " y ", "")
	f.Add("", "", "/a?b")
	f.Add("", "", "/über/[a-z]+")
	f.Fuzz(func(t *testing.T, name, event, page string) {
		g, err := Goal(store.Goal{Name: name, EventName: event, Page: page})
		if err != nil {
			return
		}
		q := store.Query{SiteID: 1, From: time.Unix(0, 0), To: time.Unix(3600, 0),
			Metrics: []string{"visitors"}, Goals: []store.Goal{g}}
		if err := q.Validate(); err != nil {
			t.Errorf("Goal(%q, %q, %q) = %+v, which the query rejects: %v", name, event, page, g, err)
		}
		if g.Page != "" {
			if _, err := regexp.Compile(store.PageRegexp(g.Page)); err != nil || !strings.HasPrefix(g.Page, "/") {
				t.Errorf("Goal(%q, %q, %q) page %q: regexp %v", name, event, page, g.Page, err)
			}
		}
		if again, err := Goal(g); err != nil || again != g {
			t.Errorf("Goal(Goal(%q, %q, %q)) = %+v, %v; want %+v unchanged", name, event, page, again, err, g)
		}
	})
}
