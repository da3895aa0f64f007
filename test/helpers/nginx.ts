/**
 * Debian's nginx with a self-signed certificate (openssl) as a TLS front for one test file, on a
 * free loopback port, in a temporary prefix, stopped when the file ends. Without nginx or openssl
 * the tests skip visibly, except under CI, where .ci/run installs both and a missing one fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { freePort, untilListening } from './server.js';

const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';

/** Why the nginx tests cannot run here, or false. */
export const nginxMissing: string | false = (() => {
  if (spawnSync(NGINX, ['-v']).status !== 0) return `nginx not installed at ${NGINX} (apt-get install nginx)`;
  if (spawnSync('openssl', ['version']).status !== 0) return 'openssl not installed (apt-get install openssl)';
  return false;
})();

/** Starts nginx terminating TLS on a free port and proxying WebSockets and HTTP to `upstreamPort`. */
export async function startNginx(upstreamPort: number): Promise<{ port: number; process: ChildProcess }> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-nginx-'));
  const port = await freePort();
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
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
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream switchboard { server 127.0.0.1:${upstreamPort}; }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${dir}/cert.pem;
    ssl_certificate_key ${dir}/key.pem;
    location / {
      proxy_pass http://switchboard;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 3600s;
      proxy_buffering off;
    }
  }
}
`,
  );
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
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
  await untilListening(port, 'nginx', () => child.exitCode !== null);
  return { port, process: child };
}
