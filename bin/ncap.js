#!/usr/bin/env node
// The `ncap` CLI. The TypeScript sources are compiled to dist/ by `npm ci` (the prepare script).
//
// ncap runs on Node 24, which the project brings as the `node` npm package. `npx ncap` starts this file
// with whatever `node` comes first on PATH (a system Node ≥ 20 is enough to run npm): on any other major
// version it runs itself again on the project's Node 24, passing signals and the exit code through.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// The major version of the `node` devDependency: the one place the runtime version is written.
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const RUNTIME_MAJOR = Number(/\d+/.exec(manifest.devDependencies.node)[0]);

async function runOnProjectNode() {
  let node;
  try {
    node = join(dirname(createRequire(import.meta.url).resolve('node/package.json')), 'bin', 'node');
  } catch {
    console.error(
      `ncap needs Node ${RUNTIME_MAJOR} (this is ${process.version}); run \`npm ci\` so the project brings it`,
    );
    return 1;
  }
  const child = spawn(node, process.argv.slice(1), { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => {
    child.on('error', (error) => {
      console.error(
        `ncap: cannot start Node ${RUNTIME_MAJOR} (${node}): ${error.message}; run \`npm ci\` so the project brings it`,
      );
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
  });
}

const run =
  Number(process.versions.node.split('.')[0]) === RUNTIME_MAJOR
    ? import('../dist/scripts/cli.js').then(({ main }) => main(process.argv))
    : runOnProjectNode();

run.then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
