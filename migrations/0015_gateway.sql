-- The gateway for department APIs (X-Road-like; docs/SHARING.md "Gateway";
-- src/modules/sharing/gateway.ts, gateway-routes.ts).
--
-- A provider registers the upstream HTTP API behind one of its api-kind catalog entries; an
-- application holding an active grant on the entry calls it through the node
-- (/api/gateway/grants/:grantId/*), which checks the grant, applies the grant's rate limit, a
-- timeout and a circuit breaker, adds the upstream's secret header and audits every call before
-- answering. The secret is stored sealed and never leaves the node.

CREATE TABLE datong.gateway_upstreams (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- One upstream per catalog entry (of resourceKind 'api').
  entry_id           uuid NOT NULL UNIQUE REFERENCES datong.catalog_entries (id) ON DELETE CASCADE,
  -- http(s) origin and base path, normalised without a trailing slash, no credentials, query or
  -- fragment; the caller's path suffix is appended to it.
  base_url           text NOT NULL CHECK (base_url ~ '^https?://[^/?#@]+(/[^?#]*)?$' AND length(base_url) <= 2000),
  -- The header that carries the secret (e.g. Authorization, X-Api-Key), and the secret's value
  -- sealed with the node's data key (NodeIdentity.seal: AES-256-GCM or SM4-GCM). Both or neither.
  auth_header_name   text CHECK (auth_header_name ~ '^[A-Za-z0-9!#$%&''*+.^_`|~-]{1,100}$'),
  auth_secret_sealed bytea,
  -- Connecting, the answer's headers and its whole body must take less than this.
  timeout_ms         integer NOT NULL DEFAULT 10000 CHECK (timeout_ms BETWEEN 100 AND 60000),
  -- The circuit breaker: after breaker_failures consecutive failures (5xx, timeouts, connection
  -- errors) within breaker_window_ms the upstream is not called for breaker_open_ms, then one
  -- trial call decides whether it closes again.
  breaker_failures   integer NOT NULL DEFAULT 5 CHECK (breaker_failures BETWEEN 1 AND 100),
  breaker_window_ms  integer NOT NULL DEFAULT 30000 CHECK (breaker_window_ms BETWEEN 1000 AND 3600000),
  breaker_open_ms    integer NOT NULL DEFAULT 30000 CHECK (breaker_open_ms BETWEEN 1000 AND 3600000),
  -- Whether the audit event of a call also keeps the request and response bodies (the first
  -- 64 KiB of each, the secret redacted). Off by default: metadata only.
  log_bodies         boolean NOT NULL DEFAULT false,
  created_by         uuid REFERENCES datong.users (id) ON DELETE SET NULL,
  created_by_name    text NOT NULL,
  updated_by         uuid REFERENCES datong.users (id) ON DELETE SET NULL,
  updated_by_name    text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK ((auth_header_name IS NULL) = (auth_secret_sealed IS NULL))
);

COMMENT ON TABLE datong.gateway_upstreams IS 'Upstream HTTP APIs behind api-kind catalog entries, called through the gateway under grants';
COMMENT ON COLUMN datong.gateway_upstreams.auth_secret_sealed IS 'The secret header value sealed with the node data key (NodeIdentity.seal); never shown';
COMMENT ON COLUMN datong.gateway_upstreams.log_bodies IS 'Audit events of calls keep the first 64 KiB of request and response bodies (secret redacted)';
