// The release action's entry point, which the bundle in actions/release/dist runs.
import { run } from './main.js';

await run();
