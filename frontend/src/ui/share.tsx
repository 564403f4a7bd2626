// The owner's Share dialog (SPEC 11): create an invite link with a role and an expiry,
// copy it, revoke links, remove members. Loaded when the owner first opens it.
import { useEffect, useRef, useState } from "preact/hooks";
import { endpoints, type Invite, type Member, type ShareRole } from "../api/endpoints";
import { ROLE_GRANTS } from "../pages/Invite";
import { ErrorText, message, when } from "./common";

const EXPIRIES: [number, string][] = [[3600, "1 hour"], [86_400, "1 day"], [7 * 86_400, "7 days"], [30 * 86_400, "30 days"]];

const linkOf = (invite: Invite) => new URL(invite.url, location.origin).href;

/** Copy to the clipboard; where the page may not (plain http on another host), the link is
 * left in its field to copy by hand. */
async function copy(text: string, field: HTMLInputElement | null): Promise<string> {
  try {
    await navigator.clipboard.writeText(text);
    return "Link copied.";
  } catch {
    field?.select();
    return "This page may not copy: select the link in its field and press Ctrl+C (or ⌘C).";
  }
}

function NewLink({ invite, onCopied }: { invite: Invite; onCopied: (note: string) => void }) {
  const field = useRef<HTMLInputElement>(null);
  return (
    <div class="new-link">
      <label for="invite-link">Invite link ({invite.role})</label>
      <div class="row nowrap">
        <input id="invite-link" ref={field} readOnly value={linkOf(invite)} onFocus={(e) => (e.target as HTMLInputElement).select()} />
        <button type="button" class="primary" onClick={async () => onCopied(await copy(linkOf(invite), field.current))}>Copy link</button>
      </div>
    </div>
  );
}

export default function ShareDialog({ sessionId, onClose, presence }: {
  sessionId: number; onClose: () => void;
  /** Changes when people come or go, so the members' online marks follow. */
  presence: unknown;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [role, setRole] = useState<ShareRole>("viewer");
  const [expiry, setExpiry] = useState(7 * 86_400);
  const [created, setCreated] = useState<Invite | null>(null);
  const [invites, setInvites] = useState<Invite[]>([]);
  const [members, setMembers] = useState<Member[]>([]);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState("");

  useEffect(() => { ref.current?.showModal(); }, []);
  const act = (work: Promise<unknown>) => work.catch((e) => setError(message(e)));
  const loadInvites = () => act(endpoints.invites(sessionId).then((all) => setInvites(all.filter((i) => i.status === "active"))));
  const loadMembers = () => act(endpoints.members(sessionId).then(setMembers));
  useEffect(() => { void loadInvites(); }, [sessionId]);
  useEffect(() => { void loadMembers(); }, [sessionId, presence]);

  async function create(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError("");
    await act(endpoints.createInvite(sessionId, role, expiry).then((invite) => { setCreated(invite); return loadInvites(); }));
    setBusy(false);
  }
  const revoke = (code: string) => act(endpoints.revokeInvite(code).then(() => {
    if (created?.code === code) setCreated(null);
    return Promise.all([loadInvites(), loadMembers()]);  // who joined through the link leaves with it
  }));
  const remove = (userId: number) => act(endpoints.removeMember(sessionId, userId).then(loadMembers));

  return (
    <dialog ref={ref} class="dialog share" aria-labelledby="share-title" onClose={onClose}>
      <div class="row spread nowrap">
        <h2 id="share-title">Share this lesson</h2>
        <button type="button" class="link" onClick={() => ref.current?.close()}>Close</button>
      </div>
      <form class="share-form" onSubmit={create}>
        <p class="field">
          <label for="share-role">Role</label>
          <select id="share-role" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value as ShareRole)}>
            <option value="viewer">Viewer</option>
            <option value="editor">Editor</option>
          </select>
        </p>
        <p class="field">
          <label for="share-expiry">Link expires after</label>
          <select id="share-expiry" value={expiry} onChange={(e) => setExpiry(Number((e.target as HTMLSelectElement).value))}>
            {EXPIRIES.map(([seconds, label]) => <option key={seconds} value={seconds}>{label}</option>)}
          </select>
        </p>
        <p class="muted small grant">{role === "editor" ? "An editor" : "A viewer"} can {ROLE_GRANTS[role]}.</p>
        <button type="submit" class="primary" disabled={busy}>Create link</button>
      </form>
      {created && <NewLink key={created.code} invite={created} onCopied={setNote} />}
      <p class="muted small" role="status">{note}</p>
      <ErrorText text={error} />
      <h3>Active links</h3>
      {invites.length === 0 ? <p class="muted">No active links.</p> : (
        <ul class="share-list" aria-label="Active links">
          {invites.map((i) => (
            <li key={i.code}>
              <span><span class={`role role-${i.role}`}>{i.role}</span> until {when(i.expires_at, true)}
                <span class="muted"> · {i.accepted_count} joined</span></span>
              <span class="row nowrap">
                <button type="button" aria-label={`Copy the ${i.role} link`} onClick={async () => { setCreated(i); setNote(await copy(linkOf(i), null)); }}>Copy</button>
                <button type="button" class="danger" title="Stop this link; whoever joined through it leaves the lesson"
                  onClick={() => revoke(i.code)}>Revoke</button>
              </span>
            </li>
          ))}
        </ul>
      )}
      <h3>People</h3>
      <ul class="share-list" aria-label="Members">
        {members.map((m) => (
          <li key={m.user_id}>
            <span><span class={m.online ? "dot online" : "dot"} aria-hidden="true" /> {m.username}{" "}
              <span class={`role role-${m.role}`}>{m.role}</span><span class="sr-only">{m.online ? ", online" : ", away"}</span></span>
            {m.role !== "owner" && (
              <button type="button" class="danger" aria-label={`Remove ${m.username}`} onClick={() => remove(m.user_id)}>Remove</button>
            )}
          </li>
        ))}
      </ul>
    </dialog>
  );
}
