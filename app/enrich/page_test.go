package enrich

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestParsePage(t *testing.T) {
	long := "/" + strings.Repeat("a", 3000)
	tests := []struct {
		name     string
		url      string
		hashMode bool
		want     Page
	}{
		{"root", "https://example.com", false, Page{Hostname: "example.com", Pathname: "/"}},
		{"root slash", "https://example.com/", false, Page{Hostname: "example.com", Pathname: "/"}},
		{"www and case", "HTTPS://WWW.Example.COM/Blog/", false, Page{Hostname: "example.com", Pathname: "/Blog"}},
		{"port and userinfo", "http://user:pw@example.com:8080/a", false, Page{Hostname: "example.com", Pathname: "/a"}},
		{"trailing dot host", "https://example.com./a", false, Page{Hostname: "example.com", Pathname: "/a"}},
		{"query and fragment dropped", "https://example.com/a/b?x=1#top", false, Page{Hostname: "example.com", Pathname: "/a/b", Hash: "top"}},
		{"double slashes", "https://example.com//a///b//", false, Page{Hostname: "example.com", Pathname: "/a/b"}},
		{"percent-encoding", "https://example.com/caf%C3%A9/na%20me", false, Page{Hostname: "example.com", Pathname: "/café/na me"}},
		{"encoded slashes collapse", "https://example.com/a%2F%2Fb", false, Page{Hostname: "example.com", Pathname: "/a/b"}},
		{"malformed escape kept", "https://example.com/100%/a%zz", false, Page{Hostname: "example.com", Pathname: "/100%/a%zz"}},
		{"invalid utf-8 replaced", "https://example.com/%FF", false, Page{Hostname: "example.com", Pathname: "/\uFFFD"}},
		{"control chars dropped", "https://example.com/a%00b%0Ac", false, Page{Hostname: "example.com", Pathname: "/abc"}},
		{"idn host", "https://bücher.example/straße", false, Page{Hostname: "xn--bcher-kva.example", Pathname: "/straße"}},
		{"punycode host", "https://xn--bcher-kva.example/", false, Page{Hostname: "xn--bcher-kva.example", Pathname: "/"}},
		{"ipv4", "http://127.0.0.1:8000/x", false, Page{Hostname: "127.0.0.1", Pathname: "/x"}},
		{"ipv6", "http://[::1]:8000/x", false, Page{Hostname: "::1", Pathname: "/x"}},
		{"very long", "https://example.com" + long, false, Page{Hostname: "example.com", Pathname: long[:2000]}},
		{"hash mode", "https://example.com/app/#/users/42", true, Page{Hostname: "example.com", Pathname: "/app#/users/42", Hash: "/users/42"}},
		{"hash mode root", "https://example.com/#/settings?tab=2", true, Page{Hostname: "example.com", Pathname: "/#/settings", Hash: "/settings?tab=2"}},
		{"hash mode without hash", "https://example.com/a", true, Page{Hostname: "example.com", Pathname: "/a"}},
		{"hash ignored by default", "https://example.com/#/users", false, Page{Hostname: "example.com", Pathname: "/", Hash: "/users"}},
		{
			"utm tags", "https://example.com/?utm_source=Newsletter&utm_medium=email&utm_campaign=spring+sale&utm_content=hero%20link&utm_term=%20shoes%20", false,
			Page{Hostname: "example.com", Pathname: "/", UTM: UTM{Source: "Newsletter", Medium: "email", Campaign: "spring sale", Content: "hero link", Term: "shoes"}, Ref: "Newsletter"},
		},
		{"first tag wins", "https://example.com/?utm_source=a&utm_source=b", false, Page{Hostname: "example.com", Pathname: "/", UTM: UTM{Source: "a"}, Ref: "a"}},
		{"empty tag is absent", "https://example.com/?utm_source=&ref=hn", false, Page{Hostname: "example.com", Pathname: "/", Ref: "hn"}},
		{"ref", "https://example.com/?ref=producthunt", false, Page{Hostname: "example.com", Pathname: "/", Ref: "producthunt"}},
		{"source before ref", "https://example.com/?ref=a&source=b", false, Page{Hostname: "example.com", Pathname: "/", Ref: "b"}},
		{"utm_source before source", "https://example.com/?source=b&utm_source=c", false, Page{Hostname: "example.com", Pathname: "/", UTM: UTM{Source: "c"}, Ref: "c"}},
		{"encoded key", "https://example.com/?utm%5Fsource=x", false, Page{Hostname: "example.com", Pathname: "/", UTM: UTM{Source: "x"}, Ref: "x"}},
		{"long tag capped", "https://example.com/?utm_campaign=" + strings.Repeat("c", 500), false, Page{Hostname: "example.com", Pathname: "/", UTM: UTM{Campaign: strings.Repeat("c", 200)}}},
		{"spaces around", "  https://example.com/a  ", false, Page{Hostname: "example.com", Pathname: "/a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePage(tt.url, tt.hashMode)
			if err != nil {
				t.Fatalf("ParsePage(%q, %v) error: %v", tt.url, tt.hashMode, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParsePage(%q, %v) mismatch (-want +got):\n%s", tt.url, tt.hashMode, diff)
			}
		})
	}
}

func TestParsePageErrors(t *testing.T) {
	tests := []struct {
		url  string
		want error
	}{
		{"", ErrURLNotHTTP},
		{"example.com/a", ErrURLNotHTTP},
		{"//example.com/a", ErrURLNotHTTP},
		{"/a/b", ErrURLNotHTTP},
		{"javascript:alert(1)", ErrURLNotHTTP},
		{"ftp://example.com/file", ErrURLNotHTTP},
		{"file:///etc/passwd", ErrURLNotHTTP},
		{"data:text/html,hi", ErrURLNotHTTP},
		{"https://", ErrURLHost},
		{"https:///path", ErrURLHost},
		{"https://exa mple.com/", ErrURLHost},
		{"https://example..com/", ErrURLHost},
		{"https://[::1/", ErrURLHost},
		{"https://" + strings.Repeat("a", 300) + ".com/", ErrURLHost},
	}
	for _, tt := range tests {
		_, err := ParsePage(tt.url, false)
		if !errors.Is(err, tt.want) {
			t.Errorf("ParsePage(%q) error = %v, want %v", tt.url, err, tt.want)
		}
	}
}

func TestDomains(t *testing.T) {
	tests := []struct {
		raw  string
		want []string
	}{
		{"example.com", []string{"example.com"}},
		{"  WWW.Example.com  ", []string{"example.com"}},
		{"https://example.com:443/path?q#f", []string{"example.com"}},
		{"a.com,b.com, www.a.com ,,", []string{"a.com", "b.com"}},
		{"bücher.de", []string{"xn--bcher-kva.de"}},
		{"", nil},
		{"not a domain, ok.org", []string{"ok.org"}},
		{strings.Repeat("x.com,", 10) + strings.Repeat("a", 5), []string{"x.com", "aaaaa"}},
	}
	for _, tt := range tests {
		if got := Domains(tt.raw); !cmp.Equal(got, tt.want) {
			t.Errorf("Domains(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
	var many string
	for i := range 40 {
		many += string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".com,"
	}
	if got := Domains(many); len(got) != maxDomains {
		t.Errorf("Domains(40 domains) returned %d, want %d", len(got), maxDomains)
	}
}

// checkClean fails when s is not something storage accepts.
func checkClean(t *testing.T, what, s string, max int) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s = %q is not valid UTF-8", what, s)
	}
	if len(s) > max {
		t.Errorf("%s is %d bytes, longer than %d", what, len(s), max)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			t.Errorf("%s = %q has control character %U", what, s, r)
			break
		}
	}
}
