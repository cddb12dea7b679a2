import { useState } from 'react';

/** A product image that fills its box; a neutral tile with the title when there is none or it fails. */
export function Img({ src, alt, lazy = true }: { src: string | null | undefined; alt: string; lazy?: boolean }) {
  const [failed, setFailed] = useState(false);
  if (!src || failed) {
    return (
      // A decorative picture (alt "") has no name to give: hide the tile from assistive tech rather than announce an unnamed image.
      <div className="img-ph" {...(alt ? { role: 'img', 'aria-label': alt } : { 'aria-hidden': true })}>
        暂无图片
      </div>
    );
  }
  return <img className="img-fill" src={src} alt={alt} loading={lazy ? 'lazy' : 'eager'} decoding="async" onError={() => setFailed(true)} />;
}
