// The soak's trouble as an operator writes it, for npm run sim and hastmon -S alike: a loss rate,
// and process pauses as LENGTH[/EVERY] in the configuration's units.
import { parseDuration } from '../config/values.js';
import type { PauseLoad } from './faults.js';

/** `0.05` or `5%`, from 0 to below 1; null when it is neither. */
export function parseLoss(text: string): number | null {
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  const value = percent !== null ? Number(percent[1]) / 100 : /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  return value >= 0 && value < 1 ? value : null;
}

/**
 * `200ms/10m`, or `200ms` alone when there is a `defaultEvery` (the mean gap); what is wrong with
 * it, as a string, otherwise.
 */
export function parsePauses(text: string, option: string, defaultEvery?: number): PauseLoad | string {
  const [lengthText = '', everyText, extra] = text.split('/');
  const form = defaultEvery === undefined ? 'LENGTH/EVERY (200ms/10m)' : 'LENGTH or LENGTH/EVERY (200ms or 200ms/10m)';
  if (extra !== undefined || (everyText === undefined && defaultEvery === undefined)) return `bad pause '${text}' for ${option}: expected ${form}`;
  const length = parseDuration(lengthText, `${option} (pause length)`);
  if (!length.ok) return length.message;
  const every = everyText === undefined ? { ok: true as const, value: defaultEvery ?? 0 } : parseDuration(everyText, `${option} (how often)`);
  if (!every.ok) return every.message;
  if (every.value <= length.value) return `bad pause '${text}' for ${option}: a node must run between its pauses (EVERY above LENGTH)`;
  return { length: length.value, every: every.value };
}
