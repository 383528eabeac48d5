// The entry of the published package's program `gitops-promotion` (package.json `bin`), bundled into
// bin/gitops-promotion.mjs by `node scripts/bundle.mjs --cli`. The first import must stay first.
import './one-program.js';
import { terminalIo } from './args.js';
import { main } from './main.js';

process.exitCode = await main(terminalIo());
