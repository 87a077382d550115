// A real OpenID Connect provider on loopback for the sign-in tests (npm's oidc-provider).
// Usage: node provider.js PORT REDIRECT_URI CLIENT_ID CLIENT_SECRET
// Any login name is accepted at the built-in login form; the account's `groups` claim comes from
// GROUPS below (an unknown account has none), so a test can sign in as each role.
import Provider from 'oidc-provider';

const [port, redirectUri, clientId, clientSecret] = process.argv.slice(2);
if (!port || !redirectUri || !clientId || !clientSecret) {
  console.error('usage: node provider.js PORT REDIRECT_URI CLIENT_ID CLIENT_SECRET');
  process.exit(2);
}

const GROUPS = {
  'reviewer@example.com': ['reviewer'],
  'senior@example.com': ['senior'],
  'lead@example.com': ['lead'],
  'data@example.com': ['data'],
  'admin@example.com': ['admin'],
};

const configuration = {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    // Streamlit's st.logout sends its redirect_uri as the post-logout address.
    post_logout_redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'groups'],
  },
  // Put the requested claims into the ID token itself: Streamlit's st.user reads the ID token.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['workbench-test-only-cookie-key'] },
  async findAccount(_ctx, id) {
    const email = String(id).toLowerCase();
    return {
      accountId: email,
      async claims() {
        const claims = { sub: email, email, email_verified: true, name: email.split('@')[0] };
        if (GROUPS[email]) claims.groups = GROUPS[email];
        return claims;
      },
    };
  },
};

const provider = new Provider(`http://127.0.0.1:${port}`, configuration);
provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc provider listening on http://127.0.0.1:${port}`);
});
