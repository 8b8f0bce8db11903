// The client: one UDP request to the floating address every INTERVAL ms, and one line on stdout
// per answer, "TIME NODE SEQ": the realtime clock in ms (with microseconds), the answering node
// and the request's sequence number. Lines are written in batches; the times are taken on receipt.
// Usage: node client.mjs ADDRESS PORT INTERVAL_MS
import { createSocket } from 'node:dgram';

const [address = '127.0.0.1', port = '7007', interval = '2'] = process.argv.slice(2);
const socket = createSocket('udp4');

// performance.now() is monotonic; its offset to the realtime clock is taken again every second at a
// tick of Date.now(), so that the times compare with the scripts' $EPOCHREALTIME within a millisecond.
let offset = Date.now() - performance.now();
function calibrate() {
  const start = Date.now();
  let now = start;
  for (let i = 0; i < 10_000_000 && now === start; i++) now = Date.now();
  offset = now - performance.now();
}
calibrate();
setInterval(calibrate, 1_000);

let pending = '';
socket.on('message', (message) => {
  const at = offset + performance.now();
  const [node = '?', seq = '?'] = message.toString('latin1').split(' ');
  pending += `${at.toFixed(3)} ${node} ${seq}\n`;
});
// Sending to an address without a neighbour may fail; the request is lost, as it would be on a wire.
socket.on('error', () => undefined);

let seq = 0;
setInterval(() => {
  socket.send(String(seq++), Number(port), address);
}, Number(interval));
setInterval(() => {
  if (pending.length === 0) return;
  process.stdout.write(pending);
  pending = '';
}, 20);
// The benchmark closes the pipe when it is done: stop with it.
process.stdout.on('error', () => process.exit(0));
