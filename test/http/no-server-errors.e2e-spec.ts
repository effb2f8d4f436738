// Crafted input against every operation the OpenAPI document lists (so a
// route added later is covered without touching this file): odd path ids,
// bodies built from the operation's own schema with odd and plausible
// values, odd query strings, sent by an admin so that no guard stops them
// first, with records behind the small ids so that they reach the services.
// Whatever arrives, the answer is a client error or a success, never a 5xx.
import fc from 'fast-check';
import request from 'supertest';
import { createHttpTestApp, type HttpTestApp } from '../support/http-test-app';

const RUNS_PER_OPERATION = 40;

const pathSegment = fc.oneof(
  fc.constantFrom(
    '0',
    '-1',
    '1.5',
    '1e3',
    '9007199254740992',
    '99999999999999999999999',
    'abc',
    '%00',
    '%ZZ',
    '%F0%9F%92%B0',
    ' 1',
  ),
  fc.integer({ min: 1, max: 3 }).map(String),
  fc.nat().map(String),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);

const oddValue = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    1.5,
    1e308,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 1,
    '1',
    '',
    'x'.repeat(300),
    null,
    [],
    {},
  ),
  fc.jsonValue({ maxDepth: 3 }),
);
const plausibleValue = fc.oneof(
  fc.integer({ min: 1, max: 3 }),
  fc.integer({ min: 1, max: 100_000 }),
  fc.boolean(),
  fc.constantFrom('WINNER', 'PURCHASE', 'crafted', 'Crafted', 'a@b.test'),
  fc.array(
    fc.record({
      sku: fc.constantFrom('crafted', 'nope'),
      quantity: fc.integer({ min: 1, max: 6 }),
    }),
    { minLength: 1, maxLength: 2 },
  ),
  fc.constant({ note: 'crafted' }),
);
const value = fc.oneof(plausibleValue, oddValue);

/** Any subset of `names`, each with a crafted value; or any JSON at all. */
const bodyOf = (names: string[]) =>
  names.length === 0
    ? fc.jsonValue({ maxDepth: 2 })
    : fc.oneof(
        {
          weight: 4,
          arbitrary: fc.record(
            Object.fromEntries(names.map((name) => [name, value])),
            { requiredKeys: [] },
          ),
        },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
      );
const query = fc.dictionary(
  fc.constantFrom('limit', 'cursor', 'includeInactive'),
  fc.oneof(pathSegment, fc.constantFrom('true', 'false')),
  { maxKeys: 2 },
);

interface OpenApi {
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: {
          content: Record<string, { schema: { $ref?: string } }>;
        };
      }
    >
  >;
  components: { schemas: Record<string, { properties?: object }> };
}

describe('no crafted request reaches a server error', () => {
  let t: HttpTestApp;
  let admin: string;
  let operations: { method: string; path: string; fields: string[] }[];

  const as = (call: request.Test) =>
    call.set('Authorization', `Bearer ${admin}`);

  beforeAll(async () => {
    t = await createHttpTestApp();
    const operator = await t.createProfile();
    admin = t.token(operator.id, ['admin']);
    const http = () => request(t.app.getHttpServer());
    await as(http().post(`/wallets/${operator.id}/credit`))
      .send({ amount: 1000, reason: 'WINNER' })
      .expect(201);
    await as(http().post('/shop/items'))
      .send({ sku: 'crafted', name: 'Crafted', price: 1, stock: 5 })
      .expect(201);
    await as(http().post('/purchases'))
      .set('Idempotency-Key', 'crafted-seed')
      .send({
        profileId: operator.id,
        lines: [{ sku: 'crafted', quantity: 1 }],
      })
      .expect(201);
    const document = (await http().get('/docs-json')).body as OpenApi;
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => {
        const ref =
          operation.requestBody?.content['application/json']?.schema.$ref;
        const schema =
          ref === undefined
            ? undefined
            : document.components.schemas[ref.split('/').pop()!];
        return {
          method,
          path,
          fields: Object.keys(schema?.properties ?? {}),
        };
      }),
    );
  });
  afterAll(() => t.close());

  it('covers the routes of every module, with their bodies', () => {
    const find = (path: string) =>
      operations.find((operation) => operation.path === path);
    expect(find('/purchases')?.fields).toEqual(
      expect.arrayContaining(['profileId', 'lines']),
    );
    expect(find('/wallets/{profileId}/holds')?.fields).toContain('amount');
    for (const path of [
      '/purchases/{id}/confirm',
      '/shop/items/{id}',
      '/transfers',
      '/tournaments/{id}/payouts',
    ]) {
      expect(find(path)).toBeDefined();
    }
  });

  it('answers every operation below 500 for any path id, body and query', async () => {
    let keys = 0;
    for (const { method, path, fields } of operations) {
      await fc.assert(
        fc.asyncProperty(
          pathSegment,
          bodyOf(fields),
          query,
          async (id, sent, params) => {
            const target = path.replace(/\{[^}]+\}/g, id);
            const search = new URLSearchParams(params).toString();
            const url = search === '' ? target : `${target}?${search}`;
            const call = as(
              request(t.app.getHttpServer())[
                method as 'get' | 'post' | 'patch' | 'put'
              ](url),
            ).set('Idempotency-Key', `crafted-${++keys}`);
            const response =
              method === 'get'
                ? await call
                : await call
                    .set('Content-Type', 'application/json')
                    .send(JSON.stringify(sent));
            if (response.status >= 500) {
              throw new Error(
                `${method.toUpperCase()} ${url} ${JSON.stringify(sent)} answered ${response.status}: ${JSON.stringify(response.body)}`,
              );
            }
          },
        ),
        { numRuns: RUNS_PER_OPERATION },
      );
    }
  });
});
