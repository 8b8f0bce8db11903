// hastmon demo service: answers every GET (and HEAD) on 127.0.0.1:PORT with one line of text.
// service_scripts/httpd runs it under service_scripts/daemon; by hand: node httpd.js PORT [TEXT]
//
// Node's standard library only. A dynamic import() loads it in CommonJS and ES modules alike,
// so the file runs whether or not a package.json nearby says "type": "module".
import('node:http').then(({ createServer }) => {
  const [portArgument = '', text = 'hastmon demo service'] = process.argv.slice(2);
  const port = Number(portArgument);
  if (!/^[0-9]+$/.test(portArgument) || port < 1 || port > 65535) {
    console.error('usage: node httpd.js PORT [TEXT]');
    process.exit(2);
  }
  const body = `${text}\n`;

  const server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    response.writeHead(200, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
  // A port already taken is a failed start: exit at once so that the caller sees it.
  server.on('error', (error) => {
    console.error(`httpd: ${error.message}`);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => {
    console.log(`httpd: pid ${process.pid} serving on http://127.0.0.1:${port}/`);
  });
  // The demo's stand-in for a crashed machine: with HTTPD_EXIT_WITH_DAEMON set, the service ends
  // when the hastmon daemon that started it (HASTMON_PID) is gone, as a machine's services would.
  const daemonPid = Number(process.env.HASTMON_PID);
  if (process.env.HTTPD_EXIT_WITH_DAEMON && Number.isInteger(daemonPid) && daemonPid > 1) {
    setInterval(() => {
      try {
        process.kill(daemonPid, 0);
      } catch {
        console.log(`httpd: hastmon (pid ${daemonPid}) is gone, stopping with it`);
        process.exit(0);
      }
    }, 100).unref();
  }
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      console.log(`httpd: ${signal}, stopping`);
      process.exit(0);
    });
  }
});
