import { useState } from "preact/hooks";
import { endpoints, type Folder } from "../api/endpoints";
import { Confirm, ErrorText, message, useLoad, when } from "../ui/common";
import { SessionAction } from "./Sessions";

/** Lessons other people shared with this learner, with the role they have in each. */
function SharedWithMe() {
  const [sessions] = useLoad(() => endpoints.sessions().then((all) => all.filter((s) => s.role && s.role !== "owner")), []);
  if (!sessions?.length) return null;
  return (
    <section aria-labelledby="shared-heading">
      <h2 id="shared-heading">Shared with you</h2>
      <ul class="list">
        {sessions.map((s) => (
          <li key={s.id} class="card row spread shared-session">
            <span>
              <strong>{s.folder_name || `Lesson ${s.id}`}</strong>{s.owner && <> · {s.owner.username}'s lesson</>}{" "}
              <span class={`role role-${s.role}`}>{s.role}</span>
              <span class="muted"> · started {when(s.started_at)} · {s.status}</span>
            </span>
            <SessionAction session={s} resume="Open" />
          </li>
        ))}
      </ul>
    </section>
  );
}

function SubjectRow({ folder, reload }: { folder: Folder; reload: () => void }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(folder.name);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState("");
  const act = (work: Promise<unknown>) => work.then(() => { setEditing(false); reload(); }, (e) => setError(message(e)));
  return (
    <li class="card subject">
      {editing ? (
        <form class="row" onSubmit={(e) => { e.preventDefault(); act(endpoints.renameFolder(folder.id, name)); }}>
          <label class="sr-only" for={`rename-${folder.id}`}>New name for {folder.name}</label>
          <input id={`rename-${folder.id}`} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} maxLength={200} />
          <button type="submit" class="primary">Save</button>
          <button type="button" onClick={() => setEditing(false)}>Cancel</button>
        </form>
      ) : (
        <>
          <h2><a href={`/folders/${folder.id}`}>{folder.name}</a></h2>
          <p class="muted">{folder.document_count} document{folder.document_count === 1 ? "" : "s"}{folder.description ? ` · ${folder.description}` : ""}</p>
          <div class="row">
            <button type="button" onClick={() => setEditing(true)} aria-label={`Rename ${folder.name}`}>Rename</button>
            <button type="button" class="danger" onClick={() => setConfirming(true)} aria-label={`Delete ${folder.name}`}>Delete</button>
          </div>
        </>
      )}
      <ErrorText text={error} />
      <Confirm open={confirming} title={`Delete “${folder.name}”?`} confirm="Delete subject"
        onConfirm={() => act(endpoints.deleteFolder(folder.id))} onClose={() => setConfirming(false)}>
        <p>Its documents, lessons and quizzes will no longer be shown.</p>
      </Confirm>
    </li>
  );
}

export function Subjects() {
  const [folders, error, reload] = useLoad(endpoints.folders, []);
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState("");
  const [createError, setCreateError] = useState("");
  async function create(e: Event) {
    e.preventDefault();
    try {
      await endpoints.createFolder(name.trim());
      setName("");
      setCreating(false);
      reload();
    } catch (err) {
      setCreateError(message(err));
    }
  }
  return (
    <main id="main" class="page">
      <div class="row spread">
        <h1>Your subjects</h1>
        <button type="button" class="primary" onClick={() => setCreating(true)}>New subject</button>
      </div>
      {creating && (
        <form class="card row" onSubmit={create}>
          <label for="new-subject">Subject name</label>
          <input id="new-subject" value={name} required maxLength={200} autoFocus onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <button type="submit" class="primary" disabled={!name.trim()}>Create subject</button>
          <button type="button" onClick={() => setCreating(false)}>Cancel</button>
          <ErrorText text={createError} />
        </form>
      )}
      <ErrorText text={error} />
      {folders && folders.length === 0 && (
        <div class="empty card">
          <h2>No subjects yet</h2>
          <p>A subject is a folder for one topic you are studying: add your notes, slides or chapters to it, and the tutor builds a lesson from them.</p>
        </div>
      )}
      <ul class="subjects">{folders?.map((f) => <SubjectRow key={f.id} folder={f} reload={reload} />)}</ul>
      <SharedWithMe />
    </main>
  );
}
