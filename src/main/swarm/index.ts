/**
 * The swarm capability's public surface: coordinator, agent, identities, membership, protocol constants
 * and the experience sink interface. Importing this module does not load libp2p (that happens on start).
 * Must never import Electron.
 */
export { Coordinator, type CoordinatorOptions, type AgentInfo, type SearchTaskOptions, type SearchTaskResult } from './coordinator';
export { Agent, type AgentOptions, type AgentStatus, type SweepExecutor } from './agent';
export { fileSecretBox, loadOrCreateIdentity, identityFile, swarmDir, type SecretBox, type NodeIdentity } from './identity';
export { issueMembership, checkMembership, signRotation, checkRotation, PEER_ID_RE } from './membership';
export { PROTOCOL, PROTOCOL_VERSION, EXPERIENCE_TOPIC, CONTROL_TOPIC, MAX_FRAME_BYTES, SharedRecord } from './protocol';
export { CoordinatorStore, AgentStore, coordinatorDbPath, agentDbPath, type MemberRow } from './store';
export { planShards, shardSlice, searchShard, shardPruningSet, mergeTopK, type Match, type ShardPlan, type ShardInput, type ShardSearch } from './sharding';
export { noopSink, type ExperienceSink, type ExperienceMeta } from './sink';
export { memorySink, shareExperience, experienceRecord, judgedSharer, type JudgedSharer, type MemoryLike } from './memory-sink';
export { signRecord, verifyRecord, recordSigningBytes, type RecordCheck } from './record-signature';
export { signReceipt, verifyReceipt, parseReceipts, RECEIPT_TYPE, type AuditReceipt, type ReceiptCheck } from './receipts';
export { installPolyfills, loadStack } from './stack';
