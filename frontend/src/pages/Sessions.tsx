import { endpoints, type Session } from "../api/endpoints";
import { ErrorText, useLoad, when } from "../ui/common";
import { startLesson } from "./Folder";

/** Resume an active lesson, or read an ended one's analysis. */
export function SessionAction({ session: s, resume }: { session: Session; resume: string }) {
  return s.status === "active"
    ? <a class="button" href={`/learn/${s.id}`}>{resume} lesson {s.id}</a>
    : <a class="button" href={`/sessions/${s.id}/analysis`}>Analysis of lesson {s.id}</a>;
}

export function Sessions({ folderId }: { folderId: number }) {
  const [sessions, error] = useLoad(() => endpoints.sessions().then((all) => all.filter((s) => s.folder_id === folderId)), [folderId]);
  return (
    <div>
      <button type="button" class="primary" onClick={() => startLesson(folderId)}>Start a lesson</button>
      <ErrorText text={error} />
      {sessions && !sessions.length && <p class="muted">No lessons yet.</p>}
      <ul class="list">
        {sessions?.map((s) => (
          <li key={s.id} class="card row spread">
            <span><strong>Lesson {s.id}</strong> <span class="muted">· started {when(s.started_at)} · {s.turn_count} turns · {s.status}</span></span>
            <SessionAction session={s} resume="Resume" />
          </li>
        ))}
      </ul>
    </div>
  );
}
