// `uses:` across the repositories the stand-in hosts, with real git: a caller in `acme/gitops`
// calls a reusable workflow of the suite `acme/gitops-promotion` at a tag, a branch and a SHA. In
// the called workflow `$/actions/hello` runs the suite's action at the called ref, `./actions/hello`
// looks in the caller's checkout and fails there as on GitHub, and the `github` context is the
// caller's. Missing repositories and refs fail with GitHub's messages.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../github/index.js';
import { createRepositoryHost, type RepositoryHost } from '../hosted-repositories.js';
import { git } from '../process.js';
import type { SandboxRepository } from '../workspace.js';
import { formatProblem } from './parser.js';
import type { JobResult, WorkflowRunResult } from './types.js';
import { runDispatched } from './dispatch-file.js';
import { runWorkflow } from './workflow-run.js';
import { seedFolder } from '../layout.js';

const seedFiles = (files: Record<string, string>) => seedFolder(Object.entries(files));

const SUITE = 'acme/gitops-promotion';

const actionFiles = (version: string): Record<string, string> => ({
  'actions/hello/action.yml': `name: hello
description: Says hello
inputs:
  who:
    description: Whom to greet
    required: true
outputs:
  greeting:
    description: The greeting
runs:
  using: node24
  main: index.cjs
`,
  'actions/hello/index.cjs': `require('node:fs').appendFileSync(process.env.GITHUB_OUTPUT, 'greeting=hello ' + process.env.INPUT_WHO + ' from ${version}\\n');\n`,
});

/** A job whose step runs `$/actions/hello`: the action of the file's own repository, at its commit. */
const helloJob = (id: string, who = id): string => `  ${id}:
    runs-on: ubuntu-latest
    outputs:
      greeting: \${{ steps.hello.outputs.greeting }}
    steps:
      - { id: hello, uses: $/actions/hello, with: { who: ${who} } }
`;

const REUSABLE = `name: reusable
on:
  workflow_call:
    inputs:
      try-local: { type: boolean, default: false }
    outputs:
      greeting: { value: "\${{ jobs.self.outputs.greeting }}" }
      nested: { value: "\${{ jobs.nested.outputs.greeting }}" }
      repository: { value: "\${{ jobs.context.outputs.repository }}" }
      env-repository: { value: "\${{ jobs.context.outputs.env-repository }}" }
      ref: { value: "\${{ jobs.context.outputs.ref }}" }
      sha: { value: "\${{ jobs.context.outputs.sha }}" }
      workflow-ref: { value: "\${{ jobs.context.outputs.workflow-ref }}" }
      sender: { value: "\${{ jobs.context.outputs.sender }}" }
jobs:
  context:
    runs-on: ubuntu-latest
    outputs:
      repository: \${{ github.repository }}
      env-repository: \${{ steps.show.outputs.repository }}
      ref: \${{ github.ref }}
      sha: \${{ github.sha }}
      workflow-ref: \${{ github.workflow_ref }}
      sender: \${{ github.event.sender.login }}
    steps:
      - id: show
        run: echo "repository=$GITHUB_REPOSITORY" >> "$GITHUB_OUTPUT"
${helloJob('self')}  nested:
    uses: $/.github/workflows/inner.yaml
  local:
    if: inputs.try-local
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v7
      - uses: ./actions/hello
        with:
          who: local
`;

const INNER = `name: inner
on:
  workflow_call:
    outputs:
      greeting: { value: "\${{ jobs.hello.outputs.greeting }}" }
jobs:
${helloJob('hello', 'inner')}`;

/** A reusable workflow that calls its sibling with `./`: that resolves in the caller's repository. */
const NESTED_DOT = `name: nested-dot
on:
  workflow_call:
jobs:
  inner:
    uses: ./.github/workflows/inner.yaml
`;

const caller = (uses: string, extra = ''): string => `name: caller
on:
  workflow_dispatch:
jobs:
  promote:
    uses: ${uses}
${extra}`;

const stepCaller = (uses: string): string => `name: step-caller
on:
  workflow_dispatch:
jobs:
  greet:
    runs-on: ubuntu-latest
    steps:
      - id: hello
        uses: ${uses}
        with:
          who: step
      - run: echo never
`;

let host: RepositoryHost;
let gitops: SandboxRepository;
let github: GitHubStandIn;
let workspace: string;
let callerSha: string;
const suiteSha: Record<string, string> = {};

/** Runs a caller workflow of `acme/gitops` (a file of its checkout), dispatched on main. */
const dispatch = (name: string, content: string): Promise<WorkflowRunResult> =>
  runDispatched({ workspace, name, content, repository: gitops, repositories: host, github });

const called = (result: WorkflowRunResult, id: string): JobResult =>
  result.jobs.find((job) => job.id === 'promote')!.call!.jobs.find((job) => job.id === id)!;

beforeAll(async () => {
  host = createRepositoryHost();
  const suiteSeed = await seedFiles({
    ...actionFiles('v1'),
    '.github/workflows/reusable.yaml': REUSABLE,
    '.github/workflows/inner.yaml': INNER,
    '.github/workflows/nested-dot.yaml': NESTED_DOT,
  });
  const suite = await host.create({
    owner: 'acme',
    repo: 'gitops-promotion',
    source: suiteSeed,
    paths: ['actions', '.github'],
  });
  suiteSha['v1'] = await git(suite.root, '--git-dir', suite.origin, 'rev-parse', 'main');
  await git(suite.root, '--git-dir', suite.origin, 'tag', 'v1', 'main');
  suiteSha['main'] = await suite.pushToMain(actionFiles('main'), 'Say it from main');

  const gitopsSeed = await seedFiles({ 'base/README.md': 'the GitOps repository\n' });
  gitops = await host.create({ owner: 'acme', repo: 'gitops', source: gitopsSeed, paths: ['base'] });
  await rm(suiteSeed, { recursive: true, force: true });
  await rm(gitopsSeed, { recursive: true, force: true });
  workspace = await gitops.checkout('caller');
  await mkdir(join(workspace, '.github/workflows'), { recursive: true });
  callerSha = await git(workspace, 'rev-parse', 'HEAD');
  github = await startGitHubStandIn({ bareRepo: gitops.origin, owner: 'acme', repo: 'gitops', tokens: {} });
});

afterAll(async () => {
  await github?.close();
  await host?.dispose();
});

describe('a reusable workflow of another repository (owner/repo/.github/workflows/x.yaml@ref)', () => {
  let atTag: WorkflowRunResult;
  beforeAll(async () => {
    atTag = await dispatch('call-tag.yaml', caller(`${SUITE}/.github/workflows/reusable.yaml@v1`));
  });

  it('runs at a tag: $/actions/x is the suite action at that tag, nested $/ calls too', () => {
    expect(atTag.problems.map(formatProblem)).toEqual([]);
    expect(atTag.conclusion).toBe('success');
    expect(atTag.jobs[0]!.call!.file).toBe('.github/workflows/reusable.yaml');
    expect(called(atTag, 'self').steps[0]).toMatchObject({ kind: 'action', status: 'success' });
    expect(atTag.jobs[0]!.outputs).toMatchObject({
      greeting: 'hello self from v1',
      nested: 'hello inner from v1',
    });
  });

  it('sees the caller’s github context (repository, ref, sha, workflow_ref, event)', () => {
    expect(atTag.jobs[0]!.outputs).toMatchObject({
      repository: 'acme/gitops',
      'env-repository': 'acme/gitops',
      ref: 'refs/heads/main',
      sha: callerSha,
      'workflow-ref': 'acme/gitops/.github/workflows/call-tag.yaml@refs/heads/main',
      sender: 'mona',
    });
  });

  it('runs at a branch and at a full SHA', async () => {
    const atMain = await dispatch('call-main.yaml', caller(`${SUITE}/.github/workflows/reusable.yaml@main`));
    expect(atMain.conclusion).toBe('success');
    expect(atMain.jobs[0]!.outputs['greeting']).toBe('hello self from main');
    const atSha = await dispatch(
      'call-sha.yaml',
      caller(`${SUITE}/.github/workflows/reusable.yaml@${suiteSha['v1']}`),
    );
    expect(atSha.conclusion).toBe('success');
    expect(atSha.jobs[0]!.outputs['greeting']).toBe('hello self from v1');
  });

  it('./actions/x resolves in the caller’s workspace: missing there, the step fails as on GitHub', async () => {
    const result = await dispatch(
      'call-local.yaml',
      caller(`${SUITE}/.github/workflows/reusable.yaml@v1`, '    with:\n      try-local: true\n'),
    );
    expect(result.problems).toEqual([]);
    const local = called(result, 'local');
    expect(local.status).toBe('failure');
    expect(local.steps[0]!.status).toBe('success'); // the caller's repository was checked out
    expect(local.steps[1]!.error).toMatch(
      /^Can't find 'action\.yml', 'action\.yaml' or 'Dockerfile' under '.*\/actions\/hello'\. Did you forget to run actions\/checkout before running your local action\?$/,
    );
    expect(called(result, 'self').status).toBe('success');
  });

  it('a nested ./ call resolves in the caller’s repository: the run is an invalid workflow file', async () => {
    const result = await dispatch('call-dot.yaml', caller(`${SUITE}/.github/workflows/nested-dot.yaml@v1`));
    expect(result.jobs).toEqual([]);
    expect(result.problems.map((p) => p.message)).toContain(
      'job \'inner\': error parsing called workflow ".github/workflows/nested-dot.yaml" -> "./.github/workflows/inner.yaml" : failed to fetch workflow: workflow was not found.',
    );
  });

  it('a missing ref or repository fails the run with GitHub’s message', async () => {
    const noRef = await dispatch('call-v9.yaml', caller(`${SUITE}/.github/workflows/reusable.yaml@v9`));
    expect(noRef.jobs).toEqual([]);
    expect(noRef.problems.map((p) => p.message)).toContain(
      `job 'promote': error parsing called workflow ".github/workflows/call-v9.yaml" -> "${SUITE}/.github/workflows/reusable.yaml@v9" : failed to fetch workflow: reference to workflow should be either a valid branch, tag, or commit`,
    );
    const noRepo = await dispatch('call-nope.yaml', caller('acme/nope/.github/workflows/reusable.yaml@v1'));
    expect(noRepo.jobs).toEqual([]);
    expect(noRepo.problems.map((p) => p.message)).toContain(
      `job 'promote': error parsing called workflow ".github/workflows/call-nope.yaml" -> "acme/nope/.github/workflows/reusable.yaml@v1" : failed to fetch workflow: workflow was not found.`,
    );
  });
});

describe('an action of another repository (owner/repo/path@ref)', () => {
  it('runs from that repository at the ref', async () => {
    const result = await dispatch('step-tag.yaml', stepCaller(`${SUITE}/actions/hello@v1`));
    expect(result.problems).toEqual([]);
    expect(result.jobs[0]!.steps[0]).toMatchObject({
      kind: 'action',
      status: 'success',
      outputs: { greeting: 'hello step from v1' },
    });
  });

  it('its action.yml is checked before the run starts, like a local action’s', async () => {
    const content = stepCaller(`${SUITE}/actions/hello@v1`).replace('who: step', 'whom: step');
    const result = await dispatch('step-whom.yaml', content);
    expect(result.jobs).toEqual([]);
    expect(result.problems.map((p) => p.message)).toEqual([
      `job 'greet': input 'whom' is not declared by ${SUITE}/actions/hello@v1/action.yml (inputs: who)`,
      `job 'greet': ${SUITE}/actions/hello@v1 requires input 'who', which the step does not give`,
    ]);
  });

  it('a missing ref or repository fails the job at set-up, before any step', async () => {
    const noRef = await dispatch('step-v9.yaml', stepCaller(`${SUITE}/actions/hello@v9`));
    expect(noRef.problems).toEqual([]);
    expect(noRef.jobs[0]).toMatchObject({
      status: 'failure',
      steps: [],
      errors: [`Unable to resolve action \`${SUITE}@v9\`, unable to find version \`v9\``],
    });
    const short = suiteSha['v1']!.slice(0, 7);
    const shortSha = await dispatch('step-short.yaml', stepCaller(`${SUITE}/actions/hello@${short}`));
    expect(shortSha.jobs[0]!.errors).toEqual([
      `Unable to resolve action \`${SUITE}@${short}\`, the provided ref \`${short}\` is the shortened version of a commit SHA, ` +
        `which is not supported. Please use the full commit SHA \`${suiteSha['v1']}\` instead.`,
    ]);
    const noRepo = await dispatch('step-nope.yaml', stepCaller('acme/nope/actions/hello@v1'));
    expect(noRepo.jobs[0]).toMatchObject({
      status: 'failure',
      steps: [],
      errors: ['Unable to resolve action `acme/nope@v1`, repository not found'],
    });
  });
});

describe('$/ in the run’s own workflow', () => {
  it('is the run’s repository at GITHUB_SHA, with no checkout: never the working copy', async () => {
    const seedDir = await seedFiles(actionFiles('orders'));
    const orders = await host.create({ owner: 'acme', repo: 'orders', source: seedDir, paths: ['actions'] });
    await rm(seedDir, { recursive: true, force: true });
    const copy = await orders.checkout('orders-copy');
    // An uncommitted change in the copy the run reads its workflow from does not count.
    await writeFile(join(copy, 'actions/hello/index.cjs'), 'process.exit(3);\n');
    await mkdir(join(copy, '.github/workflows'), { recursive: true });
    const file = join(copy, '.github/workflows/self.yaml');
    await writeFile(file, stepCaller('$/actions/hello'));
    const result = await runWorkflow({
      file,
      event: { name: 'workflow_dispatch', payload: { ref: 'refs/heads/main', sender: { login: 'mona' } } },
      repository: orders,
      repositories: host,
      github,
      tokenMode: 'github-token',
    });
    expect(result.problems).toEqual([]);
    expect(result.jobs[0]!.steps[0]).toMatchObject({
      kind: 'action',
      status: 'success',
      outputs: { greeting: 'hello step from orders' },
    });
  });
});
