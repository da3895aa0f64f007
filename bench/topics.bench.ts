/**
 * Topics suite: topic-name validation (run on every Subscribe and Publish) and, later, topic
 * permission matching.
 */
import { assertTopic, topicProblem } from '../src/protocol/index.js';
import type { BenchCase, BenchSuite } from './runner.js';

export const topicsSuite: BenchSuite = {
  name: 'topics',
  description: 'topic validation (and, when it lands, permission matching)',
  cases() {
    const short = 'prices:btc-usd';
    const long = `user:${'a'.repeat(251)}`; // 256 B, the default maximum
    const cases: BenchCase[] = [
      { name: 'validate topic, 14 B, valid', fn: () => topicProblem(short) },
      { name: 'validate topic, 256 B, valid', fn: () => topicProblem(long) },
      { name: 'validate topic, 14 B, space at the end (invalid)', fn: () => topicProblem('prices:btc-us ') },
      { name: 'validate topic, 257 B (too long)', fn: () => topicProblem(`${long}x`) },
      { name: 'assertTopic, 14 B, valid', fn: () => assertTopic(short) },
    ];
    // Topic-permission matching (namespaces) goes here when it lands: add cases named like
    // "match permission, 10 patterns, exact hit" / "…, wildcard hit" / "…, miss" beside these,
    // so one suite answers what a Subscribe costs before it reaches uWS.
    return cases;
  },
};
