/** The report page's stylesheet, inlined into `report.html` (no external fonts or files). */
import { REPORT_COLORS, REPORT_FONT } from './chart-theme.js';

export const REPORT_CSS = `
:root {
  --text: ${REPORT_COLORS.text};
  --muted: #6b7280;
  --border: #e5e7eb;
  --page: #f3f4f6;
  --card: #ffffff;
  --winner: ${REPORT_COLORS.winner};
  --winner-bg: #fff7ed;
  --winner-border: #fed7aa;
  --ok: #047857;
  --ok-bg: #ecfdf5;
  --bad: #b91c1c;
  --bad-bg: #fef2f2;
  --warn: #b45309;
  --warn-bg: #fffbeb;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--page); color: var(--text);
  font: 14px/1.5 ${REPORT_FONT};
}
.page { max-width: 1320px; margin: 0 auto; padding: 28px 24px 40px; }
h1 { font-size: 26px; line-height: 1.25; margin: 2px 0 6px; letter-spacing: -0.01em; overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 0 0 4px; }
.eyebrow { margin: 0; color: var(--muted); font-size: 12px; font-weight: 600; letter-spacing: 0.08em; text-transform: uppercase; }
.subtitle { margin: 0 0 20px; color: var(--muted); }
.mono { font-family: var(--mono); font-size: 0.92em; overflow-wrap: anywhere; }
.card { background: var(--card); border: 1px solid var(--border); border-radius: 10px; padding: 20px 22px; margin: 0 0 20px;
  box-shadow: 0 1px 2px rgba(17, 24, 39, 0.04); }
.section-note { margin: 0 0 14px; color: var(--muted); max-width: 78ch; }
.warnings { border-left: 4px solid #d97706; }
.warnings ul { margin: 0; padding-left: 20px; }
.header-grid { display: grid; grid-template-columns: minmax(260px, 1fr) 2fr; gap: 20px; margin-bottom: 20px; }
@media (max-width: 820px) { .header-grid { grid-template-columns: 1fr; } }
.winner-card { border-radius: 10px; padding: 18px 20px; background: var(--winner-bg); border: 1px solid var(--winner-border); }
.winner-card .label { font-size: 12px; font-weight: 700; letter-spacing: 0.08em; text-transform: uppercase; color: var(--winner); }
.winner-card .winner-id { font-size: 22px; font-weight: 700; margin: 4px 0 10px; overflow-wrap: anywhere; }
.winner-card dl.deciding { display: block; }
.winner-card dl.deciding dt { font-size: 12.5px; }
.winner-card dl.deciding dd { font-size: 22px; line-height: 1.3; margin-bottom: 4px; }
.winner-card .info-label { margin: 12px 0 2px; color: var(--muted); font-size: 11.5px; font-weight: 600; letter-spacing: 0.04em; text-transform: uppercase; }
.winner-card dl.info dd { font-weight: 500; color: #374151; }
.winner-card dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 14px; margin: 0; }
.winner-card dt { color: var(--muted); }
.winner-card dd { margin: 0; font-variant-numeric: tabular-nums; font-weight: 600; }
.winner-card.no-winner { background: var(--bad-bg); border-color: #fecaca; }
.winner-card.no-winner .label { color: var(--bad); }
.winner-card.no-winner .winner-id { font-size: 17px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 18px; margin: 0; padding: 18px 20px;
  background: var(--card); border: 1px solid var(--border); border-radius: 10px; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 12px; font-weight: 600; line-height: 20px;
  background: #eef2ff; color: #3730a3; white-space: nowrap; vertical-align: 1px; }
.table-wrap { overflow-x: auto; margin: 0 -22px; padding: 0 22px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 6px 6px; border-bottom: 1px solid var(--border); text-align: left; vertical-align: top; }
thead th { position: sticky; top: 0; background: #f9fafb; color: #374151; font-size: 12px; font-weight: 600; line-height: 1.3;
  white-space: nowrap; vertical-align: bottom;
  border-bottom: 1px solid #d1d5db; }
tbody tr:hover { background: #f9fafb; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
/* Two-part values ("83.1% ± 1.2", "2.3M + 330k") break before their second part rather than widen the table. */
td.num.two-part { white-space: normal; min-width: 4.5rem; }
.second { white-space: nowrap; }
.breakdown { display: block; color: var(--muted); font-size: 11px; line-height: 1.3; }
.logme-note { white-space: normal; min-width: 9rem; }
td.nowrap { white-space: nowrap; }
td.candidate { min-width: 10rem; }
.candidate-id { font-weight: 600; overflow-wrap: anywhere; }
.labels { display: block; max-width: 12rem; margin-top: 1px; color: var(--muted); font-size: 11.5px; line-height: 1.35; overflow-wrap: anywhere; }
thead th .sub { color: var(--muted); font-weight: 500; }
tr.winner { background: var(--winner-bg); }
tr.winner:hover { background: #ffedd5; }
tr.winner td:first-child { box-shadow: inset 3px 0 0 var(--winner); }
tr.winner .candidate-id { color: var(--winner); }
.winner-tag { display: inline-block; margin-left: 2px; white-space: nowrap; padding: 0 7px; border-radius: 999px; background: var(--winner); color: #fff;
  font-size: 11px; font-weight: 700; line-height: 18px; vertical-align: 1px; }
tr.status-failed td, tr.status-cancelled td { color: var(--muted); }
.status { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 12px; font-weight: 600; line-height: 20px; }
.status-succeeded .status { background: var(--ok-bg); color: var(--ok); }
.status-failed .status { background: var(--bad-bg); color: var(--bad); }
.status-cancelled .status { background: var(--warn-bg); color: var(--warn); }
/* Neutral: whether a rising β_eff is good depends on the calibrated direction, not on the trend itself. */
.trend-up, .trend-down { color: #374151; }
.trend-flat, .trend-unknown { color: var(--muted); }
/* A failure is clamped to three lines inside its cell (the whole text is its tooltip and in report.json), so a
   long message neither widens the table past its card nor makes its row tall. */
td.failure { min-width: 8rem; color: var(--bad) !important; font-size: 12.5px; }
.failure-text { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3; line-clamp: 3; overflow: hidden;
  overflow-wrap: anywhere; }
td.wrap-at-dots { min-width: 7rem; }
.chart { margin: 0; }
.chart svg { display: block; max-width: 100%; height: auto; }
.chart-missing { margin: 0; padding: 28px; text-align: center; color: var(--muted); background: #f9fafb; border: 1px dashed var(--border);
  border-radius: 8px; }
.metrics td.best { font-weight: 700; }
.interval { display: block; color: var(--muted); font-size: 11.5px; font-weight: 400; }
.hit { color: var(--ok); font-weight: 600; }
.miss { color: var(--bad); font-weight: 600; }
.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 0 32px; margin: 0; }
.meta div { display: grid; grid-template-columns: 10rem 1fr; gap: 12px; padding: 5px 0; border-bottom: 1px solid #f3f4f6; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; overflow-wrap: anywhere; }
footer { color: var(--muted); font-size: 12px; text-align: center; margin-top: 8px; }
@media print {
  body { background: #fff; }
  .card { box-shadow: none; break-inside: avoid; }
  thead th { position: static; }
}
`;
