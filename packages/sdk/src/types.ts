export type Properties = Record<string, unknown>;

export type EventType = 'track' | 'page' | 'identify' | 'screen' | 'group' | 'alias';

export interface PageContext {
  path: string;
  url: string;
  title: string;
  referrer: string;
  search: string;
}

export interface Campaign {
  source?: string;
  medium?: string;
  name?: string;
  term?: string;
  content?: string;
}

export interface EventContext {
  page: PageContext;
  campaign?: Campaign;
  library: { name: string; version: string };
  userAgent?: string;
  locale?: string;
  screen?: { width: number; height: number };
  timezone?: string;
  channel?: string;
}

/** One event as the /v1/batch API takes it (Segment's spec, the subset this SDK sends). */
export interface SdkEvent {
  type: EventType;
  /** Unique per event and kept across retries, so the server can drop duplicates. */
  messageId: string;
  anonymousId: string;
  userId?: string;
  event?: string;
  name?: string;
  properties?: Properties;
  traits?: Properties;
  /** When it happened, by this device's clock; the server corrects skew with the batch's sentAt. */
  timestamp: string;
  context: EventContext;
}

/** Per call: a buffered call replays with the time and page of the moment it was made. */
export interface CallOptions {
  timestamp?: number | string | Date;
  page?: PageContext;
}

export interface Tracker {
  track(event: string, properties?: Properties, options?: CallOptions): void;
  page(properties?: Properties, options?: CallOptions & { name?: string }): void;
  identify(userId: string, traits?: Properties, options?: CallOptions): void;
  reset(): void;
  /** Sends what is queued now (even during a back-off); resolves when done or when a retry is scheduled. */
  flush(): Promise<void>;
  /** Stops timers and listeners after a last flush; later calls do nothing. */
  shutdown(): Promise<void>;
  anonymousId(): string | null;
  userId(): string | null;
}
