import { render } from "preact";
import { lazy, Suspense } from "preact/compat";
import { useEffect } from "preact/hooks";
import "./styles/app.css";
import { signedIn, signOut } from "./api/http";
import { match, navigate, nextPath, onLinkClick, path } from "./router";
import { Login, Register } from "./pages/Auth";
import { Subjects } from "./pages/Subjects";
import { Folder } from "./pages/Folder";
import { InvitePage } from "./pages/Invite";
import { QuizPage } from "./pages/Quiz";
import { SessionAnalysisPage } from "./pages/SessionAnalysis";
import { Toasts } from "./ui/toast";

// The Learn page carries the board (yjs, y-websocket): loaded only when opened.
const Learn = lazy(() => import("./pages/Learn").then((m) => m.Learn));

function Header() {
  return (
    <header class="topbar">
      <a class="brand" href="/">AI Tutor</a>
      {signedIn.value && (
        <nav aria-label="Account">
          <a href="/">Subjects</a>
          <button type="button" class="link" onClick={() => { signOut(); navigate("/login"); }}>Log out</button>
        </nav>
      )}
    </header>
  );
}

function Page() {
  const route = match(path.value);
  const open = route.page === "login" || route.page === "register";
  const invite = route.page === "invite"; // asks a signed-out visitor to sign in, then comes back
  useEffect(() => {
    if (!signedIn.value && !open && !invite) navigate(`/login`, true);
    if (signedIn.value && open) navigate(nextPath(), true); // the one way on after signing in
  }, [signedIn.value, open]);
  if (!signedIn.value && !open && !invite) return null;
  switch (route.page) {
    case "login": return <Login />;
    case "register": return <Register />;
    case "subjects": return <Subjects />;
    case "folder": return <Folder id={route.id} tab={route.tab} />;
    case "quiz": return <QuizPage id={route.id} results={route.results} />;
    case "learn": return <Suspense fallback={<p class="loading">Loading the lesson…</p>}><Learn id={route.id} /></Suspense>;
    case "analysis": return <SessionAnalysisPage id={route.id} />;
    case "invite": return <InvitePage code={route.code} />;
    default: return <main class="page"><h1>Page not found</h1><p><a href="/">Back to your subjects</a></p></main>;
  }
}

function App() {
  const learn = match(path.value).page === "learn";
  return (
    <div class={learn ? "app app-learn" : "app"} onClick={onLinkClick}>
      <a class="skip" href="#main">Skip to content</a>
      {!learn && <Header />}
      <Page />
      <Toasts />
    </div>
  );
}

render(<App />, document.getElementById("app")!);
