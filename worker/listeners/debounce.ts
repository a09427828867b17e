// How the worker's listeners nudge workflows: at most one call per key per interval — the first at once
// (leading edge), then one trailing call if more came in meanwhile — so a burst of 100,000 notifications
// costs a handful of Temporal signals, not 100,000.

export class Debouncer<K> {
  private readonly keys = new Map<K, { lastSentMs: number; trailing: NodeJS.Timeout | null }>();

  constructor(private readonly intervalMs: number, private readonly send: (key: K) => void) {}

  notify(key: K): void {
    let d = this.keys.get(key);
    if (!d) this.keys.set(key, (d = { lastSentMs: 0, trailing: null }));
    if (d.trailing) return;
    const entry = d;
    const fire = () => {
      entry.lastSentMs = Date.now();
      this.send(key);
    };
    const wait = entry.lastSentMs + this.intervalMs - Date.now();
    if (wait <= 0) {
      fire();
      return;
    }
    entry.trailing = setTimeout(() => {
      entry.trailing = null;
      fire();
    }, wait);
  }

  /** Cancels the trailing calls not yet made. */
  stop(): void {
    for (const d of this.keys.values()) if (d.trailing) clearTimeout(d.trailing);
  }
}
