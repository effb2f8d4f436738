import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** A folder, and its permission bits. */
export interface ClosedFolder {
  folder: string;
  mode: number;
}

/**
 * The folders above `path` (those that exist) that other users cannot pass
 * through: no execute bit for others. Run as root, the embedded PostgreSQL
 * runs as another OS user (`postgres`), which must pass through every
 * folder above its cluster; a project under /root (mode 700) is one it
 * cannot reach.
 */
export async function foldersClosedToOthers(
  path: string,
): Promise<ClosedFolder[]> {
  const closed: ClosedFolder[] = [];
  for (let folder = dirname(resolve(path)); ; folder = dirname(folder)) {
    const mode = await modeOf(folder);
    if (mode !== null && (mode & 0o001) === 0) {
      closed.push({ folder, mode: mode & 0o777 });
    }
    if (dirname(folder) === folder) {
      return closed.reverse();
    }
  }
}

async function modeOf(folder: string): Promise<number | null> {
  try {
    return (await stat(folder)).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return null;
    }
    throw error;
  }
}
