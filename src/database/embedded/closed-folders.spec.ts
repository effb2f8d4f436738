import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { foldersClosedToOthers } from './closed-folders';

describe('foldersClosedToOthers', () => {
  let base: string;

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'closed-folders-'));
    await mkdir(join(base, 'project', 'inner'), { recursive: true });
    await chmod(base, 0o755);
    await chmod(join(base, 'project'), 0o755);
    await chmod(join(base, 'project', 'inner'), 0o755);
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('names the folders above a path that others cannot pass through, outermost first', async () => {
    await chmod(base, 0o700);
    await chmod(join(base, 'project', 'inner'), 0o750);

    // The cluster's own folders need not exist yet.
    const closed = await foldersClosedToOthers(
      join(base, 'project', 'inner', '.data', 'postgres'),
    );

    expect(closed).toEqual([
      { folder: base, mode: 0o700 },
      { folder: join(base, 'project', 'inner'), mode: 0o750 },
    ]);
  });

  it('names none when every folder above lets others through', async () => {
    expect(
      await foldersClosedToOthers(join(base, 'project', 'inner', 'postgres')),
    ).toEqual([]);
  });
});
