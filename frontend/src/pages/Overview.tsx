import { useEffect } from "preact/hooks";
import { endpoints, type Analysis, type Artifact, type LessonPlan } from "../api/endpoints";
import { ErrorText, useLoad } from "../ui/common";
import { startLesson } from "./Folder";

function useArtifact(load: () => Promise<Artifact>, folderId: number) {
  const [artifact, error, reload] = useLoad(load, [folderId]);
  // While the pipeline is still working, look again every 2 s.
  useEffect(() => {
    if (artifact?.status !== "processing") return;
    const t = setTimeout(reload, 2000);
    return () => clearTimeout(t);
  }, [artifact]);
  return [artifact, error] as const;
}

function ArtifactState({ artifact }: { artifact: Artifact }) {
  if (artifact.status === "processing") return <p class="muted" role="status">Still reading your documents…</p>;
  if (artifact.status === "empty") return <p class="muted">Upload documents first: this is built from them.</p>;
  if (artifact.status === "failed") return <p class="error">This could not be built. Try reprocessing a document.</p>;
  return null;
}

const Offline = ({ artifact }: { artifact: Artifact }) =>
  artifact.offline ? <p class="badge-offline">Offline mode: built without a language model</p> : null;

export function Overview({ folderId }: { folderId: number }) {
  const [artifact, error] = useArtifact(() => endpoints.analysis(folderId), folderId);
  const data = artifact?.data as Analysis | null | undefined;
  return (
    <div>
      <ErrorText text={error} />
      {artifact && <ArtifactState artifact={artifact} />}
      {artifact && data && (
        <>
          <Offline artifact={artifact} />
          <h2>Summary</h2>
          <p>{data.summary}</p>
          <h2>Concepts</h2>
          <dl class="concepts">
            {data.concepts.map((c) => (
              <div key={c.name}><dt>{c.name} <span class="muted">importance {c.importance}/5</span></dt><dd>{c.definition}</dd></div>
            ))}
          </dl>
          {data.key_terms?.length > 0 && (
            <>
              <h2>Key terms</h2>
              <dl class="concepts">{data.key_terms.map((t) => <div key={t.term}><dt>{t.term}</dt><dd>{t.definition}</dd></div>)}</dl>
            </>
          )}
        </>
      )}
    </div>
  );
}

export function Plan({ folderId }: { folderId: number }) {
  const [artifact, error] = useArtifact(() => endpoints.lessonPlan(folderId), folderId);
  const plan = artifact?.data as LessonPlan | null | undefined;
  return (
    <div>
      <ErrorText text={error} />
      {artifact && <ArtifactState artifact={artifact} />}
      {artifact && plan && (
        <>
          <Offline artifact={artifact} />
          <p>{plan.description}</p>
          <ol class="plan">
            {plan.sections.map((s, i) => (
              <li key={i} class="card">
                <h2>{s.title}</h2>
                <ul>
                  {s.objectives.map((o) => (
                    <li key={o.id}>
                      <strong>{o.title}</strong> <span class="muted">· {o.estimated_minutes} min</span>
                      <p>{o.description}</p>
                      {o.concepts.length > 0 && <p class="chips" aria-label="Concepts">{o.concepts.map((c) => <span key={c} class="chip">{c}</span>)}</p>}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ol>
          <button type="button" class="primary" onClick={() => startLesson(folderId)}>Start a lesson</button>
        </>
      )}
    </div>
  );
}
