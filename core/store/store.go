// Package store declares the state Switchyard keeps between requests, as small interfaces
// each platform implements: memstore in core (tests, dev server, wazero guest), KV/D1 in edge,
// DynamoDB in lambda. storetest runs one conformance suite against every implementation.
package store

import (
	"context"
	"errors"
)

// ErrNotFound is returned by lookups of records that do not exist.
var ErrNotFound = errors.New("store: not found")

// ErrExists is returned when creating a record whose id is taken.
var ErrExists = errors.New("store: already exists")

// Key is an API key record. The plaintext key is never stored: Hash is the lowercase hex
// SHA-256 of it, which is also the key's public identity (OpenRouter's "hash").
type Key struct {
	Hash      string `json:"hash"`
	Name      string `json:"name"`
	Label     string `json:"label"` // masked plaintext, e.g. "sk-sy-v1-0e6...1c96"
	Disabled  bool   `json:"disabled"`
	CreatedAt int64  `json:"created_at"` // Unix seconds
}

// Keys stores API keys by hash.
type Keys interface {
	// Lookup returns the key with the given hash, or ErrNotFound.
	Lookup(ctx context.Context, hash string) (Key, error)
	// Create stores a new key, or returns ErrExists.
	Create(ctx context.Context, k Key) error
}

// Set bundles the stores core is given. Stats and Sticky may be nil: routing then works
// without health, speed measurements or sticky routing.
type Set struct {
	Keys   Keys
	Stats  Stats
	Sticky Sticky
}
