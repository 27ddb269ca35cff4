/** A part of the infrastructure is missing or would not start; the message says what to do. */
export class InfraError extends Error {
  override name = 'InfraError'
}
