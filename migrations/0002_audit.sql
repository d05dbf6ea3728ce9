-- Audit ledger: an RFC 9162 Merkle tree over the node's audit events.
--
-- Write path: callers insert into audit.pending inside their own transaction (the event exists
-- iff their change commits). A single sequencer (advisory lock) moves committed pending rows,
-- in id order, into the append-only audit.event with consecutive seq from 0, and stores the
-- leaf hash plus the internal node hashes the proofs need. Signed checkpoints pin tree heads.
CREATE SCHEMA IF NOT EXISTS audit;

-- Staging area. Rows are deleted by the sequencer once they are in audit.event; nothing else
-- reads them, so no indexes beyond the key. `time` is kept to the millisecond because the
-- canonical entry bytes carry ISO time with milliseconds.
CREATE TABLE audit.pending (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time        timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
  actor_type  text NOT NULL CHECK (actor_type IN ('user', 'app', 'system', 'anonymous')),
  actor_id    text,
  actor_name  text,
  org_id      text,
  action      text NOT NULL,
  object_type text,
  object_id   text,
  result      text NOT NULL CHECK (result IN ('success', 'failure', 'denied')),
  client_ip   text,
  request_id  text,
  detail      jsonb NOT NULL DEFAULT '{}'
);

-- The ledger itself. `entry` is the event's canonical entry text, exactly the bytes hashed into its
-- leaf (leaf_hash = H(0x00 ‖ utf8(entry))), written once by the sequencer. Everything else about
-- the event is a generated column computed from `entry`, so it cannot say something the entry
-- (and hence the Merkle tree) does not: PostgreSQL refuses an UPDATE of a generated column, and an
-- UPDATE of `entry` recomputes them. `datong audit verify` therefore reads only (seq, entry,
-- leaf_hash); parsing a million rows of structured columns into objects was its dominant cost.
--
-- Only the columns the event list filters on are generated and STORED (they need b-tree indexes).
-- Every generated column parses the entry again, and a parse costs microseconds of server CPU:
-- twelve STORED jsonb columns made the sequencer's INSERT ~70 µs per event slower on a 2-core
-- machine, while these three cost ~8 µs per event more than plain columns (both measured). They
-- use `json ->>`, which scans the text without building a jsonb value (~25% cheaper, measured)
-- and, like jsonb and JSON.parse, takes the last of duplicate keys. The node's own code reads
-- `entry` and parses it in Node; SQL readers (operators, auditors, tests) use the audit.events
-- view below, which works on any supported PostgreSQL (virtual generated columns would need 18).
-- Ids are text, not uuid, so that the ledger depends on no other module's tables or types (the
-- audit schema must outlive any schema change elsewhere).
CREATE TABLE audit.event (
  seq         bigint PRIMARY KEY CHECK (seq >= 0),
  entry       text NOT NULL,
  leaf_hash   bytea NOT NULL,
  actor_id    text GENERATED ALWAYS AS (entry::json ->> 'actorId') STORED,
  actor_name  text GENERATED ALWAYS AS (entry::json ->> 'actorName') STORED,
  action      text GENERATED ALWAYS AS (entry::json ->> 'action') STORED
);
-- Filters of GET /api/audit/events, newest first.
CREATE INDEX event_action_seq ON audit.event (action, seq);
CREATE INDEX event_actor_id_seq ON audit.event (actor_id, seq) WHERE actor_id IS NOT NULL;
CREATE INDEX event_actor_name_seq ON audit.event (actor_name, seq) WHERE actor_name IS NOT NULL;

-- Every field of every event, read from the entry: what the Merkle tree covers is what SQL sees.
CREATE VIEW audit.events AS
  SELECT seq,
         (e ->> 'time')::timestamptz AS time,
         e ->> 'actorType' AS actor_type,
         actor_id,
         actor_name,
         e ->> 'orgId' AS org_id,
         action,
         e ->> 'objectType' AS object_type,
         e ->> 'objectId' AS object_id,
         e ->> 'result' AS result,
         e ->> 'clientIp' AS client_ip,
         e ->> 'requestId' AS request_id,
         e -> 'detail' AS detail,
         leaf_hash
    FROM audit.event, LATERAL (SELECT entry::jsonb AS e) AS parsed;

-- Hashes of perfect subtrees: node (level, idx) covers leaves [idx*2^level, (idx+1)*2^level).
-- Only every 4th level is stored (4, 8, 12, …), in the spirit of Go tlog tiles: about n/15
-- rows for n leaves instead of n, and any other perfect subtree is at most 8 stored hashes
-- (or leaf hashes, for levels 1–3) combined in memory. An inclusion or consistency proof is
-- then two indexed queries whatever the tree size.
CREATE TABLE audit.node (
  level smallint NOT NULL CHECK (level > 0 AND level % 4 = 0),
  idx   bigint NOT NULL CHECK (idx >= 0),
  hash  bytea NOT NULL,
  PRIMARY KEY (level, idx)
);

-- Signed tree heads. The signature covers
--   'datong-audit-checkpoint\n' || node_code || '\n' || tree_size || '\n' || hex(root) || '\n' || ISO time || '\n'
CREATE TABLE audit.checkpoint (
  tree_size  bigint PRIMARY KEY CHECK (tree_size > 0),
  root_hash  bytea NOT NULL,
  time       timestamptz NOT NULL,
  node_code  text NOT NULL,
  algorithm  text NOT NULL CHECK (algorithm IN ('ed25519', 'sm2')),
  key_id     text NOT NULL,
  signature  bytea NOT NULL
);

-- Append-only: the database refuses to change or remove ledger rows, whoever asks. Tampering
-- requires a superuser disabling triggers, which the verifier then detects.
CREATE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit.% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON audit.event
  FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER event_no_truncate BEFORE TRUNCATE ON audit.event
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER node_append_only BEFORE UPDATE OR DELETE ON audit.node
  FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER node_no_truncate BEFORE TRUNCATE ON audit.node
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER checkpoint_append_only BEFORE UPDATE OR DELETE ON audit.checkpoint
  FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER checkpoint_no_truncate BEFORE TRUNCATE ON audit.checkpoint
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

-- The sequencer's role. Roles are cluster-wide and several databases (tests, nodes) share a
-- cluster, hence the existence check. It may read and append to the ledger tables; on the
-- staging table it may also delete, because moving a row out of pending is its whole job.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'datong_audit_writer') THEN
    CREATE ROLE datong_audit_writer NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  -- Another database's migration created it concurrently.
  NULL;
END $$;

GRANT USAGE ON SCHEMA audit TO datong_audit_writer;
GRANT SELECT, INSERT ON audit.event, audit.node, audit.checkpoint TO datong_audit_writer;
GRANT SELECT ON audit.events TO datong_audit_writer;
GRANT SELECT, DELETE ON audit.pending TO datong_audit_writer;
