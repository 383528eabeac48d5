export const id = 652;
export const ids = [652];
export const modules = {

/***/ 2652:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  CommandError: () => (/* binding */ CommandError),
  FIELD_MANAGER: () => (/* binding */ FIELD_MANAGER),
  applyManifests: () => (/* binding */ applyManifests),
  diffManifests: () => (/* binding */ diffManifests),
  renderOverlay: () => (/* binding */ renderOverlay),
  waitForRollout: () => (/* binding */ waitForRollout)
});

// EXTERNAL MODULE: ./node_modules/@actions/exec/lib/exec.js + 5 modules
var exec = __webpack_require__(2876);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./src/adapters/path.ts


/** The first of the programs found on PATH, as an absolute path; undefined when none is. */
async function findOnPath(programs) {
    for (const program of programs) {
        for (const folder of (process.env.PATH ?? '').split(external_node_path_.delimiter).filter(Boolean)) {
            const candidate = (0,external_node_path_.join)(folder, program);
            try {
                await (0,promises_.access)(candidate, promises_.constants.X_OK);
                return candidate;
            }
            catch {
                // not in this folder
            }
        }
    }
    return undefined;
}

;// CONCATENATED MODULE: ./src/adapters/kubernetes.ts


/** The field manager of every apply, so server-side apply knows which fields the suite owns. */
const FIELD_MANAGER = 'gitops-promotion';
class CommandError extends Error {
    command;
    exitCode;
    stderr;
    name = 'CommandError';
    constructor(command, exitCode, stderr) {
        super(`${command} failed (exit ${exitCode}): ${stderr.trim()}`);
        this.command = command;
        this.exitCode = exitCode;
        this.stderr = stderr;
    }
}
async function run(program, args, input, okExitCodes = [0]) {
    const result = await (0,exec/* getExecOutput */.H)(program, args, {
        silent: true,
        ignoreReturnCode: true,
        ...(input !== undefined ? { input: Buffer.from(input) } : {}),
    });
    if (!okExitCodes.includes(result.exitCode)) {
        throw new CommandError(`${program} ${args.join(' ')}`, result.exitCode, result.stderr || result.stdout);
    }
    return result.stdout;
}
/** Renders an overlay: a standalone `kustomize` when the runner has one, else the one built into kubectl. */
async function renderOverlay(dir) {
    const kustomize = await findOnPath(['kustomize']);
    if (kustomize)
        return { manifests: await run(kustomize, ['build', dir]), renderer: 'kustomize build' };
    const kubectl = await findOnPath(['kubectl']);
    if (!kubectl)
        throw new CommandError('kustomize', 127, 'neither kustomize nor kubectl is on PATH: install one of them on the runner');
    return { manifests: await run(kubectl, ['kustomize', dir]), renderer: 'kubectl kustomize' };
}
/** Server-side apply of the given manifests; the kubeconfig comes from the environment (KUBECONFIG). */
async function applyManifests(manifests) {
    return run('kubectl', ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', '-'], manifests);
}
/** What an apply would change in the cluster, without changing it (`kubectl diff` exits 1 when there are differences). */
async function diffManifests(manifests) {
    return run('kubectl', ['diff', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', '-'], manifests, [0, 1]);
}
async function waitForRollout(workload, timeoutSeconds) {
    return run('kubectl', [
        'rollout',
        'status',
        `${workload.kind.toLowerCase()}/${workload.name}`,
        ...(workload.namespace ? ['--namespace', workload.namespace] : []),
        `--timeout=${timeoutSeconds}s`,
    ]);
}


/***/ })

};
