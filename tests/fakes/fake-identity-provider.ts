import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** A signing key of the fake issuer: its private half signs tokens, its public half is published (or not). */
export interface IssuerKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeKey(kid: string, alg: 'RS256' | 'ES256' | 'EdDSA'): Promise<IssuerKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

/**
 * An OpenID Connect issuer over real HTTP on 127.0.0.1: the discovery
 * document at /.well-known/openid-configuration and the key set at /jwks,
 * counting how often each is fetched. `published` is what /jwks serves now;
 * change it to rotate keys. `jwksReply` lets a test answer /jwks itself.
 */
export class FakeIdentityProvider {
  published: IssuerKey[] = [];
  discoveryFetches = 0;
  jwksFetches = 0;
  /** Overrides the issuer named in the discovery document. */
  discoveryIssuer: string | undefined;
  jwksReply: ((res: import('node:http').ServerResponse) => void) | undefined;
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      if (req.url === '/.well-known/openid-configuration') {
        this.discoveryFetches++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ issuer: this.discoveryIssuer ?? this.issuer, jwks_uri: `${this.url}/jwks`, id_token_signing_alg_values_supported: ['RS256'] }));
      } else if (req.url === '/jwks') {
        this.jwksFetches++;
        if (this.jwksReply) return this.jwksReply(res);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: this.published.map((k) => k.publicJwk) }));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The issuer identifier, as tokens carry it and the config names it. */
  get issuer(): string {
    return `${this.url}/`;
  }

  /** A token signed with `key`; claims default to a valid one for `audience`, overridable. */
  sign(key: IssuerKey, claims: JWTPayload & { aud?: string | string[] }, header: Record<string, unknown> = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: this.issuer, sub: 'user-1', iat: now, exp: now + 300, ...claims })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
      .sign(key.privateKey);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
