/**
 * The product's halving sweep against the simulation: for each zoo, a real `budget.strategy: halving`
 * sweep of the same candidates, data and training as the early runs, and whether it kept the same
 * survivors at every rung, picked the same winner and spent the same samples as the replay.
 */

/** One zoo's comparison. */
export interface ProductCheck {
  zoo: string;
  sweepId: string;
  /** Contenders per rung, as the product ran them and as simulated. */
  productRungs: number[];
  simulatedRungs: number[];
  sameSurvivors: boolean;
  /** Where they differ, one line each. */
  differences: string[];
  productWinner: string;
  simulatedWinner: string;
  productSamples: number;
  simulatedSamples: number;
}
