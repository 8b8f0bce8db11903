// The service behind the floating address: a UDP echo responder bound to 0.0.0.0 in one node's
// namespace for the whole run, so that whichever node carries the address answers, with its name.
// Usage: node echo.mjs NODE PORT
import { createSocket } from 'node:dgram';

const [name = '?', port = '7007'] = process.argv.slice(2);
const socket = createSocket('udp4');
socket.on('message', (message, from) => {
  socket.send(`${name} ${message.toString('latin1')}`, from.port, from.address);
});
// A datagram that cannot be sent (no neighbour yet) is simply not answered.
socket.on('error', () => undefined);
socket.bind(Number(port), '0.0.0.0');
