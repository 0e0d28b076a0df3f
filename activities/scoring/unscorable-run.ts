import { CapacitanceError } from '../capacitance/errors.js';
import { ArtifactIntegrityError, ArtifactNotFoundError } from '../store/errors.js';

/**
 * Whether reading or scoring a candidate's stored run failed because the run itself is unusable
 * (missing or corrupt artifacts, unparsable JSON, a degenerate probe): that candidate is reported as
 * unscorable and the others are still scored. Anything else is a fault of the step and is rethrown.
 */
export function isUnscorableRunError(error: unknown): error is Error {
  return (
    error instanceof CapacitanceError ||
    error instanceof ArtifactNotFoundError ||
    error instanceof ArtifactIntegrityError ||
    error instanceof SyntaxError
  );
}
