// The org clock behind SystemModstamp. It never moves backwards and never runs ahead of the wall clock, so a
// poll for (t1, now] sees every change committed before `now`; changes within one millisecond share a stamp
// (as in Salesforce, where a bulk batch stamps many records alike) and readers order by (SystemModstamp, Id).
export class OrgClock {
  private last = 0;
  /** A slow transaction committing late keeps the stamp it took when it started (admin/org-time.ts). */
  pinned: () => number | undefined = () => undefined;

  constructor(readonly now: () => number) {}

  /** The stamp of a commit happening now. */
  next(): number {
    const pinned = this.pinned();
    if (pinned !== undefined) return pinned;
    this.last = Math.max(this.now(), this.last);
    return this.last;
  }

  /**
   * Stamps for `n` seeded records of a table whose newest stamp is `newest`: spread over the last `spanMs`
   * (history, not commits), non-decreasing, never before `newest` and never after now — ties when the span
   * is shorter than `n` ms.
   */
  history(newest: number, n: number, spanMs: number): (i: number) => number {
    const now = this.now();
    const from = Math.max(newest, now - spanMs);
    const span = Math.max(0, now - from);
    this.last = Math.max(this.last, from + span);
    return (i) => from + Math.floor(((i + 1) * span) / Math.max(n, 1));
  }
}
