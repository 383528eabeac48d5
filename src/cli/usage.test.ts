// Issue 19, item 7: every command answers an unknown option or a bad value with one line naming
// it, then its usage, and exit status 2, never a stack trace. In-process for the parsers, and as
// the processes `npm run <command>` starts (tsx src/cli/<command>.ts).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../sandbox/process.js';
import { parseOptions, UsageError, wholeNumber } from './args.js';
import { parseBenchArgs, USAGE as BENCH_USAGE } from './bench.js';
import { parseDemoArgs, USAGE as DEMO_USAGE } from './demo.js';
import { USAGE as GHES_WORKFLOWS_USAGE } from './ghes-workflows.js';
import { USAGE as INIT_USAGE } from './init.js';
import { USAGE as SETUP_REPO_USAGE } from './setup-repo.js';
import { USAGE as STATUS_USAGE } from './status.js';

describe('parseOptions', () => {
  const spec = {
    name: { type: 'string', default: 'x' },
    count: { type: 'string', check: wholeNumber(1, 9) },
    flag: { type: 'boolean' },
  } as const;

  it('reads values, both spellings, switches and defaults', () => {
    expect(parseOptions(['--count', '3', '--flag'], spec)).toEqual({ name: 'x', count: '3', flag: true });
    expect(parseOptions(['--name=y'], spec)).toEqual({ name: 'y', count: undefined, flag: false });
    expect(parseOptions(['--flag', '--help'], spec)).toBe('help');
  });

  it.each([
    [['--nope'], "unknown argument '--nope'"],
    [['nope'], "unknown argument 'nope'"],
    [['-x'], "unknown argument '-x'"],
    [['--count'], '--count needs a value'],
    [['--count', '--flag'], '--count needs a value'],
    [['--count', '0'], "--count: '0' is not a whole number from 1 to 9"],
    [['--count', '3', '--count', '4'], '--count is given twice'],
    [['--flag=yes'], '--flag takes no value'],
    [[`--${'x'.repeat(5000)}`], `unknown argument '--${'x'.repeat(98)}…' (5002 characters)`],
  ])('%j: %s', (argv, message) => {
    expect(() => parseOptions(argv, spec)).toThrow(new UsageError(message));
  });
});

describe('demo and bench arguments', () => {
  it('demo: defaults, and each value checked', () => {
    expect(parseDemoArgs([])).toEqual({
      service: 'orders',
      version: '1.6.0',
      'token-mode': 'app',
      scenario: undefined,
      seed: '1',
      queue: 'single',
      verbose: false,
    });
    expect(parseDemoArgs(['--scenario', 'failed-dev', '--seed', '42'])).toMatchObject({
      scenario: 'failed-dev',
      seed: '42',
    });
    expect(() => parseDemoArgs(['--scenario', 'x'])).toThrow(
      "--scenario: 'x' is not a scenario: use burst, parallel, failed-dev",
    );
    expect(() => parseDemoArgs(['--seed', '-1'])).toThrow("--seed: '-1' is not a whole number");
    expect(() => parseDemoArgs(['--queue', 'all'])).toThrow("--queue: 'all' is not single or max");
    expect(() => parseDemoArgs(['--scen', 'burst'])).toThrow("unknown argument '--scen'");
    expect(() => parseDemoArgs(['--version', 'v1.2.3'])).toThrow("--version: 'v1.2.3' has a leading 'v'");
    expect(() => parseDemoArgs(['--service', 'Orders'])).toThrow("--service: 'Orders' is not a valid name");
    expect(() => parseDemoArgs(['--token-mode', 'pat'])).toThrow(
      "--token-mode: 'pat' is not app or github-token",
    );
  });

  it('bench: defaults, and each value checked', () => {
    expect(parseBenchArgs(['--quick'])).toEqual({
      runs: undefined,
      quick: true,
      'skip-chain': false,
      services: '10',
      'into-dev': '100',
      compare: undefined,
    });
    expect(() => parseBenchArgs(['--runs', '0'])).toThrow("--runs: '0' is not a whole number from 1 to 1000");
    expect(() => parseBenchArgs(['--services', '51'])).toThrow(
      "--services: '51' is not a whole number from 2 to 50",
    );
    expect(() => parseBenchArgs(['--into-dev', '0'])).toThrow(
      "--into-dev: '0' is not a whole number from 1 to 200",
    );
    expect(() => parseBenchArgs(['--fast'])).toThrow("unknown argument '--fast'");
  });
});

describe('as processes: one line, the usage, exit 2, no stack', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const tsx = join(root, 'node_modules/.bin/tsx');
  const cases: [command: string, argv: string[], line: string, usage: string][] = [
    [
      'demo',
      ['--scenario', 'x'],
      "demo: --scenario: 'x' is not a scenario: use burst, parallel, failed-dev",
      DEMO_USAGE,
    ],
    ['demo', ['--version', '1.2'], "demo: --version: '1.2' is not a SemVer version", DEMO_USAGE],
    ['demo', ['--token-mode'], 'demo: --token-mode needs a value', DEMO_USAGE],
    ['status', ['--scenario', 'x'], "status: unknown argument '--scenario'", STATUS_USAGE],
    [
      'status',
      ['--max-age', 'soon'],
      "status: --max-age must be a positive number of hours, got 'soon'",
      STATUS_USAGE,
    ],
    ['setup-repo', ['--scenario', 'x'], "setup-repo: unknown argument '--scenario'", SETUP_REPO_USAGE],
    [
      'setup-repo',
      ['--repo', 'not a repo'],
      "setup-repo: --repo must be <owner>/<name>, got 'not a repo'",
      SETUP_REPO_USAGE,
    ],
    ['bench', ['--scenario', 'x'], "bench: unknown argument '--scenario'", BENCH_USAGE],
    ['bench', ['--runs', 'many'], "bench: --runs: 'many' is not a whole number from 1 to 1000", BENCH_USAGE],
    ['init', ['--scenario', 'x'], "init: unknown argument '--scenario'", INIT_USAGE],
    [
      'init',
      ['--target', '.', '--suite', 'x', '--services', 'a'],
      "init: Input '--suite': 'x' is not OWNER/REPO@REF",
      INIT_USAGE,
    ],
    ['ghes-workflows', ['--dir', 'x'], 'ghes-workflows: --suite is required', GHES_WORKFLOWS_USAGE],
    [
      'ghes-workflows',
      ['--suite', 'acme/gitops-promotion'],
      "ghes-workflows: Input '--suite': 'acme/gitops-promotion' is not OWNER/REPO@REF",
      GHES_WORKFLOWS_USAGE,
    ],
  ];

  it('for each command, an unknown option and a bad value', async () => {
    // A few at a time: each is a tsx process, and the machine runs other test files meanwhile.
    const runs = [];
    for (let i = 0; i < cases.length; i += 4) {
      runs.push(
        ...(await Promise.all(
          cases
            .slice(i, i + 4)
            .map(([command, argv]) =>
              runProcess(tsx, [join(root, `src/cli/${command}.ts`), ...argv], { cwd: root }),
            ),
        )),
      );
    }
    runs.forEach((run, i) => {
      const [command, argv, line, usage] = cases[i]!;
      const what = `${command} ${argv.join(' ')}`;
      expect(run.exitCode, what).toBe(2);
      const [first, ...rest] = run.stderr.trimEnd().split('\n');
      expect(first, what).toContain(line);
      expect(rest.join('\n'), what).toBe(usage);
      expect(run.stderr, what).not.toMatch(/^\s+at /m);
      expect(run.stdout, what).toBe('');
    });
  });
});
