/**
 * Where the allocations come from: V8's sampling heap profiler through the inspector, keeping
 * samples of objects the young- and old-generation collectors already freed (by default it keeps
 * only survivors, which hides exactly the short-lived garbage of a hot path). Prints the functions
 * that allocate most, by self size, and can write a `.heapprofile` for Chrome DevTools.
 */
import { Session } from 'node:inspector';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

/** One allocating function. */
export interface AllocationSite {
  site: string;
  /** Sampled bytes allocated by this function itself. */
  bytes: number;
}

export class AllocationProfile {
  private readonly session = new Session();

  private post<T>(method: string, params?: object): Promise<T> {
    return new Promise((resolve, reject) => this.session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
  }

  async start(samplingIntervalBytes = 512): Promise<void> {
    this.session.connect();
    await this.post('HeapProfiler.enable');
    await this.post('HeapProfiler.startSampling', {
      samplingInterval: samplingIntervalBytes,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }

  /** Stops sampling; returns the top sites and the raw profile. */
  async stop(top = 25): Promise<{ sites: AllocationSite[]; profile: unknown }> {
    const { profile } = await this.post<{ profile: { head: ProfileNode } }>('HeapProfiler.stopSampling');
    this.session.disconnect();
    const bySite = new Map<string, number>();
    const walk = (node: ProfileNode) => {
      const frame = node.callFrame;
      const file = frame.url.replace('file://', '').replace(`${process.cwd()}/`, '');
      const site = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
      for (const child of node.children) walk(child);
    };
    walk(profile.head);
    const sites = [...bySite].map(([site, bytes]) => ({ site, bytes })).sort((a, b) => b.bytes - a.bytes).slice(0, top);
    return { sites, profile };
  }
}
