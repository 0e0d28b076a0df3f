/**
 * Does β_eff select well? (DESIGN §7) Runs the demo sweep (the bundled zoo on Fashion-MNIST, reusing
 * finished candidates unless --fresh) and prints, for β_eff and the baselines computed on the same runs
 * (early validation accuracy, TSE), the agreement with the accuracy after full fine-tuning: Kendall τ,
 * weighted τ, Spearman ρ, top-1 hit and regret. Usage: npm run bench:selection [-- --fresh] [--json]
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { runDemo } from '../demo/demo.js';
import { runBuildTruthCli } from './truth/build-truth.js';

async function main(): Promise<void> {
  // `--build-truth`: measure a zoo's converged ground truth (scripts/bench/truth/build-truth.ts).
  if (process.argv.includes('--build-truth')) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    process.exitCode = await runBuildTruthCli(process.argv.slice(2));
    return;
  }
  const json = process.argv.includes('--json');
  const fresh = process.argv.includes('--fresh');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const outcome = await runDemo({ fresh, progress: false, log: (line) => console.error(line) });
  const evaluation = outcome.report.evaluation;
  if (!evaluation)
    throw new Error(
      'the zoo has no ground truth (labels.groundTruthAccuracy): rebuild it with npm run demo:build-zoo',
    );
  if (json) {
    console.log(
      JSON.stringify(
        {
          sweepId: outcome.sweepId,
          wallSeconds: outcome.wallSeconds,
          reused: outcome.result.reused.length,
          ...evaluation,
        },
        null,
        2,
      ),
    );
    return;
  }
  const reused = outcome.result.reused.length;
  console.log(
    `sweep ${outcome.sweepId}: ${outcome.report.candidates.length} candidates, ${outcome.wallSeconds.toFixed(0)} s${reused > 0 ? ` (${reused} reused; --fresh retrains)` : ''}`,
  );
  console.log(`truth: ${evaluation.truthSource}`);
  console.log('predictor                         kendall τ  weighted τ  spearman ρ  top-1  regret');
  for (const m of evaluation.metrics) {
    console.log(
      `${m.predictor.padEnd(32)} ${m.kendallTau.toFixed(3).padStart(10)} ${m.weightedTau.toFixed(3).padStart(11)} ${m.spearman.toFixed(3).padStart(11)} ${(m.top1Hit ? 'yes' : 'no').padStart(6)} ${m.regret.toFixed(4).padStart(7)}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
