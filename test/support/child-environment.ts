/**
 * This process's environment without its database settings (nor the names
 * in `also`), then `overrides`: a child process uses only the database it is
 * given.
 */
export function childEnvironment(
  overrides: Record<string, string | undefined>,
  also: string[] = [],
): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    'DATABASE_URL',
    'DATABASE_MIGRATION_URL',
    'TEST_DATABASE_URL',
    'ECONOMY_TEST_SERVER_URL',
    'ECONOMY_TEST_SERVICE_URL',
    ...also,
  ]) {
    delete environment[name];
  }
  return { ...environment, ...overrides };
}
