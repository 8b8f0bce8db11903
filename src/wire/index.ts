export { encodeHeartbeat } from './encode.js';
export { decodeHeartbeat, REJECTIONS } from './decode.js';
export type { DecodeResult, Rejection } from './decode.js';
export { MAX_DATAGRAM_BYTES } from './format.js';
export { ReplayWindow, DEFAULT_MAX_SENDERS } from './replay-window.js';
export type { ReplayVerdict } from './replay-window.js';
export { DropCounters, DROP_REASONS, DEFAULT_LOG_INTERVAL_MS } from './drop-counters.js';
export type { DropReason, LogDecision } from './drop-counters.js';
