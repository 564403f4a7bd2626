import { useState } from "preact/hooks";
import { endpoints, type Attempt } from "../api/endpoints";
import { navigate } from "../router";
import { ErrorText, message, useLoad } from "../ui/common";
import { inline } from "../ui/markdown";

type Answer = { option_index?: number; text?: string };

function Results({ attempt }: { attempt: Attempt }) {
  return (
    <section aria-label="Results">
      <h2>Score: {attempt.correct_count} of {attempt.total} ({Math.round(attempt.score * 100)}%)</h2>
      <ol class="list">
        {attempt.results.map((r) => (
          <li key={r.question_id} class={`card result ${r.correct ? "ok" : "wrong"}`}>
            <p><strong>{inline(r.prompt)}</strong></p>
            <p>{r.correct ? "✓ Correct" : "✗ Not quite"}{r.text ? `: you wrote “${r.text}”` : ""}</p>
            {r.feedback && <p>{inline(r.feedback)}</p>}
            {r.quote && !r.feedback?.includes(r.quote) && <blockquote>{r.quote}</blockquote>}
          </li>
        ))}
      </ol>
    </section>
  );
}

export function QuizPage({ id, results }: { id: number; results: boolean }) {
  const [quiz, error] = useLoad(() => endpoints.quiz(id), [id]);
  const [attempts] = useLoad(() => endpoints.attempts(id), [id, results]);
  const [answers, setAnswers] = useState<Record<number, Answer>>({});
  const [busy, setBusy] = useState(false);
  const [submitError, setSubmitError] = useState("");
  const latest = attempts?.[0];

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    try {
      await endpoints.submitAttempt(id, Object.entries(answers).map(([q, a]) => ({ question_id: Number(q), ...a })));
      navigate(`/quizzes/${id}/results`);
    } catch (err) {
      setSubmitError(message(err));
    } finally {
      setBusy(false);
    }
  }

  const set = (q: number, a: Answer) => setAnswers((all) => ({ ...all, [q]: a }));
  return (
    <main id="main" class="page narrow">
      {quiz && <p class="crumbs"><a href={`/folders/${quiz.folder_id}/quizzes`}>Quizzes</a> ›</p>}
      <h1>{quiz?.title ?? "Quiz"}</h1>
      <ErrorText text={error} />
      {results && latest && <Results attempt={latest} />}
      {results && attempts && !latest && <p>No answers submitted yet.</p>}
      {!results && quiz?.warning && <p class="notice" role="status">{quiz.warning}</p>}
      {!results && quiz && (
        <form onSubmit={submit}>
          {quiz.questions.map((q, i) => (
            <fieldset key={q.id} class="card question">
              <legend>{i + 1}. {inline(q.prompt)}</legend>
              {q.kind === "mcq" ? (
                (q.options as string[]).map((o, j) => (
                  <label key={j} class="option">
                    <input type="radio" name={`q${q.id}`} checked={answers[q.id]?.option_index === j} onChange={() => set(q.id, { option_index: j })} /> {inline(o)}
                  </label>
                ))
              ) : (
                <>
                  <label for={`q${q.id}-text`} class="sr-only">Your answer</label>
                  <textarea id={`q${q.id}-text`} rows={3} maxLength={4000} onInput={(e) => set(q.id, { text: (e.target as HTMLTextAreaElement).value })} />
                </>
              )}
            </fieldset>
          ))}
          <ErrorText text={submitError} />
          <button type="submit" class="primary" disabled={busy || Object.keys(answers).length === 0}>Submit answers</button>
          {latest && <p><a href={`/quizzes/${id}/results`}>See your last results</a></p>}
        </form>
      )}
    </main>
  );
}
