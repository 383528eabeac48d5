// What one workflow run keeps across its jobs, called workflows included: the values to mask, the
// stand-ins used, the problems found, the workflow files and local action.yml read (once each),
// the GITHUB_TOKENs minted and the folders the jobs run in.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Identity } from '../github/index.js';
import { runProcess } from '../process.js';
import { maskText, masksOf } from './commands.js';
import type { ActionMetadata } from './lint.js';
import { loadWorkflow, repositoryRootOf, type LoadedWorkflow, type WorkflowProblem } from './parser.js';
import { SANDBOX_APP, type SandboxApp } from './stand-ins.js';
import type { RunWorkflowOptions, StandInRecord } from './types.js';

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

  load(path: string): Promise<LoadedWorkflow> {
    let loaded = this.workflows.get(path);
    if (!loaded) {
      loaded = loadWorkflow(path, this.options.root ?? repositoryRootOf(this.options.file));
      this.workflows.set(path, loaded);
    }
    return loaded;
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

  /** A new GITHUB_TOKEN (one per job, as GitHub mints one per job), known to the stand-in. */
  mintGithubToken(): string {
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    this.options.github.registerToken(token, GITHUB_ACTIONS_BOT);
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
