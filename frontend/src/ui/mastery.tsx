// The mastery map: P(known) bars with the mastered line, weakest first, and the same
// data as a table (the chart is aria-hidden; the table is what screen readers read).
import type { ConceptMastery } from "../api/endpoints";

export const MASTERED = 0.95;
const TREND: Record<string, string> = { up: "↑ rising", down: "↓ falling", flat: "→ steady", new: "new" };

export function MasteryChart({ items }: { items: ConceptMastery[] }) {
  const sorted = [...items].sort((a, b) => a.p_known - b.p_known);
  // No viewBox: a scaled viewBox shrank the labels to ~7 px on a phone. Text keeps its
  // pixel size; bars are percentages of the chart's width, each under its full label.
  const row = 40;
  const track = 84; // % of the width; the rest holds the percentage
  const height = sorted.length * row + 22;
  return (
    <div class="mastery">
      <div class="mastery-chart" aria-hidden="true">
        <svg width="100%" height={height} overflow="visible">
          {sorted.map((c, i) => (
            <g key={c.concept} transform={`translate(0 ${i * row + 8})`}>
              <text x="0" y={14} font-size="14" fill="#1f2937">{c.concept}</text>
              <rect x="0" y={20} width={`${track}%`} height={14} fill="#e5e7eb" rx="3" />
              <rect x="0" y={20} width={`${track * c.p_known}%`} height={14} fill={c.mastered ? "#15803d" : "#1d4ed8"} rx="3" />
              <text x={`${track}%`} dx="8" y={32} font-size="14" fill="#1f2937">{Math.round(c.p_known * 100)}%</text>
            </g>
          ))}
          <line x1={`${track * MASTERED}%`} x2={`${track * MASTERED}%`} y1={24} y2={height - 16} stroke="#b91c1c" stroke-dasharray="4 3" />
          <text x={`${track * MASTERED}%`} y={height - 4} font-size="13" text-anchor="middle" fill="#b91c1c">mastered</text>
        </svg>
      </div>
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Mastery table">
      <table class="table">
        <caption>Mastery by concept, weakest first</caption>
        <thead><tr><th scope="col">Concept</th><th scope="col">P(known)</th><th scope="col">Attempts</th><th scope="col">Correct</th><th scope="col">Trend</th><th scope="col">Mastered</th></tr></thead>
        <tbody>
          {sorted.map((c) => (
            <tr key={c.concept}>
              <th scope="row">{c.concept}</th><td>{Math.round(c.p_known * 100)}%</td><td>{c.attempts}</td><td>{c.correct}</td>
              <td>{TREND[c.trend] ?? c.trend}</td><td>{c.mastered ? "yes" : "no"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </div>
  );
}
