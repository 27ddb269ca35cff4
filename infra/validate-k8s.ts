/**
 * Offline check of the Kubernetes manifests in `k8s/`, for CI (no cluster needed):
 * - every YAML document parses;
 * - every Kubernetes object validates against the schema of its apiVersion/kind (the matching class
 *   of `kubernetes-models`, Kubernetes 1.27 schemas; note it does not reject unknown fields);
 * - every kustomization's `resources` (and patch/generator files) exist;
 * - every Deployment keeps the project's rules: non-root, read-only root filesystem, no privilege
 *   escalation, liveness + readiness probes, resource requests and limits (docs/conventions.md, Deployment);
 * - when `kubectl` is installed, each kustomization also renders (`kubectl kustomize`) and the
 *   rendered objects validate too (that covers the overlays' patches);
 * - each rendered kustomization (base, overlays, observability) then goes through
 *   `kubectl-validate` ({@link KUBECTL_VALIDATE_VERSION}, built with `go install` into `.tools/bin/`
 *   the first time, like FerretDB: infra/tools.ts) against its built-in schemas of Kubernetes
 *   {@link KUBERNETES_VERSION}, offline (no cluster, no download), which rejects unknown fields —
 *   a misspelt or misplaced key that the API server would drop or refuse.
 *
 * Run: `node --import tsx infra/validate-k8s.ts` — prints each problem, exits 1 when there is one.
 */
import { spawnSync } from 'node:child_process'
import { constants as fsConstants, existsSync, statSync } from 'node:fs'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { parseAllDocuments } from 'yaml'
import { REPO_ROOT, TOOLS_BIN, isMain } from './paths.js'
import { ToolsError, findGo } from './tools.js'

/** The kubectl-validate release built into `.tools/bin/` (a version the Go module proxy serves). */
export const KUBECTL_VALIDATE_VERSION = 'v0.0.4'
/** The Kubernetes version whose built-in schemas the rendered manifests are validated against. */
export const KUBERNETES_VERSION = '1.30'
/** Where {@link ensureKubectlValidate} puts the binary. */
export const KUBECTL_VALIDATE_PATH = path.join(TOOLS_BIN, 'kubectl-validate')

/**
 * Makes sure `.tools/bin/kubectl-validate` exists, building it with
 * `go install sigs.k8s.io/kubectl-validate@KUBECTL_VALIDATE_VERSION` when missing (a few minutes
 * on a cold Go build cache, seconds after that). Delete the file to force a rebuild.
 *
 * @returns the absolute path of the binary
 * @throws {ToolsError} when Go is missing or the build fails
 */
export async function ensureKubectlValidate(): Promise<string> {
  try {
    await fs.access(KUBECTL_VALIDATE_PATH, fsConstants.X_OK)
    return KUBECTL_VALIDATE_PATH
  } catch {
    // not built yet
  }
  const go = await findGo()
  await fs.mkdir(TOOLS_BIN, { recursive: true })
  process.stderr.write(
    `[tools] building kubectl-validate ${KUBECTL_VALIDATE_VERSION} into ${KUBECTL_VALIDATE_PATH}…\n`,
  )
  const res = spawnSync(go, ['install', `sigs.k8s.io/kubectl-validate@${KUBECTL_VALIDATE_VERSION}`], {
    env: { ...process.env, GOBIN: TOOLS_BIN, GOFLAGS: `${process.env.GOFLAGS ?? ''} -buildvcs=false`.trim() },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  if (res.status !== 0 || !existsSync(KUBECTL_VALIDATE_PATH))
    throw new ToolsError(
      `go install sigs.k8s.io/kubectl-validate@${KUBECTL_VALIDATE_VERSION} failed; see the output above`,
    )
  return KUBECTL_VALIDATE_PATH
}

/** One document's answer in kubectl-validate's `-o json` output (a Kubernetes Status). */
interface ValidateStatus {
  status?: string
  message?: string
  details?: { causes?: Array<{ field?: string; message?: string }> }
}

/**
 * Validates one multi-document YAML text with kubectl-validate against Kubernetes
 * {@link KUBERNETES_VERSION}'s built-in schemas, offline (no kubeconfig is read).
 *
 * @returns one message per refused object (`Deployment job: spec.template.spec.containers[0].foo: …`)
 * @throws {ToolsError} when the tool cannot be built or gives no readable answer
 */
export async function schemaProblems(yamlText: string): Promise<string[]> {
  const bin = await ensureKubectlValidate()
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kelmah-kubectl-validate-'))
  try {
    const file = path.join(dir, 'manifests.yaml')
    await fs.writeFile(file, yamlText)
    const res = spawnSync(bin, [file, '--version', KUBERNETES_VERSION, '-o', 'json'], {
      encoding: 'utf8',
      maxBuffer: 32 * 1024 * 1024,
      // No cluster: the built-in schemas only, whatever kubeconfig the machine has.
      env: { ...process.env, KUBECONFIG: path.join(dir, 'no-kubeconfig') },
      timeout: 120_000,
    })
    let parsed: Record<string, ValidateStatus[]>
    try {
      parsed = JSON.parse(res.stdout) as Record<string, ValidateStatus[]>
    } catch {
      throw new ToolsError(`kubectl-validate gave no JSON (exit ${res.status}): ${res.stderr || res.stdout}`)
    }
    const objects = parseAllDocuments(yamlText)
      .map((d) => d.toJS() as K8sObject | null)
      .filter((o): o is K8sObject => o !== null && typeof o === 'object')
    const problems: string[] = []
    ;(parsed[file] ?? []).forEach((answer, i) => {
      if (answer.status === 'Success') return
      const causes = answer.details?.causes ?? []
      const detail =
        causes.length > 0
          ? causes.map((c) => `${c.field ?? ''}: ${c.message ?? ''}`).join('; ')
          : answer.message
      problems.push(`${objects[i] ? describe(objects[i]) : `document ${i + 1}`}: ${detail ?? 'invalid'}`)
    })
    return problems
  } finally {
    await fs.rm(dir, { recursive: true, force: true })
  }
}

/** One problem found, with the file (relative to the repo) it was found in. */
export interface ManifestProblem {
  file: string
  message: string
}

/** What {@link validateK8s} looked at and found. */
export interface ValidationReport {
  problems: ManifestProblem[]
  /** Number of Kubernetes objects validated (files plus rendered overlays). */
  objects: number
  /** Kustomizations rendered with `kubectl kustomize` (empty when kubectl is not installed). */
  rendered: string[]
  /** Rendered kustomizations that kubectl-validate checked (with `schema`, the default). */
  schemaChecked: string[]
}

type K8sObject = {
  apiVersion?: unknown
  kind?: unknown
  metadata?: { name?: unknown }
  [key: string]: unknown
}
type ModelClass = new (data: K8sObject) => { validate(): void }

const KUSTOMIZE_API = 'kustomize.config.k8s.io/'

/**
 * The `kubernetes-models` class for an apiVersion/kind: `apps/v1` + `Deployment` →
 * `kubernetes-models/apps/v1/Deployment`; the core group `v1` → `kubernetes-models/v1/<Kind>`.
 */
async function modelFor(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(apiVersion) || !/^\w+$/.test(kind)) return undefined
  try {
    const mod = (await import(`kubernetes-models/${apiVersion}/${kind}`)) as Record<string, unknown>
    const cls = mod[kind] ?? mod.default
    return typeof cls === 'function' ? (cls as ModelClass) : undefined
  } catch {
    return undefined
  }
}

async function yamlFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await yamlFiles(p)))
    else if (/\.ya?ml$/.test(entry.name)) out.push(p)
  }
  return out.sort()
}

function describe(obj: K8sObject): string {
  return `${String(obj.kind)} ${typeof obj.metadata?.name === 'string' ? obj.metadata.name : '(no name)'}`
}

/** The project's own rules for a Deployment's pod (beyond the schema). */
function deploymentRules(obj: K8sObject): string[] {
  const problems: string[] = []
  const spec = (obj.spec ?? {}) as { template?: { spec?: Record<string, unknown> } }
  const pod = spec.template?.spec ?? {}
  const podSec = (pod.securityContext ?? {}) as Record<string, unknown>
  const containers = (pod.containers ?? []) as Array<Record<string, unknown>>
  for (const c of containers) {
    const name = `container ${String(c.name)}`
    const sec = (c.securityContext ?? {}) as Record<string, unknown>
    if (podSec.runAsNonRoot !== true && sec.runAsNonRoot !== true)
      problems.push(`${name}: runAsNonRoot is not true`)
    if (sec.readOnlyRootFilesystem !== true) problems.push(`${name}: readOnlyRootFilesystem is not true`)
    if (sec.allowPrivilegeEscalation !== false)
      problems.push(`${name}: allowPrivilegeEscalation is not false`)
    if (!c.livenessProbe) problems.push(`${name}: no livenessProbe`)
    if (!c.readinessProbe) problems.push(`${name}: no readinessProbe`)
    const res = (c.resources ?? {}) as Record<string, unknown>
    if (!res.requests || !res.limits) problems.push(`${name}: resources need both requests and limits`)
  }
  return problems
}

/** Validates the Kubernetes objects among `docs`, adding problems under `file`. */
async function validateObjects(objects: unknown[], file: string, report: ValidationReport): Promise<void> {
  for (const value of objects) {
    if (value === null || value === undefined) continue // empty document (e.g. a trailing ---)
    if (typeof value !== 'object') {
      report.problems.push({ file, message: 'a document is not a mapping' })
      continue
    }
    const obj = value as K8sObject
    if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
      report.problems.push({ file, message: 'a document has no apiVersion/kind' })
      continue
    }
    if (obj.apiVersion.startsWith(KUSTOMIZE_API)) continue
    const Model = await modelFor(obj.apiVersion, obj.kind)
    if (!Model) {
      report.problems.push({
        file,
        message: `${describe(obj)}: unknown apiVersion/kind ${obj.apiVersion}/${obj.kind}`,
      })
      continue
    }
    report.objects += 1
    try {
      new Model(obj).validate()
    } catch (err) {
      report.problems.push({ file, message: `${describe(obj)}: ${(err as Error).message}` })
    }
    if (obj.kind === 'Deployment') {
      for (const message of deploymentRules(obj))
        report.problems.push({ file, message: `${describe(obj)}: ${message}` })
    }
  }
}

/** Checks that the files and folders a kustomization names exist. */
function checkKustomization(obj: Record<string, unknown>, file: string, report: ValidationReport): void {
  const dir = path.dirname(file)
  const rel = path.relative(REPO_ROOT, file)
  const missing = (what: string, p: string) =>
    report.problems.push({ file: rel, message: `${what} ${p} does not exist` })
  for (const r of (obj.resources ?? []) as unknown[]) {
    if (typeof r !== 'string' || /^[a-z]+:\/\//.test(r)) continue // remote resources are not checked offline
    const target = path.resolve(dir, r)
    if (!existsSync(target)) missing('resource', r)
    else if (
      statSync(target).isDirectory() &&
      !['kustomization.yaml', 'kustomization.yml', 'Kustomization'].some((k) =>
        existsSync(path.join(target, k)),
      )
    ) {
      report.problems.push({ file: rel, message: `resource folder ${r} has no kustomization.yaml` })
    }
  }
  for (const p of (obj.patches ?? obj.patchesStrategicMerge ?? []) as unknown[]) {
    const patchPath = typeof p === 'string' ? p : (p as { path?: unknown }).path
    if (typeof patchPath === 'string' && !existsSync(path.resolve(dir, patchPath)))
      missing('patch', patchPath)
  }
  for (const gen of [
    ...((obj.configMapGenerator ?? []) as unknown[]),
    ...((obj.secretGenerator ?? []) as unknown[]),
  ]) {
    for (const f of (gen as { files?: unknown[] }).files ?? []) {
      const source = typeof f === 'string' ? f.slice(f.indexOf('=') + 1) : ''
      if (source && !existsSync(path.resolve(dir, source))) missing('generator file', source)
    }
  }
}

function hasKubectl(): boolean {
  return spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0
}

/**
 * Validates every YAML file under `root` (default `<repo>/k8s`) as described at the top of this file.
 * Never throws for a bad manifest: problems are returned.
 *
 * @param options.render - also render each kustomization with `kubectl kustomize` when kubectl is
 *   installed (default true).
 * @param options.schema - and validate each rendering with kubectl-validate, rejecting unknown
 *   fields (default true; builds the tool the first time).
 * @throws {ToolsError} when kubectl-validate is wanted but cannot be built
 */
export async function validateK8s(
  root: string = path.join(REPO_ROOT, 'k8s'),
  options: { render?: boolean; schema?: boolean } = {},
): Promise<ValidationReport> {
  const report: ValidationReport = { problems: [], objects: 0, rendered: [], schemaChecked: [] }
  const files = await yamlFiles(root)
  if (files.length === 0)
    report.problems.push({ file: path.relative(REPO_ROOT, root), message: 'no YAML files found' })
  const kustomizationDirs: string[] = []
  for (const file of files) {
    const rel = path.relative(REPO_ROOT, file)
    const docs = parseAllDocuments(await fs.readFile(file, 'utf8'))
    const parsed: unknown[] = []
    for (const doc of docs) {
      if (doc.errors.length > 0) {
        for (const e of doc.errors) report.problems.push({ file: rel, message: `YAML: ${e.message}` })
        continue
      }
      parsed.push(doc.toJS())
    }
    for (const obj of parsed) {
      const o = obj as K8sObject | null
      if (o && typeof o.apiVersion === 'string' && o.apiVersion.startsWith(KUSTOMIZE_API)) {
        checkKustomization(o, file, report)
        kustomizationDirs.push(path.dirname(file))
      }
    }
    await validateObjects(parsed, rel, report)
  }
  if ((options.render ?? true) && kustomizationDirs.length > 0 && hasKubectl()) {
    for (const dir of kustomizationDirs) {
      const rel = path.relative(REPO_ROOT, dir)
      const res = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 })
      if (res.status !== 0) {
        report.problems.push({ file: rel, message: `kubectl kustomize failed: ${res.stderr.trim()}` })
        continue
      }
      report.rendered.push(rel)
      if (options.schema ?? true) {
        for (const message of await schemaProblems(res.stdout))
          report.problems.push({ file: `${rel} (rendered)`, message: `kubectl-validate: ${message}` })
        report.schemaChecked.push(rel)
      }
      await validateObjects(
        parseAllDocuments(res.stdout).map((d) => d.toJS() as unknown),
        `${rel} (rendered)`,
        report,
      )
    }
  }
  return report
}

if (isMain(import.meta.url)) {
  const report = await validateK8s()
  for (const p of report.problems) console.error(`${p.file}: ${p.message}`)
  const rendered =
    report.rendered.length > 0
      ? `; rendered ${report.rendered.join(', ')}; kubectl-validate (Kubernetes ${KUBERNETES_VERSION}) on ${report.schemaChecked.length}`
      : '; kubectl not found, overlays not rendered'
  console.log(`k8s: ${report.objects} objects checked${rendered}; ${report.problems.length} problem(s)`)
  process.exit(report.problems.length > 0 ? 1 : 0)
}
