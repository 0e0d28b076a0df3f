/** A dev stack that cannot start, or is recorded but not healthy; its message says what to do. */
export class DevStackError extends Error {
  override name = 'DevStackError';
}
