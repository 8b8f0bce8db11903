// hastmon -S (what-if) and its options: -R trials, -r seed, -H hours, -p loss, -g pause, -x scripts.
import { parseCount, parseDuration } from '../config/values.js';
import { parseLoss, parsePauses } from '../sim/soak-options.js';
import { DEFAULT_PAUSES } from '../sim/what-if-defaults.js';

export interface WhatIfArgs {
  /** `-R`: trials of each act. */
  trials?: number;
  /** `-r`: replay this seed alone. */
  seed?: number;
  /** `-H`: simulated soak, ms. */
  soakMs?: number;
  /** `-p`: loss on every link in the soak, 0 to below 1. */
  loss?: number;
  /** `-g`: each node's pauses in the soak: length and mean gap, ms (length 0: none). */
  pauses?: { length: number; every: number };
  /** `-x`: how long the start and stop scripts take, ms. */
  scripts?: { start: number; stop: number };
  /** The options as given, in order, but -R and -r: what a replay's command line repeats. */
  repeat: string[];
}


/** The most trials of each act: bounds a run (a trial is a few simulated seconds). */
export const MAX_TRIALS = 100_000;
/** The longest soak, hours. */
export const MAX_SOAK_HOURS = 1000;

/** Sets one what-if option; what is wrong with its value, or null. */
export function whatIfOption(target: WhatIfArgs, letter: string, text: string): string | null {
  const error = setOption(target, letter, text);
  if (error === null && letter !== 'R' && letter !== 'r') target.repeat.push(`-${letter}`, text);
  return error;
}

function setOption(target: WhatIfArgs, letter: string, text: string): string | null {
  switch (letter) {
    case 'R': {
      const count = parseCount(text, '-R (trials)', 1, MAX_TRIALS);
      if (!count.ok) return count.message;
      target.trials = count.value;
      return null;
    }
    case 'r': {
      const seed = parseCount(text, '-r (seed)', 0);
      if (!seed.ok) return seed.message;
      target.seed = seed.value;
      return null;
    }
    case 'H': {
      const hours = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
      if (!(hours > 0 && hours <= MAX_SOAK_HOURS)) return `bad soak '${text}' for -H: expected a number of hours above 0, up to ${MAX_SOAK_HOURS} (0.5 for half an hour)`;
      target.soakMs = Math.round(hours * 3_600_000);
      return null;
    }
    case 'p': {
      const loss = parseLoss(text);
      if (loss === null) return `bad loss '${text}' for -p: expected a fraction from 0 to below 1 or a percentage (0.05 or 5%)`;
      target.loss = loss;
      return null;
    }
    case 'g': {
      const pauses = parsePauses(text, '-g', DEFAULT_PAUSES.every);
      if (typeof pauses === 'string') return pauses;
      target.pauses = pauses;
      return null;
    }
    case 'x': {
      const parts = text.split('/');
      if (parts.length !== 2) return `bad script times '${text}' for -x: expected START/STOP (500ms/2s)`;
      const start = parseDuration(parts[0] ?? '', '-x (start)');
      if (!start.ok) return start.message;
      const stop = parseDuration(parts[1] ?? '', '-x (stop)');
      if (!stop.ok) return stop.message;
      target.scripts = { start: start.value, stop: stop.value };
      return null;
    }
    default:
      return `unknown option -${letter}`;
  }
}
