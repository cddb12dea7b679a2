import { Fragment, type ReactNode } from 'react';

const BLOCK = new Set(['p', 'div', 'h2', 'h3', 'h4', 'ul', 'ol', 'li', 'blockquote', 'section']);
const INLINE = new Set(['b', 'strong', 'em', 'i', 'u', 'span', 'small', 'br']);
const SAFE_SRC = /^(https?:\/\/|\/(?!\/))/i;

/**
 * A product description: plain text keeps its line breaks; merchant HTML is parsed inertly and rebuilt
 * from an allow-list of tags (no attributes but a checked img src), so nothing in it can run script.
 */
export function RichText({ source, alt }: { source: string; alt: string }) {
  if (!/<[a-z][\s\S]*>/i.test(source)) return <div style={{ whiteSpace: 'pre-wrap' }}>{source}</div>;
  const doc = new DOMParser().parseFromString(source, 'text/html');
  let imgNo = 0;
  const walk = (node: Node, key: number): ReactNode => {
    if (node.nodeType === Node.TEXT_NODE) return node.textContent;
    if (node.nodeType !== Node.ELEMENT_NODE) return null;
    const el = node as Element;
    const tag = el.tagName.toLowerCase();
    const kids = Array.from(el.childNodes).map((c, i) => walk(c, i));
    if (tag === 'img') {
      const src = el.getAttribute('src') ?? '';
      imgNo += 1;
      return SAFE_SRC.test(src) ? <img key={key} src={src} alt={el.getAttribute('alt') || `${alt} 详情图 ${imgNo}`} loading="lazy" /> : null;
    }
    if (tag === 'br') return <br key={key} />;
    if (BLOCK.has(tag) || INLINE.has(tag)) {
      const Tag = tag as keyof JSX.IntrinsicElements;
      return <Tag key={key}>{kids}</Tag>;
    }
    return <Fragment key={key}>{kids}</Fragment>;
  };
  return <div>{Array.from(doc.body.childNodes).map((n, i) => walk(n, i))}</div>;
}
