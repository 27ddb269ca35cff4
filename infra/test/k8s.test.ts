import t from 'tap'
import { validateK8s } from '../validate-k8s.js'

t.test('every Kubernetes manifest is a valid object and every kustomization resolves', async (t) => {
  const report = await validateK8s()
  t.same(report.problems, [], 'no problems')
  t.ok(report.objects >= 20, `checked ${report.objects} objects`)
})
