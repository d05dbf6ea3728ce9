-- Daily quotas of grants (docs/SHARING.md "Grants"; src/modules/sharing/quota.ts).
--
-- Calls admitted under a grant per calendar day in Asia/Shanghai. Each node process counts in
-- memory and adds its counts here about once a second; the grant's daily_quota is checked
-- against the total it last read back plus its own counts since.

CREATE TABLE datong.grant_usage (
  grant_id uuid NOT NULL REFERENCES datong.grants (id) ON DELETE CASCADE,
  day      date NOT NULL,
  calls    bigint NOT NULL DEFAULT 0 CHECK (calls >= 0),
  PRIMARY KEY (grant_id, day)
);
COMMENT ON TABLE datong.grant_usage IS 'Calls admitted per grant per day (Asia/Shanghai), for the daily quota';
