// The overlay-deploy action's entry point, which the bundle in actions/overlay-deploy/dist runs.
import { run } from './main.js';

await run();
