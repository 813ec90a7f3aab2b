package config

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// smtpURLProblems checks FOOTFALL_SMTP_URL whole, as app/mail reads it:
// smtp://[user[:password]@]host[:port][?tls=required|opportunistic|none]
// or smtps://[user[:password]@]host[:port]. Each problem is a sentence;
// none repeats the value, which may hold a password.
func smtpURLProblems(raw string) []string {
	const form = "smtp://user:password@host:587 or smtps://user:password@host:465"
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the error without the URL, which may hold a password
		}
		return []string{fmt.Sprintf("FOOTFALL_SMTP_URL is not a URL (%v); write it as %s, with special characters in the password percent-encoded", err, form)}
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		return []string{"FOOTFALL_SMTP_URL must start with smtp:// (STARTTLS, port 587 by default) or smtps:// (TLS, port 465 by default)"}
	}
	if u.Opaque != "" { // smtp:host, without the slashes
		return []string{"FOOTFALL_SMTP_URL has no host: write it as " + form}
	}
	var bad []string
	if u.Hostname() == "" {
		bad = append(bad, "FOOTFALL_SMTP_URL has no host: write it as "+form)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			bad = append(bad, fmt.Sprintf("FOOTFALL_SMTP_URL: port %q must be a number from 1 to 65535", p))
		}
	} else if strings.HasSuffix(u.Host, ":") {
		bad = append(bad, "FOOTFALL_SMTP_URL: the port after \":\" is missing")
	}
	if u.Path != "" && u.Path != "/" || u.RawPath != "" {
		bad = append(bad, "FOOTFALL_SMTP_URL must have no path: an SMTP server is a host and a port")
	}
	if u.Fragment != "" {
		bad = append(bad, "FOOTFALL_SMTP_URL must have no #fragment")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return append(bad, "FOOTFALL_SMTP_URL: the query string does not parse (percent-encode special characters)")
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vs := q[k]
		switch {
		case k != "tls":
			bad = append(bad, fmt.Sprintf("FOOTFALL_SMTP_URL: unknown parameter %q (the only one is tls=required|opportunistic|none, for smtp://)", k))
		case u.Scheme == "smtps":
			bad = append(bad, "FOOTFALL_SMTP_URL: tls= applies to smtp:// only (smtps:// is always TLS)")
		case len(vs) != 1:
			bad = append(bad, "FOOTFALL_SMTP_URL: tls= is given more than once")
		case vs[0] != "required" && vs[0] != "opportunistic" && vs[0] != "none":
			bad = append(bad, fmt.Sprintf("FOOTFALL_SMTP_URL: tls=%q must be required, opportunistic or none", vs[0]))
		}
	}
	return bad
}
