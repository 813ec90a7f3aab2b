package enrich

import "strings"

// maxReferrer caps the stored referrer URL, like Pathname.
const maxReferrer = 2000

// Referrer is where a visit came from.
type Referrer struct {
	// URL is the referring page as host and path: no scheme, query,
	// fragment or "www.". Empty for direct visits and self-referrals.
	// Android apps are kept as "android-app://<package>".
	URL string
	// Source is the display name of a known source ("Google", "Hacker
	// News"), else the referring host, else the page's source tag as given.
	// Empty means a direct visit.
	Source string
	// Channel is the traffic channel, one of Channels.
	Channel string
}

// Source attributes a visit: it cleans the referrer, names its source, and
// assigns a channel. page is what ParsePage returned for the event's URL;
// the utm_source column takes page.UTM.Source, not Referrer.Source. A source tag on the page URL (page.Ref: utm_source,
// source or ref) overrides the referrer's source, and is mapped through the
// same table when it names a known source ("google" → "Google", "fb" →
// "Facebook"). A referrer on the page's own host (ignoring "www.") is a
// self-referral and counts as no referrer. Referrers that are not URLs
// are ignored.
func Source(referrer string, page Page) Referrer {
	var r Referrer
	var cat category
	fromReferrer := false

	host, path, app := splitReferrer(referrer)
	switch {
	case app != "":
		r.URL = "android-app://" + app
		if s := sources.byApp[app]; s != nil {
			r.Source, cat = s.name, s.cat
		} else {
			r.Source = app
		}
		fromReferrer = true
	case host != "" && host != page.Hostname:
		r.URL = host
		if path != "" && path != "/" {
			r.URL = sanitize(host+strings.TrimRight(path, "/"), maxReferrer)
		}
		if s := sources.byHost(host); s != nil {
			r.Source, cat = s.name, s.cat
		} else {
			r.Source = host
		}
		fromReferrer = true
	}

	if tag := strings.TrimSpace(page.Ref); tag != "" {
		r.Source, cat = sourceTag(tag)
		fromReferrer = false
	}

	medium := page.UTM.Medium
	if medium == "" && fromReferrer {
		// An untagged link from another site: what GA4 calls medium
		// "referral", or "organic" for a search engine (which the search
		// rule below catches by category anyway).
		medium = "referral"
	}
	r.Channel = channel(r.Source, cat, medium, page.UTM.Campaign)
	return r
}

// sourceTag names the source of a trimmed utm_source/source/ref value.
func sourceTag(tag string) (string, category) {
	key := lower(tag)
	if s := sources.byAlias[key]; s != nil {
		return s.name, s.cat
	}
	// A tag that looks like a host ("news.ycombinator.com") is looked up
	// like a referrer.
	if strings.IndexByte(key, '.') > 0 && strings.IndexByte(key, ' ') < 0 {
		h := key
		if i := strings.Index(h, "://"); i >= 0 {
			h = h[i+3:]
		}
		if i := strings.IndexAny(h, "/?#"); i >= 0 {
			h = h[:i]
		}
		if host, ok := normalizeHost(h); ok {
			if s := sources.byHost(host); s != nil {
				return s.name, s.cat
			}
		}
	}
	return sanitize(tag, maxUTM), catUnknown
}

// splitReferrer takes a referrer apart without net/url, which allocates
// and rejects some of what browsers and apps really send. It returns the
// normalised host and raw path of an http(s) referrer (a bare
// "host/path" is read as http), or the package of an android-app one;
// all empty for anything else.
func splitReferrer(raw string) (host, path, app string) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", "", ""
	}
	if len(s) > 4*maxReferrer {
		// Nothing past the cut could be stored anyway.
		s = s[:4*maxReferrer]
	}
	if i := strings.Index(s, "://"); i >= 0 {
		scheme := s[:i]
		rest := s[i+3:]
		switch {
		case strings.EqualFold(scheme, "http"), strings.EqualFold(scheme, "https"):
			s = rest
		case strings.EqualFold(scheme, "android-app"):
			end := strings.IndexAny(rest, "/?#")
			if end < 0 {
				end = len(rest)
			}
			pkg := lower(rest[:end])
			if !isPackageName(pkg) {
				return "", "", ""
			}
			return "", "", pkg
		default:
			return "", "", ""
		}
	} else if strings.IndexByte(s, ':') >= 0 && strings.IndexByte(s, '.') < 0 {
		// "about:blank", "javascript:…" and friends.
		return "", "", ""
	} else if strings.IndexByte(s, '.') < 0 || strings.IndexByte(s, ' ') >= 0 {
		// Without a scheme, only something shaped like "example.com/x"
		// is taken as a referrer.
		return "", "", ""
	}
	end := strings.IndexAny(s, "/?#")
	if end < 0 {
		end = len(s)
	}
	h, ok := normalizeHost(s[:end])
	if !ok {
		return "", "", ""
	}
	s = s[end:]
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	return h, s, ""
}

// isPackageName reports whether s looks like an Android package name
// (dot-separated identifiers), so arbitrary text never becomes a source.
func isPackageName(s string) bool {
	if s == "" || len(s) > 200 || s[0] == '.' || s[len(s)-1] == '.' || strings.IndexByte(s, '.') < 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}
