// A relying party on openid-client (panva), driven by the tests: it
// discovers the provider, prints the authorization URL, reads back the URL
// the browser was redirected to, then redeems the code (PKCE, nonce,
// state, RFC 9207 iss), validates the ID token, calls userinfo, refreshes
// and introspects, and prints what it got as one JSON line.
//
//   node rp.mjs ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI ALG
import * as readline from 'node:readline';
import * as client from 'openid-client';

const [issuer, clientId, secret, redirectUri, alg] = process.argv.slice(2);

function readLine() {
  const rl = readline.createInterface({input: process.stdin});
  return new Promise((resolve) => rl.once('line', (line) => {
    rl.close();
    resolve(line.trim());
  }));
}

async function main() {
  const config = await client.discovery(
    new URL(issuer), clientId,
    {client_secret: secret, id_token_signed_response_alg: alg},
    client.ClientSecretBasic(secret),
    {execute: [client.allowInsecureRequests]});
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid profile email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256', nonce, state});
  console.log(JSON.stringify({authorize: url.href}));
  const callback = await readLine();
  const tokens = await client.authorizationCodeGrant(
    config, new URL(callback),
    {pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state,
     idTokenExpected: true});
  const claims = tokens.claims();
  const userinfo = await client.fetchUserInfo(config, tokens.access_token,
                                              claims.sub);
  const refreshed = await client.refreshTokenGrant(config,
                                                   tokens.refresh_token);
  const introspection = await client.tokenIntrospection(
    config, refreshed.access_token);
  console.log(JSON.stringify({
    claims, userinfo, introspection,
    refreshed: {id_token: Boolean(refreshed.id_token),
                rotated: refreshed.refresh_token !== tokens.refresh_token,
                sub: refreshed.claims() && refreshed.claims().sub}}));
}

main().catch((error) => {
  console.log(JSON.stringify({error: String(error),
                              cause: error.cause ? String(error.cause) : null,
                              code: error.code || null}));
  process.exit(1);
});
