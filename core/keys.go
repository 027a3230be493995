package core

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/switchyard-router/switchyard/core/store"
	"github.com/tidwall/gjson"
)

// keyPrefix marks Switchyard keys the way sk-or-v1- marks OpenRouter's.
const keyPrefix = "sk-sy-v1-"

// HashKey is the identity of a key: the lowercase hex SHA-256 of its plaintext, which is all
// that is ever stored.
func HashKey(plaintext string) string {
	sum := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(sum[:])
}

func bearer(r *http.Request) string {
	a := r.Header.Get("Authorization")
	if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

// auth resolves the request's key. Errors are 401s that never echo the key.
func (h *handler) auth(r *http.Request) (store.Key, *Error) {
	tok := bearer(r)
	if tok == "" {
		return store.Key{}, errorf(http.StatusUnauthorized, "authentication", "No auth credentials found")
	}
	if h.cfg.Stores.Keys == nil {
		return store.Key{}, errorf(http.StatusInternalServerError, "server", "No key store is configured")
	}
	k, err := h.cfg.Stores.Keys.Lookup(r.Context(), HashKey(tok))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Key{}, errorf(http.StatusUnauthorized, "authentication", "User not found.")
	case err != nil:
		h.logf("key lookup: %v", err)
		return store.Key{}, errorf(http.StatusInternalServerError, "server", "Key lookup failed")
	case k.Disabled:
		return store.Key{}, errorf(http.StatusUnauthorized, "authentication", "This API key is disabled")
	}
	return k, nil
}

// createKey is POST /api/v1/keys, authorised by SWITCHYARD_ADMIN_KEY (OpenRouter's
// management key). The plaintext is returned once, in this response, and never stored.
func (h *handler) createKey(w http.ResponseWriter, r *http.Request) {
	admin := h.cfg.Env("SWITCHYARD_ADMIN_KEY")
	tok := bearer(r)
	switch {
	case admin == "":
		writeError(w, errorf(http.StatusForbidden, "permission_denied", "Key management is disabled: set SWITCHYARD_ADMIN_KEY"))
		return
	case tok == "":
		writeError(w, errorf(http.StatusUnauthorized, "authentication", "No auth credentials found"))
		return
	case subtle.ConstantTimeCompare([]byte(tok), []byte(admin)) != 1:
		writeError(w, errorf(http.StatusForbidden, "permission_denied", "Only management keys can perform this operation"))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil || !gjson.ValidBytes(body) {
		writeError(w, errorf(http.StatusBadRequest, "invalid_request", "Invalid JSON in request body"))
		return
	}
	name := gjson.GetBytes(body, "name")
	if name.Type != gjson.String || strings.TrimSpace(name.Str) == "" {
		writeError(w, errorf(http.StatusBadRequest, "invalid_request", "name is required"))
		return
	}
	plain, err := newKey()
	if err != nil {
		writeError(w, errorf(http.StatusInternalServerError, "server", "Could not generate a key"))
		return
	}
	k := store.Key{
		Hash:      HashKey(plain),
		Name:      name.Str,
		Label:     plain[:len(keyPrefix)+3] + "..." + plain[len(plain)-4:],
		CreatedAt: h.now().Unix(),
	}
	if err := h.cfg.Stores.Keys.Create(r.Context(), k); err != nil {
		h.logf("key create: %v", err)
		writeError(w, errorf(http.StatusInternalServerError, "server", "Could not store the key"))
		return
	}
	out := append([]byte(`{"data":`), appendKeyInfo(nil, &k)...)
	out = append(out, `,"key":`...)
	out = api.AppendString(out, plain)
	writeJSON(w, http.StatusCreated, append(out, '}'))
}

// keyInfo is GET /api/v1/key: what the calling key is. Limits and usage arrive with the
// accounts issue; until then keys are unlimited and usage reads 0.
func (h *handler) keyInfo(w http.ResponseWriter, r *http.Request) {
	k, e := h.auth(r)
	if e != nil {
		writeError(w, e)
		return
	}
	out := append([]byte(`{"data":`), appendKeyInfo(nil, &k)...)
	writeJSON(w, http.StatusOK, append(out, '}'))
}

func appendKeyInfo(dst []byte, k *store.Key) []byte {
	dst = append(dst, `{"hash":`...)
	dst = api.AppendString(dst, k.Hash)
	dst = append(dst, `,"name":`...)
	dst = api.AppendString(dst, k.Name)
	dst = append(dst, `,"label":`...)
	dst = api.AppendString(dst, k.Label)
	dst = append(dst, `,"disabled":`...)
	dst = strconv.AppendBool(dst, k.Disabled)
	dst = append(dst, `,"limit":null,"limit_remaining":null,"limit_reset":null,"include_byok_in_limit":false,`+
		`"usage":0,"usage_daily":0,"usage_weekly":0,"usage_monthly":0,`+
		`"byok_usage":0,"byok_usage_daily":0,"byok_usage_weekly":0,"byok_usage_monthly":0,`+
		`"is_free_tier":false,"is_management_key":false,"is_provisioning_key":false,`+
		`"rate_limit":{"requests":-1,"interval":"10s","note":"deprecated"},"expires_at":null,"created_at":`...)
	dst = strconv.AppendInt(dst, k.CreatedAt, 10)
	return append(dst, '}')
}

func newKey() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return keyPrefix + hex.EncodeToString(b[:]), nil
}
