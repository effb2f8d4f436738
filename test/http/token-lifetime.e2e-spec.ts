// Every token the server accepts dies within JWT_MAX_TTL: a stolen one too.
import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import type { Profile } from '../../src/profiles';
import {
  createHttpTestApp,
  TEST_JWT_SECRET,
  type HttpTestApp,
} from '../support/http-test-app';

const DAY = 86_400;

describe('token lifetime', () => {
  const jwt = new JwtService({ secret: TEST_JWT_SECRET });
  let t: HttpTestApp;
  let player: Profile;

  const now = () => Math.floor(Date.now() / 1000);
  const status = async (claims: object) =>
    (
      await request(t.app.getHttpServer())
        .get(`/wallets/${player.id}`)
        .set(
          'Authorization',
          `Bearer ${jwt.sign({ sub: String(player.id), roles: ['player'], ...claims }, { noTimestamp: !('iat' in claims) })}`,
        )
    ).status;

  beforeAll(async () => {
    // The default JWT_MAX_TTL: a year.
    t = await createHttpTestApp();
    player = await t.createProfile();
  });
  afterAll(() => t.close());

  it('refuses a token that would live past the maximum from now', async () => {
    expect(await status({ exp: now() + 366 * DAY })).toBe(401);
    expect(await status({ exp: 253402300799 })).toBe(401); // year 9999
    expect(await status({ exp: now() + 364 * DAY })).toBe(200);
  });

  it('refuses a token issued for longer than the maximum, though it ends sooner', async () => {
    expect(
      await status({ iat: now() - 300 * DAY, exp: now() + 100 * DAY }),
    ).toBe(401);
    expect(
      await status({ iat: now() - 200 * DAY, exp: now() + 100 * DAY }),
    ).toBe(200);
  });
});
