import { useState } from "preact/hooks";
import { endpoints, type Analysis, type Job, type Quiz } from "../api/endpoints";
import { navigate } from "../router";
import { ErrorText, message, useLoad, when } from "../ui/common";

const isJob = (x: Quiz | Job): x is Job => "kind" in x && "status" in x && !("questions" in x);

async function waitForJob(job: Job): Promise<Job> {
  while (job.status === "queued" || job.status === "running") {
    await new Promise((r) => setTimeout(r, 1000));
    job = await endpoints.job(job.id);
  }
  return job;
}

export function Quizzes({ folderId }: { folderId: number }) {
  const [quizzes, error, reload] = useLoad(() => endpoints.quizzes(folderId), [folderId]);
  const [analysis] = useLoad(() => endpoints.analysis(folderId), [folderId]);
  const concepts = ((analysis?.data as Analysis | null)?.concepts ?? []).map((c) => c.name);
  const [count, setCount] = useState(5);
  const [difficulty, setDifficulty] = useState("medium");
  const [chosen, setChosen] = useState<string[]>([]);
  const [busy, setBusy] = useState("");
  const [genError, setGenError] = useState("");

  async function generate(e: Event) {
    e.preventDefault();
    setBusy("Writing your quiz…");
    setGenError("");
    try {
      const made = await endpoints.createQuiz(folderId, { count, difficulty, ...(chosen.length ? { concepts: chosen } : {}) });
      if (isJob(made)) {
        const job = await waitForJob(made);
        if (job.status === "failed") throw new Error(job.error || "The quiz could not be generated.");
        const id = (job.result as { quiz_id?: number } | null)?.quiz_id;
        if (id) return navigate(`/quizzes/${id}`);
        reload();
      } else {
        navigate(`/quizzes/${made.id}`);
      }
    } catch (err) {
      setGenError(message(err));
    } finally {
      setBusy("");
    }
  }

  return (
    <div>
      <form class="card" onSubmit={generate} aria-label="Generate a quiz">
        <h2>New quiz</h2>
        <div class="row wrap fields-row">
          <p class="field"><label for="q-count">Questions</label>
            <input id="q-count" type="number" min={1} max={20} value={count} onInput={(e) => setCount(Number((e.target as HTMLInputElement).value))} /></p>
          <p class="field"><label for="q-difficulty">Difficulty</label>
            <select id="q-difficulty" value={difficulty} onChange={(e) => setDifficulty((e.target as HTMLSelectElement).value)}>
              <option value="easy">Easy</option><option value="medium">Medium</option><option value="hard">Hard</option>
            </select></p>
        </div>
        {concepts.length > 0 && (
          <fieldset class="chips">
            <legend>Concepts (none chosen: all)</legend>
            {concepts.map((c) => (
              <label key={c} class="chip">
                <input type="checkbox" checked={chosen.includes(c)}
                  onChange={(e) => setChosen((all) => (e.target as HTMLInputElement).checked ? [...all, c] : all.filter((x) => x !== c))} /> {c}
              </label>
            ))}
          </fieldset>
        )}
        <button type="submit" class="primary" disabled={!!busy}>Generate quiz</button>
        {busy && <p role="status">{busy}</p>}
        <ErrorText text={genError} />
      </form>
      <ErrorText text={error} />
      <ul class="list">
        {quizzes?.map((q) => (
          <li key={q.id} class="card row spread">
            <span><strong>{q.title}</strong> <span class="muted">· {q.questions.length} questions · {q.difficulty} · {when(q.created_at)}</span></span>
            <a class="button" href={`/quizzes/${q.id}`}>Open {q.title}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}
