// A binary min-heap of events in simulated real time. Ties are broken by insertion order, so a
// run never depends on how the heap happens to arrange equal keys.

interface Entry<T> {
  at: number;
  order: number;
  event: T;
}

export class EventQueue<T> {
  private readonly heap: Entry<T>[] = [];
  private inserted = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, event: T): void {
    if (!Number.isFinite(at)) throw new Error(`event time must be finite, got ${at}`);
    this.heap.push({ at, order: this.inserted++, event });
    this.siftUp(this.heap.length - 1);
  }

  /** Time of the earliest event, or Infinity when empty. */
  peekTime(): number {
    return this.heap[0]?.at ?? Infinity;
  }

  pop(): { at: number; event: T } | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    const last = this.heap.pop() as Entry<T>;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return { at: top.at, event: top.event };
  }

  private before(i: number, j: number): boolean {
    const x = this.heap[i] as Entry<T>;
    const y = this.heap[j] as Entry<T>;
    return x.at < y.at || (x.at === y.at && x.order < y.order);
  }

  private swap(i: number, j: number): void {
    const x = this.heap[i] as Entry<T>;
    this.heap[i] = this.heap[j] as Entry<T>;
    this.heap[j] = x;
  }

  private siftUp(index: number): void {
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(index: number): void {
    let i = index;
    const n = this.heap.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && this.before(left, smallest)) smallest = left;
      if (right < n && this.before(right, smallest)) smallest = right;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}
