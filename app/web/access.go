package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/footfallhq/footfall/app/access"
	"github.com/footfallhq/footfall/store"
	"github.com/labstack/echo/v4"
)

// keyScopesKey is where authenticator.user leaves the scopes of the API
// key that authenticated the request; absent for a browser session, which
// may do whatever its user's roles allow.
const keyScopesKey = "footfall.key_scopes"

// requireScope refuses a request authenticated by an API key that lacks
// scope. Sessions pass: scopes narrow keys, not people.
func requireScope(c echo.Context, scope string) error {
	v := c.Get(keyScopesKey)
	if v == nil {
		return nil
	}
	if scopes, _ := v.([]string); slices.Contains(scopes, scope) {
		return nil
	}
	return apiError(http.StatusForbidden, "insufficient_scope",
		"this API key lacks the scope "+scope+"; create a key with it (footfall apikey create --scope "+scope+")")
}

// accessError turns an access decision into the answer: a site or account
// the user is no member of answers as a missing one (notFound), a role too
// low answers 403.
func accessError(err error, notFound *Error) error {
	var forbidden *access.ForbiddenError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, access.ErrNotFound):
		return notFound
	case errors.As(err, &forbidden):
		return apiError(http.StatusForbidden, "forbidden", forbidden.Error())
	}
	return err
}

// parseScopes checks a requested list of scopes (names, separated by
// spaces or commas, or a JSON list already split); none is stats:read.
func parseScopes(in []string) ([]string, error) {
	var out []string
	for _, s := range in {
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' }) {
			if !slices.Contains(store.Scopes, f) {
				return nil, apiError(http.StatusBadRequest, "invalid_scope",
					"unknown scope "+f+"; scopes are "+strings.Join(store.Scopes, ", "))
			}
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	if len(out) == 0 {
		out = []string{store.ScopeStatsRead}
	}
	return out, nil
}

// siteAccess is the access checker over the app store's memberships;
// without a Sites store only staff reach sites.
func siteAccess(d Deps) access.Checker {
	if d.Sites == nil {
		return access.Checker{}
	}
	return access.Checker{DB: d.Sites}
}
