package enrich

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSource(t *testing.T) {
	page := Page{Hostname: "example.com", Pathname: "/"}
	tests := []struct {
		name, referrer string
		want           Referrer
	}{
		{"direct", "", Referrer{Channel: "Direct"}},
		{"google search", "https://www.google.com/search?q=footfall+analytics", Referrer{URL: "google.com/search", Source: "Google", Channel: "Organic Search"}},
		{"google country domain", "https://www.google.co.uk/", Referrer{URL: "google.co.uk", Source: "Google", Channel: "Organic Search"}},
		{"google de", "https://google.de", Referrer{URL: "google.de", Source: "Google", Channel: "Organic Search"}},
		{"bing", "https://www.bing.com/search?q=x&form=QBLH", Referrer{URL: "bing.com/search", Source: "Bing", Channel: "Organic Search"}},
		{"duckduckgo", "https://duckduckgo.com/", Referrer{URL: "duckduckgo.com", Source: "DuckDuckGo", Channel: "Organic Search"}},
		{"yahoo japan", "https://search.yahoo.co.jp/search?p=x", Referrer{URL: "search.yahoo.co.jp/search", Source: "Yahoo!", Channel: "Organic Search"}},
		{"yandex ru", "https://yandex.ru/search/?text=x", Referrer{URL: "yandex.ru/search", Source: "Yandex", Channel: "Organic Search"}},
		{"ecosia", "https://www.ecosia.org/search?q=x", Referrer{URL: "ecosia.org/search", Source: "Ecosia", Channel: "Organic Search"}},
		{"twitter t.co", "https://t.co/AbC123", Referrer{URL: "t.co/AbC123", Source: "Twitter", Channel: "Organic Social"}},
		{"x.com", "https://x.com/", Referrer{URL: "x.com", Source: "Twitter", Channel: "Organic Social"}},
		{"hacker news", "https://news.ycombinator.com/item?id=1", Referrer{URL: "news.ycombinator.com/item", Source: "Hacker News", Channel: "Organic Social"}},
		{"facebook link shim", "https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com", Referrer{URL: "l.facebook.com/l.php", Source: "Facebook", Channel: "Organic Social"}},
		{"reddit old", "https://old.reddit.com/r/golang/comments/abc/", Referrer{URL: "old.reddit.com/r/golang/comments/abc", Source: "Reddit", Channel: "Organic Social"}},
		{"lobsters", "https://lobste.rs/s/abc", Referrer{URL: "lobste.rs/s/abc", Source: "Lobsters", Channel: "Organic Social"}},
		{"youtube", "https://m.youtube.com/watch?v=x", Referrer{URL: "m.youtube.com/watch", Source: "YouTube", Channel: "Organic Video"}},
		{"amazon", "https://www.amazon.de/dp/B0", Referrer{URL: "amazon.de/dp/B0", Source: "Amazon", Channel: "Organic Shopping"}},
		{"gmail app", "android-app://com.google.android.gm", Referrer{URL: "android-app://com.google.android.gm", Source: "Gmail", Channel: "Email"}},
		{"gmail web", "https://mail.google.com/", Referrer{URL: "mail.google.com", Source: "Gmail", Channel: "Email"}},
		{"yahoo mail", "https://mail.yahoo.co.jp/", Referrer{URL: "mail.yahoo.co.jp", Source: "Yahoo! Mail", Channel: "Email"}},
		{"unknown app", "android-app://org.example.reader/", Referrer{URL: "android-app://org.example.reader", Source: "org.example.reader", Channel: "Referral"}},
		{"chatgpt", "https://chatgpt.com/", Referrer{URL: "chatgpt.com", Source: "ChatGPT", Channel: "AI Assistants"}},
		{"perplexity", "https://www.perplexity.ai/search/abc", Referrer{URL: "perplexity.ai/search/abc", Source: "Perplexity", Channel: "AI Assistants"}},
		{"gemini before google", "https://gemini.google.com/app", Referrer{URL: "gemini.google.com/app", Source: "Gemini", Channel: "AI Assistants"}},
		{"github", "https://github.com/footfallhq/footfall", Referrer{URL: "github.com/footfallhq/footfall", Source: "GitHub", Channel: "Referral"}},
		{"unknown site", "https://blog.Example.org:443/post/1/?utm=x#c", Referrer{URL: "blog.example.org/post/1", Source: "blog.example.org", Channel: "Referral"}},
		{"no scheme", "news.ycombinator.com/", Referrer{URL: "news.ycombinator.com", Source: "Hacker News", Channel: "Organic Social"}},
		{"self-referral", "https://example.com/other", Referrer{Channel: "Direct"}},
		{"self-referral www", "https://www.example.com/", Referrer{Channel: "Direct"}},
		{"subdomain is not self", "https://docs.example.com/", Referrer{URL: "docs.example.com", Source: "docs.example.com", Channel: "Referral"}},
		{"garbage", "not a url", Referrer{Channel: "Direct"}},
		{"about blank", "about:blank", Referrer{Channel: "Direct"}},
		{"javascript", "javascript:void(0)", Referrer{Channel: "Direct"}},
		{"other scheme", "chrome-extension://abcdef/x", Referrer{Channel: "Direct"}},
		{"bad host", "https://exa mple.com/", Referrer{Channel: "Direct"}},
		{"android garbage", "android-app://Not A Package", Referrer{Channel: "Direct"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Source(tt.referrer, page)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Source(%q) mismatch (-want +got):\n%s", tt.referrer, diff)
			}
		})
	}
}

func TestSourceTags(t *testing.T) {
	tests := []struct {
		name, referrer string
		utm            UTM
		ref            string // Page.Ref; defaults to utm.Source
		wantSource     string
		wantChannel    string
	}{
		{"utm google cpc", "", UTM{Source: "google", Medium: "cpc"}, "", "Google", "Paid Search"},
		{"utm google overrides referrer", "https://news.ycombinator.com/", UTM{Source: "google", Medium: "cpc"}, "", "Google", "Paid Search"},
		{"fb paid social", "", UTM{Source: "fb", Medium: "paid_social"}, "", "Facebook", "Paid Social"},
		{"facebook organic by medium", "", UTM{Source: "Facebook", Medium: "social"}, "", "Facebook", "Organic Social"},
		{"youtube ppc", "", UTM{Source: "youtube", Medium: "ppc"}, "", "YouTube", "Paid Video"},
		{"shopping campaign paid", "", UTM{Source: "partner", Medium: "cpc", Campaign: "eshop-summer"}, "", "partner", "Paid Shopping"},
		{"shopping campaign organic", "", UTM{Source: "partner", Campaign: "Holiday Shopping"}, "", "partner", "Organic Shopping"},
		{"workshop is not shopping", "", UTM{Source: "partner", Medium: "cpc", Campaign: "workshop"}, "", "partner", "Paid Other"},
		{"display", "", UTM{Source: "adnet", Medium: "banner"}, "", "adnet", "Display"},
		{"cpm is display", "", UTM{Source: "adnet", Medium: "cpm"}, "", "adnet", "Display"},
		{"paid other", "", UTM{Source: "adnet", Medium: "retargeting"}, "", "adnet", "Paid Other"},
		{"cross-network", "", UTM{Source: "google", Medium: "cpc", Campaign: "PMax Cross-Network"}, "", "Google", "Cross-network"},
		{"newsletter email", "", UTM{Source: "newsletter", Medium: "email"}, "", "newsletter", "Email"},
		{"email source", "", UTM{Source: "email"}, "", "email", "Email"},
		{"affiliate", "", UTM{Source: "blogger", Medium: "affiliate"}, "", "blogger", "Affiliates"},
		{"audio", "", UTM{Source: "podcast", Medium: "audio"}, "", "podcast", "Audio"},
		{"sms", "", UTM{Source: "sms"}, "", "sms", "SMS"},
		{"push", "", UTM{Source: "app", Medium: "web-push"}, "", "app", "Mobile Push Notifications"},
		{"firebase", "", UTM{Source: "firebase"}, "", "firebase", "Mobile Push Notifications"},
		{"organic medium", "", UTM{Source: "someengine", Medium: "organic"}, "", "someengine", "Organic Search"},
		{"video medium", "", UTM{Source: "somesite", Medium: "video"}, "", "somesite", "Organic Video"},
		{"referral medium", "", UTM{Source: "partner", Medium: "referral"}, "", "partner", "Referral"},
		{"unknown tag", "", UTM{Source: "Spring Newsletter"}, "", "Spring Newsletter", "Unassigned"},
		{"host tag", "", UTM{Source: "news.ycombinator.com"}, "", "Hacker News", "Organic Social"},
		{"ref param", "", UTM{}, "producthunt", "Product Hunt", "Organic Social"},
		{"ref param hn", "", UTM{}, "hn", "Hacker News", "Organic Social"},
		{"medium only", "", UTM{Medium: "cpc"}, "", "", "Paid Other"},
		{"medium email no source", "", UTM{Medium: "Email"}, "", "", "Email"},
		{"campaign only is direct", "", UTM{Campaign: "spring"}, "", "", "Direct"},
		{"referrer with utm medium", "https://www.google.com/", UTM{Medium: "cpc"}, "", "Google", "Paid Search"},
		{"chatgpt utm", "", UTM{Source: "chatgpt.com"}, "", "ChatGPT", "AI Assistants"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := Page{Hostname: "example.com", Pathname: "/", UTM: tt.utm, Ref: tt.ref}
			if page.Ref == "" {
				page.Ref = tt.utm.Source
			}
			got := Source(tt.referrer, page)
			if got.Source != tt.wantSource || got.Channel != tt.wantChannel {
				t.Errorf("Source(%q, %+v) = %q/%q, want %q/%q", tt.referrer, page, got.Source, got.Channel, tt.wantSource, tt.wantChannel)
			}
		})
	}
}

func TestChannelsComplete(t *testing.T) {
	all := Channels()
	if len(all) != 20 {
		t.Errorf("Channels() has %d entries, want 20", len(all))
	}
	seen := map[string]bool{}
	for _, c := range all {
		if seen[c] {
			t.Errorf("Channels() lists %q twice", c)
		}
		seen[c] = true
	}
	for _, c := range []string{ChannelDirect, ChannelUnassigned, ChannelAIAssistants} {
		if !slices.Contains(all, c) {
			t.Errorf("Channels() lacks %q", c)
		}
	}
}

func TestKnownSourcesTable(t *testing.T) {
	// Every row must be reachable and in a valid category; a typo in a
	// domain would otherwise go unnoticed.
	for _, s := range knownSources {
		if s.cat == catUnknown {
			t.Errorf("source %q has no category", s.name)
		}
		for _, d := range s.domains {
			if got := sources.byHost(d); got == nil {
				t.Errorf("byHost(%q) = nil, want %q", d, s.name)
			} else if got.name != s.name {
				t.Logf("byHost(%q) = %q, shadowed by an earlier row than %q", d, got.name, s.name)
			}
			if h, ok := normalizeHost(d); !ok || h != d {
				t.Errorf("domain %q of %q is not in normalised form", d, s.name)
			}
		}
		if len(s.domains)+len(s.brands)+len(s.apps) == 0 {
			t.Errorf("source %q cannot match anything", s.name)
		}
	}
}
