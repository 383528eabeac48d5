import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { MembershipAnswer } from '../core/access.js';
import type { MergeMethod } from '../core/config.js';
import type { DeploymentPayload } from '../core/deployment-record.js';
import { UserError } from '../core/errors.js';

export type Octokit = ReturnType<typeof getOctokit>;

export interface Repo {
  owner: string;
  repo: string;
}

export interface PullRequest {
  number: number;
  url: string;
  nodeId: string;
  title: string;
  body: string;
  headSha: string;
  merged: boolean;
}

interface Logger {
  warning(message: string): void;
}

/**
 * How long a request waits out GitHub's secondary limits. The content-creation limit (80 a minute,
 * 500 an hour) counts per App installation, so every run using it shares one budget and a request
 * may be refused many times in a row while other runs take their turn. GitHub's advice
 * (https://docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api#rate-limit-errors):
 * wait `retry-after` seconds (the throttling plugin does, 60 s when it is absent) and give up after a
 * number of retries. The number is bounded by time: retries while the waits add up to 10 minutes
 * (each at least 1 s, so at most 600). A minute's window drains many times over; a job does not sit
 * out an hour's budget (it fails and says why). A count of a few would fail runs that only had to
 * wait their turn: with a hundred runs sharing the budget, retry-after is often a second or two.
 */
export const SECONDARY_LIMIT_WAIT_SECONDS = 600;

/**
 * An Octokit for the API at GITHUB_API_URL (github.com, GHE.com or GHES), with
 * GitHub's recommended throttling and retries of transient failures. 405 and
 * 409 are answers about the pull request, not transient: never retried here;
 * 403 and 429 (rate limits) are the throttling plugin's alone.
 */
export function createOctokit(
  token: string,
  log: Logger,
  baseUrl = process.env.GITHUB_API_URL ?? 'https://api.github.com',
): Octokit {
  // Seconds each request has waited so far; the plugin passes the same options on every retry.
  const waited = new WeakMap<object, number>();
  return getOctokit(
    token,
    {
      baseUrl: baseUrl.replace(/\/+$/, ''),
      retry: { doNotRetry: [400, 401, 403, 404, 405, 409, 410, 422, 429, 451] },
      throttle: {
        onRateLimit: (
          retryAfter: number,
          options: { method: string; url: string },
          _octokit: unknown,
          retryCount: number,
        ) => {
          log.warning(`Rate limit reached for ${options.method} ${options.url}; retrying in ${retryAfter}s`);
          return retryCount < 2;
        },
        onSecondaryRateLimit: (
          retryAfter: number,
          options: { method: string; url: string },
          _octokit: unknown,
          retryCount: number,
        ) => {
          const total = (waited.get(options) ?? 0) + retryAfter;
          if (total > SECONDARY_LIMIT_WAIT_SECONDS) {
            log.warning(
              `Secondary rate limit for ${options.method} ${options.url}: giving up after ${retryCount} retries ` +
                `(${total - retryAfter}s waited, ${retryAfter}s more asked, at most ${SECONDARY_LIMIT_WAIT_SECONDS}s). ` +
                `The token's content-creating requests (80 a minute, 500 an hour) are shared by every run that uses it`,
            );
            return false;
          }
          waited.set(options, total);
          log.warning(
            `Secondary rate limit for ${options.method} ${options.url}; retrying in ${retryAfter}s (retry ${retryCount + 1}, ${total}s waited in all)`,
          );
          return true;
        },
      },
    },
    retry,
    throttling,
  );
}

type PullData = {
  number: number;
  html_url: string;
  node_id: string;
  title: string;
  body: string | null;
  head: { sha: string };
  merged_at: string | null;
};

function toPull(data: PullData): PullRequest {
  return {
    number: data.number,
    url: data.html_url,
    nodeId: data.node_id,
    title: data.title,
    body: data.body ?? '',
    headSha: data.head.sha,
    merged: data.merged_at !== null,
  };
}

export type MergeOutcome =
  | { status: 'merged'; sha: string }
  /** 405: not mergeable now (conflict, checks or reviews pending, method not allowed). */
  | { status: 'not-mergeable'; message: string }
  /** 409: the head moved since we read it. */
  | { status: 'head-modified'; message: string };

function httpStatus(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'status' in error ? Number(error.status) : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** GitHub's 422 for a second pull request from the same head: "A pull request already exists for ...". */
function isAlreadyOpen(error: unknown): boolean {
  const errors = (error as { response?: { data?: { errors?: { message?: string }[] } } }).response?.data
    ?.errors;
  return httpStatus(error) === 422 && (errors ?? []).some((e) => /already exists/.test(e.message ?? ''));
}

/**
 * The default branch of another repository the token must reach (the GitOps repository of a release
 * from a service repository): one GET /repos/{owner}/{repo}. GitHub answers 404 both when the
 * repository does not exist and when the token cannot see it, so the error says both.
 */
export async function reachRepository(octokit: Octokit, repo: Repo): Promise<{ defaultBranch: string }> {
  try {
    const { data } = await octokit.rest.repos.get({ owner: repo.owner, repo: repo.repo });
    return { defaultBranch: data.default_branch };
  } catch (error) {
    const status = httpStatus(error);
    if (status === 404 || status === 403 || status === 401) {
      throw new UserError(
        `The token cannot reach ${repo.owner}/${repo.repo} (HTTP ${status}): the repository does not exist, or the token was not made for it. ` +
          `Install the App on ${repo.owner}/${repo.repo} and mint its token for it (create-github-app-token: owner + repositories), or use a PAT that can write to it; GITHUB_TOKEN reaches only the run's own repository`,
      );
    }
    throw error;
  }
}

/** The calls the suite makes on pull requests, each one request. */
export class PullRequests {
  constructor(
    private readonly octokit: Octokit,
    private readonly repo: Repo,
  ) {}

  async findOpen(branch: string, base: string): Promise<PullRequest | undefined> {
    const { data } = await this.octokit.rest.pulls.list({
      ...this.repo,
      state: 'open',
      head: `${this.repo.owner}:${branch}`,
      base,
      per_page: 10,
    });
    return data[0] ? toPull(data[0]) : undefined;
  }

  /** The most recently merged PR from a branch, to link where a version came from. */
  async findLatestMerged(branch: string, base: string): Promise<PullRequest | undefined> {
    const { data } = await this.octokit.rest.pulls.list({
      ...this.repo,
      state: 'closed',
      head: `${this.repo.owner}:${branch}`,
      base,
      sort: 'updated',
      direction: 'desc',
      per_page: 20,
    });
    const merged = data.filter((pull) => pull.merged_at !== null);
    merged.sort((a, b) => Date.parse(b.merged_at!) - Date.parse(a.merged_at!));
    return merged[0] ? toPull(merged[0]) : undefined;
  }

  async create(branch: string, base: string, title: string, body: string): Promise<PullRequest> {
    const { data } = await this.octokit.rest.pulls.create({
      ...this.repo,
      head: branch,
      base,
      title,
      body,
      maintainer_can_modify: false,
    });
    return toPull(data);
  }

  /**
   * Opens the pull request, or finds the one already open for the branch when GitHub refuses a
   * second: one request on the happy path, where looking first would always cost two.
   */
  async createOrFindOpen(
    branch: string,
    base: string,
    title: string,
    body: string,
  ): Promise<{ pull: PullRequest; created: boolean }> {
    try {
      return { pull: await this.create(branch, base, title, body), created: true };
    } catch (error) {
      const open = isAlreadyOpen(error) ? await this.findOpen(branch, base) : undefined;
      if (!open) throw error;
      return { pull: open, created: false };
    }
  }

  /**
   * Dismisses every approval the PR has, so none given for its old content counts for the new one
   * (whatever the branch protection says about stale approvals); returns who had approved.
   */
  async dismissApprovals(number: number, message: string): Promise<string[]> {
    const reviews = await this.octokit.paginate(this.octokit.rest.pulls.listReviews, {
      ...this.repo,
      pull_number: number,
      per_page: 100,
    });
    const approvals = reviews.filter((review) => review.state === 'APPROVED');
    for (const review of approvals) {
      await this.octokit.rest.pulls.dismissReview({
        ...this.repo,
        pull_number: number,
        review_id: review.id,
        message,
        event: 'DISMISS',
      });
    }
    return [...new Set(approvals.map((review) => review.user?.login ?? 'ghost'))];
  }

  async comment(number: number, body: string): Promise<void> {
    await this.octokit.rest.issues.createComment({ ...this.repo, issue_number: number, body });
  }

  async update(number: number, title: string, body: string): Promise<PullRequest> {
    const { data } = await this.octokit.rest.pulls.update({ ...this.repo, pull_number: number, title, body });
    return toPull(data);
  }

  async requestReviewers(number: number, users: string[], teams: string[]): Promise<void> {
    await this.octokit.rest.pulls.requestReviewers({
      ...this.repo,
      pull_number: number,
      reviewers: users,
      team_reviewers: teams,
    });
  }

  async addLabels(number: number, labels: string[]): Promise<void> {
    await this.octokit.rest.issues.addLabels({ ...this.repo, issue_number: number, labels });
  }

  async merge(
    number: number,
    sha: string,
    method: MergeMethod,
    title: string,
    message: string,
  ): Promise<MergeOutcome> {
    try {
      const { data } = await this.octokit.rest.pulls.merge({
        ...this.repo,
        pull_number: number,
        sha,
        merge_method: method,
        // GitHub's own format, so the history names the PR whatever the merge method.
        commit_title: `${title} (#${number})`,
        commit_message: message,
      });
      return { status: 'merged', sha: data.sha };
    } catch (error) {
      const status = httpStatus(error);
      if (status === 405) return { status: 'not-mergeable', message: errorMessage(error) };
      if (status === 409) return { status: 'head-modified', message: errorMessage(error) };
      throw error;
    }
  }

  /**
   * Asks GitHub to merge once requirements (checks) are met. Needs "Allow
   * auto-merge" in the repository settings; GitHub refuses it for a PR that is
   * already mergeable ("clean status"), which the caller merges directly.
   */
  async enableAutoMerge(
    pull: PullRequest,
    method: MergeMethod,
  ): Promise<{ enabled: true } | { enabled: false; message: string }> {
    try {
      await this.octokit.graphql(
        `mutation($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!) {
          enablePullRequestAutoMerge(input: { pullRequestId: $pullRequestId, mergeMethod: $mergeMethod }) { clientMutationId }
        }`,
        { pullRequestId: pull.nodeId, mergeMethod: method.toUpperCase() },
      );
      return { enabled: true };
    } catch (error) {
      return { enabled: false, message: errorMessage(error) };
    }
  }
}

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

/** GitHub deployments: what the Environments panel and the PR timeline show. */
export class Deployments {
  constructor(
    private readonly octokit: Octokit,
    private readonly repo: Repo,
  ) {}

  async create(options: {
    ref: string;
    environment: string;
    description: string;
    payload: DeploymentPayload;
    production: boolean;
  }): Promise<number> {
    const { data } = await this.octokit.rest.repos.createDeployment({
      ...this.repo,
      ref: options.ref,
      environment: options.environment,
      description: options.description,
      payload: { ...options.payload },
      production_environment: options.production,
      transient_environment: false,
      // GitHub's defaults would merge the default branch into ref and demand every status context.
      auto_merge: false,
      required_contexts: [],
    });
    if (!('id' in data)) throw new Error(`GitHub did not create the deployment: ${JSON.stringify(data)}`);
    return data.id;
  }

  async setStatus(id: number, state: DeploymentState, description: string, logUrl?: string): Promise<void> {
    await this.octokit.rest.repos.createDeploymentStatus({
      ...this.repo,
      deployment_id: id,
      state,
      // GitHub refuses a description over 140 characters.
      description: description.length > 140 ? `${description.slice(0, 139)}…` : description,
      ...(logUrl ? { log_url: logUrl } : {}),
      // An environment holds many services, but GitHub knows only environments: by default a success
      // would mark every other service's deployment there inactive.
      auto_inactive: false,
    });
  }
}

/**
 * Team membership in the organization that owns the repository, for who may release or promote
 * by hand (core/access.ts decides). GitHub answers 404 both for "not a member" and for a token
 * that may not read the organization's teams (GITHUB_TOKEN), so a 404 is told apart by asking for
 * the team itself: only a token that can see the team makes the 404 mean "not a member".
 */
export class TeamMemberships {
  constructor(
    private readonly octokit: Octokit,
    private readonly org: string,
  ) {}

  async membership(team: string, username: string): Promise<MembershipAnswer> {
    const cannotRead = (error: unknown, what: string): MembershipAnswer | undefined => {
      const status = httpStatus(error);
      return status === 401 || status === 403
        ? { state: 'unknown', reason: `GitHub answered ${status} to ${what}: ${errorMessage(error)}` }
        : undefined;
    };
    try {
      const { data } = await this.octokit.rest.teams.getMembershipForUserInOrg({
        org: this.org,
        team_slug: team,
        username,
      });
      return data.state === 'active' ? { state: 'active' } : { state: 'pending' };
    } catch (error) {
      const unknown = cannotRead(error, 'the membership request');
      if (unknown) return unknown;
      if (httpStatus(error) !== 404) throw error;
    }
    try {
      await this.octokit.rest.teams.getByName({ org: this.org, team_slug: team });
      return { state: 'none' };
    } catch (error) {
      const unknown = cannotRead(error, 'the team request');
      if (unknown) return unknown;
      if (httpStatus(error) !== 404) throw error;
      return {
        state: 'unknown',
        reason: `GitHub answered 404 for the team itself: it does not exist in ${this.org}, or this token may not read the organization's teams`,
      };
    }
  }
}

/**
 * The repository's default branch and the commit GitHub reports at its head now, whatever ref the
 * run was started on: one GraphQL request (REST needs two, repos/get then git/get-ref).
 */
export async function defaultBranchHead(
  octokit: Octokit,
  repo: Repo,
): Promise<{ branch: string; sha: string }> {
  const answer = await octokit.graphql<DefaultBranchAnswer>(
    'query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { defaultBranchRef { name target { oid } } } }',
    { owner: repo.owner, name: repo.repo },
  );
  const ref = answer.repository?.defaultBranchRef;
  if (!ref?.target)
    throw new UserError(`${repo.owner}/${repo.repo} has no default branch yet: push a first commit to it`);
  return { branch: ref.name, sha: ref.target.oid };
}

interface DefaultBranchAnswer {
  repository: { defaultBranchRef: { name: string; target: { oid: string } | null } | null } | null;
}
