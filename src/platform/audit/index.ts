/** The audit ledger as other modules use it. */
export type {
  AuditActorType,
  AuditEvent,
  AuditEventInput,
  AuditResult,
  Checkpoint,
  Ledger,
} from './types.js';
export { eventFor } from './types.js';
export {
  createLedger,
  asAuditLedger,
  LedgerRequestError,
  SEQUENCER_LOCK,
  type AuditLedger,
  type ConsistencyProof,
  type EventPage,
  type InclusionProof,
  type LedgerLog,
  type LedgerOptions,
  type ListEventsQuery,
} from './ledger.js';
export {
  verifyLedger,
  runAuditVerify,
  reportMessageZh,
  type VerifyReport,
  type VerifyCode,
} from './verify.js';
export { canonicalJson, entryBytes, entryText, checkpointText } from './canonical.js';
export { treeHasher, type TreeHasher, type HashFn } from './merkle.js';
