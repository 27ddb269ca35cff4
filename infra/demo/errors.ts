/** Thrown when the story does not go as it should (beyond an unexpected status). */
export class DemoFailed extends Error {
  override readonly name = 'DemoFailed'
}
