import { createRequire } from 'node:module';

/** HMAC-SHA256 digest length. */
export const MAC_BYTES = 32;

type Crypto = typeof import('node:crypto');
/**
 * node:crypto, loaded at the first MAC: about a megabyte of resident memory that a cluster
 * without a key never uses. Required rather than imported, so that encoding stays synchronous.
 */
let crypto: Crypto | undefined;
const load = (): Crypto => (crypto ??= createRequire(import.meta.url)('node:crypto') as Crypto);

export function computeMac(key: Buffer, data: Buffer): Buffer {
  return load().createHmac('sha256', key).update(data).digest();
}

/** Constant-time comparison, so that timing reveals nothing about how much of a forgery matched. */
export function macMatches(key: Buffer, data: Buffer, mac: Buffer): boolean {
  return mac.length === MAC_BYTES && load().timingSafeEqual(computeMac(key, data), mac);
}
