import { endpoints } from "../api/endpoints";
import { ErrorText, useLoad, when } from "../ui/common";
import { startLesson } from "./Folder";

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
            {s.status === "active"
              ? <a class="button" href={`/learn/${s.id}`}>Resume lesson {s.id}</a>
              : <a class="button" href={`/sessions/${s.id}/analysis`}>Analysis of lesson {s.id}</a>}
          </li>
        ))}
      </ul>
    </div>
  );
}
