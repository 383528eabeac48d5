// The demo's system tools on a fresh machine, as `playwright install --with-deps` does it: as root on
// Debian (or a derivative) the missing packages are installed with apt-get, and the demo says so;
// anywhere else the demo prints the one command to run and stops.
import { existsSync } from 'node:fs';
import { runProcess } from './process.js';

/** What to do about missing Debian packages on this machine. */
export type ToolPlan =
  | { action: 'none' }
  | { action: 'install'; packages: string[]; say: string }
  | { action: 'print'; command: string; say: string };

export interface Machine {
  /** The effective user id (0: root); undefined where there is none (Windows). */
  uid: number | undefined;
  /** Whether apt-get can install Debian packages here (/etc/debian_version and apt-get exist). */
  debian: boolean;
}

export function thisMachine(): Machine {
  return {
    uid: process.getuid?.(),
    debian: existsSync('/etc/debian_version') && existsSync('/usr/bin/apt-get'),
  };
}

/** Installs as root on Debian, else names the one command. Pure: the machine is given. */
export function toolPlan(packages: string[], machine: Machine): ToolPlan {
  const unique = [...new Set(packages)];
  if (unique.length === 0) return { action: 'none' };
  const list = unique.join(' ');
  if (machine.debian && machine.uid === 0)
    return {
      action: 'install',
      packages: unique,
      say: `Installing ${list} with apt-get (missing; the demo runs them for real)`,
    };
  return {
    action: 'print',
    command: `sudo apt-get install -y ${list}`,
    say: `The demo needs ${list}, which are missing here. Install them with:\n  sudo apt-get install -y ${list}${
      machine.debian ? '' : '\n(on a system without apt-get, install the same tools with its package manager)'
    }`,
  };
}

/** `apt-get update` then `apt-get install -y <packages>`, non-interactive; throws with apt's words. */
export async function aptInstall(packages: string[]): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-q'],
    ['install', '-y', '-q', '--no-install-recommends', ...packages],
  ]) {
    const result = await runProcess('apt-get', args, { env });
    if (result.exitCode !== 0)
      throw new Error(
        `apt-get ${args.join(' ')} failed: ${(result.stderr || result.stdout).trim().split('\n').at(-1)}`,
      );
  }
}
