// A safe markdown subset built as DOM nodes (never innerHTML): paragraphs, bullet and
// numbered lists, **bold**, *italic*, `code`, $maths$ and [n] citation markers.
import type { ComponentChildren } from "preact";
import { Math } from "./math";

export type Inline = { cite?: (n: number) => ComponentChildren };

const TOKEN = /(\*\*[^*]+\*\*|\*[^*\s][^*]*\*|`[^`]+`|\$\$[^$]+\$\$|\$[^$\n]+\$|\[\d{1,2}\])/g;

export function inline(text: string, opts: Inline = {}): ComponentChildren[] {
  return text.split(TOKEN).map((part, i) => {
    if (!part) return null;
    if (part.startsWith("**") && part.endsWith("**") && part.length > 4) return <strong key={i}>{part.slice(2, -2)}</strong>;
    if (part.startsWith("`") && part.endsWith("`") && part.length > 2) return <code key={i}>{part.slice(1, -1)}</code>;
    if (part.startsWith("$$") && part.endsWith("$$") && part.length > 4) return <Math key={i} source={part.slice(2, -2)} display />;
    if (part.startsWith("$") && part.endsWith("$") && part.length > 2) return <Math key={i} source={part.slice(1, -1)} />;
    if (/^\[\d{1,2}\]$/.test(part) && opts.cite) return <span key={i}>{opts.cite(Number(part.slice(1, -1)))}</span>;
    if (part.startsWith("*") && part.endsWith("*") && part.length > 2) return <em key={i}>{part.slice(1, -1)}</em>;
    return part;
  });
}

export function Markdown({ text, ...opts }: { text: string } & Inline) {
  const blocks = text.replace(/\r/g, "").split(/\n{2,}/);
  return (
    <div class="md">
      {blocks.map((block, i) => {
        const lines = block.split("\n").filter((l) => l.trim());
        if (lines.length && lines.every((l) => /^\s*[-*•]\s+/.test(l))) {
          return <ul key={i}>{lines.map((l, j) => <li key={j}>{inline(l.replace(/^\s*[-*•]\s+/, ""), opts)}</li>)}</ul>;
        }
        if (lines.length && lines.every((l) => /^\s*\d+[.)]\s+/.test(l))) {
          return <ol key={i}>{lines.map((l, j) => <li key={j}>{inline(l.replace(/^\s*\d+[.)]\s+/, ""), opts)}</li>)}</ol>;
        }
        const heading = /^#{1,4}\s+(.*)$/.exec(block);
        if (heading && lines.length === 1) return <p key={i}><strong>{inline(heading[1], opts)}</strong></p>;
        return <p key={i}>{lines.flatMap((l, j) => (j ? [<br key={`b${j}`} />, ...inline(l, opts)] : inline(l, opts)))}</p>;
      })}
    </div>
  );
}
