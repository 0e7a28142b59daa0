// The page's link: the address to share this experiment (settings, seed, hidden controls, lesson), a
// button that copies it, and one line for each part of the link the page was opened with that was not
// used as written, saying what was used instead.
import { Fragment, useState } from 'react';
import { useStore } from 'zustand';
import { linkStore } from '../../state/linkStore';
import { copyText } from '../saveFile';

export function SharePanel() {
  const { link, notices, dismissNotices } = useStore(linkStore);
  const [copied, setCopied] = useState('');
  const url = `${location.origin}${location.pathname}${location.search}#${link}`;
  // the clipboard may be refused (permissions, no secure context): the link stays selectable beside it
  const copy = async () => setCopied((await copyText(url)) ? 'copied' : 'the browser refused: select the link and copy it');
  return (
    <section className="panel share" aria-labelledby="share-title">
      <h2 id="share-title">Share this experiment</h2>
      {notices.length > 0 && (
        <div className="link-notices error" role="alert" data-testid="link-notices">
          <p>Parts of the link this page was opened with were not used as written:</p>
          <ul>{notices.map((n, i) => <li key={i} data-testid="link-notice">{n}</li>)}</ul>
          <button type="button" className="link" onClick={dismissNotices}>dismiss</button>
        </div>
      )}
      <div className="share-row">
        <input readOnly value={url} aria-label="share link" data-testid="share-link" onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={() => void copy()} data-testid="copy-link">copy link</button>
        <span role="status">{copied}</span>
      </div>
      <p className="explain">The same link reruns this experiment headless: <code>npm run train -- --config '#{breakable(link)}'</code></p>
    </section>
  );
}

/** The link with a line-break opportunity after each `&`, so a wrapped command breaks between settings,
 *  never inside a value (the text, and what Copy takes, are unchanged). */
function breakable(link: string) {
  return link.split('&').map((part, i) => (
    <Fragment key={i}>{i > 0 && <>&amp;<wbr /></>}{part}</Fragment>
  ));
}
