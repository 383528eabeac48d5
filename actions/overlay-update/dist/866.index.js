export const id = 866;
export const ids = [866,652];
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


/***/ }),

/***/ 3866:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  renderPromotion: () => (/* binding */ renderPromotion)
});

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
;// CONCATENATED MODULE: ./src/core/manifests.ts

/** Kinds whose rollout `kubectl rollout status` can wait for. */
const WORKLOAD_KINDS = (/* unused pure expression or super */ null && (['Deployment', 'StatefulSet', 'DaemonSet']));
function parseManifests(text) {
    return parseAllDocuments(text)
        .map((doc) => {
        if (doc.errors[0])
            throw new Error(`kustomize printed invalid YAML: ${doc.errors[0].message}`);
        return doc.toJS();
    })
        .filter((doc) => doc !== null && typeof doc === 'object' && typeof doc.kind === 'string');
}
function serializeManifests(manifests) {
    return manifests.map((manifest) => stringify(manifest)).join('---\n');
}
/** Every container image a manifest runs (pod templates, cron jobs, bare pods). */
function imagesOf(manifest) {
    const images = [];
    const visit = (value, key) => {
        if (Array.isArray(value)) {
            if (key === 'containers' || key === 'initContainers' || key === 'ephemeralContainers') {
                for (const container of value) {
                    const image = container?.image;
                    if (typeof image === 'string')
                        images.push(image);
                }
            }
            value.forEach((item) => visit(item));
        }
        else if (value && typeof value === 'object') {
            for (const [childKey, child] of Object.entries(value))
                visit(child, childKey);
        }
    };
    visit(manifest.spec);
    return images;
}
/** The repository part of an image reference: `ghcr.io/acme/orders:1.2.3@sha256:…` → `ghcr.io/acme/orders`. */
function imageRepository(reference) {
    const withoutDigest = reference.split('@')[0];
    const lastSlash = withoutDigest.lastIndexOf('/');
    const colon = withoutDigest.indexOf(':', lastSlash + 1);
    return colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
}
function belongsTo(manifest, service) {
    if (manifest.metadata?.labels?.['app.kubernetes.io/name'] === service.name)
        return true;
    return imagesOf(manifest).some((image) => {
        const repository = imageRepository(image);
        return repository === service.image || repository === service.kustomizeImage;
    });
}
/**
 * The documents one service's deploy applies: its own (by the standard name
 * label or by its image) and the shared ones no service owns (the namespace,
 * for example). Other services' documents are left alone, so deploying an
 * older merge of one service never rolls back another.
 */
function selectForService(manifests, config, service) {
    return manifests.filter((manifest) => belongsTo(manifest, service) || !config.services.some((other) => belongsTo(manifest, other)));
}
function workloadsOf(manifests) {
    return manifests
        .filter((manifest) => WORKLOAD_KINDS.includes(manifest.kind))
        .map((manifest) => ({
        kind: manifest.kind,
        name: manifest.metadata.name,
        ...(manifest.metadata.namespace ? { namespace: manifest.metadata.namespace } : {}),
    }));
}

;// CONCATENATED MODULE: ./src/core/markdown.ts
/** A code fence longer than any run of backticks in the content, so nothing inside can close it. */
function fenceFor(content) {
    const longest = Math.max(0, ...[...content.matchAll(/`+/g)].map((match) => match[0].length));
    return '`'.repeat(Math.max(3, longest + 1));
}

;// CONCATENATED MODULE: ./src/core/rendered-diff.ts



/** A Secret's values never reach a pull request or a summary. */
const MASKED = '<masked>';
/**
 * The mask of a value that differs from the default branch's. Saying that a
 * value changed reveals nothing the kustomization diff does not, and a reviewer
 * should notice a promotion that also changes a secret; a hash or a length would
 * help guess the value, so neither is shown.
 */
const MASKED_CHANGED = '<masked, changed>';
const SECRET_FIELDS = ['data', 'stringData'];
/** Kubernetes copies a whole applied object here, values included. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const CONTEXT_LINES = 3;
/** Past this many differing lines a resource's middle is shown as removed then added, keeping the diff linear. */
const MAX_EDIT_DISTANCE = 4000;
const MAX_ERROR_LINES = 20;
const MAX_ERROR_CHARS = 2000;
const NAMED_RESOURCES = 5;
const encoder = new TextEncoder();
const size = (text) => encoder.encode(text).length;
const count = (n) => n.toLocaleString('en-US');
const plural = (n, word) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;
/** Compares the two renders resource by resource; a failed render becomes a warning section instead of a diff. */
function renderedDiff(input) {
    if ('error' in input.after || 'error' in input.before)
        return failure(input);
    let before;
    let after;
    try {
        before = readResources(input.before.manifests);
        after = readResources(input.after.manifests);
    }
    catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return failure({
            ...input,
            after: { error: `kustomize printed YAML that could not be read: ${message}` },
        });
    }
    maskSecrets(before, after);
    const diffs = diffResources(before, after);
    const command = `\`${input.renderer} ${input.overlay}\``;
    if (diffs.length === 0) {
        const section = [
            '### Rendered manifests',
            '',
            '> [!WARNING]',
            `> ${command} renders the same ${plural(after.size, 'resource')} before and after this change: no container in \`${input.overlay}\` uses \`${input.image}\`, so merging deploys nothing new.`,
            '',
        ].join('\n');
        return { appendTo: (head, limit) => fitWhole(head, section, limit) };
    }
    const total = new Set([...before.keys(), ...after.keys()]).size;
    return { appendTo: (head, limit, cut) => fitDiff(head, limit, cut, command, diffs, total) };
}
function failure(input) {
    const failed = 'error' in input.after ? input.after : input.before;
    const onMain = !('error' in input.after);
    const where = onMain ? 'on the default branch (before this change)' : 'with this change';
    const consequence = onMain
        ? 'With this change it renders, so there is nothing to compare it with.'
        : 'The deploy renders the same overlay and will fail on the same error until the overlay is fixed.';
    const error = trimError(failed.error);
    const fence = fenceFor(error);
    const section = [
        '### Rendered manifests',
        '',
        '> [!WARNING]',
        `> The rendered diff could not be produced: kustomize fails to render \`${input.overlay}\` ${where}. ${consequence}`,
        '>',
        `> ${fence}text`,
        ...error.split('\n').map((line) => `> ${line}`.trimEnd()),
        `> ${fence}`,
        '',
    ].join('\n');
    return {
        warning: `The rendered diff of ${input.overlay} could not be produced: kustomize fails ${where}: ${error.split('\n')[0].trim()}`,
        appendTo: (head, limit) => fitWhole(head, section, limit),
    };
}
/** kubectl logs through klog: `E1126 09:48:43.716834   10667 run.go:72] "command failed" err="…"`. */
const KLOG_LINE = /^[IWEF]\d{4} [\d:.]+\s+\d+ [^\]]+\] (?:"command failed" err=(".*")|(.*))$/;
/** The error without klog's time and process id, which would make the body differ on every run. */
function plainError(line) {
    const match = KLOG_LINE.exec(line);
    if (!match)
        return line;
    try {
        return match[1] ? JSON.parse(match[1]) : match[2];
    }
    catch {
        return match[1];
    }
}
function trimError(error) {
    let text = error.trim().split('\n').map(plainError).join('\n') || '(kustomize printed no error message)';
    const lines = text.split('\n');
    if (lines.length > MAX_ERROR_LINES)
        text = [...lines.slice(0, MAX_ERROR_LINES), '…'].join('\n');
    if (text.length > MAX_ERROR_CHARS)
        text = `${text.slice(0, MAX_ERROR_CHARS)}…`;
    return text;
}
function fitWhole(head, section, limit) {
    const whole = `${head}\n${section}`;
    return size(whole) <= limit ? whole : head;
}
function readResources(manifests) {
    const resources = new Map();
    for (const document of (0,dist/* parseAllDocuments */.hR)(manifests)) {
        if (document.errors[0])
            throw new Error(document.errors[0].message);
        const manifest = document.toJS();
        if (!manifest || typeof manifest !== 'object' || typeof manifest.kind !== 'string')
            continue;
        const range = document.range;
        const text = manifests.slice(range[0], range[2]).replace(/^---[^\n]*\n/, '');
        const name = String(manifest.metadata?.name ?? '');
        const namespace = manifest.metadata?.namespace ? String(manifest.metadata.namespace) : '';
        const group = String(manifest.apiVersion ?? '').includes('/') ? manifest.apiVersion.split('/')[0] : '';
        const label = [manifest.kind, namespace, name].filter(Boolean).join('/');
        let key = [group, manifest.kind, namespace, name].join('\u0000');
        // kustomize refuses duplicates; should one appear anyway, both stay visible.
        for (let n = 2; resources.has(key); n++)
            key = `${key}\u0000${n}`;
        resources.set(key, {
            key,
            label,
            order: [manifest.kind, namespace, name, group],
            text,
            manifest,
            document,
        });
    }
    return resources;
}
function maskSecrets(before, after) {
    for (const resource of before.values())
        mask(resource);
    for (const resource of after.values())
        mask(resource, before.get(resource.key)?.manifest);
}
/** Replaces every value of a Secret with a mask, marking the values that differ from `previous`. */
function mask(resource, previous) {
    const { manifest, document } = resource;
    if (manifest.kind !== 'Secret' || manifest.apiVersion !== 'v1')
        return;
    for (const field of SECRET_FIELDS) {
        const node = document.get(field, true);
        if (!(0,dist/* isMap */.jh)(node))
            continue;
        const values = (manifest[field] ?? {});
        const old = previous?.[field];
        for (const pair of node.items) {
            const key = String((0,dist/* isScalar */.jn)(pair.key) ? pair.key.value : pair.key);
            const changed = old !== undefined && key in old && old[key] !== values[key];
            pair.value = document.createNode(changed ? MASKED_CHANGED : MASKED);
        }
    }
    if (document.hasIn(['metadata', 'annotations', LAST_APPLIED]))
        document.setIn(['metadata', 'annotations', LAST_APPLIED], MASKED);
    resource.text = document.toString({ lineWidth: 0, indentSeq: false }).replace(/^---[^\n]*\n/, '');
}
function compareOrder(a, b) {
    for (let i = 0; i < a.order.length; i++) {
        const byPart = a.order[i].localeCompare(b.order[i], 'en', { numeric: true });
        if (byPart !== 0)
            return byPart;
    }
    return 0;
}
/** One unified diff per resource that differs; those whose container images change come first. */
function diffResources(before, after) {
    const keys = [...new Set([...before.keys(), ...after.keys()])];
    const changed = keys
        .map((key) => ({ old: before.get(key), new: after.get(key) }))
        .filter((pair) => pair.old?.text !== pair.new?.text)
        .map((pair) => {
        const images = (resource) => (resource ? imagesOf(resource.manifest).join('\n') : '');
        return { ...pair, any: (pair.new ?? pair.old), imageChanged: images(pair.old) !== images(pair.new) };
    });
    changed.sort((a, b) => Number(b.imageChanged) - Number(a.imageChanged) || compareOrder(a.any, b.any));
    return changed.map(({ old, new: current, any }) => ({
        label: any.label,
        lines: [
            old ? `--- a/${any.label}` : '--- /dev/null',
            current ? `+++ b/${any.label}` : '+++ /dev/null',
            ...unifiedHunks(linesOf(old?.text), linesOf(current?.text)),
        ],
    }));
}
function linesOf(text) {
    if (!text)
        return [];
    const lines = text.split('\n');
    if (lines.at(-1) === '')
        lines.pop();
    return lines;
}
/** The hunks of a unified diff with three lines of context, as `diff -u` and git print them. */
function unifiedHunks(a, b) {
    const ops = editScript(a, b);
    const output = [];
    const changes = ops.flatMap((op, index) => (op[0] === ' ' ? [] : [index]));
    // Line numbers before each op, in a and in b.
    const atA = [];
    const atB = [];
    let lineA = 0;
    let lineB = 0;
    for (const op of ops) {
        atA.push(lineA);
        atB.push(lineB);
        if (op[0] !== '+')
            lineA++;
        if (op[0] !== '-')
            lineB++;
    }
    for (let i = 0; i < changes.length;) {
        let j = i;
        while (j + 1 < changes.length && changes[j + 1] - changes[j] - 1 <= 2 * CONTEXT_LINES)
            j++;
        const start = Math.max(0, changes[i] - CONTEXT_LINES);
        const end = Math.min(ops.length, changes[j] + CONTEXT_LINES + 1);
        const hunk = ops.slice(start, end);
        const lengthA = hunk.filter((op) => op[0] !== '+').length;
        const lengthB = hunk.filter((op) => op[0] !== '-').length;
        output.push(`@@ -${range(atA[start], lengthA)} +${range(atB[start], lengthB)} @@`, ...hunk.map(([kind, line]) => `${kind}${line}`));
        i = j + 1;
    }
    return output;
}
/** `start,length` with a 1-based start; an empty range names the line before it, as `diff -u` does. */
function range(before, length) {
    if (length === 0)
        return `${before},0`;
    return length === 1 ? `${before + 1}` : `${before + 1},${length}`;
}
/** A shortest edit script (Myers' O(ND) algorithm) after trimming the common ends. */
function editScript(a, b) {
    let head = 0;
    while (head < a.length && head < b.length && a[head] === b[head])
        head++;
    let tail = 0;
    while (tail < a.length - head &&
        tail < b.length - head &&
        a[a.length - 1 - tail] === b[b.length - 1 - tail])
        tail++;
    const same = (lines) => lines.map((line) => [' ', line]);
    return [
        ...same(a.slice(0, head)),
        ...middle(a.slice(head, a.length - tail), b.slice(head, b.length - tail)),
        ...same(a.slice(a.length - tail)),
    ];
}
function middle(a, b) {
    const replace = () => [
        ...a.map((line) => ['-', line]),
        ...b.map((line) => ['+', line]),
    ];
    const n = a.length;
    const m = b.length;
    if (n === 0 || m === 0)
        return replace();
    const limit = Math.min(n + m, MAX_EDIT_DISTANCE);
    const offset = limit + 1;
    const v = new Int32Array(2 * limit + 3);
    const trace = [];
    for (let d = 0; d <= limit; d++) {
        trace.push(v.slice());
        for (let k = -d; k <= d; k += 2) {
            let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])
                ? v[offset + k + 1]
                : v[offset + k - 1] + 1;
            let y = x - k;
            while (x < n && y < m && a[x] === b[y]) {
                x++;
                y++;
            }
            v[offset + k] = x;
            if (x >= n && y >= m)
                return backtrack(trace, offset, a, b);
        }
    }
    return replace();
}
function backtrack(trace, offset, a, b) {
    const ops = [];
    let x = a.length;
    let y = b.length;
    for (let d = trace.length - 1; d > 0; d--) {
        const v = trace[d];
        const k = x - y;
        const down = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]);
        const previousK = down ? k + 1 : k - 1;
        const previousX = v[offset + previousK];
        const previousY = previousX - previousK;
        while (x > previousX && y > previousY) {
            ops.push([' ', a[--x]]);
            y--;
        }
        if (down)
            ops.push(['+', b[--y]]);
        else
            ops.push(['-', a[--x]]);
    }
    while (x > 0 && y > 0) {
        ops.push([' ', a[--x]]);
        y--;
    }
    return ops.reverse();
}
function fitDiff(head, limit, cut, command, diffs, total) {
    const lines = diffs.flatMap((diff) => diff.lines);
    const owner = diffs.flatMap((diff, index) => diff.lines.map(() => index));
    const fence = fenceFor(lines.join('\n'));
    const named = diffs.slice(0, NAMED_RESOURCES).map((diff) => `\`${diff.label}\``);
    const more = diffs.length - named.length;
    const intro = `${command}, before and after this change: ${count(diffs.length)} of ${plural(total, 'resource')} ${diffs.length === 1 ? 'differs' : 'differ'} (${named.join(', ')}${more > 0 ? ` and ${count(more)} more` : ''}).`;
    const section = (shown) => {
        const out = [head, '### Rendered manifests', '', intro, ''];
        if (shown > 0)
            out.push(`${fence}diff`, ...lines.slice(0, shown), fence, '');
        if (shown < lines.length)
            out.push(...note(shown), '');
        return out.join('\n');
    };
    const note = (shown) => {
        const first = shown === 0 ? 0 : owner[shown - 1];
        const partial = shown > 0 && owner[shown] === first;
        const untouched = diffs.length - first - (shown > 0 ? 1 : 0);
        const left = [
            ...(partial ? [`the end of \`${diffs[first].label}\``] : []),
            ...(untouched > 0 ? [`${plural(untouched, 'more resource')}`] : []),
        ];
        return [
            '> [!NOTE]',
            `> The diff is cut ${shown === 0 ? 'out' : `after line ${count(shown)}`}: ${count(lines.length - shown)} of ${count(lines.length)} lines are not shown (${left.join(' and ')}). ${cut}`,
        ];
    };
    if (size(section(lines.length)) <= limit)
        return section(lines.length);
    // Greedy first, then step back while the note (whose numbers grow with the cut) does not fit.
    let room = limit - size(section(0)) - size(`${fence}diff\n${fence}\n\n`);
    let shown = 0;
    while (shown < lines.length && room - size(lines[shown]) - 1 >= 0)
        room -= size(lines[shown++]) + 1;
    while (shown > 0 && size(section(shown)) > limit)
        shown--;
    // Never stop on a resource's header: a cut resource shows at least its first hunk line.
    while (shown > 0 && owner[shown - 1] === owner[shown] && isHeader(lines, owner, shown))
        shown--;
    return size(section(shown)) <= limit ? section(shown) : head;
}
/** True while the first `shown` lines of a resource end in its `---`/`+++`/`@@` header lines. */
function isHeader(lines, owner, shown) {
    let start = shown - 1;
    while (start > 0 && owner[start - 1] === owner[shown - 1])
        start--;
    return shown - start <= 3 && lines.slice(start, shown).every((line, i) => i < 2 || line.startsWith('@@'));
}

// EXTERNAL MODULE: ./src/adapters/kubernetes.ts + 1 modules
var kubernetes = __webpack_require__(2652);
;// CONCATENATED MODULE: ./src/app/render-promotion.ts





/**
 * Renders the overlay as the default branch has it and with the promotion's
 * edit, in a temporary checkout of `commit` (the user's checkout is left alone),
 * and diffs the two. A render that fails is part of the result, not an error:
 * the promotion goes ahead and its pull request says why there is no diff.
 */
async function renderPromotion(git, commit, edit, render) {
    const folder = await (0,promises_.mkdtemp)((0,external_node_path_.join)((0,external_node_os_.tmpdir)(), 'overlay-update-'));
    const tree = (0,external_node_path_.join)(folder, 'tree');
    let renderer = 'kustomize';
    // kustomize names files by absolute path: shown relative to the repository, the error is the same on every run.
    const roots = [tree, (0,external_node_path_.join)(await (0,promises_.realpath)(folder), 'tree')].map((root) => `${root}/`);
    const attempt = async () => {
        try {
            const rendered = await render((0,external_node_path_.join)(tree, edit.overlay));
            renderer = rendered.renderer;
            return { manifests: rendered.manifests };
        }
        catch (error) {
            const message = error instanceof kubernetes.CommandError ? error.stderr : error instanceof Error ? error.message : String(error);
            return { error: roots.reduce((text, root) => text.replaceAll(root, ''), message) };
        }
    };
    try {
        await git.addWorktree(commit, tree);
        const before = await attempt();
        await (0,promises_.writeFile)((0,external_node_path_.join)(tree, edit.path), edit.content);
        const after = await attempt();
        return renderedDiff({ overlay: edit.overlay, renderer, image: edit.image, before, after });
    }
    finally {
        await git.removeWorktree(tree);
        await (0,promises_.rm)(folder, { recursive: true, force: true });
    }
}


/***/ })

};
