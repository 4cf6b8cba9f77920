/**
 * Does a 404 tell "someone else's conversation" from "no such conversation" by its timing? Real server (SQLite store,
 * port 0), alternating requests for an existing conversation without its credential and for random unknown ids;
 * prints p50/p99 of each. Usage: `npm run bench:session-404 -- [requests=6000]`.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteSessionStore } from '../server/session/sqlite-session-store.ts';
import { connectSocket, publicId, requestSession, say, startTestApp } from '../test/fixtures/platform/test-app.ts';

const total = Number(process.argv[2] ?? 6000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-404-'));
const t = await startTestApp({ store: new SqliteSessionStore({ file: path.join(dir, 'sessions.sqlite') }), logLevel: 'silent' });
try {
  const socket = await connectSocket(t.url);
  const ref = await requestSession(socket);
  await say(socket, ref, 'hello', 1);
  const times = { notOwned: [] as number[], unknown: [] as number[] };
  for (let i = 0; i < total; i += 1) {
    const notOwned = i % 2 === 1;
    const started = performance.now();
    const res = await fetch(`${t.url}/api/v1/sessions/${notOwned ? publicId(ref) : randomUUID()}/messages`);
    await res.text();
    if (res.status !== 404) throw new Error(`expected 404, got ${res.status}`);
    (notOwned ? times.notOwned : times.unknown).push(performance.now() - started);
  }
  socket.disconnect();
  const q = (a: number[], p: number): number => Number([...a].sort((x, y) => x - y)[Math.floor(p * (a.length - 1))]!.toFixed(3));
  const summary = Object.fromEntries(Object.entries(times).map(([k, a]) => [k, { n: a.length, p50Ms: q(a, 0.5), p99Ms: q(a, 0.99) }]));
  console.log(JSON.stringify(summary));
} finally {
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
