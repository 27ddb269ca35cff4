import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { ensureKubectlValidate, validateK8s } from '../validate-k8s.js'

// A cold Go build cache makes the first `go install` of kubectl-validate take minutes.
t.setTimeout(15 * 60_000)
t.before(async () => {
  await ensureKubectlValidate()
})

t.test('every Kubernetes manifest is a valid object and every kustomization resolves', async (t) => {
  const report = await validateK8s()
  t.same(report.problems, [], 'no problems')
  t.ok(report.objects >= 20, `checked ${report.objects} objects`)
  for (const overlay of ['k8s/overlays/dev', 'k8s/overlays/prod'])
    t.ok(report.schemaChecked.includes(overlay), `${overlay} rendered and checked by kubectl-validate`)
})

t.test('a rendered manifest with an unknown field is refused, naming the field', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kelmah-k8s-'))
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }))
  await fs.writeFile(
    path.join(dir, 'kustomization.yaml'),
    'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [service.yaml]\n',
  )
  // `selectr` instead of `selector`: the schema of the npm models lets it pass, the API would drop it.
  await fs.writeFile(
    path.join(dir, 'service.yaml'),
    'apiVersion: v1\nkind: Service\nmetadata: { name: job }\nspec:\n  selectr: { app: job }\n  ports: [{ port: 3004 }]\n',
  )
  const report = await validateK8s(dir)
  t.same(report.schemaChecked, [path.relative(path.resolve(import.meta.dirname, '../..'), dir)])
  t.match(report.problems, [{ message: /kubectl-validate: Service job: spec\.selectr: .*unknown field/ }])
})
