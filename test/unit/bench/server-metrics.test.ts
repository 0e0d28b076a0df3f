import { describe, expect, it } from 'vitest';
import { median } from '../../../bench/history-profile.js';
import { metricsUrlFromLog, sumBusyWorkflowRetries } from '../../../bench/server-metrics.js';

describe('bench:orchestration readings', () => {
  it("finds the metrics address in the Temporal CLI's start-up banner", () => {
    const log = [
      'Temporal CLI 1.9.1 (Server 1.32.0, UI 2.54.1)',
      '',
      'Temporal Server:      localhost:33157',
      'Temporal Metrics:     http://localhost:40941/metrics',
    ].join('\n');
    expect(metricsUrlFromLog(log)).toBe('http://127.0.0.1:40941/metrics');
    expect(metricsUrlFromLog('Temporal Server: localhost:33157\n')).toBeUndefined();
  });

  it('sums busy-workflow retries over task types and ignores other causes and counters', () => {
    const page = [
      '# TYPE task_errors_throttled counter',
      'task_errors_throttled{operation="TransferActiveTaskStartChildExecution",resource_exhausted_cause="BusyWorkflow",task_type="TransferActiveTaskStartChildExecution"} 78',
      'task_errors_throttled{operation="TransferActiveTaskWorkflowTask",resource_exhausted_cause="BusyWorkflow",task_type="TransferActiveTaskWorkflowTask"} 1',
      'task_errors_throttled{operation="TransferActiveTaskWorkflowTask",resource_exhausted_cause="RpsLimit",task_type="TransferActiveTaskWorkflowTask"} 5',
      'task_attempt_sum{operation="TransferActiveTaskStartChildExecution",resource_exhausted_cause="BusyWorkflow"} 149',
    ].join('\n');
    expect(sumBusyWorkflowRetries(page)).toBe(79);
    expect(sumBusyWorkflowRetries('')).toBe(0);
  });

  it('median skips values that are not finite', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });
});
