/**
 * Baseline for `npm run bench:chat`: the same stack as Moneta (Express 5 + Socket.IO 4 on one port, /healthz) that
 * answers every `user_uttered` with one `bot_uttered { text }` echo and does nothing else. PORT from the environment.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import express from 'express';
import { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../server/contracts/chat-protocol.ts';

const app = express();
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
const server = http.createServer(app);
const io = new Server<ClientToServerEvents, ServerToClientEvents>(server, { cors: { origin: '*' } });
io.on('connection', (socket) => {
  socket.on('session_request', () => socket.emit('session_confirm', randomUUID()));
  socket.on('user_uttered', (data) => {
    socket.emit('bot_uttered', { text: typeof data?.message === 'string' ? data.message : '' });
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
const stop = (): void => {
  io.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
