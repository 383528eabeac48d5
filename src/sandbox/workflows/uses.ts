// Where a `uses:` points, resolved as GitHub resolves it, across the repositories the stand-in
// hosts (../hosted-repositories.ts):
//
// - `./path` (a step): the job's workspace, whatever was checked out there. Inside a reusable
//   workflow called from another repository that is the caller's checkout, never the called
//   workflow's repository (docs "Reusing workflows"; "Finding and customizing actions": "The path
//   is relative (./) to the default working directory (github.workspace)"). steps.ts reads it there.
// - `./path` (`jobs.<id>.uses`): the run's repository at the run's commit ("reusable workflows that
//   are in the same repository as the calling repository ... will be from the same commit as the
//   caller workflow", changelog 2022-01-25); a nested call in a workflow from another repository
//   still resolves in the run's repository ("a reusable workflow runs in the context of the
//   repository from which it's called", community discussion 48693).
// - `$/path` (steps and `jobs.<id>.uses`): the repository of the file that holds it, at the commit
//   that is running, with no checkout ("Reference same-repository actions with self-repository
//   syntax", changelog 2026-07-30; github.com and runner 2.336+ only; on GHES use owner/repo/x@ref).
//   For a called workflow that is its own repository at the ref it was called at.
// - `owner/repo/path@ref` (and `owner/repo@ref`): that hosted repository at the ref: a full commit
//   SHA, a tag or a branch (docs "Workflow syntax": `jobs.<job_id>.steps[*].uses`,
//   `jobs.<job_id>.uses`). Failures keep GitHub's messages: for a workflow, "error parsing called
//   workflow ... failed to fetch workflow: ..." (the run is an invalid workflow file); for an action,
//   the runner's "Unable to resolve action ..." at job set-up.
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { RepositoryHost } from '../hosted-repositories.js';

/** What a `uses:` string names. */
export type UsesTarget =
  | { kind: 'workspace'; path: string }
  | { kind: 'self'; path: string }
  | { kind: 'remote'; owner: string; repo: string; path: string; ref: string }
  | { kind: 'docker'; image: string }
  | { kind: 'invalid' };

export function parseUses(uses: string): UsesTarget {
  if (uses.startsWith('./')) return { kind: 'workspace', path: uses.slice(2) };
  if (uses.startsWith('$/')) return { kind: 'self', path: uses.slice(2) };
  if (uses.startsWith('docker://')) return { kind: 'docker', image: uses.slice('docker://'.length) };
  const at = uses.lastIndexOf('@');
  if (at < 0) return { kind: 'invalid' };
  const [owner, repo, ...path] = uses.slice(0, at).split('/');
  const ref = uses.slice(at + 1);
  if (!owner || !repo || !ref) return { kind: 'invalid' };
  return { kind: 'remote', owner, repo, path: path.join('/'), ref };
}

/** The repository and commit a workflow file was read from (what `$/` resolves against). */
export interface WorkflowSource {
  repository: string;
  sha: string;
}

/** A file in a hosted repository's tree at a commit, or where `./` of a called workflow points. */
export interface Located {
  /** The file (a workflow) or folder (an action). */
  path: string;
  /** The repository root it was found in. */
  root: string;
  source: WorkflowSource;
}

/** The parts of the run `jobs.<id>.uses` resolves against. */
export interface CallContext {
  host: RepositoryHost;
  /** Where `./` of `jobs.<id>.uses` points: the run's repository, as the run read it. */
  runRoot: string;
  runSource: WorkflowSource;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..');
}

/** `jobs.<id>.uses`: the called workflow file; throws GitHub's message when it cannot be fetched. */
export async function locateCalledWorkflow(
  context: CallContext,
  caller: { file: string; source: WorkflowSource },
  ref: string,
): Promise<Located> {
  const failed = (why: string): Error =>
    new Error(
      `error parsing called workflow "${caller.file}" -> "${ref}" : failed to fetch workflow: ${why}`,
    );
  const notFound = failed('workflow was not found.');
  const target = parseUses(ref);
  let located: Located;
  if (target.kind === 'workspace') {
    located = { path: join(context.runRoot, target.path), root: context.runRoot, source: context.runSource };
  } else if (target.kind === 'self') {
    const root = await context.host.tree(caller.source.repository, caller.source.sha);
    located = { path: join(root, target.path), root, source: caller.source };
  } else if (target.kind === 'remote') {
    const repository = `${target.owner}/${target.repo}`;
    const resolved = await context.host.resolveRef(repository, target.ref);
    if ('missing' in resolved) {
      if (resolved.missing === 'repository') throw notFound;
      throw failed('reference to workflow should be either a valid branch, tag, or commit');
    }
    const root = await context.host.tree(repository, resolved.sha);
    located = { path: join(root, target.path), root, source: { repository, sha: resolved.sha } };
  } else {
    throw notFound;
  }
  if (!inside(located.root, located.path) || !existsSync(located.path)) throw notFound;
  return located;
}

/**
 * A step's action that lives in a repository rather than in the workspace: `$/path`, or
 * `owner/repo[/path]@ref` of a repository the stand-in hosts (or of an owner it hosts, then with
 * "repository not found"). Undefined for `./`, docker and actions of owners the stand-in does not
 * host (marketplace actions: ./stand-ins.ts). Throws the runner's set-up message when it fails.
 */
export async function locateRepositoryAction(
  host: RepositoryHost,
  source: WorkflowSource,
  uses: string,
): Promise<Located | undefined> {
  const target = parseUses(uses);
  let located: Located;
  if (target.kind === 'self') {
    const root = await host.tree(source.repository, source.sha);
    located = { path: join(root, target.path), root, source };
  } else if (target.kind === 'remote' && host.hostsOwner(target.owner)) {
    const repository = `${target.owner}/${target.repo}`;
    const shown = `${repository}@${target.ref}`;
    const resolved = await host.resolveRef(repository, target.ref);
    if ('missing' in resolved) {
      if (resolved.missing === 'repository')
        throw new Error(`Unable to resolve action \`${shown}\`, repository not found`);
      if (resolved.missing === 'short-sha')
        throw new Error(
          `Unable to resolve action \`${shown}\`, the provided ref \`${target.ref}\` is the shortened version of a commit SHA, ` +
            `which is not supported. Please use the full commit SHA \`${resolved.sha}\` instead.`,
        );
      throw new Error(`Unable to resolve action \`${shown}\`, unable to find version \`${target.ref}\``);
    }
    const root = await host.tree(repository, resolved.sha);
    located = { path: join(root, target.path), root, source: { repository, sha: resolved.sha } };
  } else {
    return undefined;
  }
  const found =
    (located.path === located.root || inside(located.root, located.path)) &&
    ['action.yml', 'action.yaml'].some((name) => existsSync(join(located.path, name)));
  if (!found) throw new Error(`Can't find 'action.yml', 'action.yaml' or 'Dockerfile' for action '${uses}'.`);
  return located;
}
