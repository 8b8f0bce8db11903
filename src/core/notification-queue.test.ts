import { describe, expect, it } from 'vitest';
import { MAX_QUEUED_NOTIFICATIONS, NotificationQueue, type QueuedScript } from './notification-queue.js';

const notify = (...args: string[]): QueuedScript => ({ action: 'notify', args });
const words = (queue: NotificationQueue): string[] => queue.pending().map((q) => `${q.action} ${q.args.join(' ')}`);

function queueOf(...items: QueuedScript[]): NotificationQueue {
  const queue = new NotificationQueue();
  for (const item of items) queue.add(item);
  return queue;
}

describe('NotificationQueue', () => {
  it('keeps notifications that nothing supersedes in the order they came', () => {
    const queue = queueOf(notify('connect', 'bolek'), notify('complain', 'reksio'), notify('connect', 'lolek'), notify('role', 'secondary', 'primary'));
    expect(words(queue)).toEqual(['notify connect bolek', 'notify complain reksio', 'notify connect lolek', 'notify role secondary primary']);
  });

  it('drops a connect and the disconnect that follows it before either ran, for that peer only', () => {
    const queue = queueOf(notify('connect', 'bolek'), notify('connect', 'lolek'), notify('disconnect', 'bolek'));
    expect(words(queue)).toEqual(['notify connect lolek']);
  });

  it('tells a peer that went and came back nothing, and one that flapped thrice only that it is gone', () => {
    const back = queueOf(notify('disconnect', 'bolek'), notify('connect', 'bolek'));
    expect(back.length).toBe(0);
    const gone = queueOf(notify('disconnect', 'bolek'), notify('connect', 'bolek'), notify('disconnect', 'bolek'));
    expect(words(gone)).toEqual(['notify disconnect bolek']);
  });

  it('merges role changes into one from the first old role to the last new one, in the later place', () => {
    const queue = queueOf(notify('role', 'secondary', 'primary'), notify('connect', 'lolek'), notify('role', 'primary', 'init'));
    expect(words(queue)).toEqual(['notify connect lolek', 'notify role secondary init']);
    queue.add(notify('role', 'init', 'secondary'));
    expect(words(queue)).toEqual(['notify connect lolek']);
  });

  it('does not repeat a complaint from a peer whose complaint still waits', () => {
    const queue = queueOf(notify('complain', 'bolek'), notify('complain', 'reksio'), notify('complain', 'bolek'));
    expect(words(queue)).toEqual(['notify complain bolek', 'notify complain reksio']);
  });

  it("never merges FreeHA's alerts: one per change of state", () => {
    const queue = queueOf({ action: 'alert', args: ['2', 'STARTING'] }, { action: 'alert', args: ['3', 'RUNNING'] }, { action: 'alert', args: ['2', 'STARTING'] });
    expect(queue.length).toBe(3);
  });

  it('puts a notification cut short first in line, still merged with what came after it', () => {
    const queue = queueOf(notify('connect', 'lolek'), notify('role', 'primary', 'init'));
    queue.returnFirst(notify('role', 'secondary', 'primary'));
    expect(words(queue)).toEqual(['notify connect lolek', 'notify role secondary init']);
    queue.returnFirst(notify('connect', 'bolek'));
    expect(words(queue)).toEqual(['notify connect bolek', 'notify connect lolek', 'notify role secondary init']);
    queue.add(notify('disconnect', 'bolek'));
    expect(words(queue)).toEqual(['notify connect lolek', 'notify role secondary init']);
  });

  it('drops the oldest past its bound and says how many, once', () => {
    const queue = new NotificationQueue();
    for (let i = 0; i < MAX_QUEUED_NOTIFICATIONS + 3; i++) queue.add(notify('connect', `n${i}`));
    expect(queue.length).toBe(MAX_QUEUED_NOTIFICATIONS);
    expect(queue.pending()[0]?.args).toEqual(['connect', 'n3']);
    expect(queue.takeDropped()).toBe(3);
    expect(queue.takeDropped()).toBe(0);
  });
});
