/**
 * `persist-validate` (npm run persist-validate, the bin, nx run persist-validate:validate):
 * checks a stored world or a snapshot file; see usage.ts. The exit code is the verdict.
 */
import { run } from './run';

void run(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
}).then((code) => {
  process.exitCode = code;
});
