package enrich

import (
	"errors"
	"strings"
)

// Length caps keep one odd client from bloating every row it touches.
const (
	maxPath  = 2000
	maxUTM   = 200
	maxQuery = 8192 // query bytes scanned for tags; trackers put them first
)

// Errors returned by ParsePage. Their text is meant for API clients.
var (
	ErrURLNotHTTP = errors.New("url must be an absolute http(s) URL")
	ErrURLHost    = errors.New("url must have a valid host name")
)

// UTM holds the campaign tags of a landing page URL. Values are decoded,
// trimmed and cut to 200 bytes; a tag given but empty counts as absent.
type UTM struct {
	Source, Medium, Campaign, Content, Term string
}

// Page is a page URL reduced to what an event stores.
type Page struct {
	// Hostname is lower case, punycode for international names, without
	// "www." and without port.
	Hostname string
	// Pathname starts with "/", is percent-decoded, has no query, no
	// repeated or trailing slashes (except the root "/"), and is at most
	// 2000 bytes. In hash mode it ends with "#" and the fragment's route.
	Pathname string
	// UTM holds the utm_* query parameters as given.
	UTM UTM
	// Ref is the source tag the URL carries: utm_source, else source, else
	// ref, the way sites tag links without full UTM parameters.
	Ref string
	// Hash is the decoded fragment without its "#", whatever the mode.
	Hash string
}

// ParsePage parses the page URL of an event. The URL must be absolute, with
// an http or https scheme and a host; anything else yields ErrURLNotHTTP or
// ErrURLHost. Malformed percent-escapes are kept literally rather than
// rejected. With hashMode set (sites whose router lives in the fragment),
// the fragment's route, without any "?query" inside it, is appended to
// Pathname as "#/route".
func ParsePage(rawURL string, hashMode bool) (Page, error) {
	s := strings.TrimSpace(rawURL)
	var rest string
	switch {
	case hasPrefixFold(s, "https://"):
		rest = s[len("https://"):]
	case hasPrefixFold(s, "http://"):
		rest = s[len("http://"):]
	default:
		return Page{}, ErrURLNotHTTP
	}

	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	host, ok := normalizeHost(rest[:end])
	if !ok {
		return Page{}, ErrURLHost
	}
	rest = rest[end:]

	var fragment, query string
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest, fragment = rest[:i], rest[i+1:]
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest, query = rest[:i], rest[i+1:]
	}

	p := Page{Hostname: host, Pathname: normalizePath(rest)}
	p.Hash = sanitize(unescape(fragment, false), maxPath)
	if hashMode && p.Hash != "" {
		route, _, _ := strings.Cut(p.Hash, "?")
		if route != "" {
			p.Pathname = sanitize(p.Pathname+"#"+route, maxPath)
		}
	}
	p.UTM, p.Ref = parseTags(query)
	return p, nil
}

// normalizePath decodes and tidies a URL path so that the same page is
// counted under one name however a link spelled it.
func normalizePath(raw string) string {
	if len(raw) > 8*maxPath {
		raw = raw[:8*maxPath]
	}
	p := sanitize(unescape(raw, false), 4*maxPath)
	if p == "" || p == "/" {
		return "/"
	}
	if p[0] == '/' && !strings.Contains(p, "//") && p[len(p)-1] != '/' && len(p) <= maxPath {
		return p
	}
	var b strings.Builder
	b.Grow(len(p) + 1)
	if p[0] != '/' {
		b.WriteByte('/')
	}
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && i+1 < len(p) && p[i+1] == '/' {
			continue
		}
		b.WriteByte(p[i])
	}
	out := b.String()
	if len(out) > 1 && out[len(out)-1] == '/' {
		out = out[:len(out)-1]
	}
	// Cutting could leave a trailing slash again; trimming after is cheap.
	out = sanitize(out, maxPath)
	if len(out) > 1 {
		out = strings.TrimRight(out, "/")
	}
	if out == "" {
		return "/"
	}
	return out
}

// parseTags extracts the campaign tags from a raw query string without
// building a url.Values map: only seven keys matter and the first
// occurrence of each wins, as with url.Values.Get.
func parseTags(query string) (utm UTM, ref string) {
	if len(query) > maxQuery {
		query = query[:maxQuery]
	}
	var source, refParam string
	for query != "" {
		var pair string
		pair, query, _ = strings.Cut(query, "&")
		key, value, _ := strings.Cut(pair, "=")
		if strings.IndexByte(key, '%') >= 0 || strings.IndexByte(key, '+') >= 0 {
			key = unescape(key, true)
		}
		var dst *string
		switch key {
		case "utm_source":
			dst = &utm.Source
		case "utm_medium":
			dst = &utm.Medium
		case "utm_campaign":
			dst = &utm.Campaign
		case "utm_content":
			dst = &utm.Content
		case "utm_term":
			dst = &utm.Term
		case "source":
			dst = &source
		case "ref":
			dst = &refParam
		default:
			continue
		}
		if *dst == "" {
			*dst = tagValue(value)
		}
	}
	switch {
	case utm.Source != "":
		ref = utm.Source
	case source != "":
		ref = source
	default:
		ref = refParam
	}
	return utm, ref
}

// tagValue decodes one query value into a stored tag.
func tagValue(raw string) string {
	if len(raw) > 8*maxUTM {
		raw = raw[:8*maxUTM]
	}
	v := strings.TrimSpace(sanitize(unescape(raw, true), 4*maxUTM))
	if len(v) > maxUTM {
		v = strings.TrimSpace(sanitize(v, maxUTM))
	}
	return v
}
