/**
 * Activities of the orchestrator worker: `prepareSweep` (validate, record spec.json, find finished
 * candidates) and `scoreSweep` (the reduce: evidence → selection rule → report.json + report.html, and
 * observed runs from full-training results).
 */
import { buildSweepReport } from '../scoring/build-sweep-report.js';
import { scoreRung } from '../scoring/score-rung.js';
import type { SweepReport } from '../scoring/report-types.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import { validateRecordedSpec } from '../spec/sweep-spec.js';
import { ArtifactNotFoundError } from '../store/errors.js';
import { sweepKeys } from '../store/keys.js';
import { SpecConflictError, toApplicationFailure } from './failures.js';
import { withKeepalives } from './keepalive.js';
import { mapLimit } from './map-limit.js';
import type { StoreProvider } from './store-cache.js';
import { canonicalJson, readStoredSpec, SPEC_RECORD_VERSION, type StoredSpec } from './stored-spec.js';
import { outcomeFromResult, readCandidateResult } from './training-activities.js';
import type {
  CandidateOutcome,
  PrepareSweepInput,
  PrepareSweepOutput,
  ScoreRungInput,
  ScoreRungOutput,
  ScoreSweepInput,
  ScoreSweepOutput,
} from './types.js';

export interface OrchestratorActivityDeps {
  stores: StoreProvider;
  /** Renders report.html. @default none: only report.json is written */
  renderHtml?: (report: SweepReport) => Promise<string>;
  now?: () => Date;
}

/** The sweep's recorded spec.json. @throws ArtifactNotFoundError when it is missing. */
async function requireStoredSpec(
  store: ArtifactStore,
  sweepId: string,
  storeUri: string,
): Promise<StoredSpec> {
  const stored = await readStoredSpec(store, sweepId);
  if (!stored)
    throw new ArtifactNotFoundError(`sweep ${sweepId} has no spec.json in ${storeUri}`, {
      uri: storeUri,
    });
  return stored;
}

/** What the workflow keeps of a sweep's report: the ranking, the candidates it could not score, the keys. */
function scoreSweepOutputOf(
  report: SweepReport,
  outcomes: ScoreSweepInput['outcomes'],
  keys: ReturnType<typeof sweepKeys>,
): ScoreSweepOutput {
  return {
    winner: report.winner,
    ranking: report.candidates
      .filter((c) => c.rank !== null)
      .map((c) => ({
        candidateId: c.candidateId,
        rank: c.rank!,
        betaEff: c.betaEff,
        score: c.score?.value ?? null,
        rule: report.selection.appliedRule,
        predictedAccuracy: c.predictedAccuracy?.mean ?? null,
      })),
    unscorable: report.candidates.flatMap((c) => {
      const trained = outcomes.find((o) => o.candidateId === c.candidateId);
      return trained?.status === 'succeeded' && c.status === 'failed' && c.failure
        ? [{ candidateId: c.candidateId, failure: c.failure }]
        : [];
    }),
    reportKey: keys.reportJson,
    reportHtmlKey: keys.reportHtml,
    direction: report.selection.direction,
    confidence: report.decision?.confidence ?? null,
    warnings: report.warnings ?? [],
  };
}

/** The injected clock, or the system's. */
function clockOf(deps: OrchestratorActivityDeps): () => Date {
  return deps.now ?? (() => new Date());
}

/**
 * Records spec.json unless the sweep already has one.
 * @throws SpecConflictError when the recorded spec differs from `spec`.
 */
async function recordSpecOnce(
  store: ArtifactStore,
  stored: Pick<StoredSpec, 'sweepId' | 'storeUri' | 'spec'>,
  specKey: string,
  now: () => Date,
): Promise<void> {
  const { sweepId, storeUri, spec } = stored;
  const existing = await readStoredSpec(store, sweepId);
  if (existing && canonicalJson(existing.spec) !== canonicalJson(spec)) {
    throw new SpecConflictError(
      `sweep ${sweepId} already exists in ${storeUri} with a different spec; resume it with \`ncap sweep resume ${sweepId}\` or start with a new --id`,
    );
  }
  if (!existing) {
    const record: StoredSpec = {
      version: SPEC_RECORD_VERSION,
      sweepId,
      storeUri,
      spec,
      createdAt: now().toISOString(),
    };
    await store.put(specKey, `${JSON.stringify(record, null, 2)}\n`, {
      contentType: 'application/json',
    });
  }
}

/** Outcomes of the candidates whose result.json is already stored (a resumed sweep). */
async function readFinishedOutcomes(
  store: ArtifactStore,
  sweepId: string,
  ids: readonly string[],
  keys: ReturnType<typeof sweepKeys>,
): Promise<CandidateOutcome[]> {
  // Bounded fan-out of small reads: a resumed sweep of hundreds of candidates must not open hundreds of sockets.
  const results = await mapLimit(ids, 16, (id) => readCandidateResult(store, sweepId, id));
  return results.flatMap((result, i) =>
    result ? [outcomeFromResult(result, keys.candidate(ids[i]!).result, true)] : [],
  );
}

/** `prepareSweep`: validates the spec, records spec.json once, and lists the candidates already finished. */
function createPrepareSweep(deps: OrchestratorActivityDeps) {
  const now = clockOf(deps);
  return async (input: PrepareSweepInput): Promise<PrepareSweepOutput> => {
    const { sweepId, storeUri } = input;
    try {
      const spec = validateRecordedSpec(input.spec);
      const store = deps.stores.get(storeUri);
      const keys = sweepKeys(sweepId);
      await recordSpecOnce(store, { sweepId, storeUri, spec }, keys.spec, now);
      const ids = spec.candidates.map((c) => c.id);
      const finished = await readFinishedOutcomes(store, sweepId, ids, keys);
      return { candidateIds: ids, finished, specKey: keys.spec };
    } catch (error) {
      throw toApplicationFailure(error, `preparing sweep ${sweepId}`);
    }
  };
}

/** `scoreRung`: scores one rung's contenders under the spec's rule (the workflow decides the rest). */
function createScoreRung(deps: OrchestratorActivityDeps) {
  return async (input: ScoreRungInput): Promise<ScoreRungOutput> => {
    const { sweepId, storeUri } = input;
    try {
      const store = deps.stores.get(storeUri);
      const stored = await requireStoredSpec(store, sweepId, storeUri);
      const scored = await scoreRung(store, sweepId, stored.spec, input);
      return {
        appliedRule: scored.appliedRule,
        scores: scored.rows.map(({ candidateId, score, uncertainty }) => ({
          candidateId,
          score,
          uncertainty,
        })),
        unscorable: scored.unscorable,
      };
    } catch (error) {
      throw toApplicationFailure(error, `scoring a rung of sweep ${sweepId}`);
    }
  };
}

/** `scoreSweep`: the reduce; writes report.json (report.html with a renderer) and records observed runs. */
function createScoreSweep(deps: OrchestratorActivityDeps) {
  const now = clockOf(deps);
  return async (input: ScoreSweepInput): Promise<ScoreSweepOutput> => {
    const { sweepId, storeUri } = input;
    try {
      const store = deps.stores.get(storeUri);
      const stored = await requireStoredSpec(store, sweepId, storeUri);
      // Observed runs come from the dataset's history (and the spec's file); full-training results add to it.
      const report = await buildSweepReport(store, sweepId, stored.spec, input.outcomes, {
        recordObservedRuns: true,
        now,
        ...(input.bracket ? { bracket: input.bracket } : {}),
      });
      const keys = sweepKeys(sweepId);
      await store.put(keys.reportJson, `${JSON.stringify(report, null, 2)}\n`, {
        contentType: 'application/json',
      });
      if (deps.renderHtml) {
        await store.put(keys.reportHtml, await deps.renderHtml(report), {
          contentType: 'text/html; charset=utf-8',
        });
      }
      return scoreSweepOutputOf(report, input.outcomes, keys);
    } catch (error) {
      throw toApplicationFailure(error, `scoring sweep ${sweepId}`);
    }
  };
}

/** The orchestrator worker's activities over `deps`: `prepareSweep`, `scoreRung` and `scoreSweep`. */
export function createOrchestratorActivities(deps: OrchestratorActivityDeps) {
  // Each heartbeats throughout, so a lost orchestrator is noticed after the heartbeat timeout.
  return withKeepalives({
    prepareSweep: createPrepareSweep(deps),
    scoreRung: createScoreRung(deps),
    scoreSweep: createScoreSweep(deps),
  });
}

export type OrchestratorActivities = ReturnType<typeof createOrchestratorActivities>;
