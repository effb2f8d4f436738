import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /** The methods the routes of a path take (see recordRouteMethods). */
    methodsOf?: (path: string) => string[];
  }
}

/** A route's URL pattern (`/wallets/:profileId`) as a test of concrete paths. */
function pathPattern(url: string): RegExp {
  const escaped = url
    .replace(/\/+$/, '')
    .split('/')
    .map((segment) =>
      segment.startsWith(':')
        ? '[^/]+'
        : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  // As the router: a trailing slash is ignored.
  return new RegExp(`^${escaped}/?$`);
}

/**
 * Collects every route as it is registered, so that a request the router
 * cannot match can be told apart: a path no route has (404) from a path
 * whose routes take other methods (405, with Allow naming them).
 */
export function recordRouteMethods(instance: FastifyInstance): void {
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  instance.decorate('methodsOf', (path: string): string[] => {
    const allowed = new Set<string>();
    for (const route of routes) {
      if (route.pattern.test(path)) {
        route.methods.forEach((method) => allowed.add(method));
      }
    }
    return [...allowed].sort();
  });
  instance.addHook('onRoute', (route) => {
    routes.push({
      pattern: pathPattern(route.url),
      methods: [route.method].flat(),
    });
  });
}

/** The methods the routes of `url`'s path take; none when no route has it. */
export function allowedMethods(
  instance: FastifyInstance,
  url: string,
): string[] {
  return instance.methodsOf?.(url.split('?')[0]) ?? [];
}
