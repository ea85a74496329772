import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { parse } from 'yaml';
import { prometheusRule } from '../../compose/generate.ts';
import { parseConfigText } from '../../src/config/parse-config.ts';

/**
 * The Kubernetes manifests, validated against the Kubernetes API schemas
 * (kubernetes-models) and the Prometheus Operator's CRD schemas, and checked
 * against each other and the gateway: no cluster needed.
 */

const read = (name: string) => readFileSync(new URL(`../../compose/kubernetes/${name}`, import.meta.url), 'utf8');
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

const kustomization = parse(read('kustomization.yaml')) as { resources: string[] };
// Manifests are read as plain YAML; the schema test gives them their types.
const manifests = new Map<string, any>(kustomization.resources.map((file) => [file, parse(read(file))]));
const byKind = (kind: string) => [...manifests.values()].find((m) => m.kind === kind);

test('every manifest of the kustomization validates against its schema', () => {
  assert.deepEqual(new Set([...manifests.values()].map((m) => m.kind)), new Set(['ConfigMap', 'Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ServiceMonitor', 'PrometheusRule']));
  for (const [file, manifest] of manifests) {
    const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
    assert.ok(Model, `${file}: no schema for ${manifest.apiVersion} ${manifest.kind}`);
    assert.doesNotThrow(() => new Model(manifest as never).validate(), `${file} does not validate`);
  }
});

test('the schema check catches a broken manifest', () => {
  const broken = structuredClone(byKind('Deployment'));
  broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
  assert.throws(() => new Deployment(broken).validate(), /containerPort must be integer/);
});

test('the Deployment: probes on /health and /ready, SIGTERM grace beyond shutdown_grace, resources, non-root, read-only root filesystem', () => {
  const deployment = byKind('Deployment');
  const pod = deployment.spec.template.spec;
  const [container] = pod.containers;
  assert.equal(container.livenessProbe.httpGet.path, '/health');
  assert.equal(container.startupProbe.httpGet.path, '/health');
  assert.equal(container.readinessProbe.httpGet.path, '/ready');
  for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) assert.equal(probe.httpGet.port, container.ports[0].name);

  const config = parseConfigText(byKind('ConfigMap').data['config.yaml'], {});
  const preStop = Number(container.lifecycle.preStop.exec.command[1]);
  assert.ok(pod.terminationGracePeriodSeconds * 1000 > preStop * 1000 + config.server.shutdown_grace, 'the kubelet would kill streams still draining');
  assert.equal(container.ports[0].containerPort, config.server.address.port);

  assert.ok(container.resources.requests.cpu && container.resources.requests.memory && container.resources.limits.memory);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(pod.securityContext.runAsUser, 1000, 'the image’s user, by number');
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
  assert.ok(container.volumeMounts.some((m: { mountPath: string }) => m.mountPath === '/tmp'), 'a writable /tmp');
  assert.equal(container.envFrom[0].secretRef.name, 'llm-gateway-provider-keys');

  const configMount = container.volumeMounts.find((m: { name: string }) => m.name === 'config');
  assert.equal(`${configMount.mountPath}/config.yaml`, container.args[1]);
  assert.equal(pod.volumes.find((v: { name: string }) => v.name === 'config').configMap.name, byKind('ConfigMap').metadata.name);
});

test('the ConfigMap holds a valid gateway config that keys its provider from the Secret', () => {
  const text = byKind('ConfigMap').data['config.yaml'];
  assert.deepEqual(parseConfigText(text, {}).models.map((m) => m.name), ['mock', 'gpt-4o-mini']);
  assert.match(text, /api_key: \$\{OPENAI_API_KEY:-\}/);
});

test('Service, HPA, PDB and ServiceMonitor select the Deployment’s pods and port', () => {
  const deployment = byKind('Deployment');
  const labels = deployment.spec.template.metadata.labels;
  const matches = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
  assert.ok(matches(byKind('Service').spec.selector));
  assert.ok(matches(byKind('PodDisruptionBudget').spec.selector.matchLabels));
  assert.ok(byKind('PodDisruptionBudget').spec.minAvailable < byKind('HorizontalPodAutoscaler').spec.minReplicas, 'a drain could never evict a pod');
  assert.equal(byKind('HorizontalPodAutoscaler').spec.scaleTargetRef.name, deployment.metadata.name);
  assert.equal(byKind('Service').spec.ports[0].targetPort, deployment.spec.template.spec.containers[0].ports[0].name);

  const monitor = byKind('ServiceMonitor');
  const service = byKind('Service');
  assert.ok(Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => service.metadata.labels[k] === v));
  assert.equal(monitor.spec.endpoints[0].port, service.spec.ports[0].name);
  const config = parseConfigText(byKind('ConfigMap').data['config.yaml'], {});
  assert.equal(monitor.spec.endpoints[0].path, config.observability.metrics.path);
  // The alert rules select job="llm-gateway"; the operator names the job after the Service.
  assert.equal(service.metadata.name, 'llm-gateway');
});

test('the PrometheusRule carries exactly the groups of compose/prometheus/alerts.yml', () => {
  const alerts = readFileSync(new URL('../../compose/prometheus/alerts.yml', import.meta.url), 'utf8');
  assert.equal(read('prometheus-rule.yaml'), prometheusRule(alerts), 'stale: run npm run compose:generate');
  assert.deepEqual(byKind('PrometheusRule').spec.groups, parse(alerts).groups);
});
