//go:build js && wasm

package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/switchyard-router/switchyard/core/store"
	"github.com/tidwall/gjson"
)

// kvKeys is store.Keys over a Workers KV namespace: one value per key, at "key:<hash>",
// holding the store.Key record as JSON ({"hash","name","label","disabled","created_at"}).
// The namespace is the binding of that name in the calling request's env, reached through
// kv ops on the request's port (found in ctx), so each get runs in the request's own
// workerd context. The isolate puts store.CachedKeys in front of it.
//
// It talks to the raw binding rather than syumai's kv package because that package's
// GetString returns the string "<null>" with a nil error for a missing key
// (shared/spec/platforms.md §2.4), which cannot be told apart from a stored "<null>", and
// because it reads the binding from one env per Go instance.
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
	raw, ok, err := s.get(ctx, kvKeyPrefix+hash)
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
	if len(name) > maxKVKey {
		return fmt.Errorf("kvkeys: key longer than %d bytes", maxKVKey)
	}
	_, ok, err := s.get(ctx, name)
	if err != nil {
		return err
	}
	if ok {
		return store.ErrExists
	}
	_, _, err = kvOp(ctx, s.binding, "put", name, str(encodeKey(k)), 0)
	return err
}

// get reads one value; ok is false when the key is absent (the binding resolves to null).
func (s kvKeys) get(ctx context.Context, name string) (val string, ok bool, err error) {
	if len(name) > maxKVKey {
		return "", false, nil // such a key cannot have been stored
	}
	v, ok, err := kvOp(ctx, s.binding, "get", name, "", 0)
	return str(v), ok, err
}

// kvOp runs KV get or put (with an expiry in seconds when ttl > 0) on the binding of the
// request ctx belongs to, and waits for the answer. found reports whether get found a value.
func kvOp(ctx context.Context, binding, method, name, val string, ttl int) (v []byte, found bool, err error) {
	x := exchangeOf(ctx)
	if x == nil {
		return nil, false, errors.New("kv: KV used outside a Worker request")
	}
	id, ch := theOps.start()
	var ok bool
	if method == "get" {
		ok = jsKVGet(x.port, id, binding, name)
	} else {
		ok = jsKVPut(x.port, id, binding, name, val, int32(ttl))
	}
	if !ok {
		theOps.forget(id)
		return nil, false, errEnded
	}
	o := <-ch
	switch {
	case o.status < 0:
		err := failure(x.port, id, o, "kv: "+method)
		if err == errEnded {
			return nil, false, err
		}
		return nil, false, fmt.Errorf("%w (is a KV namespace bound as %q? see [[kv_namespaces]] in wrangler.toml)", err, binding)
	case o.status == 0: // put done, or get found nothing
		return nil, false, nil
	}
	var p [1][]byte
	if !takeParcel(x.port, id, nil, p[:]) {
		return nil, false, errEnded
	}
	return p[0], true, nil
}

// decodeKey reads a record written by encodeKey. Fields are read with constant gjson paths:
// this runs on every authenticated request that misses the cache and needs no reflection.
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

// encodeKey renders the record with the field names of store.Key's JSON tags, with core's
// append writer (no reflection, no encoding/json in the Worker).
func encodeKey(k store.Key) []byte {
	b := append([]byte(nil), `{"hash":`...)
	b = api.AppendString(b, k.Hash)
	b = append(b, `,"name":`...)
	b = api.AppendString(b, k.Name)
	b = append(b, `,"label":`...)
	b = api.AppendString(b, k.Label)
	b = append(b, `,"disabled":`...)
	if k.Disabled {
		b = append(b, "true"...)
	} else {
		b = append(b, "false"...)
	}
	b = append(b, `,"created_at":`...)
	return append(strconv.AppendInt(b, k.CreatedAt, 10), '}')
}
