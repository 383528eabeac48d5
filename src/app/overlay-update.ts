import type { Environment, PromotionConfig, Reviewers, Service } from '../core/config.js';
import { nextEnvironment, previousEnvironment, requireEnvironment, requireService } from '../core/config.js';
import { InputError, UserError } from '../core/errors.js';
import type { PlainOverlayUpdateInputs } from '../core/inputs.js';
import { setImageVersion } from '../core/kustomization.js';
import { reviewersBeyondCodeOwners } from '../core/codeowners.js';
import { promotionBranch } from '../core/names.js';
import { planPromotion, type PromotionPlan } from '../core/promotion.js';
import { compareVersions } from '../core/version.js';
import {
  commitMessage,
  parsePromotionRecord,
  promotionBody,
  promotionPullFromHistory,
  promotionTitle,
  refreshComment,
  supersede,
  type PreviousPromotion,
  type PromotionText,
} from '../core/pull-request.js';
import type { RenderedDiff } from '../core/rendered-diff.js';
import type { DeploymentRecord } from '../core/deployment-record.js';
import { ACTIONS_BOT, type Git } from '../adapters/git.js';
import type { PullRequest, PullRequests } from '../adapters/github.js';
import { renderPromotion, type Render } from './render-promotion.js';
import {
  loadConfig,
  readCheckedImageVersion,
  readCodeOwners,
  readKustomization,
} from './repository-files.js';

/** The plain inputs, checked already (checkOverlayUpdateInputs), and the rest. */
export interface OverlayUpdateInputs extends PlainOverlayUpdateInputs {
  allowDowngrade: boolean;
  config: string;
}

export interface ValidatedInputs {
  config: PromotionConfig;
  environment: Environment;
  service: Service;
  source?: Environment;
  version?: string;
  digest?: string;
  allowDowngrade: boolean;
  /** PromotionRequest.whenOvertaken: decided by who started the promotion (promotionStart). */
  whenOvertaken?: 'refuse' | 'skip';
}

export interface OverlayUpdateResult {
  branch: string;
  changed: boolean;
  merged: boolean;
  autoMerge: boolean;
  version: string;
  digest?: string;
  plan: PromotionPlan;
  environment: Environment;
  service: Service;
  pullRequest?: PullRequest;
  kustomization: string;
  /** The overlay rendered before and after the edit; absent when there was nothing to promote. */
  rendered?: RenderedDiff;
}

export interface Deps {
  git: Git;
  /** Created only when the run needs the API: a no-op rerun makes no request. */
  pulls: () => PullRequests;
  /**
   * The deployments GitHub recorded for a service in an environment, newest first, at least up to
   * the newest successful one (of `version`, when given): what a later environment promotes from.
   */
  deployments: (environment: string, service: string, version?: string) => Promise<DeploymentRecord[]>;
  workspace: string;
  defaultBranch: string;
  /** The repository's owner: the organization whose teams CODEOWNERS names. */
  owner: string;
  /** Renders an overlay folder with kustomize, for the diff in the pull request body. */
  render: Render;
  log: { info(message: string): void; notice(message: string): void; warning(message: string): void };
  /** Pause between attempts when main moved or GitHub is still computing mergeability. */
  sleep?: (ms: number) => Promise<void>;
}

const MAX_ATTEMPTS = 5;

/** Checks the inputs against the config before anything else happens: a bad value changes nothing. */
export async function validateInputs(
  inputs: OverlayUpdateInputs,
  workspace: string,
): Promise<ValidatedInputs> {
  const { version } = inputs;
  const config = await loadConfig(workspace, inputs.config);
  const environment = requireEnvironment(config, 'overlay', inputs.overlay);
  const service = requireService(config, 'service', inputs.service);
  const source = previousEnvironment(config, environment.name);
  if (!source && version === undefined) {
    throw new InputError(
      'version',
      `required for '${environment.name}', the first environment of the chain; later environments copy the version of the one before`,
    );
  }
  return {
    config,
    environment,
    service,
    ...(source ? { source } : {}),
    ...(version ? { version } : {}),
    ...(inputs.digest ? { digest: inputs.digest } : {}),
    allowDowngrade: inputs.allowDowngrade,
  };
}

/**
 * Sets the service's image in the environment's overlay on a promotion branch
 * built from the default branch, opens or refreshes its pull request, and
 * merges it when the environment merges without review. Idempotent: a rerun
 * with nothing new pushes nothing and writes nothing.
 */
export async function overlayUpdate(input: ValidatedInputs, deps: Deps): Promise<OverlayUpdateResult> {
  const { git, log, defaultBranch } = deps;
  const { config, environment, service, source } = input;
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const branch = promotionBranch(service.name, environment.name);
  let pull: PullRequest | undefined;
  let previous: PreviousPromotion | undefined;
  let warned: string | undefined;

  // Read once, before anything is pushed: a version that never deployed in the source is refused.
  const sourceDeployments = source
    ? await deps.deployments(source.name, service.name, input.version)
    : undefined;
  await git.ensureCheckout();
  for (let attempt = 1; ; attempt++) {
    const main = await git.fetchBranch(defaultBranch);
    const target = await readKustomization(git, main, environment, config.overlayAt?.[environment.name]);
    // What the environment runs may be any OCI tag (`latest`); what it copies must be a version.
    const current = readCheckedImageVersion(target, service.kustomizeImage, 'tag');
    const plan = planPromotion(
      {
        service,
        environment,
        ...(source ? { source } : {}),
        ...(input.version ? { version: input.version } : {}),
        ...(input.digest ? { digest: input.digest } : {}),
        allowDowngrade: input.allowDowngrade,
        ...(input.whenOvertaken ? { whenOvertaken: input.whenOvertaken } : {}),
      },
      current,
      sourceDeployments,
    );
    const result: Omit<OverlayUpdateResult, 'changed' | 'merged' | 'autoMerge'> = {
      branch,
      environment,
      service,
      plan,
      kustomization: target.path,
      version: plan.target.tag ?? '',
      ...(plan.target.digest ? { digest: plan.target.digest } : {}),
    };
    if (plan.change === 'none' || plan.change === 'overtaken') {
      if (plan.change === 'none')
        log.info(
          `${service.name} already runs ${plan.target.tag} in ${environment.name} on ${defaultBranch}: nothing to promote`,
        );
      else
        log.notice(
          `${environment.name} already runs ${service.name} ${plan.current.tag} on ${defaultBranch}, newer than ${plan.target.tag}: ${plan.target.tag} was overtaken on its way, nothing to promote (a rollback needs allow-downgrade)`,
        );
      return {
        ...result,
        changed: false,
        merged: false,
        autoMerge: false,
        ...(pull ? { pullRequest: pull } : {}),
      };
    }

    // An open PR of this branch proposes something already: a newer deployed version replaces it
    // (and says so), an older one never does, except as a rollback.
    const branchHead = await git.remoteBranchHead(branch);
    // Looked up once: a later attempt knows the PR it opened or refreshed.
    if (attempt === 1 && branchHead) pull = await deps.pulls().findOpen(branch, defaultBranch);
    const open = pull ? parsePromotionRecord(pull.body) : undefined;
    let replaced: { version: string; approvers: string[] } | undefined;
    let superseded = open?.superseded;
    if (pull && open && open.version !== plan.target.tag) {
      if (compareVersions(open.version, plan.target.tag).kind === 'downgrade' && !input.allowDowngrade) {
        log.notice(
          `#${pull.number} proposes ${service.name} ${open.version}, newer than ${plan.target.tag}: it stays as it is (a rollback needs allow-downgrade)`,
        );
        return { ...result, changed: false, merged: false, autoMerge: false, pullRequest: pull };
      }
      // Before the new content is pushed: an approval of the old one must never merge the new one.
      const approvers = await deps
        .pulls()
        .dismissApprovals(
          pull.number,
          `${service.name} ${plan.target.tag} replaces ${open.version}: review the new version`,
        );
      replaced = { version: open.version, approvers };
      superseded = supersede(open, plan.target.tag, approvers.length > 0);
    }

    if (source && !previous) previous = await findPrevious(git, deps, main, source, service);
    const content = setImageVersion(
      target.text,
      {
        image: service.kustomizeImage,
        tag: plan.target.tag,
        ...(plan.target.digest ? { digest: plan.target.digest } : {}),
      },
      target.path,
    );
    const text: PromotionText = {
      service,
      environment,
      plan,
      ...(previous ? { previous } : {}),
      ...(superseded ? { superseded } : {}),
      ...nextOf(config, environment),
    };
    // The rendered diff goes into the PR body only: the branch is built and pushed while kustomize renders.
    const [rendered, commit] = await Promise.all([
      renderPromotion(
        git,
        main,
        { overlay: environment.overlay, path: target.path, content, image: service.kustomizeImage },
        deps.render,
      ),
      buildBranch(git, { main, branch, head: branchHead }, target, content, commitMessage(text)),
    ]);
    // Once per run: an attempt after main moved renders again and usually fails the same way.
    if (rendered.warning && rendered.warning !== warned) {
      warned = rendered.warning;
      log.warning(warned);
    }
    result.rendered = rendered;
    text.rendered = rendered;
    const labels = [...new Set([...config.labels, ...environment.labels])];
    const reviewers = async () =>
      environment.reviewers.users.length + environment.reviewers.teams.length === 0
        ? environment.reviewers
        : reviewersBeyondCodeOwners(
            environment.reviewers,
            await readCodeOwners(git, main),
            target.path,
            deps.owner,
          );
    pull = await openOrRefresh(deps, branch, defaultBranch, text, { labels, reviewers }, pull);
    if (replaced) {
      await deps.pulls().comment(pull.number, refreshComment(text, replaced.version, replaced.approvers));
      log.info(`#${pull.number} now proposes ${plan.target.tag}, replacing ${replaced.version}`);
    }
    if (!environment.mergeWithoutReview) {
      log.info(`Pull request #${pull.number} waits for review: ${pull.url}`);
      return { ...result, changed: true, merged: false, autoMerge: false, pullRequest: pull };
    }

    const outcome = await deps
      .pulls()
      .merge(pull.number, commit, config.mergeMethod, promotionTitle(text), commitMessage(text));
    if (outcome.status === 'merged') {
      log.info(`Merged #${pull.number} into ${defaultBranch} (${outcome.sha})`);
      return {
        ...result,
        changed: true,
        merged: true,
        autoMerge: false,
        pullRequest: { ...pull, merged: true },
      };
    }
    const mainMoved = (await git.remoteBranchHead(defaultBranch)) !== main;
    if (outcome.status === 'not-mergeable' && !mainMoved) {
      const auto = await deps.pulls().enableAutoMerge(pull, config.mergeMethod);
      if (auto.enabled) {
        log.info(`Auto-merge enabled on #${pull.number}: GitHub merges it when its required checks pass`);
        return { ...result, changed: true, merged: false, autoMerge: true, pullRequest: pull };
      }
      // "clean status": GitHub finished computing mergeability in between, so merging again can work.
      if (!/clean status/i.test(auto.message) || attempt >= MAX_ATTEMPTS) {
        throw new UserError(
          `Could not merge #${pull.number} (${pull.url}) into ${defaultBranch}: GitHub answered "${outcome.message}", and auto-merge could not be enabled ("${auto.message}"). Check the branch protection of ${defaultBranch} and "Allow auto-merge" in the repository settings.`,
        );
      }
    } else if (attempt >= MAX_ATTEMPTS) {
      throw new UserError(
        `Could not merge #${pull.number} after ${MAX_ATTEMPTS} attempts: ${defaultBranch} kept moving (last answer: "${outcome.message}")`,
      );
    }
    log.info(
      `Merge of #${pull.number} answered "${outcome.message}"${mainMoved ? `; ${defaultBranch} moved` : ''}: rebuilding ${branch} and retrying (attempt ${attempt + 1} of ${MAX_ATTEMPTS})`,
    );
    if (!mainMoved) await sleep(attempt * 1000);
  }
}

function nextOf(config: PromotionConfig, environment: Environment): { next?: Environment } {
  const next = nextEnvironment(config, environment.name);
  return next ? { next } : {};
}

async function findPrevious(
  git: Git,
  deps: Deps,
  main: string,
  source: Environment,
  service: Service,
): Promise<PreviousPromotion> {
  const history = await git.log(main, source.overlay, 30);
  const number =
    promotionPullFromHistory(history, service.name, source.name) ??
    (await deps.pulls().findLatestMerged(promotionBranch(service.name, source.name), deps.defaultBranch))
      ?.number;
  return number === undefined ? { environment: source.name } : { environment: source.name, number };
}

/**
 * One commit on top of main with the edited file, pushed with a lease on the branch head the
 * attempt saw; reuses the branch's commit when it already holds exactly that.
 */
async function buildBranch(
  git: Git,
  at: { main: string; branch: string; head: string | undefined },
  target: { path: string },
  content: string,
  message: string,
): Promise<string> {
  const { main, branch, head } = at;
  const tree = await git.treeWithFile(main, target.path, content);
  if (head) {
    await git.fetchBranch(branch);
    const [parents, remoteTree] = await Promise.all([git.parentsOf(head), git.treeOf(head)]);
    if (remoteTree === tree && parents.length === 1 && parents[0] === main) return head;
  }
  const commit = await git.commitTree(tree, main, message, ACTIONS_BOT);
  await git.pushWithLease(commit, branch, head);
  return commit;
}

async function openOrRefresh(
  deps: Deps,
  branch: string,
  base: string,
  text: PromotionText,
  routing: { labels: string[]; reviewers: () => Promise<Reviewers> },
  /** The open PR of the branch, looked up before the push; undefined when none was open. */
  found: PullRequest | undefined,
): Promise<PullRequest> {
  const pulls = deps.pulls();
  const title = promotionTitle(text);
  const body = promotionBody(text);
  const opened = found
    ? { pull: found, created: false }
    : await pulls.createOrFindOpen(branch, base, title, body);
  if (!opened.created) {
    const open = opened.pull;
    if (open.title === title && open.body === body) return open;
    deps.log.info(`Updating pull request #${open.number}`);
    return pulls.update(open.number, title, body);
  }
  const created = opened.pull;
  deps.log.info(`Opened pull request #${created.number}: ${created.url}`);
  // Labels and reviewers help routing; a missing team must not undo a promotion that is already open.
  const { labels } = routing;
  const { users, teams } = await routing.reviewers();
  await Promise.all([
    labels.length > 0 &&
      pulls
        .addLabels(created.number, labels)
        .catch((error: Error) =>
          deps.log.warning(
            `Could not add labels ${labels.join(', ')} to #${created.number}: ${error.message}`,
          ),
        ),
    users.length + teams.length > 0 &&
      pulls
        .requestReviewers(created.number, users, teams)
        .catch((error: Error) =>
          deps.log.warning(
            `Could not request reviewers (${[...users, ...teams.map((t) => `team ${t}`)].join(', ')}) on #${created.number}: ${error.message}`,
          ),
        ),
  ]);
  return created;
}
