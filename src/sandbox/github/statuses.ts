// Commit statuses (REST operation repos/create-commit-status): what CI reports on a commit. A
// required status check reads the latest one per context, so a new status can complete an
// auto-merge.
import { validationFailed } from './errors.js';
import { runAutoMerges } from './merges.js';
import { isoNow, nodeId } from './objects.js';
import type { StoreState } from './store-state.js';
import type { CommitStatusState, Identity } from './types.js';

export type NewCommitStatus = {
  state: CommitStatusState['state'];
  context?: string;
  description?: string | null;
  target_url?: string | null;
};

export async function createCommitStatus(
  store: StoreState,
  actor: Identity,
  sha: string,
  input: NewCommitStatus,
): Promise<CommitStatusState> {
  const commit = await store.git.resolveCommit(sha);
  if (!commit || !commit.startsWith(sha.toLowerCase())) {
    throw validationFailed([], `No commit found for SHA: ${sha}`);
  }
  const id = store.newId();
  const status: CommitStatusState = {
    id,
    nodeId: nodeId('SC', id),
    sha: commit,
    context: input.context ?? 'default',
    state: input.state,
    description: input.description ?? null,
    targetUrl: input.target_url ?? null,
    creator: actor,
    createdAt: isoNow(),
  };
  store.commitStatuses.push(status);
  await runAutoMerges(store);
  return status;
}
