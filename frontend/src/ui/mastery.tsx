// The mastery map: P(known) bars with the mastered line, weakest first, and the same
// data as a table (the chart is aria-hidden; the table is what screen readers read).
import type { ConceptMastery } from "../api/endpoints";

export const MASTERED = 0.95;
const TREND: Record<string, string> = { up: "↑ rising", down: "↓ falling", flat: "→ steady", new: "new" };

export function MasteryChart({ items }: { items: ConceptMastery[] }) {
  const sorted = [...items].sort((a, b) => a.p_known - b.p_known);
  const row = 28;
  const label = 180;
  const width = 600;
  const bar = width - label - 60;
  const height = sorted.length * row + 24;
  return (
    <div class="mastery">
      <svg viewBox={`0 0 ${width} ${height}`} class="mastery-chart" aria-hidden="true" role="img">
        {sorted.map((c, i) => (
          <g key={c.concept} transform={`translate(0 ${i * row + 8})`}>
            <text x={label - 8} y={15} text-anchor="end" font-size="13" fill="#1f2937">{c.concept.slice(0, 24)}</text>
            <rect x={label} y={2} width={bar} height={18} fill="#e5e7eb" rx="3" />
            <rect x={label} y={2} width={bar * c.p_known} height={18} fill={c.mastered ? "#15803d" : "#1d4ed8"} rx="3" />
            <text x={label + bar + 6} y={15} font-size="12" fill="#1f2937">{Math.round(c.p_known * 100)}%</text>
          </g>
        ))}
        <line x1={label + bar * MASTERED} x2={label + bar * MASTERED} y1={0} y2={height} stroke="#b91c1c" stroke-dasharray="4 3" />
        <text x={label + bar * MASTERED - 4} y={height - 2} font-size="11" text-anchor="end" fill="#b91c1c">mastered</text>
      </svg>
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
