/** Counters for traffic the topic core does not see (inbound messages, refusals), read by /metrics at scrape time. */
export interface TrafficCounters {
  messagesIn: number;
  bytesIn: number;
  badFrames: number;
  upgradesRefused: number;
  httpPublishes: number;
  /** Connections closed with 4002 and HTTP API requests answered 429 for exceeding a rate limit. */
  rateLimited: number;
}

export function newTrafficCounters(): TrafficCounters {
  return { messagesIn: 0, bytesIn: 0, badFrames: 0, upgradesRefused: 0, httpPublishes: 0, rateLimited: 0 };
}
