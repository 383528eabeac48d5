import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, open, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** The shim that stands in for kubectl; see the comment at its top for what it answers. */
export const SHIM_PATH = fileURLToPath(new URL('./bin/kubectl', import.meta.url));

/** Text in the shim's first bytes that tells it apart from a real kubectl. */
const SHIM_MARKER = 'recording-kubectl-shim';

export interface RecordingKubectlOptions {
  /**
   * Workloads whose `rollout status` fails, as `kind/name` (e.g. `deployment/orders`, in any namespace) or
   * `namespace/kind/name` (e.g. `shop-uat/deployment/orders`), or `'*'` for all.
   */
  failRollout?: string[] | '*';
  /** When set, every `apply` prints this on stderr and exits 1. */
  failApply?: string;
  /** The real kubectl for `kustomize` and `version`; found on the current PATH when not given. */
  realKubectl?: string;
}

/** One recorded kubectl call (kustomize and version calls run the real kubectl and are not recorded). */
export interface KubectlCall {
  argv: string[];
  /** Everything the call read from stdin; only read when it was given `-f -`. */
  stdin: string;
  /** The YAML documents on stdin, parsed (empty documents left out). */
  documents: unknown[];
  /** KUBECONFIG as the call saw it (absent when unset). */
  env: { KUBECONFIG?: string };
}

export interface RecordingKubectl {
  /** A temporary folder holding only `kubectl` (a link to the shim). */
  binDir: string;
  /**
   * Variables to lay over the environment of whatever runs kubectl: PATH with binDir first, and
   * the RECORDING_KUBECTL_* settings (the FAIL_* ones empty when not asked for, so a value
   * inherited from the parent cannot leak in).
   */
  env: Record<string, string>;
  /** The JSON-lines file the shim appends to. */
  logFile: string;
  /** The real kubectl that `kustomize` and `version` go to, or undefined when none was found. */
  realKubectl: string | undefined;
  /** The calls recorded so far, in order. */
  calls(): Promise<KubectlCall[]>;
  /** Removes the temporary folder. */
  dispose(): Promise<void>;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function isShim(file: string): Promise<boolean> {
  try {
    const handle = await open(file, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(512), 0, 512, 0);
      return buffer.subarray(0, bytesRead).toString('latin1').includes(SHIM_MARKER);
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}

/** The first `kubectl` on `path` that is executable and is not a copy or link of the shim. */
export async function findRealKubectl(path = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'kubectl');
    if ((await isExecutable(candidate)) && !(await isShim(candidate))) return candidate;
  }
  return undefined;
}

interface LogLine {
  argv: string[];
  stdin: string;
  env?: { KUBECONFIG?: string };
}

function parseDocuments(text: string): unknown[] {
  if (!text.trim()) return [];
  return parseAllDocuments(text)
    .map((document) => document.toJS() as unknown)
    .filter((value) => value !== null && value !== undefined);
}

/**
 * Puts a recording kubectl in a fresh temporary bin folder. Run the code under test with
 * `{ ...process.env, ...recorder.env }`: it then finds the shim first on PATH, as a runner would
 * find kubectl, while `kubectl kustomize` still renders with the real one.
 */
export async function createRecordingKubectl(
  options: RecordingKubectlOptions = {},
): Promise<RecordingKubectl> {
  if (!(await isExecutable(SHIM_PATH)))
    throw new Error(`${SHIM_PATH} is missing or not executable (chmod +x it; git keeps the bit)`);
  // Looked up before PATH changes, so the shim never finds itself.
  const realKubectl = options.realKubectl ?? (await findRealKubectl());
  const root = await mkdtemp(join(tmpdir(), 'recording-kubectl-'));
  const binDir = join(root, 'bin');
  const logFile = join(root, 'calls.jsonl');
  await mkdir(binDir);
  // A link, not a copy: node runs the script from its real path, so `yaml` resolves from the
  // repository's node_modules and the script's own package.json ("type": "module") applies.
  await symlink(SHIM_PATH, join(binDir, 'kubectl'));
  await writeFile(logFile, '');

  const failRollout = options.failRollout === '*' ? '*' : (options.failRollout ?? []).join(',');
  const env: Record<string, string> = {
    PATH: [binDir, process.env.PATH ?? ''].filter(Boolean).join(delimiter),
    RECORDING_KUBECTL_LOG: logFile,
    RECORDING_KUBECTL_REAL: realKubectl ?? '',
    RECORDING_KUBECTL_FAIL_ROLLOUT: failRollout,
    RECORDING_KUBECTL_FAIL_APPLY: options.failApply ?? '',
  };

  return {
    binDir,
    env,
    logFile,
    realKubectl,
    async calls() {
      const text = await readFile(logFile, 'utf8');
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          const entry = JSON.parse(line) as LogLine;
          return {
            argv: entry.argv,
            stdin: entry.stdin,
            documents: parseDocuments(entry.stdin),
            env: entry.env ?? {},
          };
        });
    },
    async dispose() {
      await rm(root, { recursive: true, force: true });
    },
  };
}
