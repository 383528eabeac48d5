// The HTTP side of the GitHub stand-in: every request is matched to an operation of GitHub's
// OpenAPI description, validated, authenticated, handled, and its answer validated in turn.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { HttpError } from './errors.js';
import { BareRepo } from './git.js';
import { handleGraphql } from './graphql.js';
import type { RouteContext } from './handler.js';
import { idForLogin, isoNow } from './objects.js';
import type { RepoContext } from './objects.js';
import { handlers } from './routes.js';
import { recordWorkflowRun } from './runs.js';
import { loadSpec, matchRoute, unknownBodyProperties, validateRequest, validateResponse } from './spec.js';
import type { SpecOperation } from './spec.js';
import { Store } from './store.js';
import type {
  CommitStatusState,
  DeploymentState,
  EventMeta,
  Identity,
  MergeMethod,
  PullState,
  RecordedEvent,
  RecordedRequest,
  RepoSettingsState,
  StandInHooks,
  StandInOptions,
  WorkflowDispatchState,
  WorkflowRunState,
} from './types.js';

export interface GitHubStandIn {
  /** API origin, e.g. http://127.0.0.1:PORT: use as GITHUB_API_URL; GraphQL is `${url}/graphql`. */
  url: string;
  /** Web origin for html_url values (GITHUB_SERVER_URL); the same origin as `url`. */
  htmlUrl: string;
  /** Every request, in arrival order. */
  requests: RecordedRequest[];
  /** Everything GitHub's description (or GitHub) would not accept; tests assert it stays empty. */
  violations: string[];
  pulls: PullState[];
  deployments: DeploymentState[];
  commitStatuses: CommitStatusState[];
  /** Webhook events emitted, with the identity that caused them. */
  events: RecordedEvent[];
  /** Workflow permissions, branch protection and environments, as the last writes left them. */
  settings: RepoSettingsState;
  /** Workflow dispatches accepted (`POST .../actions/workflows/{id}/dispatches`), in order. */
  dispatches: WorkflowDispatchState[];
  /** Workflow runs (`GET .../actions/runs`), as the dispatcher last recorded each. */
  workflowRuns: WorkflowRunState[];
  /** Adds a workflow run, or updates the one of that id (status, conclusion, a new attempt). */
  recordWorkflowRun(run: WorkflowRunState): void;
  /** Exceptions thrown by hooks.onEvent (they never break the request that caused them). */
  hookErrors: unknown[];
  hooks: StandInHooks;
  /** Plays a reviewer approving in the UI; runs auto-merge if that was the last requirement. */
  approve(number: number, login: string): Promise<void>;
  /** Plays CI reporting a commit status (what a required check needs). */
  reportStatus(
    sha: string,
    context: string,
    state: CommitStatusState['state'],
    login?: string,
  ): Promise<void>;
  /** Plays a person pressing the merge button; rejects with GitHub's message when GitHub would. */
  mergePull(number: number, options?: { login?: string; mergeMethod?: MergeMethod }): Promise<string>;
  /** Plays a person pressing "Close pull request": closed without merging, a `closed` event. */
  closePull(number: number, options?: { login?: string }): Promise<void>;
  /**
   * Plays a person pressing "Run workflow" in the Actions tab: the same checks and event as the
   * REST call. Rejects with GitHub's message when GitHub would refuse.
   */
  dispatchWorkflow(
    workflowId: string,
    options?: { ref?: string; inputs?: Record<string, string>; login?: string },
  ): Promise<WorkflowDispatchState>;
  /**
   * What GitHub Actions records by itself when a job references an `environment:` (unless it says
   * `deployment: false`): a deployment made by the job's identity, then its statuses. Returns its id.
   */
  recordEnvironmentDeployment(
    environment: string,
    options: { ref: string; creator: Identity; logUrl?: string },
  ): Promise<number>;
  /** A status on a deployment {@link recordEnvironmentDeployment} made (auto_inactive as GitHub). */
  recordEnvironmentDeploymentStatus(
    id: number,
    state: DeploymentState['statuses'][number]['state'],
    options: { creator: Identity; logUrl?: string; environmentUrl?: string },
  ): Promise<void>;
  /** Makes a token known after start (a run's GITHUB_TOKEN, an App installation token). */
  registerToken(token: string, identity: Identity): void;
  /** The identity a token authenticates as, or undefined when the stand-in does not know it. */
  identify(token: string): Identity | undefined;
  /** Resolves when queued work (requests, auto-merges) has finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export type { EventMeta, Identity, StandInOptions };

const DEFAULT_IDENTITY: Identity = { login: 'octocat', type: 'User' };
const DOCS = 'https://docs.github.com/rest';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function tokenOf(req: IncomingMessage): string | undefined {
  const header = req.headers['authorization'];
  const match = typeof header === 'string' ? /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

export async function startGitHubStandIn(options: StandInOptions): Promise<GitHubStandIn> {
  const git = new BareRepo(options.bareRepo);
  if ((await git.git(['rev-parse', '--is-bare-repository'])).trim() !== 'true') {
    throw new Error(`${options.bareRepo} is not a bare git repository`);
  }
  loadSpec(); // parse the 14 MB description before the first request, not during it

  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  let remaining = 5000;
  const now = isoNow();
  const allowed = options.allowedMergeMethods ?? ['merge', 'squash', 'rebase'];
  const ctx: RepoContext = {
    api: '',
    html: '',
    owner: options.owner,
    ownerType: options.ownerType ?? 'Organization',
    repo: options.repo,
    repoId: idForLogin(`repo:${options.owner}/${options.repo}`),
    ownerId: idForLogin(options.owner),
    defaultBranch: options.defaultBranch ?? 'main',
    createdAt: now,
    pushedAt: now,
    allowAutoMerge: options.allowAutoMerge ?? false,
    allowMergeCommit: allowed.includes('merge'),
    allowSquashMerge: allowed.includes('squash'),
    allowRebaseMerge: allowed.includes('rebase'),
    deleteBranchOnMerge: options.deleteBranchOnMerge ?? false,
  };
  const store = new Store(options, git, ctx, violations);

  const send = (
    res: ServerResponse,
    record: RecordedRequest,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
    resource = 'core',
  ): void => {
    record.status = status;
    record.response = body;
    remaining = Math.max(remaining - 1, 0);
    const text = body === undefined || status === 204 ? '' : JSON.stringify(body, null, 2);
    res.writeHead(status, {
      ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': '2022-11-28',
      'x-github-request-id': randomUUID().toUpperCase(),
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-used': String(5000 - remaining),
      'x-ratelimit-resource': resource,
      ...headers,
    });
    res.end(text);
  };

  const errorBody = (
    status: number,
    body: Record<string, unknown>,
    documentationUrl: string,
  ): Record<string, unknown> => ({
    ...body,
    documentation_url: documentationUrl,
    status: String(status),
  });

  // Tokens made known after start (registerToken); looked up before options.tokens.
  const registered = new Map<string, Identity>();
  const identityOf = (token: string): Identity | undefined =>
    registered.get(token) ?? (options.tokens ? options.tokens[token] : DEFAULT_IDENTITY);

  const identify = (req: IncomingMessage, record: RecordedRequest): Identity | undefined => {
    const token = tokenOf(req);
    if (token === undefined) return undefined;
    const identity = identityOf(token);
    if (identity) record.login = identity.login;
    return identity;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const text = await readBody(req);
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: undefined,
      status: 0,
      operationId: undefined,
      login: undefined,
      response: undefined,
    };
    requests.push(record);
    const hasBody = text.trim().length > 0;
    let body: unknown;
    if (hasBody) {
      try {
        body = JSON.parse(text);
        record.body = body;
      } catch {
        record.body = text;
        violations.push(`${method} ${url.pathname}: body is not JSON`);
        send(res, record, 400, { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' });
        return;
      }
    }

    if (method === 'POST' && url.pathname === '/graphql') {
      record.operationId = 'graphql';
      const identity = identify(req, record);
      if (!identity) {
        violations.push(
          `graphql: ${tokenOf(req) === undefined ? 'no authorization header' : 'unknown token'}`,
        );
        send(
          res,
          record,
          401,
          {
            message: 'This endpoint requires you to be authenticated.',
            documentation_url:
              'https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql',
          },
          {},
          'graphql',
        );
        return;
      }
      const outcome = await store.serial(() => handleGraphql(store, identity, body));
      if (outcome.violation) violations.push(outcome.violation);
      send(res, record, 200, outcome.body, {}, 'graphql');
      return;
    }

    const match = matchRoute(method, url.pathname);
    if (!match) {
      violations.push(`unknown route: ${method} ${url.pathname} is not in GitHub's OpenAPI description`);
      send(res, record, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
      return;
    }
    const operation: SpecOperation = match.operation;
    record.operationId = operation.operationId;

    const problems = validateRequest(operation, match.pathParams, url.searchParams, body, hasBody);
    for (const problem of problems) violations.push(problem.text);
    for (const key of unknownBodyProperties(operation, body)) {
      // GitHub drops unknown fields silently, which hides typos: record, do not refuse.
      violations.push(`${operation.operationId}: body property "${key}" is not in the description`);
    }
    const refused = problems.filter((p) => p.error.code !== 'unknown');
    if (refused.length > 0) {
      send(res, record, 422, {
        message: 'Validation Failed',
        errors: refused.map((p) => p.error),
        documentation_url: operation.documentationUrl,
        status: '422',
      });
      return;
    }

    const identity = identify(req, record);
    if (!identity) {
      const missing = tokenOf(req) === undefined;
      violations.push(
        `${operation.operationId}: ${missing ? 'no authorization header (token or Bearer)' : 'unknown token'}`,
      );
      send(res, record, 401, {
        message: missing ? 'Requires authentication' : 'Bad credentials',
        documentation_url: DOCS,
        status: '401',
      });
      return;
    }

    const { owner, repo } = match.pathParams;
    if (
      owner !== undefined &&
      repo !== undefined &&
      (owner.toLowerCase() !== options.owner.toLowerCase() ||
        repo.toLowerCase() !== options.repo.toLowerCase())
    ) {
      send(res, record, 404, {
        message: 'Not Found',
        documentation_url: operation.documentationUrl,
        status: '404',
      });
      return;
    }

    const handler = handlers[operation.operationId];
    if (!handler) {
      violations.push(
        `not implemented in stand-in: ${operation.operationId} (${method} ${operation.template})`,
      );
      send(res, record, 501, {
        message: `not implemented in stand-in: ${operation.operationId}`,
        documentation_url: operation.documentationUrl,
      });
      return;
    }

    const context: RouteContext = {
      store,
      params: match.pathParams,
      query: url.searchParams,
      body,
      identity,
      path: url.pathname,
      note: (text) => violations.push(text),
    };
    let status: number;
    let responseBody: unknown;
    let headers: Record<string, string> = {};
    try {
      const result = await store.serial(() => handler(context));
      status = result.status;
      responseBody = result.body;
      headers = result.headers ?? {};
    } catch (error) {
      if (error instanceof HttpError) {
        status = error.status;
        responseBody = errorBody(error.status, error.body, operation.documentationUrl);
      } else {
        status = 500;
        responseBody = {
          message: `stand-in error: ${error instanceof Error ? error.message : String(error)}`,
        };
        violations.push(`${operation.operationId}: internal error in stand-in: ${String(error)}`);
        send(res, record, status, responseBody);
        return;
      }
    }
    // Errors GitHub sends but does not document (a 404 on PATCH, say) are not held against it.
    const documented = [String(status), `${String(status)[0]}XX`, 'default'].some(
      (k) => k in operation.responses,
    );
    if (status < 400 || documented) {
      for (const problem of validateResponse(operation, status, responseBody)) violations.push(problem);
    }
    send(res, record, status, responseBody, headers);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      violations.push(`internal error in stand-in: ${String(error)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'stand-in error' }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  // Only now is the port known; nothing could have called before listen() returned.
  ctx.api = origin;
  ctx.html = origin;

  const person = (login: string): Identity => {
    const fromTokens = Object.values(options.tokens ?? {}).find((i) => i.login === login);
    return fromTokens ?? { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' };
  };
  const quiet = <T>(promise: Promise<T>): Promise<T> => {
    promise.catch(() => undefined); // callers that do not await must not crash the process
    return promise;
  };

  return {
    url: origin,
    htmlUrl: origin,
    requests,
    violations,
    pulls: store.pulls,
    deployments: store.deployments,
    commitStatuses: store.commitStatuses,
    events: store.events,
    settings: store.settings,
    dispatches: store.dispatches,
    workflowRuns: store.workflowRuns,
    recordWorkflowRun: (run) => recordWorkflowRun(store.workflowRuns, run),
    hookErrors: store.hookErrors,
    hooks: store.hooks,
    approve(number, login) {
      const pr = store.findPull(number);
      return quiet(
        store.serial(async () => {
          await store.createReview(person(login), pr, { event: 'APPROVE' });
        }),
      );
    },
    reportStatus(sha, context, state, login = 'ci-bot[bot]') {
      return quiet(
        store.serial(async () => {
          await store.createCommitStatus(person(login), sha, { state, context });
        }),
      );
    },
    mergePull(number, mergeOptions = {}) {
      const pr = store.findPull(number);
      return store.serial(() =>
        store.mergePull(
          person(mergeOptions.login ?? 'octocat'),
          pr,
          mergeOptions.mergeMethod ? { merge_method: mergeOptions.mergeMethod } : {},
        ),
      );
    },
    closePull(number, closeOptions = {}) {
      const pr = store.findPull(number);
      return store.serial(() =>
        store.updatePull(person(closeOptions.login ?? 'octocat'), pr, { state: 'closed' }),
      );
    },
    dispatchWorkflow(workflowId, dispatchOptions = {}) {
      return store.serial(() =>
        store.dispatchWorkflow(person(dispatchOptions.login ?? 'octocat'), workflowId, {
          ref: dispatchOptions.ref ?? ctx.defaultBranch,
          ...(dispatchOptions.inputs ? { inputs: dispatchOptions.inputs } : {}),
        }),
      );
    },
    recordEnvironmentDeployment(environment, deploymentOptions) {
      return store.serial(async () => {
        const deployment = await store.createDeployment(deploymentOptions.creator, {
          ref: deploymentOptions.ref,
          environment,
          auto_merge: false,
          required_contexts: [],
          payload: {},
          description: null,
        });
        return deployment.id;
      });
    },
    recordEnvironmentDeploymentStatus(id, state, statusOptions) {
      return store.serial(async () => {
        store.createDeploymentStatus(statusOptions.creator, store.findDeployment(id), {
          state,
          ...(statusOptions.logUrl ? { log_url: statusOptions.logUrl } : {}),
          ...(statusOptions.environmentUrl ? { environment_url: statusOptions.environmentUrl } : {}),
        });
      });
    },
    registerToken(token, identity) {
      registered.set(token, identity);
    },
    identify: identityOf,
    idle: () => store.idle(),
    async close() {
      await store.idle();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
