// An invite link (SPEC 11): what it grants, then Join. Signed out, it asks to sign in
// and the sign-in comes back here (?next=).
import { useState } from "preact/hooks";
import { ApiError, signedIn } from "../api/http";
import { endpoints, type InvitePreview, type ShareRole, type User } from "../api/endpoints";
import { navigate } from "../router";
import { ErrorText, message, useLoad, when } from "../ui/common";

export const ROLE_GRANTS: Record<ShareRole, string> = {
  viewer: "see the chat and the board live, without writing or drawing",
  editor: "draw on the board, send messages and answer questions",
};

/** Why an invite cannot be used, from its status or the API's error code; "" when it can. */
function refusal(code: string, owner: string): { title: string; text: string } | null {
  switch (code) {
    case "expired": case "invite_expired":
      return { title: "This invite has expired", text: `Ask ${owner} for a new link.` };
    case "revoked": case "invite_revoked":
      return { title: "This invite was revoked", text: `${owner} no longer shares the lesson through this link. Ask them for a new one.` };
    case "session_ended": case "ended": case "analysed":
      return { title: "This lesson has ended", text: "There is nothing left to join." };
    case "not_found":
      return { title: "This invite link is not valid", text: "Check that you copied the whole link, or ask for a new one." };
    default:
      return null;
  }
}

function SignedOut({ code }: { code: string }) {
  const next = encodeURIComponent(`/invite/${code}`);
  return (
    <main id="main" class="page narrow">
      <h1>You are invited to a lesson</h1>
      <div class="card">
        <p>Someone shared a live lesson with you. Log in or create an account to see what the invite grants and join.</p>
        <div class="row">
          <a class="button primary" href={`/login?next=${next}`}>Log in to join</a>
          <a class="button" href={`/register?next=${next}`}>Create an account</a>
        </div>
      </div>
    </main>
  );
}

function Refused({ reason }: { reason: { title: string; text: string } }) {
  return (
    <div class="card invite-refused" role="alert">
      <h2>{reason.title}</h2>
      <p>{reason.text}</p>
      <p><a href="/">Back to your subjects</a></p>
    </div>
  );
}

function Grant({ invite, me }: { invite: InvitePreview; me: User }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [refusedBy, setRefusedBy] = useState("");
  const owner = invite.session.owner.username;
  const reason = refusal(refusedBy || (invite.session.status === "active" ? invite.status : invite.session.status), owner);
  if (reason) return <Refused reason={reason} />;
  if (invite.session.owner.id === me.id) {
    return (
      <div class="card">
        <h2>This is your own lesson</h2>
        <p>People you give this link to join it as {invite.role}s.</p>
        <a class="button primary" href={`/learn/${invite.session.id}`}>Open the lesson</a>
      </div>
    );
  }
  async function join() {
    setBusy(true);
    setError("");
    try {
      const joined = await endpoints.acceptInvite(invite.code);
      navigate(`/learn/${joined.session_id}`);
    } catch (err) {
      if (err instanceof ApiError && refusal(err.code, owner)) setRefusedBy(err.code);
      else setError(message(err));
      setBusy(false);
    }
  }
  return (
    <div class="card invite">
      <p class="big"><strong>{owner}</strong> invites you to their lesson on <strong>{invite.session.folder_name}</strong>.</p>
      <p>You join as <span class={`role role-${invite.role}`}>{invite.role}</span>: you can {ROLE_GRANTS[invite.role]}.</p>
      <p class="muted">The link works until {when(invite.expires_at, true)}.</p>
      <ErrorText text={error} />
      <button type="button" class="primary" disabled={busy} onClick={join}>Join lesson</button>
    </div>
  );
}

function SignedIn({ code }: { code: string }) {
  const [loaded, error] = useLoad(() => Promise.all([endpoints.invite(code), endpoints.me()]).catch((e) => {
    if (e instanceof ApiError && e.status === 404) return "not_found" as const;
    throw e;
  }), [code]);
  return (
    <main id="main" class="page narrow">
      <h1>Join a shared lesson</h1>
      <ErrorText text={error} />
      {!loaded && !error && <p class="loading">Opening the invite…</p>}
      {loaded === "not_found" && <Refused reason={refusal("not_found", "")!} />}
      {Array.isArray(loaded) && <Grant invite={loaded[0]} me={loaded[1]} />}
    </main>
  );
}

export function InvitePage({ code }: { code: string }) {
  return signedIn.value ? <SignedIn code={code} /> : <SignedOut code={code} />;
}
