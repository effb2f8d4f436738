import { readFile } from 'node:fs/promises';

export interface ClusterNode {
  name: string;
  restUrl: string;
  port: number;
  dataDir: string;
}

export interface Member {
  name: string;
  /** leader, sync_standby, replica… */
  role: string;
  /** running, streaming, stopped, starting… */
  state: string;
  timeline?: number;
  lag?: number | string;
}

/** Patroni's GET /cluster, from the first node whose REST API answers. */
export async function clusterMembers(nodes: ClusterNode[]): Promise<Member[]> {
  for (const node of nodes) {
    try {
      const response = await fetch(`${node.restUrl}/cluster`, {
        signal: AbortSignal.timeout(2_000),
      });
      const cluster = (await response.json()) as { members?: Member[] };
      return cluster.members ?? [];
    } catch {
      // this node's Patroni does not answer: ask the next
    }
  }
  throw new Error("no node's Patroni REST API answered GET /cluster");
}

export async function leaderNode(nodes: ClusterNode[]): Promise<ClusterNode> {
  const members = await clusterMembers(nodes);
  const leader = members.find((member) => member.role === 'leader');
  const node = nodes.find((candidate) => candidate.name === leader?.name);
  if (!node) {
    throw new Error(`no leader in GET /cluster: ${JSON.stringify(members)}`);
  }
  return node;
}

/** SIGKILLs the node's postmaster (its pid is postmaster.pid's first line); its Patroni lives on. */
export async function killPostmaster(node: ClusterNode): Promise<number> {
  const pidFile = await readFile(`${node.dataDir}/postmaster.pid`, 'utf8');
  const pid = Number(pidFile.split('\n')[0]);
  if (!Number.isSafeInteger(pid) || pid <= 1) {
    throw new Error(`${node.name}: no postmaster pid in postmaster.pid`);
  }
  process.kill(pid, 'SIGKILL');
  return pid;
}

/** Polls until `ok` says yes about the members, or `ms` pass: the members then. */
export async function waitForMembers(
  nodes: ClusterNode[],
  ok: (members: Member[]) => boolean,
  ms: number,
): Promise<Member[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const members = await clusterMembers(nodes).catch(() => []);
    if (ok(members) || Date.now() > deadline) {
      return members;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
