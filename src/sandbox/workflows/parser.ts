/**
 * Loads workflow files with GitHub's own parser (`@actions/workflow-parser`, the code behind the
 * Actions language service): schema validation, expression syntax and allowed contexts, `needs`
 * graph, and the inputs/secrets contract of local reusable workflows (`./.github/workflows/...`).
 *
 * The package imports its JSON schemas without an import attribute, which plain Node rejects; it is
 * loaded lazily after a resolve hook adds `type: 'json'` to those imports only (the approach of
 * `../workflow-check.ts`). Only `import type` may name the package statically.
 */
import { readFile } from 'node:fs/promises';
import { register } from 'node:module';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { WorkflowTemplate } from '@actions/workflow-parser';
import type {
  MappingToken,
  SequenceToken,
  TemplateToken,
} from '@actions/workflow-parser/templates/tokens/index';
import { LineCounter, isScalar, parseDocument, visit } from 'yaml';
import type { WorkflowSource } from './uses.js';

type WorkflowParserModule = typeof import('@actions/workflow-parser');
type TokenGuards = typeof import('@actions/workflow-parser/templates/tokens/type-guards');
type ModelGuards = typeof import('@actions/workflow-parser/model/type-guards');

export interface ParserModules {
  workflow: WorkflowParserModule;
  tokens: TokenGuards;
  model: ModelGuards;
  action: typeof import('@actions/workflow-parser/actions/index');
  schema: typeof import('@actions/workflow-parser/workflows/workflow-schema');
}

const JSON_IMPORT_HOOK = `
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (result.url.endsWith('.json') && result.url.includes('/@actions/workflow-parser/')
      && context.importAttributes?.type === undefined) {
    return { ...result, importAttributes: { ...context.importAttributes, type: 'json' } };
  }
  return result;
}`;

let modules: Promise<ParserModules> | undefined;

export function loadParserModules(): Promise<ParserModules> {
  modules ??= (async () => {
    register(`data:text/javascript,${encodeURIComponent(JSON_IMPORT_HOOK)}`);
    const [workflow, tokens, model, action, schema] = await Promise.all([
      import('@actions/workflow-parser'),
      import('@actions/workflow-parser/templates/tokens/type-guards'),
      import('@actions/workflow-parser/model/type-guards'),
      import('@actions/workflow-parser/actions/index'),
      import('@actions/workflow-parser/workflows/workflow-schema'),
    ]);
    return { workflow, tokens, model, action, schema };
  })();
  return modules;
}

/** A problem that stops a run before it starts (GitHub: "Invalid workflow file"), or fails it. */
export interface WorkflowProblem {
  /** Path relative to the repository root, e.g. `.github/workflows/overlay-deploy.yaml`. */
  file: string;
  /** 1-based; 0 when unknown. */
  line: number;
  column: number;
  message: string;
  /** `workflow-parser` (GitHub's parser) or `wiring` (this runner's reference checks). */
  source: 'workflow-parser' | 'wiring' | 'runner';
}

export function formatProblem(problem: WorkflowProblem): string {
  return `${problem.file}:${problem.line}:${problem.column}: [${problem.source}] ${problem.message}`;
}

export interface LoadedWorkflow {
  /** Absolute path of the file. */
  path: string;
  /** Path relative to the repository root: `.github/workflows/<name>`. */
  file: string;
  /** The repository root `./` references resolve against. */
  root: string;
  content: string;
  /** GitHub's model of the workflow (jobs, steps, events), converted by the parser. */
  template: WorkflowTemplate;
  /** The parsed document as template tokens (for keys the model leaves out: `with`, `run-name`, ...). */
  document: MappingToken | undefined;
  /** What GitHub's parser reported; a workflow with problems does not run. */
  problems: WorkflowProblem[];
  /** The repository and commit the file was read from (set by the runner; what `$/` resolves in). */
  source?: WorkflowSource;
}

/** Reads a called workflow by its `jobs.<id>.uses` (`./x`, `$/x`, `owner/repo/x@ref`). */
export type CalledWorkflowReader = (ref: string) => Promise<{ name: string; content: string }>;

/** The repository root of a workflow file: the folder holding `.github/workflows/`. */
export function repositoryRootOf(path: string): string {
  const absolute = resolve(path);
  const marker = `${sep}.github${sep}workflows${sep}`;
  const index = absolute.lastIndexOf(marker);
  return index >= 0 ? absolute.slice(0, index) : dirname(absolute);
}

/**
 * Parses and converts one workflow file (and, to check the calls, the reusable workflows it calls
 * one level down), resolving `./` against `root`, or every call with `read` when given.
 */
export async function loadWorkflow(
  path: string,
  root = repositoryRootOf(path),
  read?: CalledWorkflowReader,
): Promise<LoadedWorkflow> {
  const { workflow } = await loadParserModules();
  const absolute = isAbsolute(path) ? path : resolve(root, path);
  const file = relative(root, absolute).split(sep).join('/');
  const content = await readFile(absolute, 'utf8');
  const parsed = workflow.parseWorkflow({ name: file, content }, new workflow.NoOperationTraceWriter());
  let template: WorkflowTemplate = { events: {}, jobs: [], concurrency: undefined!, env: undefined! };
  if (parsed.value) {
    useYamlValues(parsed.value, content);
    template = await workflow.convertWorkflowTemplate(
      parsed.context,
      parsed.value,
      {
        async getFileContent(ref) {
          if (read) return read(callRefOf(ref, parsed.value));
          if ('repository' in ref) {
            throw new Error(`remote reusable workflow ${ref.owner}/${ref.repository}: not available here`);
          }
          const target = resolve(root, ref.path);
          if (relative(root, target).startsWith('..'))
            throw new Error(`${ref.path} is outside the repository`);
          return { name: ref.path, content: await readFile(target, 'utf8') };
        },
      },
      { fetchReusableWorkflowDepth: 1 },
    );
  }
  const problems: WorkflowProblem[] = parsed.context.errors.getErrors().map((error) => {
    const position = /\(Line: (\d+), Col: (\d+)\)/.exec(error.prefix ?? '');
    const name = (error.prefix ?? '').replace(/\s*\(Line: .*$/, '') || file;
    return {
      file: name,
      line: error.range?.start.line ?? Number(position?.[1] ?? 0),
      column: error.range?.start.column ?? Number(position?.[2] ?? 0),
      message: error.rawMessage,
      source: 'workflow-parser' as const,
    };
  });
  const document = parsed.value?.templateTokenType === 2 ? (parsed.value as MappingToken) : undefined;
  return { path: absolute, file, root, content, template, document, problems };
}

/**
 * The `jobs.<id>.uses` the parser asks for: it hands `./x` and `$/x` over alike (`{ path }`), so a
 * path written with `$/` in this file is taken as that.
 */
function callRefOf(
  ref: { path: string } | { owner: string; repository: string; path: string; version: string },
  document: TemplateToken | undefined,
): string {
  if ('repository' in ref) return `${ref.owner}/${ref.repository}/${ref.path}@${ref.version}`;
  const jobs = child(document, 'jobs');
  const refs = jobs?.templateTokenType === 2 ? [...(jobs as MappingToken)] : [];
  const self = refs.some((pair) => child(pair.value, 'uses')?.toString() === `$/${ref.path}`);
  return `${self ? '$' : '.'}/${ref.path}`;
}

/** The value under `key` in a mapping token, or undefined. */
export function child(token: TemplateToken | undefined, key: string): TemplateToken | undefined {
  if (!token || token.templateTokenType !== 2) return undefined;
  return (token as MappingToken).find(key);
}

/** The raw mapping of one job (`jobs.<id>`) in a parsed document. */
export function jobDocument(loaded: LoadedWorkflow, jobId: string): MappingToken | undefined {
  const token = child(child(loaded.document, 'jobs'), jobId);
  return token?.templateTokenType === 2 ? (token as MappingToken) : undefined;
}

const OPEN = '${{';

/**
 * The expression GitHub builds from a scalar's value: the value itself when it holds no `${{ }}`
 * (undefined), the one expression when it is nothing else, `format('...', ...)` otherwise.
 */
export function expressionFromValue(value: string): string | undefined {
  let start = value.indexOf(OPEN);
  if (start < 0) return undefined;
  const literals: string[] = [];
  const args: string[] = [];
  let i = 0;
  let format = '';
  while (i < value.length) {
    if (i === start) {
      let end = -1;
      let inString = false;
      for (i += OPEN.length; i < value.length; i++) {
        if (value[i] === "'") inString = !inString;
        else if (!inString && value[i] === '}' && value[i - 1] === '}') {
          end = i;
          i++;
          break;
        }
      }
      if (end < 0) return undefined;
      args.push(value.slice(start + OPEN.length, end - 1).trim());
      format += `{${args.length - 1}}`;
      start = value.indexOf(OPEN, i);
    } else {
      const text = start < 0 ? value.slice(i) : value.slice(i, start);
      literals.push(text);
      format += text.replace(/'/g, "''").replace(/\{/g, '{{').replace(/\}/g, '}}');
      i += text.length;
    }
  }
  if (args.length === 1 && literals.every((text) => text === '')) return args[0];
  return `format('${format}'${args.map((arg) => `, ${arg}`).join('')})`;
}

/**
 * `@actions/workflow-parser` (written for the editor) builds the expression of a multi-line scalar
 * from its YAML *source* (indentation, line breaks and all), where GitHub uses the scalar's *value*:
 * `run-name: >-` would gain leading spaces and a newline, a folded `run: >` script its line breaks.
 * This rebuilds those expressions from the values, as GitHub evaluates them.
 */
function useYamlValues(root: TemplateToken, content: string): void {
  const lineCounter = new LineCounter();
  const document = parseDocument(content, { lineCounter });
  const values = new Map<string, string>();
  visit(document, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && node.range) {
        const { line, col } = lineCounter.linePos(node.range[0]);
        values.set(`${line}:${col}`, node.value);
      }
    },
  });
  const walk = (token: TemplateToken | undefined): void => {
    if (!token) return;
    if (token.templateTokenType === 1) for (const item of token as SequenceToken) walk(item);
    else if (token.templateTokenType === 2) {
      for (const pair of token as MappingToken) {
        walk(pair.key);
        walk(pair.value);
      }
    } else if (token.templateTokenType === 3) {
      const range = token.range;
      if (!range || range.start.line === range.end.line) return;
      const value = values.get(`${range.start.line}:${range.start.column}`);
      const expression = value === undefined ? undefined : expressionFromValue(value);
      if (expression !== undefined) (token as unknown as { expr: string }).expr = expression;
    }
  };
  walk(root);
}
