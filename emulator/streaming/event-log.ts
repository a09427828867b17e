// Durable streaming: every event published on a channel gets the next replay id of that channel and is kept
// for the channel's retention window (Salesforce: 24 h for PushTopic, 72 h for Change Data Capture) and up to a
// maximum count, so a subscriber can resume from the last id it saw.
//
// Retention is lazy: a bulk job commits tens of thousands of changes a second, usually with nobody subscribed,
// and building (then keeping) a Bayeux message for each would cost more than the commit itself. The log keeps
// what the event is made from — one source object, which two channels may share — and builds the message for
// a channel and replay id only when a live subscriber or a replay needs it; the built message is then kept, so
// every reader of that event on that channel gets the same one.

/** What an event is made from: builds its message for `channel` once the event's replay id is known. */
export interface EventSource<T> {
  build(channel: string, replayId: number): T;
}

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

/**
 * One channel's log: parallel arrays (source, built message, publish time) with a moving head, so trimming
 * the oldest is O(1) amortised. Replay ids are consecutive, so an event's id is its position plus an offset
 * and needs no storage of its own.
 */
class ChannelLog<T> {
  /** undefined once the event is dropped, so the log never keeps a change alive past its retention. */
  private sources: (EventSource<T> | undefined)[] = [];
  /** The built message per event, undefined until first needed. */
  private messages: (T | undefined)[] = [];
  private publishedAt: number[] = [];
  private head = 0;
  /** Replay id of the event at array index 0. */
  private firstReplayId = 1;
  /** The last replay id handed out; ids are never reused, even after the events expire. */
  lastReplayId = 0;
  published = 0;

  constructor(private readonly channel: string, private readonly policy: RetentionPolicy) {}

  append(source: EventSource<T>, now: number): number {
    this.lastReplayId += 1;
    this.published += 1;
    this.sources.push(source);
    this.messages.push(undefined);
    this.publishedAt.push(now);
    this.trim(now);
    return this.lastReplayId;
  }

  /** Drops events past the retention window or over the count limit. */
  trim(now: number, olderThanMs = this.policy.retentionMs): void {
    const cutoff = now - olderThanMs;
    const length = this.sources.length;
    const minHead = length - this.policy.maxEvents;
    while (this.head < length && (this.head < minHead || this.publishedAt[this.head] <= cutoff)) {
      // Release what the dropped event referenced now, not at the next compaction.
      this.sources[this.head] = undefined;
      this.messages[this.head] = undefined;
      this.head += 1;
    }
    // Compact once the dead prefix dominates, keeping appends and trims cheap.
    if (this.head > 1024 && this.head * 2 > length) {
      this.sources = this.sources.slice(this.head);
      this.messages = this.messages.slice(this.head);
      this.publishedAt = this.publishedAt.slice(this.head);
      this.firstReplayId += this.head;
      this.head = 0;
    }
  }

  /** The message of a retained event (built on first use, then kept), or undefined when it is not retained. */
  message(replayId: number): T | undefined {
    const index = this.indexOf(replayId);
    return index < 0 ? undefined : this.messageAt(index);
  }

  select(replayId: number, now: number): ReplaySelection<T> {
    this.trim(now);
    if (replayId === REPLAY_NEW_ONLY) return { ok: true, events: [] };
    if (replayId === REPLAY_ALL_RETAINED) return { ok: true, events: this.eventsFrom(this.head) };
    const index = this.indexOf(replayId);
    if (index < 0) return { ok: false };
    return { ok: true, events: this.eventsFrom(index + 1) };
  }

  get size(): number {
    return this.sources.length - this.head;
  }

  /** Whether `replayId` is retained now. */
  retains(replayId: number): boolean {
    return this.indexOf(replayId) >= 0;
  }

  /** At most `max` retained events after `replayId` (from the oldest retained one when it is older), in order. */
  after(replayId: number, max: number): RetainedEvent<T>[] {
    const start = Math.max(this.head, replayId - this.firstReplayId + 1);
    const events: RetainedEvent<T>[] = [];
    for (let i = start; i < this.sources.length && events.length < max; i++) {
      events.push({ replayId: this.firstReplayId + i, publishedAt: this.publishedAt[i], message: this.messageAt(i) });
    }
    return events;
  }

  private eventsFrom(index: number): RetainedEvent<T>[] {
    const events: RetainedEvent<T>[] = [];
    for (let i = index; i < this.sources.length; i++) {
      events.push({ replayId: this.firstReplayId + i, publishedAt: this.publishedAt[i], message: this.messageAt(i) });
    }
    return events;
  }

  private messageAt(index: number): T {
    let message = this.messages[index];
    if (message === undefined) {
      message = this.sources[index]!.build(this.channel, this.firstReplayId + index);
      this.messages[index] = message;
    }
    return message;
  }

  /** Array index of a retained replay id, or -1. */
  private indexOf(replayId: number): number {
    const index = replayId - this.firstReplayId;
    return Number.isInteger(index) && index >= this.head && index < this.sources.length ? index : -1;
  }
}

/** Every channel's log; the policy for a channel is chosen by its name (e.g. /topic/… vs /data/…). */
export class EventLog<T> {
  private readonly channels = new Map<string, ChannelLog<T>>();

  constructor(
    private readonly policyFor: (channel: string) => RetentionPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** Retains an event under the channel's next replay id, which it returns; nothing is built yet. */
  append(channel: string, source: EventSource<T>): number {
    return this.channel(channel).append(source, this.now());
  }

  /** The message of a retained event on `channel`, built on first use and kept; undefined when not retained. */
  message(channel: string, replayId: number): T | undefined {
    return this.channels.get(channel)?.message(replayId);
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

  /**
   * For a pull-based reader (the Pub/Sub API): at most `max` retained events after `replayId`, in order. Events
   * older than the window are skipped, as a subscriber that outlived them would find.
   */
  after(channel: string, replayId: number, max: number): RetainedEvent<T>[] {
    const log = this.channel(channel);
    log.trim(this.now());
    return log.after(replayId, max);
  }

  /** The newest replay id handed out on `channel` (0 before the first event). */
  lastReplayId(channel: string): number {
    return this.channels.get(channel)?.lastReplayId ?? 0;
  }

  /** Whether `replayId` is retained on `channel` now (a resume point must be). */
  retains(channel: string, replayId: number): boolean {
    const log = this.channel(channel);
    log.trim(this.now());
    return log.retains(replayId);
  }

  retainedCount(channel: string): number {
    return this.channels.get(channel)?.size ?? 0;
  }

  private channel(name: string): ChannelLog<T> {
    let log = this.channels.get(name);
    if (!log) {
      log = new ChannelLog<T>(name, this.policyFor(name));
      this.channels.set(name, log);
    }
    return log;
  }
}
