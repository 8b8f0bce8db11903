import { describe, expect, it } from 'vitest';
import { parseResponse, encodeLine, MAX_RESPONSE_BYTES } from './control-protocol.js';
import { EVENT_LOG_CAPACITY, EventLog, eventsDocument } from './event-log.js';

const at = (ms: number): Date => new Date(Date.UTC(2026, 10, 30, 4, 0, 0) + ms);

function stateEvent(n: number) {
  return { kind: 'event' as const, resource: 'daemon', subject: 'state' as const, from: 'STANDBY', to: 'STARTING', reason: `reason ${n}` };
}

describe('the event log', () => {
  it('stamps each event with the wall clock in ISO 8601 and a sequence number from 1', () => {
    const log = new EventLog(10);
    log.add({ kind: 'event', resource: 'daemon', subject: 'holder', from: 'lolek', to: '', reason: 'lolek not heard for 1000 ms (TIMEDOUT)' }, at(345));
    log.add(stateEvent(2), at(400));
    expect(log.latest()).toEqual([
      { seq: 1, time: '2026-11-30T04:00:00.345Z', resource: 'daemon', subject: 'holder', from: 'lolek', to: '', reason: 'lolek not heard for 1000 ms (TIMEDOUT)' },
      { seq: 2, time: '2026-11-30T04:00:00.400Z', resource: 'daemon', subject: 'state', from: 'STANDBY', to: 'STARTING', reason: 'reason 2' },
    ]);
  });

  it('keeps only the newest events up to its capacity, oldest first, the sequence going on', () => {
    const log = new EventLog(5);
    for (let i = 1; i <= 12; i++) log.add(stateEvent(i), at(i));
    expect(log.size).toBe(5);
    expect(log.latest().map((e) => e.seq)).toEqual([8, 9, 10, 11, 12]);
    expect(log.latest().map((e) => e.reason)).toEqual(['reason 8', 'reason 9', 'reason 10', 'reason 11', 'reason 12']);
  });

  it('gives the newest N on request, newest last, and never more than it has', () => {
    const log = new EventLog(5);
    for (let i = 1; i <= 7; i++) log.add(stateEvent(i), at(i));
    expect(log.latest(2).map((e) => e.seq)).toEqual([6, 7]);
    expect(log.latest(100).map((e) => e.seq)).toEqual([3, 4, 5, 6, 7]);
  });

  it('refuses a capacity that could not hold an event', () => {
    expect(() => new EventLog(0)).toThrow(/capacity/);
  });

  it("fits a full log of long reasons in one control answer, as the client's check accepts it", () => {
    const log = new EventLog();
    const reason = `lost quorum (1 of 2 valid endorsements): stopping it here (self-fencing) ${'x'.repeat(100)}`;
    for (let i = 0; i < EVENT_LOG_CAPACITY + 10; i++) log.add({ ...stateEvent(i), resource: 'a-resource-with-a-long-name', reason }, at(i));
    const document = eventsDocument('lolek', log);
    expect(document.events).toHaveLength(EVENT_LOG_CAPACITY);
    const line = encodeLine({ ok: true, events: document });
    expect(Buffer.byteLength(line)).toBeLessThan(MAX_RESPONSE_BYTES / 2);
    expect(parseResponse(line.trimEnd())).toEqual({ ok: true, events: document });
  });
});
