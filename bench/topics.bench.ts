/**
 * Topics suite: topic-name validation (run on every Subscribe and Publish) and namespace matching
 * (run on every publish for the history and slow-consumer policy, and on every Subscribe for the
 * permission rule).
 */
import { assertTopic, topicProblem } from '../src/protocol/index.js';
import { Namespaces } from '../src/server/namespaces/namespaces.js';
import type { BenchCase, BenchSuite } from './runner.js';

export const topicsSuite: BenchSuite = {
  name: 'topics',
  description: 'topic validation and namespace (permission/policy) matching',
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
    // Longest-prefix namespace lookup: the built-in `user:` plus 1 or 10 configured prefixes.
    const one = new Namespaces({ 'prices:': { slowConsumer: 'conflate' } });
    const ten = new Namespaces(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`ns${i}:`, { presence: i % 2 === 0 }])));
    cases.push(
      { name: 'match namespace, 2 prefixes, hit', fn: () => one.match(short) },
      { name: 'match namespace, 11 prefixes, hit on the last', fn: () => ten.match('ns0:lobby') },
      { name: 'match namespace, 11 prefixes, miss (default namespace)', fn: () => ten.match(short) },
    );
    return cases;
  },
};
