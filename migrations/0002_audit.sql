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

-- The ledger itself. Ids are text, not uuid, so that the ledger depends on no other module's
-- tables or types (the audit schema must outlive any schema change elsewhere).
CREATE TABLE audit.event (
  seq         bigint PRIMARY KEY CHECK (seq >= 0),
  time        timestamptz NOT NULL,
  actor_type  text NOT NULL,
  actor_id    text,
  actor_name  text,
  org_id      text,
  action      text NOT NULL,
  object_type text,
  object_id   text,
  result      text NOT NULL,
  client_ip   text,
  request_id  text,
  detail      jsonb NOT NULL,
  leaf_hash   bytea NOT NULL
);
-- Filters of GET /api/audit/events, newest first.
CREATE INDEX event_action_seq ON audit.event (action, seq);
CREATE INDEX event_actor_id_seq ON audit.event (actor_id, seq) WHERE actor_id IS NOT NULL;
CREATE INDEX event_actor_name_seq ON audit.event (actor_name, seq) WHERE actor_name IS NOT NULL;

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
GRANT SELECT, DELETE ON audit.pending TO datong_audit_writer;
