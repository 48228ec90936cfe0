// A real OpenID provider (panva/oidc-provider) for keystone-ng-plugin's
// federation tests. Loopback only. Not part of the product.
//
//   node idp.mjs --port 9090 [--redirect-uri http://127.0.0.1:5000/cb ...]
//
// Clients:
//   keystone / keystone-secret    authorization_code (+PKCE), refresh_token,
//                                 client_credentials, device flow;
//                                 client_secret_basic
//   workload-1 / workload-secret  client_credentials (a CI job, a pod)
// Access tokens for the resource https://keystone.test are RS256 JWTs with aud
// "keystone". Users: alice / alice-pass (groups devs and ops), bob / bob-pass
// (group ops), load-1 ... load-999 / load-N-pass (group ops, for Rally).
// Test control, loopback only: PUT /test/accounts/<id>/groups
// with a JSON list sets what the IdP asserts for that user from then on.
import crypto from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '9090' },
    'redirect-uri': { type: 'string', multiple: true, default: [] },
  },
});
const issuer = `http://127.0.0.1:${args.port}`;

// Fresh keys, random kids: a restarted IdP never reuses a kid (clients
// caching the old JWKS must see an unknown kid, not a bad signature).
function signingKey(type, options, alg) {
  const { privateKey } = crypto.generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), alg, use: 'sig' };
}
const jwks = {
  keys: [
    signingKey('rsa', { modulusLength: 2048 }, 'RS256'),
    signingKey('ec', { namedCurve: 'P-256' }, 'ES256'),
  ],
};

function account(sub, name, groups) {
  return {
    password: `${sub}-pass`,
    claims: { sub, preferred_username: sub, name, email: `${sub}@example.test`, email_verified: true, groups },
  };
}
const ACCOUNTS = {
  alice: account('alice', 'Alice Example', ['devs', 'ops']),
  bob: account('bob', 'Bob Example', ['ops']),
};
// Load tests (Rally): load-1 ... load-999, password "<id>-pass", group ops.
for (let n = 1; n < 1000; n += 1) {
  ACCOUNTS[`load-${n}`] = account(`load-${n}`, `Load ${n}`, ['ops']);
}

const configuration = {
  jwks,
  clients: [
    {
      client_id: 'keystone', client_secret: 'keystone-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials',
        'urn:ietf:params:oauth:grant-type:device_code', 'password'],
      response_types: ['code'],
      redirect_uris: args['redirect-uri'].length ? args['redirect-uri'] : ['http://127.0.0.1:5000/callback'],
      scope: 'openid profile email groups offline_access',
    },
    {
      client_id: 'workload-1', client_secret: 'workload-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
      scope: 'keystone:project-x',
    },
  ],
  scopes: ['openid', 'offline_access', 'profile', 'email', 'groups', 'keystone:project-x'],
  pkce: { required: () => true },
  claims: {
    openid: ['sub'], profile: ['preferred_username', 'name'],
    email: ['email', 'email_verified'], groups: ['groups'],
  },
  conformIdTokenClaims: false,
  findAccount: (ctx, id) => (Object.hasOwn(ACCOUNTS, id)
    ? { accountId: id, claims: () => ({ ...ACCOUNTS[id].claims }) } : undefined),
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    deviceFlow: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'https://keystone.test',
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'openid profile email groups keystone:project-x',
        audience: 'keystone',
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  extraTokenClaims: (ctx, token) => (token.clientId === 'workload-1' ? { workload: 'workload-1' } : undefined),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { AccessToken: 300, ClientCredentials: 300, IdToken: 300, Interaction: 300, Session: 600, Grant: 600 },
};

const provider = new Provider(issuer, configuration);
provider.proxy = false;

// Test only: the resource owner password grant (RFC 6749 section 4.3), which
// oidc-provider leaves out, so that keystoneauth's v3oidcpassword can be
// tested. Its access tokens are opaque: keystone must introspect them.
provider.registerGrantType('password', async (ctx) => {
  const { username, password, scope } = ctx.oidc.params;
  if (!Object.hasOwn(ACCOUNTS, username) || ACCOUNTS[username].password !== password) {
    throw new errors.InvalidGrant('invalid credentials');
  }
  const token = new provider.AccessToken({
    accountId: username, client: ctx.oidc.client, gty: 'password',
    scope: (scope || 'openid').split(' ').filter((s) => ['openid', 'profile', 'email'].includes(s)).join(' '),
  });
  ctx.oidc.entity('AccessToken', token);
  const value = await token.save();
  ctx.body = {
    access_token: value, expires_in: token.expiration, token_type: 'Bearer', scope: token.scope,
  };
}, ['username', 'password', 'scope']);

// The login form (what a person sees at the IdP) and automatic consent.
async function interaction(req, res) {
  const match = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
  if (!match) return false;
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'consent') {
    const grant = details.grantId ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    grant.addResourceScope('https://keystone.test', details.params.scope);
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } },
      { mergeWithLastSubmission: true });
    return true;
  }
  if (req.method === 'POST' && match[2]) {
    const body = await new Promise((resolve) => {
      let data = '';
      req.on('data', (chunk) => { data += chunk; });
      req.on('end', () => resolve(new URLSearchParams(data)));
    });
    const user = body.get('username');
    if (Object.hasOwn(ACCOUNTS, user) && body.get('password') === ACCOUNTS[user].password) {
      await provider.interactionFinished(req, res, { login: { accountId: user } },
        { mergeWithLastSubmission: false });
    } else {
      res.writeHead(401, { 'Content-Type': 'text/html' });
      res.end('<p id="error">Invalid user name or password</p>');
    }
    return true;
  }
  res.writeHead(200, { 'Content-Type': 'text/html' });
  res.end(`<form method="post" action="/interaction/${match[1]}/login">
<input name="username"> <input name="password" type="password">
<button type="submit" id="login">Sign in</button></form>`);
  return true;
}

// Test control: change the groups the IdP asserts for a user.
async function control(req, res) {
  const match = req.url.match(/^\/test\/accounts\/([^/?]+)\/groups$/);
  if (!match || req.method !== 'PUT') return false;
  const body = await new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(data));
  });
  const groups = JSON.parse(body);
  if (!Object.hasOwn(ACCOUNTS, match[1]) || !Array.isArray(groups)) {
    res.writeHead(400);
  } else {
    ACCOUNTS[match[1]].claims.groups = groups;
    res.writeHead(204);
  }
  res.end();
  return true;
}

const callback = provider.callback();
http.createServer(async (req, res) => {
  try {
    if (!(await control(req, res)) && !(await interaction(req, res))) callback(req, res);
  } catch (err) {
    res.writeHead(500, { 'Content-Type': 'text/plain' });
    res.end(String(err));
  }
}).listen(Number(args.port), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
