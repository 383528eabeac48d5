// The Deployment controller's part of a rollout, as
// https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#deployment-status describes
// it and `kubectl rollout status` reads it: once the controller sees a new generation it writes
// status.observedGeneration, the new ReplicaSet's replicas as updatedReplicas (the old pods still
// counted in replicas and availableReplicas) and the condition Progressing (reason
// ReplicaSetUpdated); when the new pods are available, the old ones go, availableReplicas is the
// new count, Available=True, and Progressing reason NewReplicaSetAvailable. A rollout asked to fail never gets
// its pods available and, once its progress deadline passes, gets Progressing=False with reason
// ProgressDeadlineExceeded (kubectl then says "exceeded its progress deadline"); a stalled one
// stays waiting, so `rollout status --timeout` times out. No pods run: time is compressed, the
// deadline (progressDeadlineSeconds, 600 s by default) passes after `deadlineMs`.
// The controller writes the status subresource as the manager kube-controller-manager (Update).
import { createHash } from 'node:crypto';
import type { ResourceType } from './discovery.js';
import { fieldSet, isObject, type Obj } from './fields.js';
import { ref } from './schemas.js';
import { metadataOf, type ObjectStore } from './store.js';

export type RolloutOutcome = 'succeed' | 'fail' | 'stall';

export interface RolloutTiming {
  /** From a new generation to the controller observing it. */
  observeMs: number;
  /** From observing to the new pods being available (or the deadline passing, for a failing rollout). */
  deadlineMs: number;
}

export const DEFAULT_TIMING: RolloutTiming = { observeMs: 20, deadlineMs: 150 };

export class DeploymentController {
  /** Outcomes asked for, by `namespace/name`, in order: each rollout takes one from the first. */
  private readonly asked = new Map<string, { outcome: RolloutOutcome; remaining: number }[]>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly store: ObjectStore,
    private readonly timing: RolloutTiming = DEFAULT_TIMING,
  ) {}

  /** The next `times` rollouts of the Deployment end so (every following one when times is Infinity). */
  ask(namespace: string, name: string, outcome: RolloutOutcome, times: number): void {
    const key = `${namespace}/${name}`;
    this.asked.set(key, [...(this.asked.get(key) ?? []), { outcome, remaining: times }]);
  }

  private outcomeFor(namespace: string, name: string): RolloutOutcome {
    const queue = this.asked.get(`${namespace}/${name}`) ?? [];
    const first = queue[0];
    if (!first) return 'succeed';
    if (--first.remaining <= 0) queue.shift();
    return first.outcome;
  }

  /** Called after each write: a Deployment whose generation the controller has not seen starts a rollout. */
  observe(type: ResourceType, object: Obj): void {
    if (type.kind !== 'Deployment') return;
    const metadata = metadataOf(object);
    const status = isObject(object['status']) ? object['status'] : {};
    if (status['observedGeneration'] === metadata['generation']) return;
    const namespace = String(metadata['namespace']);
    const name = String(metadata['name']);
    const generation = Number(metadata['generation']);
    const outcome = this.outcomeFor(namespace, name);
    this.after(this.timing.observeMs, () => {
      this.writeStatus(type, namespace, name, generation, (deployment, replicas, replicaSet) => {
        const previous = isObject(deployment['status']) ? deployment['status'] : {};
        // The new ReplicaSet is scaled up, its pods not ready yet; the old pods still serve until
        // the new ones are available (kubectl: "old replicas are pending termination").
        const old = Number(previous['availableReplicas'] ?? 0);
        const now = timestamp();
        return {
          observedGeneration: generation,
          replicas: replicas + old,
          updatedReplicas: replicas,
          readyReplicas: old,
          availableReplicas: old,
          unavailableReplicas: Math.max(replicas - old, 0),
          conditions: [
            condition('Available', old >= minAvailable(deployment, replicas), now, previous),
            {
              type: 'Progressing',
              status: 'True',
              lastUpdateTime: now,
              lastTransitionTime: now,
              reason: 'ReplicaSetUpdated',
              message: `ReplicaSet "${replicaSet}" is progressing.`,
            },
          ],
        };
      });
      if (outcome === 'stall') return;
      this.after(this.timing.deadlineMs, () =>
        this.writeStatus(type, namespace, name, generation, (deployment, replicas, replicaSet) => {
          const status = deployment['status'] as Obj;
          const now = timestamp();
          if (outcome === 'fail')
            return {
              ...status,
              conditions: [
                (status['conditions'] as Obj[])[0]!,
                {
                  type: 'Progressing',
                  status: 'False',
                  lastUpdateTime: now,
                  lastTransitionTime: now,
                  reason: 'ProgressDeadlineExceeded',
                  message: `ReplicaSet "${replicaSet}" has timed out progressing.`,
                },
              ],
            };
          return {
            ...status,
            replicas,
            readyReplicas: replicas,
            availableReplicas: replicas,
            unavailableReplicas: 0,
            conditions: [
              condition('Available', true, now, status),
              {
                type: 'Progressing',
                status: 'True',
                lastUpdateTime: now,
                lastTransitionTime: (status['conditions'] as Obj[])[1]!['lastTransitionTime'],
                reason: 'NewReplicaSetAvailable',
                message: `ReplicaSet "${replicaSet}" has successfully progressed.`,
              },
            ],
          };
        }),
      );
    });
  }

  /** Stops the pending steps (the cluster is closing). */
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private after(ms: number, step: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      step();
    }, ms);
    this.timers.add(timer);
  }

  /** Writes the status of the generation the step belongs to; a newer generation makes the step moot. */
  private writeStatus(
    type: ResourceType,
    namespace: string,
    name: string,
    generation: number,
    next: (deployment: Obj, replicas: number, replicaSet: string) => Obj,
  ): void {
    const deployment = this.store.get(type, namespace, name);
    if (!deployment || metadataOf(deployment)['generation'] !== generation) return;
    const spec = deployment['spec'] as Obj;
    const replicas = Number(spec['replicas'] ?? 1);
    deployment['status'] = next(deployment, replicas, `${name}-${templateHash(spec['template'])}`);
    const managers = this.store
      .managers(type, namespace, name)
      .filter((entry) => entry.manager !== 'kube-controller-manager');
    managers.push({
      manager: 'kube-controller-manager',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: timestamp(),
      subresource: 'status',
      fields: fieldSet({ status: deployment['status'] }, ref(type.definition)),
    });
    this.store.put(type, deployment, managers);
  }
}

const timestamp = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** The pod-template-hash of a ReplicaSet: ten characters derived from the template. */
function templateHash(template: unknown): string {
  const hex = createHash('sha256').update(JSON.stringify(template)).digest('hex');
  return [...hex.slice(0, 10)].map((c) => 'bcdfghjklmnpqrstvwxz2456789'[parseInt(c, 16)]).join('');
}

/** replicas minus maxUnavailable (25% rounded down by default): Available needs at least this many. */
function minAvailable(deployment: Obj, replicas: number): number {
  const strategy = (deployment['spec'] as Obj)['strategy'] as Obj | undefined;
  const maxUnavailable = (strategy?.['rollingUpdate'] as Obj | undefined)?.['maxUnavailable'] ?? '25%';
  const unavailable =
    typeof maxUnavailable === 'string'
      ? Math.floor((replicas * parseInt(maxUnavailable, 10)) / 100)
      : Number(maxUnavailable);
  return replicas - unavailable;
}

function condition(type: string, available: boolean, now: string, previous: Obj): Obj {
  const before = ((previous['conditions'] as Obj[] | undefined) ?? []).find((c) => c['type'] === type);
  const status = available ? 'True' : 'False';
  return {
    type,
    status,
    lastUpdateTime: now,
    lastTransitionTime: before?.['status'] === status ? before['lastTransitionTime'] : now,
    reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
    message: available
      ? 'Deployment has minimum availability.'
      : 'Deployment does not have minimum availability.',
  };
}
