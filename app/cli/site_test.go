package cli

import "testing"

// TestSiteAdd checks that site add takes domains and time zones as the
// Sites API does (both go through app/sites).
func TestSiteAdd(t *testing.T) {
	runSteps(t, t.TempDir(), []cliStep{
		{[]string{"site", "add", "https://www.Example.com/"}, 0, []string{"added example.com (time zone UTC)"}},
		{[]string{"site", "add", "tokyo.example", "--timezone", "Asia/Tokyo"}, 0, []string{"added tokyo.example (time zone Asia/Tokyo)"}},
		{[]string{"site", "add", "example.com"}, 1, []string{"site example.com already exists"}},
		{[]string{"site", "add", "example"}, 2, []string{`"example" is not a domain like example.com`}},
		{[]string{"site", "add", "mars.example", "--timezone", "Mars/Olympus"}, 2, []string{`unknown time zone "Mars/Olympus"`}},
		{[]string{"site", "add", "local.example", "--timezone", "Local"}, 2, []string{`unknown time zone "Local"`}},
		{[]string{"site", "list"}, 0, []string{"example.com", "tokyo.example"}},
	})
}
