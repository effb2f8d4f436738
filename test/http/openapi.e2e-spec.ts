import request from 'supertest';
import type { Profile } from '../../src/profiles';
import { ROLES, type Role } from '../../src/auth/access-token';
import { createHttpTestApp, type HttpTestApp } from '../support/http-test-app';
import { redoclyLint } from '../support/redocly-lint';

interface Schema {
  type?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  maxItems?: number;
  uniqueItems?: boolean;
  items?: Schema;
  required?: string[];
  properties?: Record<string, Schema>;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Schema;
}

interface Operation {
  summary?: string;
  security?: object[];
  parameters?: Parameter[];
}

interface OpenApiDocument {
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const SAFE_ID = {
  type: 'integer',
  format: 'int64',
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
};

/** Who may call each route, as README.md's REST API section has it. */
const PUBLIC = 'anyone, no token';

const CALLERS: Record<string, string> = {
  'GET /health': PUBLIC,
  'GET /health/live': PUBLIC,
  'GET /health/ready': PUBLIC,
  'GET /events': 'service, admin',
  'POST /profiles': 'service, admin',
  'GET /wallets/{profileId}':
    'service, admin; the player whose id is profileId',
  'GET /wallets/{profileId}/transactions':
    'service, admin; the player whose id is profileId',
  'POST /wallets/{profileId}/credit': 'service, admin',
  'POST /wallets/{profileId}/debit': 'service, admin',
  'PATCH /wallets/{profileId}': 'admin',
  'POST /promo/campaigns': 'admin',
  'GET /promo/campaigns/{id}': 'admin',
  'POST /promo/redemptions': 'service, admin; the player whose id is profileId',
  'POST /transfers': 'service, admin; the player whose id is fromProfileId',
  'POST /tournaments': 'admin',
  'POST /tournaments/{id}/registrations':
    'service, admin; the player whose id is profileId',
  'POST /registrations/{id}/verify-payment': 'service, admin',
  'PUT /tournaments/{id}/placements': 'admin',
  'POST /tournaments/{id}/payouts': 'service, admin',
  'GET /tournaments/{id}/payouts': 'service, admin',
  'POST /wallets/{profileId}/holds': 'service, admin',
  'GET /holds/{id}': 'service, admin',
  'POST /holds/{id}/capture': 'service, admin',
  'POST /holds/{id}/release': 'service, admin',
  'POST /shop/items': 'admin',
  'PATCH /shop/items/{id}': 'admin',
  'GET /shop/items': 'player, service, admin',
  'POST /purchases': 'service, admin; the player whose id is profileId',
  'GET /purchases/{id}': 'service, admin; the player whose purchase it is',
  'POST /purchases/{id}/confirm': 'service, admin',
  'POST /purchases/{id}/cancel':
    'service, admin; the player whose purchase it is',
  'POST /purchases/{id}/refund': 'admin',
  'GET /wallets/{profileId}/purchases':
    'service, admin; the player whose id is profileId',
};

/**
 * `service, admin; the player whose id is profileId`, or `…; the player
 * whose purchase it is` (a route that checks a resource's owner itself),
 * read back.
 */
function parseCallers(callers: string): {
  roles: Role[];
  owner?: string;
  resource?: string;
} {
  const [roles, player] = callers.split('; the player whose ');
  return {
    roles: roles
      .split(', ')
      .filter((role): role is Role =>
        (ROLES as readonly string[]).includes(role),
      ),
    owner: player?.startsWith('id is ') ? player.slice(6) : undefined,
    resource: player?.endsWith(' it is') ? player.slice(0, -6) : undefined,
  };
}

describe('OpenAPI document', () => {
  let t: HttpTestApp;
  let document: OpenApiDocument;
  let self: Profile;
  let other: Profile;

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(
        ([method, operation]) =>
          [`${method.toUpperCase()} ${path}`, operation] as const,
      ),
    );
  const schema = (name: string) => document.components.schemas[name];
  const property = (name: string, member: string) =>
    schema(name).properties![member];

  beforeAll(async () => {
    t = await createHttpTestApp({ logLevels: [] });
    [self, other] = [await t.createProfile(), await t.createProfile()];
    const response = await request(t.app.getHttpServer()).get('/docs-json');
    expect(response.status).toBe(200);
    document = response.body as OpenApiDocument;
  });
  afterAll(() => t.close());

  it("passes Redocly's recommended rules without an error", async () => {
    const errors = (await redoclyLint(document))
      .filter((problem) => problem.severity === 'error')
      .map(
        (problem) =>
          `${problem.ruleId} at ${problem.location[0]?.pointer}: ${problem.message}`,
      );
    expect(errors).toEqual([]);
  });

  it('lists a server, and documents exactly the path parameters each path has', () => {
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
    for (const [route, operation] of operations()) {
      const inPath = [...route.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const declared = (operation.parameters ?? [])
        .filter((parameter) => parameter.in === 'path')
        .map((parameter) => parameter.name);
      expect([route, declared]).toEqual([route, inPath]);
    }
  });

  it('types every path id as a positive integer within the safe range', () => {
    const ids = operations().flatMap(([, operation]) =>
      (operation.parameters ?? []).filter(
        (parameter) => parameter.in === 'path',
      ),
    );
    expect(ids).toHaveLength(21);
    for (const id of ids) {
      expect(id).toMatchObject({ required: true, schema: SAFE_ID });
    }
  });

  it('types every number it describes as an integer', () => {
    const types = new Set<string>();
    JSON.stringify(document, (key, value: unknown) => {
      if (key === 'type' && typeof value === 'string') {
        types.add(value);
      }
      return value;
    });
    expect(types).not.toContain('number');
    expect(types).toContain('integer');
  });

  it('gives amounts, coins and ids in bodies their integer ranges', () => {
    for (const dto of ['MovementDto', 'TransferDto']) {
      expect(property(dto, 'amount')).toMatchObject(SAFE_ID);
    }
    expect(property('TransferDto', 'fromProfileId')).toMatchObject(SAFE_ID);
    expect(property('TransferDto', 'toProfileId')).toMatchObject(SAFE_ID);
    expect(property('RegisterDto', 'profileId')).toMatchObject(SAFE_ID);
    expect(property('PlacementsDto', 'WINNER')).toMatchObject(SAFE_ID);
    for (const coins of ['WINNER', 'RUNNER_UP', 'TOP4']) {
      expect(property('PrizesDto', coins)).toMatchObject({
        ...SAFE_ID,
        minimum: 0,
      });
    }
    expect(property('CreateTournamentDto', 'participationCoins')).toMatchObject(
      { ...SAFE_ID, minimum: 0 },
    );
    expect(property('PlacementsDto', 'TOP4')).toMatchObject({
      type: 'array',
      items: SAFE_ID,
      maxItems: 2,
      uniqueItems: true,
    });
  });

  it('states the formats, lengths and patterns the server checks', () => {
    expect(property('CreateProfileDto', 'email')).toMatchObject({
      format: 'email',
      maxLength: 254,
    });
    expect(property('CreateProfileDto', 'username')).toMatchObject({
      minLength: 3,
      maxLength: 32,
      pattern: '^[A-Za-z0-9_.-]{3,32}$',
    });
    expect(property('CreateTournamentDto', 'name')).toMatchObject({
      minLength: 1,
      maxLength: 200,
    });
    const history = document.paths['/wallets/{profileId}/transactions'].get;
    const query = (name: string) =>
      history.parameters!.find((parameter) => parameter.name === name)!.schema;
    expect(query('limit')).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 200,
    });
    expect(query('cursor')).toMatchObject({ pattern: '^[1-9]\\d{0,15}$' });
    for (const route of [
      '/transfers',
      '/wallets/{profileId}/credit',
      '/wallets/{profileId}/debit',
    ]) {
      const key = document.paths[route].post.parameters!.find(
        (parameter) => parameter.name === 'Idempotency-Key',
      );
      expect(key).toMatchObject({
        in: 'header',
        required: false,
        schema: {
          type: 'string',
          minLength: 1,
          maxLength: 255,
          pattern: '^[\\x20-\\x7e]{1,255}$',
        },
      });
    }
  });

  it("leaves a transfer's receiving side out of what a player is sure to get", () => {
    const transfer = schema('TransferResponse');
    expect(transfer.required?.sort()).toEqual(
      [
        'debitTransactionId',
        'fromBalanceAfter',
        'fromWalletId',
        'idempotencyKey',
      ].sort(),
    );
    expect(transfer.properties!.toWalletId).toMatchObject({
      type: 'integer',
      description: expect.stringMatching(/not to a player/),
    });
  });

  it('names the callers of every operation in its summary', () => {
    const named = Object.fromEntries(
      operations().map(([route, operation]) => [
        route,
        operation.summary?.split(' — ')[1],
      ]),
    );
    expect(named).toEqual(CALLERS);
    for (const [route, operation] of operations()) {
      expect([route, operation.security]).toEqual([
        route,
        CALLERS[route] === PUBLIC ? [] : [{ bearer: [] }],
      ]);
    }
  });

  it('lets through exactly those callers: the guards agree with the summaries', async () => {
    const server = t.app.getHttpServer();
    // A request naming `profile` in its path and in the body fields that name
    // owners. It changes nothing: no body takes both fields, GETs only read,
    // and the ids in paths name no tournament, registration, hold, item or
    // purchase. A route that checks a resource's owner itself lets a player
    // through to find it (none here: 404); shop tests check the owner.
    const call = (route: string, profile: Profile, roles?: Role[]) => {
      const [method, path] = route.split(' ');
      const req = request(server)[
        method.toLowerCase() as 'get' | 'post' | 'put' | 'patch'
      ](path.replace(/\{\w+\}/g, String(profile.id)));
      const authorized =
        roles === undefined
          ? req
          : req.set('Authorization', `Bearer ${t.token(self.id, roles)}`);
      return method === 'GET'
        ? authorized
        : authorized.send({ fromProfileId: profile.id, profileId: profile.id });
    };
    for (const [route, callers] of Object.entries(CALLERS)) {
      if (callers === PUBLIC) {
        expect([route, (await call(route, other)).status]).toEqual([
          route,
          200,
        ]);
        continue;
      }
      const { roles, owner, resource } = parseCallers(callers);
      for (const role of ROLES) {
        // Naming another's profile: only the roles themselves pass.
        const status = (await call(route, other, [role])).status;
        expect([route, role, status === 403]).toEqual([
          route,
          role,
          !roles.includes(role) && !(resource && role === 'player'),
        ]);
      }
      const asOwner = (await call(route, self, ['player'])).status;
      expect([route, 'owner', asOwner === 403]).toEqual([
        route,
        'owner',
        owner === undefined &&
          resource === undefined &&
          !roles.includes('player'),
      ]);
    }
  });
});
