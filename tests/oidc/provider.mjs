// The OpenID provider for the OIDC tests: the certified `oidc-provider` package on loopback,
// configured from one JSON document in OIDC_TEST_CONFIG (written by tests/support/oidc.py).
// Accounts: any login name is accepted by the development interactions; the subject is that
// name, the e-mail is <name>@example.org, verified unless the name starts with "unverified".
import Provider from "oidc-provider";

const config = JSON.parse(process.env.OIDC_TEST_CONFIG);
if (config.clockShiftSeconds) {
  // A provider whose clock is behind: every token it issues is already expired.
  const realNow = Date.now;
  Date.now = () => realNow() + config.clockShiftSeconds * 1000;
}

const provider = new Provider(config.issuer, {
  clients: [
    {
      client_id: config.clientId,
      client_secret: config.clientSecret,
      redirect_uris: [config.redirectUri],
      post_logout_redirect_uris: [config.postLogoutRedirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  jwks: { keys: config.signingKeys },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  scopes: ["openid", "email", "profile"],
  pkce: { required: () => true },
  ttl: { IdToken: config.idTokenTtl || 3600, Session: 3600, Interaction: 3600, Grant: 3600 },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  cookies: { keys: ["hrd-cases-test-cookie-key"] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: `${id}@example.org`,
          email_verified: !id.startsWith("unverified"),
          name: id,
        };
      },
    };
  },
});
provider.proxy = false;

const server = provider.listen(config.port, "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${config.issuer}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
