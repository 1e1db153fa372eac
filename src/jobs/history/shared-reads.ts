/**
 * One read for every caller that asks the same question while it waits.
 *
 * A caller that finds no read of its key in flight starts one. A caller that finds one in flight does not join
 * it — that read began before the caller arrived and may miss a write the caller has already seen committed —
 * but waits for it to end and shares the next read, which starts then. So every answer comes from a read that
 * began after its caller arrived (nothing stale), and N identical concurrent requests cost at most two reads and
 * one serialisation each instead of N. A failed read fails only the callers that shared it.
 *
 * The dashboard's tabs and the operators' scripts poll the same first page of the run history; under load
 * this is what keeps that page from costing one query and one JSON text per request (docs/scaling.md).
 */
export class SharedReads<V> {
  private readonly slots = new Map<string, Slot<V>>();

  read(key: string, load: () => Promise<V>): Promise<V> {
    const slot = this.slots.get(key);
    if (!slot) return this.start(key, load);
    slot.next ??= slot.running.then(noop, noop).then(() => this.start(key, load));
    return slot.next;
  }

  /** Keys with a read in flight or waiting (0 once every read has settled). */
  get size(): number {
    return this.slots.size;
  }

  private start(key: string, load: () => Promise<V>): Promise<V> {
    const running = Promise.resolve().then(load);
    const slot: Slot<V> = { running };
    this.slots.set(key, slot);
    const settle = (): void => {
      // A slot with a next read stays until that read takes its place.
      if (this.slots.get(key) === slot && slot.next === undefined) this.slots.delete(key);
    };
    running.then(settle, settle);
    return running;
  }
}

interface Slot<V> {
  running: Promise<V>;
  /** The read the callers who came while `running` was in flight share; it starts when `running` ends. */
  next?: Promise<V>;
}

const noop = (): void => undefined;
