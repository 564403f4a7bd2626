import { useState } from "preact/hooks";
import { ApiError, logIn } from "../api/http";
import { endpoints } from "../api/endpoints";
import { ErrorText, message } from "../ui/common";

function Field(props: { label: string; name: string; type?: string; value: string; onInput: (v: string) => void; errors?: string[]; autocomplete: string }) {
  const id = `f-${props.name}`;
  const err = props.errors?.join(" ");
  return (
    <p class="field">
      <label for={id}>{props.label}</label>
      <input id={id} name={props.name} type={(props.type ?? "text") as "text"} value={props.value} required
        autocomplete={props.autocomplete} aria-invalid={err ? "true" : undefined} aria-describedby={err ? `${id}-err` : undefined}
        onInput={(e) => props.onInput((e.target as HTMLInputElement).value)} />
      {err && <span id={`${id}-err`} class="field-error">{err}</span>}
    </p>
  );
}

function AuthForm({ mode }: { mode: "login" | "register" }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);
  const register = mode === "register";

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError("");
    setFields({});
    try {
      if (register) await endpoints.register(username, password);
      await logIn(username, password); // signed in, the app's gate goes on to ?next= (main.tsx)
    } catch (err) {
      if (err instanceof ApiError && Object.keys(err.fields).length) setFields(err.fields);
      else setError(err instanceof ApiError && err.status === 401 ? "Wrong username or password." : message(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" class="page narrow">
      <h1>{register ? "Create your account" : "Log in to AI Tutor"}</h1>
      <p class="muted">Upload your study material; the tutor reads it, plans a lesson and teaches you with a live whiteboard.</p>
      <form onSubmit={submit} class="card" noValidate>
        <Field label="Username" name="username" value={username} onInput={setUsername} errors={fields.username} autocomplete="username" />
        <Field label="Password" name="password" type="password" value={password} onInput={setPassword} errors={fields.password}
          autocomplete={register ? "new-password" : "current-password"} />
        <ErrorText text={error} />
        <button type="submit" class="primary" disabled={busy}>{register ? "Create account" : "Log in"}</button>
      </form>
      <p>{register ? <>Already have an account? <a href={`/login${location.search}`}>Log in</a></>
        : <>New here? <a href={`/register${location.search}`}>Create an account</a></>}</p>
    </main>
  );
}

export const Login = () => <AuthForm mode="login" />;
export const Register = () => <AuthForm mode="register" />;
