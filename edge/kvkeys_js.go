//go:build js && wasm

package main

import (
	"context"
	"errors"
	"fmt"
	"syscall/js"

	"github.com/switchyard-router/switchyard/core/store"
	"github.com/syumai/workers/cloudflare"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// kvKeys is store.Keys over a Workers KV namespace: one value per key, at "key:<hash>",
// holding the store.Key record as JSON ({"hash","name","label","disabled","created_at"}).
//
// It talks to the raw binding rather than syumai's kv package because that package's
// GetString returns the string "<null>" with a nil error for a missing key
// (shared/spec/platforms.md §2.4), which cannot be told apart from a stored "<null>".
//
// Note: KV is eventually consistent. A key created in one location can take 60 s or more to
// be visible in others, and KV has no conditional put, so Create's existence check is
// best-effort across locations. Key hashes are SHA-256 of 32 random bytes, so a real
// collision does not happen; the check exists so Create never silently overwrites. Moving
// the source of truth to D1 (api_keys in migrations/0001_init.sql) with KV as a read-through
// cache is a later issue.
type kvKeys struct {
	binding string // the wrangler.toml binding name, "KV"
}

var _ store.Keys = kvKeys{}

// kvKeyPrefix namespaces key records within the KV namespace.
const kvKeyPrefix = "key:"

// maxKVKey is Workers KV's limit on key length, in bytes.
const maxKVKey = 512

func (s kvKeys) Lookup(ctx context.Context, hash string) (store.Key, error) {
	raw, ok, err := s.get(kvKeyPrefix + hash)
	if err != nil {
		return store.Key{}, err
	}
	if !ok {
		return store.Key{}, store.ErrNotFound
	}
	return decodeKey(raw)
}

func (s kvKeys) Create(ctx context.Context, k store.Key) error {
	if k.Hash == "" {
		return errors.New("kvkeys: empty key hash")
	}
	name := kvKeyPrefix + k.Hash
	_, ok, err := s.get(name)
	if err != nil {
		return err
	}
	if ok {
		return store.ErrExists
	}
	val, err := encodeKey(k)
	if err != nil {
		return err
	}
	return s.put(name, val)
}

// get reads one value; ok is false when the key is absent (the binding resolves to null).
func (s kvKeys) get(name string) (val string, ok bool, err error) {
	if len(name) > maxKVKey {
		return "", false, nil // such a key cannot have been stored
	}
	ns, err := s.namespace()
	if err != nil {
		return "", false, err
	}
	p, err := call(ns, "get", name) // Promise<string | null>
	if err != nil {
		return "", false, fmt.Errorf("kvkeys: get: %w", err)
	}
	v, err := awaitJS(p)
	if err != nil {
		return "", false, fmt.Errorf("kvkeys: get: %w", err)
	}
	if v.IsNull() || v.IsUndefined() {
		return "", false, nil
	}
	if v.Type() != js.TypeString {
		return "", false, fmt.Errorf("kvkeys: get: unexpected %s value", v.Type())
	}
	return v.String(), true, nil
}

func (s kvKeys) put(name, val string) error {
	if len(name) > maxKVKey {
		return fmt.Errorf("kvkeys: key longer than %d bytes", maxKVKey)
	}
	ns, err := s.namespace()
	if err != nil {
		return err
	}
	p, err := call(ns, "put", name, val) // Promise<void>
	if err != nil {
		return fmt.Errorf("kvkeys: put: %w", err)
	}
	if _, err := awaitJS(p); err != nil {
		return fmt.Errorf("kvkeys: put: %w", err)
	}
	return nil
}

func (s kvKeys) namespace() (js.Value, error) {
	ns := cloudflare.GetBinding(s.binding)
	if ns.Type() != js.TypeObject {
		return js.Value{}, fmt.Errorf("kvkeys: no KV namespace bound as %q (see [[kv_namespaces]] in wrangler.toml)", s.binding)
	}
	return ns, nil
}

// decodeKey reads a record written by encodeKey. Fields are read with constant gjson paths:
// this runs on every authenticated request and needs no reflection.
func decodeKey(raw string) (store.Key, error) {
	if !gjson.Valid(raw) {
		return store.Key{}, errors.New("kvkeys: stored key record is not valid JSON")
	}
	r := gjson.GetMany(raw, "hash", "name", "label", "disabled", "created_at")
	return store.Key{
		Hash:      r[0].String(),
		Name:      r[1].String(),
		Label:     r[2].String(),
		Disabled:  r[3].Bool(),
		CreatedAt: r[4].Int(),
	}, nil
}

// encodeKey renders the record with the field names of store.Key's JSON tags.
func encodeKey(k store.Key) (string, error) {
	s := "{}"
	var err error
	for _, f := range []struct {
		path string
		v    any
	}{
		{"hash", k.Hash},
		{"name", k.Name},
		{"label", k.Label},
		{"disabled", k.Disabled},
		{"created_at", k.CreatedAt},
	} {
		if s, err = sjson.Set(s, f.path, f.v); err != nil {
			return "", fmt.Errorf("kvkeys: encode: %w", err)
		}
	}
	return s, nil
}

// call invokes a JS method, turning a synchronous throw (which syscall/js raises as a Go
// panic) into an error.
func call(v js.Value, method string, args ...any) (res js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			if jerr, ok := r.(js.Error); ok {
				err = errors.New(jsString(jerr.Value))
				return
			}
			err = fmt.Errorf("%v", r)
		}
	}()
	return v.Call(method, args...), nil
}
