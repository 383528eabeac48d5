// The GitHub reads behind `npm run status -- --repo`: open promotion pull requests with their review
// decision, and the deployments overlay-deploy recorded with their statuses. GraphQL, because REST
// has neither the review decision in its pull request list nor statuses in its deployment list: with
// it the whole repository costs one request (more only past 100 open PRs or 100 deployments of an
// environment), however many services and environments there are.
import { readDeploymentPayload } from '../core/deployment-record.js';
import { parsePromotionBranch } from '../core/names.js';
import type { DeploymentRecord } from '../core/deployment-record.js';
import type { GitHubFacts, OpenPromotion, ReviewDecision } from '../core/status.js';
import type { Octokit, Repo } from './github.js';

/** GraphQL's largest page. */
const PAGE_SIZE = 100;
/** How far back each environment's history is read when a service's last success is not found. */
export const MAX_DEPLOYMENT_PAGES = 10;

interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

interface PullNode {
  number: number;
  url: string;
  headRefName: string;
  baseRefName: string;
  createdAt: string;
  reviewDecision: 'APPROVED' | 'CHANGES_REQUESTED' | 'REVIEW_REQUIRED' | null;
}

interface DeploymentNode {
  environment: string | null;
  payload: string | null;
  createdAt: string;
  latestStatus: { state: string } | null;
  statuses: { nodes: { state: string }[] } | null;
}

interface Answer {
  repository: {
    defaultBranchRef: { name: string } | null;
    pullRequests?: { pageInfo: PageInfo; nodes: PullNode[] };
    [alias: `d${number}`]: { pageInfo: PageInfo; nodes: DeploymentNode[] } | undefined;
  } | null;
}

const REVIEW: Record<NonNullable<PullNode['reviewDecision']>, ReviewDecision> = {
  APPROVED: 'approved',
  CHANGES_REQUESTED: 'changes-requested',
  REVIEW_REQUIRED: 'review-required',
};

const DEPLOYMENT_FIELDS =
  'pageInfo { hasNextPage endCursor } nodes { environment payload createdAt latestStatus { state } statuses(first: 10) { nodes { state } } }';
const PULL_FIELDS =
  'pageInfo { hasNextPage endCursor } nodes { number url headRefName baseRefName createdAt reviewDecision }';

interface EnvironmentCursor {
  name: string;
  after: string | null;
  pages: number;
  done: boolean;
}

/**
 * Reads every open promotion PR into the default branch and, per environment, deployments newest
 * first until each service's last successful one is found (or history ends, or
 * MAX_DEPLOYMENT_PAGES pages were read). Each round is one GraphQL request covering every
 * connection that still has pages to read.
 */
export async function readGitHubFacts(
  octokit: Octokit,
  repo: Repo,
  environments: string[],
  services: string[],
): Promise<GitHubFacts & { defaultBranch: string }> {
  let pullsAfter: string | null = null;
  let pullsDone = false;
  const cursors: EnvironmentCursor[] = environments.map((name) => ({
    name,
    after: null,
    pages: 0,
    done: false,
  }));
  const pullNodes: PullNode[] = [];
  const deployments: DeploymentRecord[] = [];
  const truncated: string[] = [];
  let defaultBranch = '';

  while (!pullsDone || cursors.some((c) => !c.done)) {
    const variables: Record<string, unknown> = { owner: repo.owner, name: repo.repo };
    const declarations = ['$owner: String!', '$name: String!'];
    const fields = ['defaultBranchRef { name }'];
    if (!pullsDone) {
      declarations.push('$pullsAfter: String');
      variables['pullsAfter'] = pullsAfter;
      fields.push(`pullRequests(states: [OPEN], first: ${PAGE_SIZE}, after: $pullsAfter) { ${PULL_FIELDS} }`);
    }
    const reading = cursors.map((cursor, index) => ({ cursor, index })).filter(({ cursor }) => !cursor.done);
    for (const { cursor, index } of reading) {
      declarations.push(`$environment${index}: [String!]`, `$after${index}: String`);
      variables[`environment${index}`] = [cursor.name];
      variables[`after${index}`] = cursor.after;
      fields.push(
        `d${index}: deployments(environments: $environment${index}, first: ${PAGE_SIZE}, after: $after${index}, orderBy: { field: CREATED_AT, direction: DESC }) { ${DEPLOYMENT_FIELDS} }`,
      );
    }
    const query = `query(${declarations.join(', ')}) { repository(owner: $owner, name: $name) { ${fields.join(' ')} } }`;
    const answer = await octokit.graphql<Answer>(query, variables);
    const repository = answer.repository;
    if (!repository) throw new Error(`GitHub did not return the repository ${repo.owner}/${repo.repo}`);
    defaultBranch = repository.defaultBranchRef?.name ?? '';

    if (!pullsDone) {
      const page = repository.pullRequests;
      pullNodes.push(...(page?.nodes ?? []));
      pullsAfter = page?.pageInfo.endCursor ?? null;
      pullsDone = !page?.pageInfo.hasNextPage;
    }
    for (const { cursor, index } of reading) {
      const page = repository[`d${index}`];
      for (const node of page?.nodes ?? []) {
        const record = toRecord(node, cursor.name);
        if (record) deployments.push(record);
      }
      cursor.pages++;
      cursor.after = page?.pageInfo.endCursor ?? null;
      const found = new Set(
        deployments.filter((d) => d.environment === cursor.name && d.succeeded).map((d) => d.service),
      );
      const allFound = services.every((s) => found.has(s));
      if (!page?.pageInfo.hasNextPage || allFound) cursor.done = true;
      else if (cursor.pages >= MAX_DEPLOYMENT_PAGES) {
        cursor.done = true;
        truncated.push(cursor.name);
      }
    }
  }

  const pulls: OpenPromotion[] = [];
  for (const node of pullNodes) {
    const branch = parsePromotionBranch(node.headRefName);
    if (!branch || node.baseRefName !== defaultBranch) continue;
    pulls.push({
      ...branch,
      number: node.number,
      url: node.url,
      createdAt: node.createdAt,
      review: node.reviewDecision ? REVIEW[node.reviewDecision] : 'none',
    });
  }
  // Each environment's list is newest first already; merged, the order across them does not matter.
  return { defaultBranch, pulls, deployments, ...(truncated.length > 0 ? { truncated } : {}) };
}

/**
 * The deployments of one service in one environment, newest first, read until its newest successful
 * one (with `version` as its tag, when given) is found, history ends or MAX_DEPLOYMENT_PAGES pages
 * were read: what overlay-update promotes from. One request while the service deployed recently.
 */
export async function readServiceDeployments(
  octokit: Octokit,
  repo: Repo,
  environment: string,
  service: string,
  version?: string,
): Promise<DeploymentRecord[]> {
  const query = `query($owner: String!, $name: String!, $environments: [String!], $after: String) { repository(owner: $owner, name: $name) { deployments(environments: $environments, first: ${PAGE_SIZE}, after: $after, orderBy: { field: CREATED_AT, direction: DESC }) { ${DEPLOYMENT_FIELDS} } } }`;
  const records: DeploymentRecord[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_DEPLOYMENT_PAGES; page++) {
    const answer: ServiceDeploymentsAnswer = await octokit.graphql<ServiceDeploymentsAnswer>(query, {
      owner: repo.owner,
      name: repo.repo,
      environments: [environment],
      after,
    });
    const connection = answer.repository?.deployments;
    for (const node of connection?.nodes ?? []) {
      const record = toRecord(node, environment);
      if (record?.service === service) records.push(record);
    }
    const found = records.some((r) => r.succeeded && (version === undefined || r.version.tag === version));
    if (found || !connection?.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  return records;
}

interface ServiceDeploymentsAnswer {
  repository: { deployments: { pageInfo: PageInfo; nodes: DeploymentNode[] } } | null;
}

function toRecord(node: DeploymentNode, environment: string): DeploymentRecord | undefined {
  const payload = readDeploymentPayload(node.payload);
  if (!payload) return undefined;
  const states = (node.statuses?.nodes ?? []).map((s) => s.state.toLowerCase());
  return {
    environment: node.environment ?? environment,
    service: payload.service,
    version: payload.version,
    createdAt: node.createdAt,
    state: node.latestStatus?.state.toLowerCase() ?? 'pending',
    succeeded: states.includes('success'),
  };
}
