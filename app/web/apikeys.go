package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/footfallhq/footfall/app/auth"
	"github.com/footfallhq/footfall/store"
	"github.com/labstack/echo/v4"
)

// maxKeysPerUser bounds a user's API keys: enough for every script and
// integration a person runs, and a stolen session cannot mint thousands.
const maxKeysPerUser = 50

// apiKeyJSON is an API key as the signed-in user's key list shows it:
// never the key itself, which only its creation answer carries.
type apiKeyJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"` // null: never used
	Key        string     `json:"key,omitempty"`
}

func toAPIKeyJSON(k store.APIKey) apiKeyJSON {
	out := apiKeyJSON{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes, CreatedAt: k.CreatedAt}
	if !k.LastUsedAt.IsZero() {
		used := k.LastUsedAt
		out.LastUsedAt = &used
	}
	return out
}

// keys is GET /api/auth/keys: the signed-in user's API keys, oldest
// first. Keys are managed from a browser session only: a leaked key must
// not be able to mint more.
func (h *accountHandler) keys(c echo.Context) error {
	user, _, err := h.auth.session(c)
	if err != nil {
		return err
	}
	list, err := h.db.ListAPIKeys(c.Request().Context(), user.ID)
	if err != nil {
		return err
	}
	out := make([]apiKeyJSON, len(list))
	for i, k := range list {
		out[i] = toAPIKeyJSON(k)
	}
	noStore(c)
	return c.JSON(http.StatusOK, map[string]any{"keys": out})
}

// createKey is POST /api/auth/keys {name, scopes}: a new key for the
// signed-in user, acting as them within its scopes (stats:read,
// events:write, sites:admin; default stats:read). The answer is the only
// time the key is shown.
func (h *accountHandler) createKey(c echo.Context) error {
	ctx := c.Request().Context()
	user, _, err := h.auth.session(c)
	if err != nil {
		return err
	}
	var in struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	scopes, err := parseScopes(in.Scopes)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || utf8.RuneCountInString(name) > 100 || !utf8.ValidString(name) {
		return apiError(http.StatusBadRequest, "invalid_name", "name the key (1 to 100 characters), e.g. after the script that will use it")
	}
	existing, err := h.db.ListAPIKeys(ctx, user.ID)
	if err != nil {
		return err
	}
	if len(existing) >= maxKeysPerUser {
		return apiError(http.StatusConflict, "too_many_keys", "you have "+strconv.Itoa(maxKeysPerUser)+" API keys, the most allowed: revoke one first")
	}
	key, prefix, hash := auth.NewAPIKey()
	k, err := h.db.CreateAPIKey(ctx, store.APIKey{UserID: user.ID, Name: name, Prefix: prefix, Hash: hash, Scopes: scopes})
	if err != nil {
		return err
	}
	out := toAPIKeyJSON(k)
	out.Key = key
	noStore(c)
	return c.JSON(http.StatusCreated, out)
}

// deleteKey is DELETE /api/auth/keys/:id: the key stops working at once.
// Another user's key answers as a missing one.
func (h *accountHandler) deleteKey(c echo.Context) error {
	ctx := c.Request().Context()
	user, _, err := h.auth.session(c)
	if err != nil {
		return err
	}
	notFound := apiError(http.StatusNotFound, "key_not_found", "you have no API key with that id")
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return notFound
	}
	// DeleteAPIKey takes any key's id: check the owner first.
	list, err := h.db.ListAPIKeys(ctx, user.ID)
	if err != nil {
		return err
	}
	owned := false
	for _, k := range list {
		owned = owned || k.ID == id
	}
	if !owned {
		return notFound
	}
	if err := h.db.DeleteAPIKey(ctx, id); errors.Is(err, store.ErrNotFound) {
		return notFound
	} else if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
