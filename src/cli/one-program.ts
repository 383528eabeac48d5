// Imported first by the bundled program (bin.ts), so that it runs before any command module does.
import { markOneProgram } from './args.js';

markOneProgram();
