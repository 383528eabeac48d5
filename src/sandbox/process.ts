import { spawn } from 'node:child_process';

export interface ProcessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program with an argument array (never a shell) and collects its output. With `signal`, the
 * program runs in a process group of its own and is stopped when the signal aborts, as GitHub's
 * runner stops a cancelled step: SIGINT to the group, SIGTERM 7.5 s later, then SIGKILL 2.5 s after
 * that ("Workflow cancellation reference",
 * https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-cancellation).
 */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; signal?: AbortSignal } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(options.signal ? { detached: true } : {}),
    });
    const timers: NodeJS.Timeout[] = [];
    const stop = (): void => {
      const group = (signal: NodeJS.Signals) => () => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, signal);
        } catch {
          // The group has already exited.
        }
      };
      group('SIGINT')();
      timers.push(setTimeout(group('SIGTERM'), 7_500), setTimeout(group('SIGKILL'), 10_000));
    };
    if (options.signal?.aborted) stop();
    else options.signal?.addEventListener('abort', stop, { once: true });
    child.on('close', () => {
      timers.forEach(clearTimeout);
      options.signal?.removeEventListener('abort', stop);
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? 1, stdout, stderr }));
    // A child that exits without reading its input must not crash the caller.
    child.stdin?.on('error', () => undefined).end(options.input);
  });
}

/** Runs git and fails with its stderr when it fails. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await runProcess('git', args, { cwd });
  if (result.exitCode !== 0)
    throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr.trim()}`);
  return result.stdout.trim();
}
