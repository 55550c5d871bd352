// A test-only OpenID provider standing in for Amazon Cognito's hosted UI, built on the certified
// `oidc-provider` package. The end-to-end tests start it on loopback; nothing here is for production.
//
// Like Cognito, the ID token carries `cognito:groups` and userinfo does not, so the Django side must
// take the groups from the verified ID token. PKCE (S256) is required for the confidential client.
//
// Configuration (environment):
//   OP_PORT                       port on 127.0.0.1 (0 or unset: a free port is chosen)
//   OP_HOST                       listen address (default 127.0.0.1)
//   OP_CLIENT_ID, OP_CLIENT_SECRET the relying party (Django)
//   OP_REDIRECT_URIS              space-separated callback URLs (Django's /oidc/callback/)
//   OP_POST_LOGOUT_REDIRECT_URIS  space-separated URLs allowed after logout
//   OP_ACCOUNTS_FILE              JSON array of accounts, re-read on every use so a test can change
//                                 an account's groups between two logins:
//                                 [{"sub", "email", "email_verified", "password", "given_name",
//                                   "family_name", "cognito:groups": [..]}]
// A `--port N` argument overrides OP_PORT. Once listening it prints one line to stdout:
//   OP_READY http://127.0.0.1:<port>
// Signing and cookie keys are generated at start-up and never leave the process.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is required`);
    process.exit(2);
  }
  return value;
}

const portArg = process.argv.indexOf('--port');
const port = Number(portArg > -1 ? process.argv[portArg + 1] : process.env.OP_PORT || 0);
const clientId = required('OP_CLIENT_ID');
const clientSecret = required('OP_CLIENT_SECRET');
const redirectUris = required('OP_REDIRECT_URIS').split(/\s+/).filter(Boolean);
const postLogoutRedirectUris = (process.env.OP_POST_LOGOUT_REDIRECT_URIS || '').split(/\s+/).filter(Boolean);
const accountsFile = required('OP_ACCOUNTS_FILE');

function loadAccounts() {
  return JSON.parse(readFileSync(accountsFile, 'utf8'));
}

function accountBySub(sub) {
  return loadAccounts().find((account) => account.sub === sub);
}

function accountByEmail(email) {
  const wanted = String(email || '').trim().toLowerCase();
  return loadAccounts().find((account) => account.email.toLowerCase() === wanted);
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

function loginPage(uid, { email = '', error = '' } = {}) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider: sign in</title>
<style>body{font-family:sans-serif;max-width:22em;margin:3em auto}label,input,button{display:block;width:100%;margin:.3em 0}
input{padding:.4em}.error{color:#b00}</style></head>
<body><h1>Sign in</h1>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
  <label for="email">E-mail</label><input id="email" name="email" type="email" value="${escapeHtml(email)}" required autofocus>
  <label for="password">Password</label><input id="password" name="password" type="password" required>
  <button type="submit" id="submit">Sign in</button>
</form>
<p><a href="/interaction/${escapeHtml(uid)}/abort">Cancel</a></p>
</body></html>`;
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 16 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendHtml(res, status, body) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig',
};

const server = createServer();

// OP_HOST: the address to listen on (compose listens on 0.0.0.0 inside the web container's network
// namespace); the issuer stays http://127.0.0.1:<port>, which is what the browser on the host uses.
server.listen(port, process.env.OP_HOST || '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;

  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      post_logout_redirect_uris: postLogoutRedirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    }],
    jwks: { keys: [signingKey] },
    cookies: {
      keys: [randomBytes(32).toString('hex')],
      // Lax rather than the default None: plain-HTTP loopback cannot carry Secure cookies.
      long: { signed: true, sameSite: 'lax' },
      short: { signed: true, sameSite: 'lax' },
    },
    pkce: { methods: ['S256'], required: () => true },
    // Cognito puts the scope claims (e-mail, names) and the groups into the ID token.
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub', 'cognito:groups'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
    },
    async findAccount(ctx, sub) {
      const account = accountBySub(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims(use) {
          const claims = {
            sub,
            email: account.email,
            email_verified: Boolean(account.email_verified),
            given_name: account.given_name,
            family_name: account.family_name,
            name: [account.given_name, account.family_name].filter(Boolean).join(' ') || undefined,
          };
          // As in Cognito: the groups are in the ID token only, never in the userinfo answer.
          if (use === 'id_token') claims['cognito:groups'] = account['cognito:groups'] || [];
          return claims;
        },
      };
    },
    // A first-party client: consent is implied, as in Cognito's hosted UI.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    interactions: {
      url: (ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
      userinfo: { enabled: true },
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      Grant: 3600,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
    },
  });

  const oidc = provider.callback();

  server.on('request', async (req, res) => {
    const url = new URL(req.url, issuer);
    const match = url.pathname.match(/^\/interaction\/([\w-]+)(\/login|\/abort)?$/);
    if (!match) {
      oidc(req, res);
      return;
    }
    const [, uid, action] = match;
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.uid !== uid) throw new Error('interaction mismatch');
      if (action === '/abort') {
        await provider.interactionFinished(req, res, {
          error: 'access_denied', error_description: 'End-User aborted the sign-in',
        }, { mergeWithLastSubmission: false });
        return;
      }
      if (details.prompt.name !== 'login') {
        // Only reached if a grant is missing something: grant what the first-party client asked for.
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
        grant.addOIDCScope(String(details.params.scope));
        await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } });
        return;
      }
      if (action !== '/login' || req.method !== 'POST') {
        sendHtml(res, 200, loginPage(uid));
        return;
      }
      const form = await readForm(req);
      const account = accountByEmail(form.get('email'));
      if (!account || account.password !== form.get('password')) {
        sendHtml(res, 200, loginPage(uid, { email: form.get('email'), error: 'Incorrect e-mail or password.' }));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: account.sub } }, {
        mergeWithLastSubmission: false,
      });
    } catch (err) {
      sendHtml(res, 400, `<!DOCTYPE html><p>Sign-in error: ${escapeHtml(err.message)}</p>`);
    }
  });

  process.stdout.write(`OP_READY ${issuer}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
