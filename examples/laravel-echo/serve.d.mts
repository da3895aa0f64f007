/** Types of serve.mjs for the TypeScript tests that start the demo. */

/** The demo's users by id. */
export declare const USERS: ReadonlyMap<number, string>;

/** The .env.example values, with `overrides` winning over the file (also inside `${NAME}`). */
export declare function loadEnv(overrides?: Record<string, string | undefined>): Record<string, string>;

export interface DemoOptions {
  /** HTTP port; 0 picks a free one. @default env DEMO_PORT, else 8000 */
  port?: number;
  /** Interface to bind. @default '127.0.0.1' */
  host?: string;
  /** Values that win over .env.example. @default process.env */
  env?: Record<string, string | undefined>;
}

/** A running demo app. */
export interface Demo {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The resolved .env values it runs with. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts the demo app; resolves once it listens. */
export declare function startDemo(options?: DemoOptions): Promise<Demo>;
