// The promotion-status action's entry point, which the bundle in actions/promotion-status/dist runs.
import { run } from './main.js';

await run();
