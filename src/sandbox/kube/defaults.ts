// What the API server adds to an object and what it refuses in one, per kind, for the kinds the
// stand-in serves. Defaults as the API reference lists them
// (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/,
// .../service-resources/service-v1/, .../cluster-resources/namespace-v1/): a Deployment gets one
// replica, a RollingUpdate strategy of 25%/25%, 10 kept revisions and a 600 s progress deadline;
// a container an image pull policy (Always for `:latest` or no tag); a Service the ClusterIP type
// and an address. No manager owns a default. Refusals (422) the overlays could run into: a
// Deployment without a selector or whose selector does not match its pod labels, a changed selector
// (immutable in apps/v1), a container without an image, a ClusterIP Service without ports.
import { isDeepStrictEqual } from 'node:util';
import type { ResourceType } from './discovery.js';
import { invalid } from './errors.js';
import { isObject, type Obj } from './fields.js';

const child = (parent: Obj, key: string): Obj => {
  if (!isObject(parent[key])) parent[key] = {};
  return parent[key] as Obj;
};
const list = (parent: Obj, key: string): Obj[] =>
  Array.isArray(parent[key]) ? (parent[key] as unknown[]).filter(isObject) : [];
const setDefault = (target: Obj, key: string, value: unknown): void => {
  if (target[key] === undefined || target[key] === null) target[key] = value;
};

let nextAddress = 1;

export function addDefaults(type: ResourceType, object: Obj): void {
  const metadata = child(object, 'metadata');
  if (type.kind === 'Namespace') {
    child(metadata, 'labels')['kubernetes.io/metadata.name'] = metadata['name'];
    setDefault(child(object, 'spec'), 'finalizers', ['kubernetes']);
    setDefault(child(object, 'status'), 'phase', 'Active');
  }
  if (type.kind === 'Deployment') {
    const spec = child(object, 'spec');
    setDefault(spec, 'replicas', 1);
    setDefault(spec, 'revisionHistoryLimit', 10);
    setDefault(spec, 'progressDeadlineSeconds', 600);
    const strategy = child(spec, 'strategy');
    setDefault(strategy, 'type', 'RollingUpdate');
    if (strategy['type'] === 'RollingUpdate') {
      const rolling = child(strategy, 'rollingUpdate');
      setDefault(rolling, 'maxUnavailable', '25%');
      setDefault(rolling, 'maxSurge', '25%');
    }
    const pod = child(child(spec, 'template'), 'spec');
    setDefault(pod, 'restartPolicy', 'Always');
    setDefault(pod, 'terminationGracePeriodSeconds', 30);
    setDefault(pod, 'dnsPolicy', 'ClusterFirst');
    setDefault(pod, 'schedulerName', 'default-scheduler');
    setDefault(pod, 'securityContext', {});
    for (const container of [...list(pod, 'initContainers'), ...list(pod, 'containers')]) {
      const image = String(container['image'] ?? '');
      const tag = /:([^:/@]+)$/.exec(image.split('@')[0]!)?.[1];
      setDefault(container, 'imagePullPolicy', !tag || tag === 'latest' ? 'Always' : 'IfNotPresent');
      setDefault(container, 'terminationMessagePath', '/dev/termination-log');
      setDefault(container, 'terminationMessagePolicy', 'File');
      setDefault(container, 'resources', {});
      for (const port of list(container, 'ports')) setDefault(port, 'protocol', 'TCP');
      for (const key of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (!isObject(container[key])) continue;
        const probe = container[key];
        setDefault(probe, 'timeoutSeconds', 1);
        setDefault(probe, 'periodSeconds', 10);
        setDefault(probe, 'successThreshold', 1);
        setDefault(probe, 'failureThreshold', 3);
        if (isObject(probe['httpGet'])) setDefault(probe['httpGet'], 'scheme', 'HTTP');
      }
    }
  }
  if (type.kind === 'Service') {
    const spec = child(object, 'spec');
    setDefault(spec, 'type', 'ClusterIP');
    setDefault(spec, 'sessionAffinity', 'None');
    if (spec['type'] !== 'ExternalName') {
      if (spec['clusterIP'] === undefined) {
        spec['clusterIP'] = `10.96.${Math.floor(nextAddress / 250)}.${(nextAddress % 250) + 2}`;
        nextAddress++;
      }
      setDefault(spec, 'clusterIPs', [spec['clusterIP']]);
      setDefault(spec, 'ipFamilies', ['IPv4']);
      setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
      setDefault(spec, 'internalTrafficPolicy', 'Cluster');
    }
    for (const port of list(spec, 'ports')) {
      setDefault(port, 'protocol', 'TCP');
      setDefault(port, 'targetPort', port['port']);
    }
    setDefault(object, 'status', { loadBalancer: {} });
  }
}

/** Throws the 422 a real server answers for an object it will not store. */
export function checkObject(type: ResourceType, object: Obj, live: Obj | undefined): void {
  const name = String(child(object, 'metadata')['name']);
  const causes: { field: string; message: string }[] = [];
  if (type.kind === 'Deployment') {
    const spec = child(object, 'spec');
    const selector = spec['selector'];
    const labels = (child(child(spec, 'template'), 'metadata')['labels'] ?? {}) as Record<string, string>;
    if (!isObject(selector)) causes.push({ field: 'spec.selector', message: 'Required value' });
    else {
      const matchLabels = (selector['matchLabels'] ?? {}) as Record<string, string>;
      if (Object.entries(matchLabels).some(([key, value]) => labels[key] !== value))
        causes.push({
          field: 'spec.template.metadata.labels',
          message: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\``,
        });
      const before = live && isObject(live['spec']) ? live['spec']['selector'] : undefined;
      if (before !== undefined && !isDeepStrictEqual(before, selector))
        causes.push({
          field: 'spec.selector',
          message: `Invalid value: ${JSON.stringify(selector)}: field is immutable`,
        });
    }
    const containers = list(child(child(spec, 'template'), 'spec'), 'containers');
    if (containers.length === 0)
      causes.push({ field: 'spec.template.spec.containers', message: 'Required value' });
    containers.forEach((container, index) => {
      if (!container['image'])
        causes.push({ field: `spec.template.spec.containers[${index}].image`, message: 'Required value' });
    });
  }
  if (type.kind === 'Service') {
    const spec = child(object, 'spec');
    if (spec['type'] !== 'ExternalName' && list(spec, 'ports').length === 0)
      causes.push({ field: 'spec.ports', message: 'Required value' });
  }
  if (causes.length > 0) throw invalid(type.kind, type.group, name, causes);
}
