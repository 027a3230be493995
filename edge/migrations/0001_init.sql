-- 0001_init: the D1 schema later issues build on.
--
-- Applied with `npx wrangler d1 migrations apply DB --local` (scripts/dev does it) or
-- `--remote`; wrangler records applied files in its own d1_migrations table. Never edit an
-- applied migration: add 0002_*.sql instead.
--
-- Conventions (shared/spec/platforms.md §2.5):
--   * Times are INTEGER Unix seconds or milliseconds, never strings: the Go D1 driver panics
--     on time.Time arguments.
--   * Money is INTEGER in core's fixed-point unit (catalog.Price: picodollars). D1 numbers
--     cross JavaScript, so they stay exact only below 2^53 (≈ $9,007 in picodollars): fine
--     for one generation's cost; balances and limits get their own unit in a later migration.
--   * Booleans are INTEGER 0/1.
--   * No transactions: atomic multi-statement work goes through D1 batch().
--
-- Today API keys live in Workers KV (edge/kvkeys_js.go); api_keys becomes their source of
-- truth, with KV as a read-through cache, when the D1 store lands.

-- One row per API key. The plaintext key is never stored.
CREATE TABLE IF NOT EXISTS api_keys (
    key_hash   TEXT    PRIMARY KEY NOT NULL,               -- lowercase hex SHA-256 of the key (OpenRouter's "hash")
    name       TEXT    NOT NULL DEFAULT '',
    label      TEXT    NOT NULL DEFAULT '',                -- masked plaintext, e.g. sk-sy-v1-0e6...1c96
    disabled   INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at INTEGER NOT NULL,                           -- Unix seconds
    updated_at INTEGER                                     -- Unix seconds; NULL until first change
);

CREATE INDEX IF NOT EXISTS api_keys_created_at ON api_keys (created_at);

-- One row per generation (one client request), written after the response through
-- Config.Defer, and served by GET /api/v1/generation?id=… (shared/spec/openrouter-api.md §7).
-- Every upstream attempt, fallbacks included, is kept in provider_responses.
CREATE TABLE IF NOT EXISTS generations (
    id                       TEXT    PRIMARY KEY NOT NULL, -- gen-<unix>-<random>, also sent as X-Generation-Id
    key_hash                 TEXT    NOT NULL,             -- the API key that paid (api_keys.key_hash; keys are in KV today, so no FK yet)
    created_at               INTEGER NOT NULL,             -- Unix milliseconds, request start
    model                    TEXT    NOT NULL,             -- model actually used (after models[] fallback)
    provider                 TEXT,                         -- serving provider slug; NULL if every attempt failed
    upstream_id              TEXT,                         -- the provider's own id (chatcmpl-…)
    api_type                 TEXT    NOT NULL DEFAULT 'completions',
    streamed                 INTEGER NOT NULL DEFAULT 0 CHECK (streamed IN (0, 1)),
    cancelled                INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1)), -- client went away mid-stream
    status                   INTEGER NOT NULL,             -- HTTP status answered to the client
    finish_reason            TEXT,                         -- normalised (stop, length, tool_calls, …)
    native_finish_reason     TEXT,                         -- as the upstream said it
    tokens_prompt            INTEGER,
    tokens_completion        INTEGER,
    native_tokens_reasoning  INTEGER,
    native_tokens_cached     INTEGER,
    total_cost               INTEGER NOT NULL DEFAULT 0,   -- catalog.Price units (picodollars)
    latency_ms               INTEGER,                      -- request start → first byte to the client
    generation_time_ms       INTEGER,                      -- first byte → end of body
    origin                   TEXT,                         -- HTTP-Referer
    app_title                TEXT,                         -- X-Title / X-OpenRouter-Title
    external_user            TEXT,                         -- the request's "user"
    provider_responses       TEXT                          -- JSON array: [{provider, status, latency_ms}, …]
);

-- Activity listings and per-key usage: newest first.
CREATE INDEX IF NOT EXISTS generations_key_created ON generations (key_hash, created_at DESC);
