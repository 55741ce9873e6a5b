// The container's HEALTHCHECK: asks persistd's grpc.health.v1.Health service (unauthenticated,
// DESIGN §3) whether it is SERVING — which it is only while Redis answers and it is not
// shutting down. Exit 0 when SERVING, 1 otherwise (NOT_SERVING, unreachable, timed out).
//
//   PERSISTD_HEALTH_ADDRESS  where to ask (default 127.0.0.1:<port of PERSISTD_LISTEN>)
//   PERSISTD_HEALTH_SERVICE  service name to ask about (default "": the whole server)
//   PERSISTD_HEALTH_CA, PERSISTD_HEALTH_CERT, PERSISTD_HEALTH_KEY, PERSISTD_HEALTH_SERVER_NAME
//                            TLS to the daemon (when it serves TLS; with mutual TLS a client
//                            certificate from its CA is needed even for health)
'use strict';
const fs = require('node:fs');
const grpc = require('@grpc/grpc-js');
const { service } = require('grpc-health-check');

const env = process.env;
const port = (env.PERSISTD_LISTEN || '127.0.0.1:50051').split(':').pop();
const address = env.PERSISTD_HEALTH_ADDRESS || `127.0.0.1:${port}`;
const read = (name) => (env[name] ? fs.readFileSync(env[name]) : null);
const tls = env.PERSISTD_HEALTH_CA || env.PERSISTD_HEALTH_CERT;
const credentials = tls ? grpc.credentials.createSsl(read('PERSISTD_HEALTH_CA'), read('PERSISTD_HEALTH_KEY'), read('PERSISTD_HEALTH_CERT')) : grpc.credentials.createInsecure();
const options = env.PERSISTD_HEALTH_SERVER_NAME ? { 'grpc.ssl_target_name_override': env.PERSISTD_HEALTH_SERVER_NAME } : {};

const Health = grpc.makeGenericClientConstructor(service, 'Health');
const client = new Health(address, credentials, options);
client.Check({ service: env.PERSISTD_HEALTH_SERVICE || '' }, { deadline: Date.now() + 3000 }, (err, res) => {
  const status = err ? `error: ${err.details || err.message}` : res.status;
  if (status !== 'SERVING') process.stderr.write(`persistd health at ${address}: ${status}\n`);
  client.close();
  process.exit(status === 'SERVING' ? 0 : 1);
});
