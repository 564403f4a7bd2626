import { useEffect } from "preact/hooks";
import { endpoints } from "../api/endpoints";
import { ErrorText, useLoad } from "../ui/common";

type Result = {
  summary: string; effectiveness: number; strengths: string[]; gaps: string[];
  concept_changes: { concept: string; before: number; after: number }[]; recommendations: string[];
};
const pct = (p: number) => `${Math.round(p * 100)}%`;

export function SessionAnalysisPage({ id }: { id: number }) {
  const [session] = useLoad(() => endpoints.session(id), [id]);
  const [analysis, error, reload] = useLoad(() => endpoints.sessionAnalysis(id), [id]);
  useEffect(() => {
    if (analysis && (analysis.status === "queued" || analysis.status === "running")) {
      const t = setTimeout(reload, 1500);
      return () => clearTimeout(t);
    }
  }, [analysis]);
  const result = analysis?.status === "done" ? (analysis.result as Result) : null;
  return (
    <main id="main" class="page narrow">
      {session && <p class="crumbs"><a href={`/folders/${session.folder_id}/sessions`}>Sessions</a> ›</p>}
      <h1>Lesson {id}: how it went</h1>
      <ErrorText text={error} />
      {analysis && !result && analysis.status !== "failed" && <p role="status">Analysing your lesson…</p>}
      {analysis?.status === "failed" && <p class="error">The analysis failed: {analysis.error}</p>}
      {result && (
        <>
          <p class="big">Effectiveness: <strong>{result.effectiveness}%</strong></p>
          <p>{result.summary}</p>
          <div class="cols">
            <section class="card"><h2>Strengths</h2><ul>{result.strengths.map((s) => <li key={s}>{s}</li>)}</ul>{!result.strengths.length && <p class="muted">None recorded.</p>}</section>
            <section class="card"><h2>Gaps</h2><ul>{result.gaps.map((s) => <li key={s}>{s}</li>)}</ul>{!result.gaps.length && <p class="muted">None recorded.</p>}</section>
          </div>
          {result.concept_changes.length > 0 && (
            <table class="table">
              <caption>Mastery changes in this lesson</caption>
              <thead><tr><th scope="col">Concept</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
              <tbody>{result.concept_changes.map((c) => <tr key={c.concept}><th scope="row">{c.concept}</th><td>{pct(c.before)}</td><td>{pct(c.after)}</td></tr>)}</tbody>
            </table>
          )}
          <h2>Next steps</h2>
          <ul>{result.recommendations.map((s) => <li key={s}>{s}</li>)}</ul>
          {session && <a class="button primary" href={`/folders/${session.folder_id}`}>Back to the subject</a>}
        </>
      )}
    </main>
  );
}
