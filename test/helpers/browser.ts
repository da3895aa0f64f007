/**
 * Runs browser tests in a real Chromium that is already installed on the system, through
 * playwright-core. The Node tests connect with `ws`. Only a browser shows that the bundled SDK loads
 * without Node built-ins and works over the browser's own WebSocket, including subprotocol
 * negotiation and binary messages arriving as ArrayBuffer. This helper launches Chromium once per
 * test file, serves pages from a loopback HTTP server and bundles the client SDK for those pages. It
 * never downloads a browser. When no Chromium is found, `chromiumMissing` holds the reason and each
 * test skips with it, so the skip appears in the runner's output; under `CI` each test fails with
 * it instead (test/helpers/requirements.ts). Where Chromium is looked for is one rule shared with
 * .ci/run: scripts/find-chromium.mjs.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, type TestContext } from 'node:test';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { locateChromium } from '../../scripts/find-chromium.mjs';
import { skipOrFailWithout } from './requirements.js';

// Headless and offline: no sandbox (tests may run as root in a container), no GPU, no QUIC, and none
// of the background services that would otherwise reach out to the network.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const located = locateChromium();

/** Path of the Chromium to use, or undefined when none is installed. */
export function findChromium(): string | undefined {
  return 'path' in located ? located.path : undefined;
}

/** Why browser tests cannot run here, or false when a Chromium is installed. */
export const chromiumMissing: string | false = 'missing' in located ? located.missing : false;

/**
 * When no Chromium is found: marks the running test skipped with the reason and returns true, so
 * the test can `return`; under `CI` throws instead, failing the test. Per test rather than per
 * suite: a skipped suite does not show in the runner's "skipped" count, a skipped test does.
 */
export function skipWithoutChromium(t: TestContext): boolean {
  return skipOrFailWithout(t, chromiumMissing);
}

/** A static route: the body and its Content-Type. */
export interface StaticFile {
  body: string | Uint8Array;
  type: string;
}

/** A loopback HTTP server for pages and scripts. */
export interface StaticServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

/** Serves fixed files by path (query strings ignored) on an ephemeral 127.0.0.1 port; anything else is 404. */
export async function serveStatic(files: Record<string, StaticFile>): Promise<StaticServer> {
  const server: HttpServer = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const file = files[path];
    if (file === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/**
 * Bundles `src/client/index.ts` as one browser ES module. `platform: 'browser'` makes esbuild refuse
 * any Node built-in, so a successful build proves that the SDK does not depend on one. Throws
 * with esbuild's messages when the build fails.
 */
export async function bundleClientSdk(): Promise<string> {
  const result = await build({
    entryPoints: ['src/client/index.ts'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  if (result.errors.length > 0) throw new Error(`client SDK bundle failed:\n${result.errors.map((e) => e.text).join('\n')}`);
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error('client SDK bundle produced no output');
  return output.text;
}

/** The browser of one test file; read `browser` only inside tests and hooks. */
export interface BrowserHarness {
  readonly browser: Browser;
  /** A new page in a fresh context, with uncaught page errors collected in `errors`. */
  newPage(): Promise<{ page: Page; errors: Error[] }>;
}

/**
 * Launches Chromium in a `before` hook of the calling file or suite and closes it in `after`.
 * Without a Chromium it launches nothing; tests then skip through `skipWithoutChromium`.
 */
export function useChromium(): BrowserHarness {
  let browser: Browser | undefined;
  before(async () => {
    const executablePath = findChromium();
    if (executablePath === undefined) return;
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      if (browser === undefined) throw new Error('Chromium is not running (read `browser` inside tests)');
      return browser;
    },
    async newPage() {
      if (browser === undefined) throw new Error('Chromium is not running (call newPage inside tests)');
      // browser.newPage() gives each page its own context, closed together with the page.
      const page = await browser.newPage();
      // tsx compiles test files with esbuild's keepNames, which wraps named functions in
      // `__name(...)`. Functions passed to page.evaluate carry those calls into the page, where
      // `__name` does not exist, so define it as a no-op there.
      await page.addInitScript('globalThis.__name = (fn) => fn;');
      const errors: Error[] = [];
      page.on('pageerror', (error) => errors.push(error));
      return { page, errors };
    },
  };
}
