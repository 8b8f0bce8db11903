// The status page in a real headless chromium, served by a small loopback server from documents
// the tests change: it shows the holder and each node's view, follows a failover with its timeline
// entry, marks its data stale when the daemon stops answering, and shows hostile names as text.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventsDocument, PeerStatus, StatusDocument } from '../io/control-protocol.js';
import { chromiumForTests, openBrowser, type BrowserPage, type HeadlessBrowser } from '../testing/headless-browser.js';
import { describeEtcdKey } from '../io/etcd/etcd-words.js';
import { STATUS_PAGE_CONTENT_TYPE, STATUS_PAGE_FETCH_TIMEOUT_MS, STATUS_PAGE_HTML, STATUS_PAGE_POLL_MS } from './status-page.js';

describe('the status page as a file', () => {
  it('is small and self-contained: no outside URL, no markup built from strings, a policy that forbids the rest', () => {
    expect(Buffer.byteLength(STATUS_PAGE_HTML)).toBeLessThan(15 * 1024);
    expect(STATUS_PAGE_HTML).not.toMatch(/(https?:)?\/\/[a-z0-9]/i);
    expect(STATUS_PAGE_HTML).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    expect(STATUS_PAGE_HTML).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+'; connect-src 'self'/);
    expect(STATUS_PAGE_HTML).toContain('<noscript>');
  });
});

// ------------------------------------------------------------------------------------------------
// Fixture documents, built with the real types so that they follow the status document.

const THIS_NODE = 'reksio';

function peer(node: string, state: PeerStatus['state'], role: PeerStatus['role'], heardAgoMs: number | null, vote: string): PeerStatus {
  return { node, state, role, configuredRole: role === 'primary' ? 'secondary' : role, priority: node === 'lolek' ? 0 : 1, heardAgoMs, vote, offline: false };
}

function statusOf(resource: string, holder: string, peers: PeerStatus[], reason: string): StatusDocument {
  return {
    node: THIS_NODE,
    pid: 4242,
    incarnation: 1,
    time: new Date().toISOString(),
    gateway: null,
    etcd: null,
    drops: [],
    resources: [
      {
        name: resource,
        role: 'watchdog',
        configuredRole: 'watchdog',
        state: 'WATCHING',
        forced: false,
        offlineSec: 0,
        exec: '/etc/daemon.sh',
        remotes: [],
        attempts: 0,
        maxAttempts: 5,
        complaints: 0,
        complaintIntervalSec: 60,
        complaintThreshold: 3,
        heartbeatSec: 0.2,
        holder,
        quorum: 2,
        voters: 3,
        reason,
        peers,
      },
    ],
  };
}

const LOLEK_HOLDS = statusOf(
  'daemon',
  'lolek',
  [peer('bolek', 'STANDBY', 'secondary', 200, 'lolek'), peer('lolek', 'RUNNING', 'primary', 100, 'lolek')],
  'lolek holds daemon',
);
const BOLEK_HOLDS = statusOf(
  'daemon',
  'bolek',
  [peer('bolek', 'RUNNING', 'primary', 150, 'bolek'), peer('lolek', 'TIMEDOUT', 'secondary', 4200, 'lolek')],
  'bolek holds daemon',
);
const FIRST_HOLDER_AT = new Date(Date.now() - 60_000).toISOString();

function event(seq: number, time: string, subject: 'state' | 'holder', from: string, to: string, reason: string): EventsDocument['events'][number] {
  return { seq, time, resource: 'daemon', subject, from, to, reason };
}

// ------------------------------------------------------------------------------------------------
// A loopback server that plays the daemon's HTTP listener.

type Mode = 'answer' | 'silent' | 'no-events';

interface Fixture {
  origin: string;
  status: StatusDocument;
  events: EventsDocument;
  mode: Mode;
  /** Every path asked for. */
  paths: Set<string>;
  /** When the last status document was sent, on this host's clock. */
  lastStatusSentAt: number;
  stop(): Promise<void>;
}

async function startFixture(status: StatusDocument, events: EventsDocument): Promise<Fixture> {
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    fixture.paths.add(path);
    const json = (document: unknown): void => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(document));
    };
    if (path === '/') {
      response.setHeader('content-type', STATUS_PAGE_CONTENT_TYPE);
      response.end(STATUS_PAGE_HTML);
    } else if (fixture.mode === 'silent') {
      // A wedged daemon: the connection is accepted and never answered.
      held.add(response);
      response.on('close', () => held.delete(response));
    } else if (path === '/status.json') {
      fixture.lastStatusSentAt = Date.now();
      json(fixture.status);
    } else if (path === '/events.json' && fixture.mode !== 'no-events') {
      json(fixture.events);
    } else {
      response.statusCode = 404;
      response.end('not found\n');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fixture: Fixture = {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    status,
    events,
    mode: 'answer',
    paths: new Set(),
    lastStatusSentAt: 0,
    stop: async () => {
      for (const response of held) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return fixture;
}

// ------------------------------------------------------------------------------------------------

const chromium = chromiumForTests();

/** Long enough for a few polls and a fetch timeout on a loaded host; a bound, not an expectation. */
const WAIT = { timeoutMs: 15_000 };

/** What the page shows of its one resource, read from the DOM. */
interface Shown {
  holder: string;
  facts: string;
  rows: string[][];
  timeline: Array<{ text: string; time: string }>;
}

const READ_RESOURCE = `(() => {
  const section = document.querySelector('main section');
  if (!section) return null;
  return {
    holder: section.querySelector('.holder').textContent,
    facts: section.querySelector('dl').textContent,
    rows: [...section.querySelectorAll('tbody tr')].map((tr) => [...tr.cells].map((cell) => cell.textContent)),
    timeline: [...section.querySelectorAll('ol li')].map((li) => ({ text: li.textContent, time: li.querySelector('time').dateTime })),
  };
})()`;

describe.skipIf(chromium === undefined)('the status page in chromium', () => {
  let browser: HeadlessBrowser;
  let page: BrowserPage;
  let fixture: Fixture | undefined;

  beforeAll(async () => {
    browser = await openBrowser();
    page = await browser.openPage();
  });

  afterEach(async () => {
    await fixture?.stop();
    fixture = undefined;
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the holder and each node’s view, then follows a failover with its timeline entry', async () => {
    const before: EventsDocument = { node: THIS_NODE, events: [event(1, FIRST_HOLDER_AT, 'holder', '', 'lolek', 'lolek started daemon')] };
    fixture = await startFixture(LOLEK_HOLDS, before);
    await page.navigate(`${fixture.origin}/`);
    await page.waitForText('held by lolek', WAIT);

    const first = await page.evaluate<Shown>(READ_RESOURCE);
    expect(first.holder).toBe('held by lolek');
    expect(first.facts).toContain('WATCHING, watchdog');
    expect(first.facts).toContain('quorum 2 of 3 voters');
    expect(first.facts).toContain('lolek holds daemon');
    expect(first.rows).toEqual([
      ['reksio (this node)', 'WATCHING', 'watchdog', '', '', 'here'],
      ['bolek', 'STANDBY', 'secondary', '1', 'lolek', '0.2 s ago'],
      ['lolek', 'RUNNING', 'primary', '0', 'lolek', '0.1 s ago'],
    ]);
    expect(first.timeline).toEqual([{ text: expect.stringContaining('holder nobody → lolek: lolek started daemon'), time: FIRST_HOLDER_AT }]);
    expect(await page.text()).toMatch(/Live: last answer at \d\d:\d\d:\d\d from reksio/);
    expect(await page.evaluate('document.title')).toBe('hastmon: reksio');
    // The inline style ran under the page's policy (its hash is right).
    expect(await page.evaluate('getComputedStyle(document.querySelector("main section")).borderTopStyle')).toBe('solid');

    const failedOverAt = new Date().toISOString();
    fixture.status = BOLEK_HOLDS;
    fixture.events = {
      node: THIS_NODE,
      events: [...before.events, event(2, failedOverAt, 'holder', 'lolek', 'bolek', 'lolek went silent')],
    };
    await page.waitForText('held by bolek', WAIT);

    const after = await page.evaluate<Shown>(READ_RESOURCE);
    expect(after.holder).toBe('held by bolek');
    expect(after.rows[2]).toEqual(['lolek', 'TIMEDOUT', 'secondary', '0', 'lolek', '4.2 s ago']);
    // Newest first.
    expect(after.timeline.map((entry) => entry.time)).toEqual([failedOverAt, FIRST_HOLDER_AT]);
    expect(after.timeline[0]?.text).toContain('holder lolek → bolek: lolek went silent');
    // It only ever asked for itself and the two documents.
    expect([...fixture.paths].filter((path) => path !== '/favicon.ico').sort()).toEqual(['/', '/events.json', '/status.json']);
  });

  it("shows etcd's key in the words of hastmonctl status", async () => {
    const keys: Array<NonNullable<StatusDocument['etcd']>['resources'][number]> = [
      { name: 'daemon', claim: 'ours', owner: 'reksio', countsForMs: 1_449 },
      { name: 'daemon', claim: 'theirs', owner: 'lolek', countsForMs: 0 },
      { name: 'daemon', claim: 'unreachable', owner: '', countsForMs: 0 },
    ];
    const withKey = (key: (typeof keys)[number]): StatusDocument => ({
      ...LOLEK_HOLDS,
      etcd: { endpoint: 'http://127.0.0.1:2379', connected: key.claim !== 'unreachable', lastError: key.claim === 'unreachable' ? 'no answer within 1000 ms' : '', resources: [key] },
    });
    fixture = await startFixture(withKey(keys[0] as (typeof keys)[number]), { node: THIS_NODE, events: [] });
    await page.navigate(`${fixture.origin}/`);
    for (const key of keys) {
      const status = withKey(key);
      fixture.status = status;
      const words = describeEtcdKey(key, status.etcd?.lastError ?? '');
      // The page asks every second: poll what it shows until the new answer is on it, within the same bound.
      let facts = '';
      for (const deadline = Date.now() + WAIT.timeoutMs; !facts.includes(`etcd${words}`) && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        facts = (await page.evaluate<Shown | null>(READ_RESOURCE))?.facts ?? '';
      }
      expect(facts).toContain(`etcd${words}`);
    }
  });

  it('shows this node’s state changes too, and says so when the events record does not answer', async () => {
    const events: EventsDocument = {
      node: THIS_NODE,
      events: [event(1, new Date().toISOString(), 'state', 'STANDBY', 'STARTING', 'quorum endorses reksio')],
    };
    fixture = await startFixture(LOLEK_HOLDS, events);
    await page.navigate(`${fixture.origin}/`);
    await page.waitForText('state here STANDBY → STARTING: quorum endorses reksio', WAIT);

    fixture.mode = 'no-events';
    const text = await page.waitForText('The events record did not answer (HTTP 404); these are the last ones read.', WAIT);
    // The status document still answers: the page is live, and keeps the events it read.
    expect(text).toMatch(/Live: /);
    expect(text).toContain('state here STANDBY → STARTING');
  });

  it('marks its data stale, with the time of the last answer, when the daemon stops answering', async () => {
    fixture = await startFixture(LOLEK_HOLDS, { node: THIS_NODE, events: [] });
    await page.navigate(`${fixture.origin}/`);
    await page.waitForText('held by lolek', WAIT);

    // Wedged: connections accepted, never answered; the page gives up on each after its timeout.
    fixture.mode = 'silent';
    const text = await page.waitForText('Stale: the daemon stopped answering', WAIT);
    expect(text).toContain(`no answer within ${STATUS_PAGE_FETCH_TIMEOUT_MS / 1000} s`);
    expect(text).toContain('held by lolek');
    expect(await page.evaluate('document.title')).toBe('hastmon: reksio (stale)');
    const [stoppedAt, lastAnswerAt] = (await page.evaluate<string[]>('[...document.querySelectorAll("#detail time")].map((t) => t.dateTime)')).map(Date.parse);
    // The last answer is the last document sent, received within the page's fetch timeout.
    expect(lastAnswerAt).toBeGreaterThanOrEqual(fixture.lastStatusSentAt);
    expect(lastAnswerAt).toBeLessThan(fixture.lastStatusSentAt + STATUS_PAGE_FETCH_TIMEOUT_MS);
    expect(stoppedAt).toBeGreaterThan(lastAnswerAt as number);

    fixture.mode = 'answer';
    await page.waitForText('Live: last answer', WAIT);

    // Gone: nothing listens any more.
    await fixture.stop();
    fixture = undefined;
    const gone = await page.waitForText('Stale: the daemon stopped answering', WAIT);
    expect(gone).toContain('held by lolek');
    expect(gone).toContain('Shown below is its last answer, from');
  });

  it('shows names and reasons as text, never as markup', async () => {
    const hostile = '<img src=x onerror="window.hacked=1">';
    const status = statusOf('<b>res</b>', '<i>mallory</i>', [peer('<script>window.hacked=2</script>', 'RUNNING', 'primary', 0, hostile)], hostile);
    const events: EventsDocument = {
      node: THIS_NODE,
      events: [{ ...event(1, new Date().toISOString(), 'holder', '', '<i>mallory</i>', hostile), resource: '<b>res</b>' }],
    };
    fixture = await startFixture(status, events);
    await page.navigate(`${fixture.origin}/`);
    const text = await page.waitForText('held by <i>mallory</i>', WAIT);
    expect(text).toContain('<b>res</b>');
    expect(text).toContain('<script>window.hacked=2</script>');
    expect(text).toContain(`holder nobody → <i>mallory</i>: ${hostile}`);
    expect(await page.evaluate('document.querySelectorAll("main img, main b, main i, main script").length')).toBe(0);
    // Give an injected handler the time of a poll to run, had there been one.
    await new Promise((resolve) => setTimeout(resolve, STATUS_PAGE_POLL_MS));
    expect(await page.evaluate('typeof window.hacked')).toBe('undefined');
  });
});
