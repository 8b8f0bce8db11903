import { createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC-SHA256 digest length. */
export const MAC_BYTES = 32;

export function computeMac(key: Buffer, data: Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** Constant-time comparison, so that timing reveals nothing about how much of a forgery matched. */
export function macMatches(key: Buffer, data: Buffer, mac: Buffer): boolean {
  return mac.length === MAC_BYTES && timingSafeEqual(computeMac(key, data), mac);
}
