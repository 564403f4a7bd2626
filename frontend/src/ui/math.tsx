// One maths component everywhere: KaTeX loaded on first use (it is most of the JS),
// `trust: false`, and the source kept as the fallback and for copying.
import { useEffect, useRef } from "preact/hooks";

type Katex = typeof import("katex").default;
let katex: Promise<Katex> | null = null;

export function loadKatex(): Promise<Katex> {
  katex ??= Promise.all([import("katex"), import("katex/dist/katex.min.css")]).then(([m]) => m.default);
  return katex;
}

export function Math({ source, display = false }: { source: string; display?: boolean }) {
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    let live = true;
    loadKatex().then((k) => {
      if (!live || !ref.current) return;
      try {
        k.render(source, ref.current, { throwOnError: true, trust: false, displayMode: display, output: "htmlAndMathml" });
      } catch {
        ref.current.textContent = source;
      }
    });
    return () => { live = false; };
  }, [source, display]);
  // Copying typeset maths gives its LaTeX source, not KaTeX's glyph soup.
  const copy = (e: ClipboardEvent) => {
    e.clipboardData?.setData("text/plain", display ? `$$${source}$$` : `$${source}$`);
    e.preventDefault();
  };
  return <span ref={ref} class="math" data-latex={source} onCopy={copy}>{source}</span>;
}
