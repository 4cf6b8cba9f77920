/** Renders the parsed Markdown subset as Preact elements and text nodes (never innerHTML). */
import type { ComponentChildren } from 'preact';
import { parseMarkdown, type Inline } from '../markdown.ts';

function renderInline(nodes: Inline[]): ComponentChildren[] {
  return nodes.map((n, i) => {
    switch (n.type) {
      case 'text':
        return n.text; // a string child becomes a DOM text node: markup in it is shown, not interpreted
      case 'br':
        return <br key={i} />;
      case 'code':
        return <code key={i}>{n.text}</code>;
      case 'strong':
        return <strong key={i}>{renderInline(n.children)}</strong>;
      case 'em':
        return <em key={i}>{renderInline(n.children)}</em>;
      case 'link':
        // A new tab, with no window.opener access or referrer leak back to the bank page.
        return (
          <a key={i} href={n.href} target="_blank" rel="noopener noreferrer">
            {renderInline(n.children)}
          </a>
        );
    }
  });
}

/** Bot text with the supported Markdown subset (bold, italics, code, links, lists, line breaks). */
export function MarkdownView(props: { text: string }) {
  const blocks = parseMarkdown(props.text);
  return (
    <div class="md">
      {blocks.map((b, i) =>
        b.type === 'paragraph' ? (
          <p key={i}>{renderInline(b.children)}</p>
        ) : b.ordered ? (
          <ol key={i}>{b.items.map((it, j) => <li key={j}>{renderInline(it)}</li>)}</ol>
        ) : (
          <ul key={i}>{b.items.map((it, j) => <li key={j}>{renderInline(it)}</li>)}</ul>
        ),
      )}
    </div>
  );
}
