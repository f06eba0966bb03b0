// An OpenID Connect provider for the identity tests: oauth2-mock-server, RS256-signed ID
// tokens with a username, name and email. Prints "listening <issuer>" once ready.
//
//   node server.mjs [--port N] [--drop-nonce]
//
// --drop-nonce leaves the nonce out of ID tokens, to test that such tokens are refused.
import { OAuth2Server } from 'oauth2-mock-server';

const args = process.argv.slice(2);
const portAt = args.indexOf('--port');
const port = portAt >= 0 ? Number(args[portAt + 1]) : 0;
const dropNonce = args.includes('--drop-nonce');

const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');
server.service.on('beforeTokenSigning', (token) => {
  token.payload.preferred_username = 'oidc-user';
  token.payload.name = 'Oidc User';
  token.payload.email = 'oidc@example.test';
  if (dropNonce) {
    delete token.payload.nonce;
  }
});
await server.start(port, '127.0.0.1');
console.log(`listening ${server.issuer.url}`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await server.stop();
    process.exit(0);
  });
}
