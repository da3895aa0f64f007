/**
 * Debian's nginx with a self-signed certificate (openssl) as a TLS front for one test file, on a
 * free loopback port, in a temporary prefix, stopped when the file ends. Without nginx or openssl
 * the tests skip visibly, except under CI, where .ci/run installs both and a missing one fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import { freePort, untilListening } from './server.js';

const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';

/** Why the nginx tests cannot run here, or false. */
export const nginxMissing: string | false = (() => {
  if (spawnSync(NGINX, ['-v']).status !== 0) return `nginx not installed at ${NGINX} (apt-get install nginx)`;
  if (spawnSync('openssl', ['version']).status !== 0) return 'openssl not installed (apt-get install openssl)';
  return false;
})();

/**
 * The site configuration docs/operations.md shows ("nginx in front"), as written there, with only
 * what must differ on a test box replaced: the upstream port, the listen address, the certificate
 * paths. Each replacement must find its line, so a rewritten snippet fails here instead of being
 * silently left untested.
 */
export function documentedSite(at: { upstreamPort: number; port: number; dir: string }): string {
  const docs = readFileSync(fileURLToPath(new URL('../../docs/operations.md', import.meta.url)), 'utf8');
  const block = /### nginx in front \(TLS\)[\s\S]*?```nginx\n([\s\S]*?)```/.exec(docs)?.[1];
  if (block === undefined) throw new Error('docs/operations.md has no nginx block under "nginx in front (TLS)"');
  const replacements: Array<[RegExp, string]> = [
    [/server 127\.0\.0\.1:9001;/, `server 127.0.0.1:${at.upstreamPort};`],
    [/listen 443 ssl;/, `listen 127.0.0.1:${at.port} ssl;`],
    [/ssl_certificate +\S+;/, `ssl_certificate ${at.dir}/cert.pem;`],
    [/ssl_certificate_key +\S+;/, `ssl_certificate_key ${at.dir}/key.pem;`],
  ];
  let site = block;
  for (const [pattern, replacement] of replacements) {
    if (!pattern.test(site)) throw new Error(`the documented nginx block no longer has ${pattern}: update test/helpers/nginx.ts with it`);
    site = site.replace(pattern, replacement);
  }
  return site;
}

/** Starts nginx with the documented site, terminating TLS on a free port in front of `upstreamPort`. */
export async function startNginx(upstreamPort: number): Promise<{ port: number; process: ChildProcess }> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-nginx-'));
  const port = await freePort();
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
  writeFileSync(join(dir, 'switchboard.conf'), documentedSite({ upstreamPort, port, dir }));
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/switchboard.conf;
}
`,
  );
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  // A configuration nginx refuses is reported on stderr, before any error log is open.
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  after(async () => {
    // SIGTERM, not SIGKILL: the master takes its worker down with it, where a killed master would
    // leave the worker running, orphaned, after the tests.
    const exited = new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    child.kill('SIGTERM');
    const stubborn = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(stubborn);
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    await untilListening(port, 'nginx', () => child.exitCode !== null);
  } catch (err) {
    // nginx says why it refused the configuration on stderr.
    const log = stderr.trim() === '' ? '(nothing on stderr)' : stderr.trim();
    throw new Error(`${(err as Error).message}: ${log}`, { cause: err });
  }
  return { port, process: child };
}
