// The HTTP side of the GitHub stand-in: every request is matched to an operation of GitHub's
// OpenAPI description, validated, authenticated, handled, and its answer validated in turn.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { HttpError } from './errors.js';
import { handleGraphql } from './graphql.js';
import type { RouteContext } from './handler.js';
import { handlers } from './routes.js';
import { loadSpec, matchRoute, unknownBodyProperties, validateRequest, validateResponse } from './spec.js';
import type { SpecOperation } from './spec.js';
import type { Store } from './store.js';
import { reaches } from './store-state.js';
import { createRepositoryStore, repositoryView, type GitHubRepository } from './repository-view.js';
import {
  bucketOf,
  createContentLimiter,
  secondaryLimitBody,
  type ContentCreation,
} from './secondary-limits.js';
import { isContentCreating } from './requests.js';
import type {
  EventMeta,
  HostedRepositoryOptions,
  Identity,
  RecordedRequest,
  StandInOptions,
} from './types.js';

export interface GitHubStandIn extends GitHubRepository {
  /** API origin, e.g. http://127.0.0.1:PORT: use as GITHUB_API_URL; GraphQL is `${url}/graphql`. */
  url: string;
  /** Web origin for html_url values (GITHUB_SERVER_URL); the same origin as `url`. */
  htmlUrl: string;
  /** Every request, in arrival order (to any repository). */
  requests: RecordedRequest[];
  /** Everything GitHub's description (or GitHub) would not accept; tests assert it stays empty. */
  violations: string[];
  /** Content-creating requests admitted and refused (./secondary-limits.ts), limits on or off. */
  contentCreation: ContentCreation;
  /**
   * The stand-in seen from another hosted repository: its pulls, events, hooks and UI actions, the
   * same server, requests and tokens. Throws when the stand-in does not host it.
   */
  repository(fullName: string): GitHubStandIn;
  /** Hosts one more repository (a bare git repository), served from now on. */
  addRepository(options: HostedRepositoryOptions): Promise<GitHubStandIn>;
  /** Makes a token known after start (a run's GITHUB_TOKEN, an App installation token). */
  registerToken(token: string, identity: Identity): void;
  /** The identity a token authenticates as, or undefined when the stand-in does not know it. */
  identify(token: string): Identity | undefined;
  /** Resolves when queued work (requests, auto-merges) of every repository has finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export type { EventMeta, GitHubRepository, HostedRepositoryOptions, Identity, StandInOptions };

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
  const violations: string[] = [];
  const ids = { next: 100_000 };
  const primary = await createRepositoryStore(options, options.tokens, violations, ids);
  loadSpec(); // parse the 14 MB description before the first request, not during it
  const stores = new Map<string, Store>();
  const host = (store: Store): void => {
    const key = `${store.ctx.owner}/${store.ctx.repo}`.toLowerCase();
    if (stores.has(key)) throw new Error(`the stand-in already hosts ${key}`);
    stores.set(key, store);
  };
  host(primary);
  for (const more of options.repositories ?? [])
    host(await createRepositoryStore(more, options.tokens, violations, ids));
  const storeOf = (owner: string, repo: string): Store | undefined =>
    stores.get(`${owner}/${repo}`.toLowerCase());

  const requests: RecordedRequest[] = [];
  let remaining = 5000;
  const limiter = createContentLimiter(options.secondaryRateLimit);

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

  /** Over the content-creation limit: GitHub's 403 with retry-after, and nothing changes. */
  const overLimit = (
    res: ServerResponse,
    record: RecordedRequest,
    identity: Identity,
    resource = 'core',
  ): boolean => {
    if (!isContentCreating(record.method, record.path, record.body)) return false;
    const retryAfter = limiter.admit(bucketOf(identity));
    if (retryAfter === undefined) return false;
    record.secondaryRateLimited = true;
    const requestId = randomUUID().toUpperCase();
    const headers = { 'retry-after': String(retryAfter), 'x-github-request-id': requestId };
    send(res, record, 403, secondaryLimitBody(requestId), headers, resource);
    return true;
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
      if (overLimit(res, record, identity, 'graphql')) return;
      // One queue per repository; an operation that names none runs on the first repository's.
      const outcome = await primary.serial(() =>
        handleGraphql(
          {
            store: primary,
            find: (owner, repo) => storeOf(owner, repo),
            findPull: (id) => [...stores.values()].find((s) => s.pulls.some((p) => p.nodeId === id)),
          },
          identity,
          body,
        ),
      );
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

    // A repository that is not hosted, or that the token cannot reach, is "Not Found" on GitHub.
    const { owner, repo } = match.pathParams;
    let store = primary;
    if (owner !== undefined && repo !== undefined) {
      const found = storeOf(owner, repo);
      if (!found || !reaches(identity, owner, repo)) {
        send(res, record, 404, {
          message: 'Not Found',
          documentation_url: operation.documentationUrl,
          status: '404',
        });
        return;
      }
      store = found;
    }
    if (overLimit(res, record, identity)) return;

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
  for (const store of stores.values()) {
    store.ctx.api = origin;
    store.ctx.html = origin;
  }

  const person = (login: string): Identity => {
    const fromTokens = Object.values(options.tokens ?? {}).find((i) => i.login === login);
    return fromTokens ?? { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' };
  };
  const view = (store: Store): GitHubStandIn => ({
    ...repositoryView(store, person),
    url: origin,
    htmlUrl: origin,
    requests,
    violations,
    contentCreation: limiter,
    repository(fullName) {
      const [owner = '', repo = ''] = fullName.split('/');
      const found = storeOf(owner, repo);
      if (!found) throw new Error(`the GitHub stand-in does not host ${fullName}`);
      return view(found);
    },
    async addRepository(more) {
      const store = await createRepositoryStore(more, options.tokens, violations, ids, origin);
      host(store);
      return view(store);
    },
    registerToken(token, identity) {
      registered.set(token, identity);
    },
    identify: identityOf,
    idle: async () => {
      for (const store of stores.values()) await store.idle();
    },
    async close() {
      for (const store of stores.values()) await store.idle();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  });
  return view(primary);
}
