// package.json names dist/cli.js as the `deltacrown` binary, while tsc writes
// src/cli.ts to dist/src/cli.js (migrations/ and ormconfig.ts share the build,
// so the output keeps the source tree). This writes the two-line launcher.
const { chmodSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const launcher = join(__dirname, '..', 'dist', 'cli.js');
writeFileSync(launcher, "#!/usr/bin/env node\nrequire('./src/cli.js');\n");
chmodSync(launcher, 0o755);
