// `GET /repos/{owner}/{repo}/git/ref/{ref}` (REST operation git/get-ref): where a branch points
// now, read from the bare repository, as the suite asks for the default branch's head before it
// reads who may release and promote there. Only branches are served (`heads/<name>`); GitHub
// answers 404 for a ref that does not exist.
import { notFound } from './errors.js';
import type { Handler } from './handler.js';
import { idForLogin, nodeId, repoPath } from './objects.js';

const getRef: Handler = async (c) => {
  const ref = c.params['ref'] ?? '';
  const branch = ref.startsWith('heads/') ? ref.slice('heads/'.length) : undefined;
  const sha = branch === undefined ? undefined : await c.store.git.branchSha(branch);
  if (sha === undefined) throw notFound();
  const base = repoPath(c.store.ctx);
  return {
    status: 200,
    body: {
      ref: `refs/${ref}`,
      node_id: nodeId('REF', idForLogin(`ref:${ref}`)),
      url: `${base}/git/refs/${ref}`,
      object: { type: 'commit', sha, url: `${base}/git/commits/${sha}` },
    },
  };
};

export const refHandlers: Record<string, Handler> = { 'git/get-ref': getRef };
