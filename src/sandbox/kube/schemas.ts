// The OpenAPI v3 schemas of the kinds the stand-in serves, hand-written in the shape the Kubernetes
// API server publishes (`/openapi/v3/apis/apps/v1`, definitions named `io.k8s.api.apps.v1.Deployment`
// and so on, Kubernetes 1.32), with the extensions server-side apply reads:
// `x-kubernetes-list-type` / `x-kubernetes-list-map-keys` (how a list merges: `containers` by `name`,
// container `ports` by `containerPort` and `protocol`), `x-kubernetes-map-type: atomic` (a label
// selector is replaced whole) and `x-kubernetes-int-or-string`. See
// https://kubernetes.io/docs/reference/using-api/server-side-apply/#merge-strategy and the API
// reference (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/).
//
// Every field of the described types is listed by name, so a misspelt field is refused as a real
// server refuses it (fieldValidation=Strict, kubectl's default). Sub-objects the overlays do not use
// (affinity, volume sources, tolerations, ...) are open objects here: their insides are not checked,
// where a real server would check them.
export type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer', format: 'int32' };
const int64: Schema = { type: 'integer', format: 'int64' };
const bool: Schema = { type: 'boolean' };
const intOrString: Schema = { 'x-kubernetes-int-or-string': true };
const quantity: Schema = { 'x-kubernetes-int-or-string': true, format: 'quantity' };
const time: Schema = { type: 'string', format: 'date-time' };
/** An object whose insides the stand-in does not describe (see the top of the file). */
const open: Schema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const strings: Schema = { type: 'array', items: str, 'x-kubernetes-list-type': 'atomic' };
const stringMap: Schema = { type: 'object', additionalProperties: str };

export const ref = (name: string): Schema => ({ allOf: [{ $ref: `#/components/schemas/${name}` }] });
const object = (properties: Record<string, Schema>, required?: string[], extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  ...(required ? { required } : {}),
  ...extra,
});
const mapList = (item: Schema, keys: string[]): Schema => ({
  type: 'array',
  items: item,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': keys,
});
const atomicList = (item: Schema): Schema => ({
  type: 'array',
  items: item,
  'x-kubernetes-list-type': 'atomic',
});
const setList = (item: Schema): Schema => ({ type: 'array', items: item, 'x-kubernetes-list-type': 'set' });

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const CORE = 'io.k8s.api.core.v1';
const APPS = 'io.k8s.api.apps.v1';

const typeMeta = { apiVersion: str, kind: str };
const objectMeta = ref(`${META}.ObjectMeta`);

const condition = (extra: Record<string, Schema> = {}): Schema =>
  object(
    {
      type: str,
      status: str,
      reason: str,
      message: str,
      lastTransitionTime: time,
      ...extra,
    },
    ['type', 'status'],
  );

const probe = object({
  exec: open,
  httpGet: ref(`${CORE}.HTTPGetAction`),
  tcpSocket: open,
  grpc: open,
  initialDelaySeconds: int,
  timeoutSeconds: int,
  periodSeconds: int,
  successThreshold: int,
  failureThreshold: int,
  terminationGracePeriodSeconds: int64,
});

const container = object(
  {
    name: str,
    image: str,
    command: strings,
    args: strings,
    workingDir: str,
    ports: mapList(ref(`${CORE}.ContainerPort`), ['containerPort', 'protocol']),
    envFrom: atomicList(open),
    env: mapList(ref(`${CORE}.EnvVar`), ['name']),
    resources: ref(`${CORE}.ResourceRequirements`),
    resizePolicy: atomicList(open),
    restartPolicy: str,
    volumeMounts: mapList({ ...open, required: ['mountPath', 'name'] }, ['mountPath']),
    volumeDevices: mapList({ ...open, required: ['devicePath', 'name'] }, ['devicePath']),
    livenessProbe: ref(`${CORE}.Probe`),
    readinessProbe: ref(`${CORE}.Probe`),
    startupProbe: ref(`${CORE}.Probe`),
    lifecycle: open,
    terminationMessagePath: str,
    terminationMessagePolicy: str,
    imagePullPolicy: str,
    securityContext: ref(`${CORE}.SecurityContext`),
    stdin: bool,
    stdinOnce: bool,
    tty: bool,
  },
  ['name'],
);

/** The schemas by definition name, as `components.schemas` of the published documents holds them. */
export const SCHEMAS: Record<string, Schema> = {
  [`${META}.ObjectMeta`]: object({
    name: str,
    generateName: str,
    namespace: str,
    selfLink: str,
    uid: str,
    resourceVersion: str,
    generation: int64,
    creationTimestamp: time,
    deletionTimestamp: time,
    deletionGracePeriodSeconds: int64,
    labels: stringMap,
    annotations: stringMap,
    ownerReferences: mapList(open, ['uid']),
    finalizers: setList(str),
    managedFields: atomicList(ref(`${META}.ManagedFieldsEntry`)),
  }),
  [`${META}.ManagedFieldsEntry`]: object({
    manager: str,
    operation: str,
    apiVersion: str,
    time,
    fieldsType: str,
    fieldsV1: open,
    subresource: str,
  }),
  [`${META}.LabelSelector`]: object(
    {
      matchLabels: stringMap,
      matchExpressions: atomicList(open),
    },
    undefined,
    { 'x-kubernetes-map-type': 'atomic' },
  ),
  [`${APPS}.Deployment`]: object({
    ...typeMeta,
    metadata: objectMeta,
    spec: ref(`${APPS}.DeploymentSpec`),
    status: ref(`${APPS}.DeploymentStatus`),
  }),
  [`${APPS}.DeploymentSpec`]: object(
    {
      replicas: int,
      selector: ref(`${META}.LabelSelector`),
      template: ref(`${CORE}.PodTemplateSpec`),
      strategy: ref(`${APPS}.DeploymentStrategy`),
      minReadySeconds: int,
      revisionHistoryLimit: int,
      paused: bool,
      progressDeadlineSeconds: int,
    },
    ['selector', 'template'],
  ),
  [`${APPS}.DeploymentStrategy`]: object({
    type: str,
    rollingUpdate: object({ maxUnavailable: intOrString, maxSurge: intOrString }),
  }),
  [`${APPS}.DeploymentStatus`]: object({
    observedGeneration: int64,
    replicas: int,
    updatedReplicas: int,
    readyReplicas: int,
    availableReplicas: int,
    unavailableReplicas: int,
    terminatingReplicas: int,
    conditions: mapList(condition({ lastUpdateTime: time }), ['type']),
    collisionCount: int,
  }),
  [`${CORE}.PodTemplateSpec`]: object({ metadata: objectMeta, spec: ref(`${CORE}.PodSpec`) }),
  [`${CORE}.PodSpec`]: object(
    {
      volumes: mapList({ ...open, required: ['name'] }, ['name']),
      initContainers: mapList(container, ['name']),
      containers: mapList(container, ['name']),
      ephemeralContainers: mapList(open, ['name']),
      restartPolicy: str,
      terminationGracePeriodSeconds: int64,
      activeDeadlineSeconds: int64,
      dnsPolicy: str,
      nodeSelector: stringMap,
      serviceAccountName: str,
      serviceAccount: str,
      automountServiceAccountToken: bool,
      nodeName: str,
      hostNetwork: bool,
      hostPID: bool,
      hostIPC: bool,
      shareProcessNamespace: bool,
      securityContext: ref(`${CORE}.PodSecurityContext`),
      imagePullSecrets: mapList(open, ['name']),
      hostname: str,
      subdomain: str,
      affinity: open,
      schedulerName: str,
      tolerations: atomicList(open),
      hostAliases: mapList(open, ['ip']),
      priorityClassName: str,
      priority: int,
      dnsConfig: open,
      readinessGates: atomicList(open),
      runtimeClassName: str,
      enableServiceLinks: bool,
      preemptionPolicy: str,
      overhead: { type: 'object', additionalProperties: quantity },
      topologySpreadConstraints: mapList(open, ['topologyKey', 'whenUnsatisfiable']),
      setHostnameAsFQDN: bool,
      os: open,
      hostUsers: bool,
      schedulingGates: mapList(open, ['name']),
      resourceClaims: mapList(open, ['name']),
      resources: ref(`${CORE}.ResourceRequirements`),
    },
    ['containers'],
  ),
  [`${CORE}.Container`]: container,
  [`${CORE}.ContainerPort`]: object(
    { name: str, hostPort: int, containerPort: int, protocol: str, hostIP: str },
    ['containerPort'],
  ),
  [`${CORE}.EnvVar`]: object({ name: str, value: str, valueFrom: open }, ['name']),
  [`${CORE}.ResourceRequirements`]: object({
    limits: { type: 'object', additionalProperties: quantity },
    requests: { type: 'object', additionalProperties: quantity },
    claims: mapList(open, ['name']),
  }),
  [`${CORE}.Probe`]: probe,
  [`${CORE}.HTTPGetAction`]: object(
    { path: str, port: intOrString, host: str, scheme: str, httpHeaders: atomicList(open) },
    ['port'],
  ),
  [`${CORE}.SecurityContext`]: object({
    capabilities: object({ add: atomicList(str), drop: atomicList(str) }),
    privileged: bool,
    seLinuxOptions: open,
    windowsOptions: open,
    runAsUser: int64,
    runAsGroup: int64,
    runAsNonRoot: bool,
    readOnlyRootFilesystem: bool,
    allowPrivilegeEscalation: bool,
    procMount: str,
    seccompProfile: ref(`${CORE}.SeccompProfile`),
    appArmorProfile: open,
  }),
  [`${CORE}.PodSecurityContext`]: object({
    seLinuxOptions: open,
    windowsOptions: open,
    runAsUser: int64,
    runAsGroup: int64,
    runAsNonRoot: bool,
    supplementalGroups: atomicList(int64),
    supplementalGroupsPolicy: str,
    fsGroup: int64,
    sysctls: atomicList(open),
    fsGroupChangePolicy: str,
    seccompProfile: ref(`${CORE}.SeccompProfile`),
    appArmorProfile: open,
    seLinuxChangePolicy: str,
  }),
  [`${CORE}.SeccompProfile`]: object({ type: str, localhostProfile: str }, ['type']),
  [`${CORE}.Service`]: object({
    ...typeMeta,
    metadata: objectMeta,
    spec: ref(`${CORE}.ServiceSpec`),
    status: open,
  }),
  [`${CORE}.ServiceSpec`]: object({
    ports: mapList(ref(`${CORE}.ServicePort`), ['port', 'protocol']),
    selector: { ...stringMap, 'x-kubernetes-map-type': 'atomic' },
    clusterIP: str,
    clusterIPs: atomicList(str),
    type: str,
    externalIPs: atomicList(str),
    sessionAffinity: str,
    loadBalancerIP: str,
    loadBalancerSourceRanges: atomicList(str),
    externalName: str,
    externalTrafficPolicy: str,
    healthCheckNodePort: int,
    publishNotReadyAddresses: bool,
    sessionAffinityConfig: open,
    ipFamilies: atomicList(str),
    ipFamilyPolicy: str,
    allocateLoadBalancerNodePorts: bool,
    loadBalancerClass: str,
    internalTrafficPolicy: str,
    trafficDistribution: str,
  }),
  [`${CORE}.ServicePort`]: object(
    { name: str, protocol: str, appProtocol: str, port: int, targetPort: intOrString, nodePort: int },
    ['port'],
  ),
  [`${CORE}.Namespace`]: object({
    ...typeMeta,
    metadata: objectMeta,
    spec: object({ finalizers: atomicList(str) }),
    status: object({ phase: str, conditions: mapList(condition(), ['type']) }),
  }),
  [`${CORE}.ConfigMap`]: object({
    ...typeMeta,
    metadata: objectMeta,
    immutable: bool,
    data: stringMap,
    binaryData: { type: 'object', additionalProperties: { type: 'string', format: 'byte' } },
  }),
  [`${CORE}.Secret`]: object({
    ...typeMeta,
    metadata: objectMeta,
    immutable: bool,
    data: { type: 'object', additionalProperties: { type: 'string', format: 'byte' } },
    stringData: stringMap,
    type: str,
  }),
  [`${CORE}.ServiceAccount`]: object({
    ...typeMeta,
    metadata: objectMeta,
    secrets: mapList(open, ['name']),
    imagePullSecrets: atomicList(open),
    automountServiceAccountToken: bool,
  }),
};

/** The schema a `$ref` (or an `allOf` of one) points at, or the schema itself. */
export function resolve(schema: Schema | undefined): Schema | undefined {
  if (!schema) return undefined;
  const all = schema['allOf'] as Schema[] | undefined;
  const target = all?.[0]?.['$ref'] ?? schema['$ref'];
  if (typeof target !== 'string') return schema;
  return SCHEMAS[target.replace('#/components/schemas/', '')];
}

/** The definitions a schema needs (itself and every one it reaches through `$ref`), by name. */
export function reachable(names: string[]): Record<string, Schema> {
  const found: Record<string, Schema> = {};
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') {
        const name = inner.replace('#/components/schemas/', '');
        if (!(name in found) && SCHEMAS[name]) {
          found[name] = SCHEMAS[name];
          visit(SCHEMAS[name]);
        }
      } else visit(inner);
    }
  };
  for (const name of names) {
    found[name] = SCHEMAS[name]!;
    visit(SCHEMAS[name]);
  }
  return found;
}
