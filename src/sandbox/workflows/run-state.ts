// What one workflow run keeps across its jobs, called workflows included: the values to mask, the
// stand-ins used, the problems found, the workflow files and local action.yml read (once each),
// the GITHUB_TOKENs minted, the folders the jobs run in, the repository's concurrency groups and
// whether the run was cancelled.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Identity } from '../github/index.js';
import { createRepositoryHost, type RepositoryHost } from '../hosted-repositories.js';
import { runProcess } from '../process.js';
import { tokenPermissions, type DeclaredPermissions } from './job-identity.js';
import { maskText, masksOf } from './commands.js';
import type { ActionMetadata } from './lint.js';
import { loadWorkflow, repositoryRootOf, type LoadedWorkflow, type WorkflowProblem } from './parser.js';
import { ConcurrencyScheduler } from './scheduler.js';
import { SANDBOX_APP, STAND_INS, actionName, type SandboxApp } from './stand-ins.js';
import type { RunWorkflowOptions, StandInRecord } from './types.js';
import {
  locateCalledWorkflow,
  locateRepositoryAction,
  type CallContext,
  type WorkflowSource,
} from './uses.js';

export const GITHUB_ACTIONS_BOT: Identity = {
  login: 'github-actions[bot]',
  type: 'Bot',
  isGithubToken: true,
};

export class RunState {
  readonly masks = new Set<string>();
  readonly standIns: StandInRecord[] = [];
  readonly problems: WorkflowProblem[] = [];
  private readonly workflows = new Map<string, Promise<LoadedWorkflow>>();
  private readonly actionMetadata = new Map<string, Promise<ActionMetadata | undefined>>();
  readonly app: SandboxApp;
  readonly runId: number;
  readonly runNumber: number;
  readonly runAttempt: number;
  readonly dir: string;
  readonly repoFull: string;
  /** The repositories `uses: owner/repo/...@ref` and `$/` read from (the run's own among them). */
  readonly host: RepositoryHost;
  /** Where the run read its workflow file (and `./` of `jobs.<id>.uses` points). */
  readonly root: string;
  /** The run's repository and commit (GITHUB_SHA): set once the event's sha is known. */
  runSource: WorkflowSource | undefined;
  /** The concurrency groups of the repository (shared with its other runs when dispatched). */
  readonly scheduler: ConcurrencyScheduler;
  /** The run's workflow-level group, once entered: a job asking for it would deadlock. */
  workflowGroup: string | undefined;
  private readonly cancellation = new AbortController();
  private jobCount = 0;

  constructor(readonly options: RunWorkflowOptions) {
    this.app = options.app ?? SANDBOX_APP;
    this.runId = options.runId ?? Math.floor(Date.now() / 1000) * 10 + Math.floor(Math.random() * 10);
    this.runNumber = options.runNumber ?? 1;
    this.runAttempt = options.runAttempt ?? 1;
    this.dir = join(
      options.repository.root,
      this.runAttempt === 1 ? `run-${this.runId}` : `run-${this.runId}-attempt-${this.runAttempt}`,
    );
    this.repoFull = `${options.repository.owner}/${options.repository.repo}`;
    this.host = options.repositories ?? createRepositoryHost();
    if (!this.host.get(this.repoFull)) this.host.add(options.repository);
    this.root = options.root ?? repositoryRootOf(options.file);
    this.scheduler = options.concurrency?.scheduler ?? new ConcurrencyScheduler();
  }

  /** Aborted when the run is cancelled (a newer run of its group with `cancel-in-progress: true`). */
  get signal(): AbortSignal {
    return this.cancellation.signal;
  }

  get cancelled(): boolean {
    return this.cancellation.signal.aborted;
  }

  /** Cancels the run: jobs not started never start, the running job stops after its step. */
  cancel(reason: string): void {
    if (this.cancelled) return;
    this.progress(`⊘ run ${this.runId}: ${reason}`);
    this.cancellation.abort(reason);
  }

  progress(line: string): void {
    this.options.onProgress?.(line);
  }

  mask(value: string | undefined): void {
    for (const m of masksOf(value ?? '')) this.masks.add(m);
  }

  masked(text: string): string {
    return maskText(text, this.masks);
  }

  /** A workflow file of the run's repository (`root`), or of a hosted one (`root`, `source`). */
  load(path: string, root = this.root, source = this.runSource): Promise<LoadedWorkflow> {
    let loaded = this.workflows.get(path);
    if (!loaded) {
      const caller = { file: path, source: source ?? this.sourceOfRun() };
      loaded = loadWorkflow(path, root, async (ref) => {
        const located = await locateCalledWorkflow(this.callContext(), caller, ref);
        return { name: ref, content: await readFile(located.path, 'utf8') };
      }).then((workflow) => ({ ...workflow, source: caller.source }));
      this.workflows.set(path, loaded);
    }
    return loaded;
  }

  /** `jobs.<id>.uses` of a workflow, loaded; throws GitHub's message when it cannot be fetched. */
  async calledWorkflow(caller: LoadedWorkflow, ref: string): Promise<LoadedWorkflow> {
    const from = { file: caller.file, source: caller.source ?? this.sourceOfRun() };
    const located = await locateCalledWorkflow(this.callContext(), from, ref);
    return this.load(located.path, located.root, located.source);
  }

  /**
   * action.yml of a step's `$/x` or hosted `owner/repo/x@ref` action, for the wiring checks:
   * undefined when the action is not in a repository (`./`, stand-ins), 'unchecked' when it does not
   * resolve (the job then fails at set-up with the runner's message, as on GitHub).
   */
  async repositoryAction(
    workflow: LoadedWorkflow,
    uses: string,
  ): Promise<ActionMetadata | 'unchecked' | undefined> {
    if (STAND_INS[actionName(uses)]) return undefined;
    const located = await locateRepositoryAction(
      this.host,
      workflow.source ?? this.sourceOfRun(),
      uses,
    ).catch(() => null);
    if (located === undefined) return undefined;
    if (located === null) return 'unchecked';
    for (const name of ['action.yml', 'action.yaml']) {
      const file = join(located.path, name);
      if (existsSync(file)) return actionMetadataOf(await readFile(file, 'utf8'));
    }
    return 'unchecked';
  }

  /**
   * The folders of a job's actions that live in repositories (`$/x`, hosted `owner/repo/x@ref`), as
   * the runner downloads them when it sets the job up: the first that does not resolve throws.
   */
  async jobActions(workflow: LoadedWorkflow, uses: string[]): Promise<Map<string, string>> {
    const folders = new Map<string, string>();
    for (const name of uses) {
      if (STAND_INS[actionName(name)] || folders.has(name)) continue;
      const located = await locateRepositoryAction(this.host, workflow.source ?? this.sourceOfRun(), name);
      if (located) folders.set(name, located.path);
    }
    return folders;
  }

  private sourceOfRun(): WorkflowSource {
    if (!this.runSource) throw new Error('the run has no commit yet');
    return this.runSource;
  }

  private callContext(): CallContext {
    return { host: this.host, runRoot: this.root, runSource: this.sourceOfRun() };
  }

  /** action.yml of a local action as committed at the run's SHA (what checkout will give the job). */
  localAction(uses: string, sha: string): Promise<ActionMetadata | undefined> {
    const key = `${sha}:${uses}`;
    let metadata = this.actionMetadata.get(key);
    if (!metadata) {
      metadata = (async () => {
        const dir = uses.replace(/^\.\//, '').replace(/\/$/, '');
        for (const name of ['action.yml', 'action.yaml']) {
          const shown = await runProcess('git', [
            '--git-dir',
            this.options.repository.origin,
            'show',
            `${sha}:${dir}/${name}`,
          ]);
          if (shown.exitCode === 0) return actionMetadataOf(shown.stdout);
        }
        return undefined;
      })();
      this.actionMetadata.set(key, metadata);
    }
    return metadata;
  }

  /**
   * A new GITHUB_TOKEN (one per job, as GitHub mints one per job), known to the stand-in, with the
   * job's `permissions:` when it declares them; it reaches only the run's repository (https://docs.github.com/actions/security-guides/automatic-token-authentication).
   */
  mintGithubToken(permissions?: DeclaredPermissions): string {
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    const granted = tokenPermissions(permissions);
    this.options.github.registerToken(token, {
      ...GITHUB_ACTIONS_BOT,
      repositories: [this.repoFull],
      ...(granted ? { permissions: granted } : {}),
    });
    this.mask(token);
    return token;
  }

  nextJobDir(path: string): { workspace: string; temp: string } {
    const safe = `${++this.jobCount}-${path.replace(/[^A-Za-z0-9_.-]+/g, '-')}`;
    return { workspace: join(this.dir, safe), temp: join(this.dir, `${safe}.temp`) };
  }
}

function actionMetadataOf(text: string): ActionMetadata {
  const doc = (parseYaml(text) ?? {}) as {
    inputs?: Record<string, { required?: boolean; default?: unknown } | null>;
    outputs?: Record<string, unknown>;
    runs?: { using?: string };
  };
  return {
    inputs: Object.fromEntries(
      Object.entries(doc.inputs ?? {}).map(([name, spec]) => [
        name,
        { required: spec?.required === true, hasDefault: spec?.default !== undefined },
      ]),
    ),
    outputs: Object.keys(doc.outputs ?? {}),
    using: doc.runs?.using ?? '',
  };
}
