// The overlay-update action's entry point, which the bundle in actions/overlay-update/dist runs.
import { run } from './main.js';

await run();
