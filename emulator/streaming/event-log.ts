// Durable streaming: every event published on a channel gets the next replay id of that channel and is kept
// for the channel's retention window (Salesforce: 24 h for PushTopic, 72 h for Change Data Capture) and up to a
// maximum count, so a subscriber can resume from the last id it saw.

export interface RetainedEvent<T> {
  replayId: number;
  /** Epoch ms when the event was published. */
  publishedAt: number;
  message: T;
}

export interface RetentionPolicy {
  /** How long events stay replayable, in ms. */
  retentionMs: number;
  /** At most this many events per channel; the oldest go first. */
  maxEvents: number;
}

/** What a subscriber's replay id asks for: nothing old, the retained events after an id, or an invalid id. */
export type ReplaySelection<T> = { ok: true; events: RetainedEvent<T>[] } | { ok: false };

export const REPLAY_NEW_ONLY = -1;
export const REPLAY_ALL_RETAINED = -2;

/** One channel's log. Events live in an array with a moving head, so trimming the oldest is O(1) amortised. */
class ChannelLog<T> {
  private events: RetainedEvent<T>[] = [];
  private head = 0;
  /** The last replay id handed out; ids are never reused, even after the events expire. */
  lastReplayId = 0;
  published = 0;

  constructor(private readonly policy: RetentionPolicy) {}

  append(build: (replayId: number) => T, now: number): RetainedEvent<T> {
    this.lastReplayId += 1;
    this.published += 1;
    const event = { replayId: this.lastReplayId, publishedAt: now, message: build(this.lastReplayId) };
    this.events.push(event);
    this.trim(now);
    return event;
  }

  /** Drops events past the retention window or over the count limit. */
  trim(now: number, olderThanMs = this.policy.retentionMs): void {
    const cutoff = now - olderThanMs;
    const minHead = this.events.length - this.policy.maxEvents;
    while (this.head < this.events.length && (this.head < minHead || this.events[this.head].publishedAt <= cutoff)) {
      this.head += 1;
    }
    // Compact once the dead prefix dominates, keeping appends and trims cheap.
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }

  select(replayId: number, now: number): ReplaySelection<T> {
    this.trim(now);
    if (replayId === REPLAY_NEW_ONLY) return { ok: true, events: [] };
    if (replayId === REPLAY_ALL_RETAINED) return { ok: true, events: this.events.slice(this.head) };
    const index = this.indexOf(replayId);
    if (index < 0) return { ok: false };
    return { ok: true, events: this.events.slice(index + 1) };
  }

  get size(): number {
    return this.events.length - this.head;
  }

  /** Binary search: replay ids are increasing along the array. */
  private indexOf(replayId: number): number {
    let low = this.head;
    let high = this.events.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const id = this.events[mid].replayId;
      if (id === replayId) return mid;
      if (id < replayId) low = mid + 1;
      else high = mid - 1;
    }
    return -1;
  }
}

/** Every channel's log; the policy for a channel is chosen by its name (e.g. /topic/… vs /data/…). */
export class EventLog<T> {
  private readonly channels = new Map<string, ChannelLog<T>>();

  constructor(
    private readonly policyFor: (channel: string) => RetentionPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** Assigns the channel's next replay id, builds the event carrying it and retains it. */
  append(channel: string, build: (replayId: number) => T): RetainedEvent<T> {
    return this.channel(channel).append(build, this.now());
  }

  /**
   * The events a subscriber with `replayId` must receive before live ones: none for -1, every retained event for
   * -2, the retained events after a retained id; an id that is no longer (or never was) retained is invalid.
   */
  select(channel: string, replayId: number): ReplaySelection<T> {
    return this.channel(channel).select(replayId, this.now());
  }

  /** Forgets events published more than `olderThanMs` ago (0 = all of them). */
  expire(olderThanMs: number): void {
    const now = this.now();
    for (const log of this.channels.values()) log.trim(now, olderThanMs);
  }

  publishedCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [name, log] of this.channels) counts[name] = log.published;
    return counts;
  }

  retainedCount(channel: string): number {
    return this.channels.get(channel)?.size ?? 0;
  }

  private channel(name: string): ChannelLog<T> {
    let log = this.channels.get(name);
    if (!log) {
      log = new ChannelLog<T>(this.policyFor(name));
      this.channels.set(name, log);
    }
    return log;
  }
}
